"""Transfers: a person under community correction moved to another office
or officer, a mediation case to another committee (or office) and
mediator — a district decision with a reason, never a field edit.

The record is found on the desk's own synced copy (a district user's
device holds the district's cases and subjects); where it goes and who
takes it over come from the server (the org tree, the staff of the chosen
unit). The server moves everything that hangs off the record; the old
unit's devices drop it at their next pull and the new one's receive it.
"""

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from field_app.core import FieldAppCore
from field_app.i18n import msg
from field_app.services.cases import list_cases
from field_app.services.correction_settings import district_settings
from field_app.services.subjects import list_subjects
from field_app.supervision.administration import AdministrationClient, StaffQuery
from field_app.viewmodels.admin import AdminModel, Section
from shared_models.domain.org import OrgUnitKind, Role
from shared_models.protocol.administration import StaffMember
from shared_models.protocol.transfers import TransferCreate, TransferTable

SHOWN = 30
"""Matches listed at once: a name narrows it further."""


class TransferKind(StrEnum):
    SUBJECT = "subject"
    CASE = "case"


TABLES = {TransferKind.SUBJECT: TransferTable.SUBJECTS, TransferKind.CASE: TransferTable.CASES}
PERSON_ROLE = {TransferKind.SUBJECT: Role.OFFICER, TransferKind.CASE: Role.MEDIATOR}
TARGET_KINDS = {
    TransferKind.SUBJECT: (OrgUnitKind.OFFICE,),
    TransferKind.CASE: (OrgUnitKind.COMMITTEE, OrgUnitKind.OFFICE),
}


@dataclass(frozen=True)
class Movable:
    """A case or a subject as the list shows it."""

    record_id: UUID
    name: str
    """The subject's name, or the case's title."""
    org_unit_id: UUID
    person_id: UUID | None
    """The officer or the mediator in charge."""


class TransfersViewModel(AdminModel):
    section = Section.TRANSFERS

    def __init__(self, core: FieldAppCore, client: AdministrationClient | None = None) -> None:
        super().__init__(core, client)
        self.kind = TransferKind.SUBJECT
        self.search = ""
        self.found: list[Movable] = []
        self.selected: Movable | None = None
        self.people: list[StaffMember] = []
        """Who may take the record over at the chosen unit."""

    def load(self) -> None:
        self.load_units()
        self._find()
        self.notify()

    def set_kind(self, kind: TransferKind) -> None:
        self.kind = kind
        self.selected = None
        self.form = None
        self._find()
        self.notify()

    def set_search(self, text: str) -> None:
        self.search = text
        self._find()
        self.notify()

    def _find(self) -> None:
        """Matches from the device's synced copy (names are decrypted there only)."""
        store = self.core.store
        text = self.search.strip()
        if self.kind is TransferKind.CASE:
            cases = list_cases(store, search=text or None, limit=SHOWN)
            self.found = [Movable(c.id, c.title, c.org_unit_id, c.mediator_id) for c in cases]
            return
        found: list[Movable] = []
        settings = district_settings(store)
        for due in list_subjects(store, self.core.now(), settings, include_ended=False):
            subject = due.subject
            if text and text not in subject.name and not subject.id_number.endswith(text):
                continue
            found.append(Movable(subject.id, subject.name, subject.org_unit_id, subject.officer_id))
            if len(found) >= SHOWN:
                break
        self.found = sorted(found, key=lambda m: m.name)

    def open(self, movable: Movable) -> None:
        self.selected = movable
        self.people = []
        self.start("transfer", target=movable.name, org_unit_id="", person_id="")
        self.notify()

    def target_choices(self) -> list[tuple[UUID, str]]:
        """Open units the record may go to."""
        return [(u.id, u.name) for u in self.units_of(*TARGET_KINDS[self.kind])]

    def set_target(self, unit_id: UUID) -> None:
        """A unit chosen: who there may take the record over."""
        self.set_value("org_unit_id", str(unit_id))
        self.set_value("person_id", "")
        role = PERSON_ROLE[self.kind]
        query = StaffQuery(org_unit_id=unit_id, include_inactive=False, limit=200)
        ok, page = self._call(lambda: self.client.staff(query))
        self.people = [m for m in page.items if m.role is role] if ok and page else []
        self.notify()

    def submit(self) -> bool:
        form, movable = self.form, self.selected
        if form is None or movable is None:
            return False
        form.errors.clear()
        form.check_reason()
        form.require("org_unit_id")
        if form.errors:
            self.notify()
            return False
        unit = UUID(form.text("org_unit_id"))
        person = UUID(form.text("person_id")) if form.text("person_id") else None
        if unit == movable.org_unit_id and person == movable.person_id:
            form.errors["org_unit_id"] = msg("transfer.error.same_place")
            self.notify()
            return False
        body = TransferCreate(
            table=TABLES[self.kind],
            record_id=movable.record_id,
            org_unit_id=unit,
            officer_id=person if self.kind is TransferKind.SUBJECT else None,
            mediator_id=person if self.kind is TransferKind.CASE else None,
            reason=form.text("reason"),
        )
        done, answer = self._submit(form, lambda: self.client.transfer(body))
        if done and answer is not None:
            self.notice = msg(
                "transfer.done", name=movable.name, unit=self.unit_name(unit), moved=answer.moved
            )
            self.selected = None
            # The desk's own copy follows at the next pull: ask for it now.
            self.core.sync_now()
        self.notify()
        return done
