"""New case intake (受理登记) in three short steps: what and where from,
who, then a last look before saving.

Everything typed is kept in a draft as it is typed, so a call, a crash or a
flat battery in the middle of an intake costs nothing: the next start
offers to continue it from the home screen.
"""

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from pydantic import JsonValue

from field_app.core import FieldAppCore
from field_app.errors import SaveRejectedError
from field_app.i18n import Msg, msg
from field_app.services.cases import CaseIntake, NewParty, open_case
from field_app.services.directory import units_within
from field_app.services.drafts import delete_draft, load_draft, save_draft
from field_app.viewmodels.base import Saving, field_name, rejected_message, saves_once
from shared_models.domain.cases import CaseCategory, CaseSource, PartyRole

INTAKE_DRAFT = "case-intake"
STEPS = 3
PARTY_FIELDS = ("role", "name", "phone", "id_number")


@dataclass(frozen=True)
class UnitChoice:
    id: UUID
    name: str


def _blank_party(role: PartyRole) -> dict[str, str]:
    return {"role": role.value, "name": "", "phone": "", "id_number": ""}


class CaseIntakeViewModel(Saving):
    def __init__(self, core: FieldAppCore) -> None:
        super().__init__()
        self.core = core
        self.step = 0
        self.title = ""
        self.category: CaseCategory | None = None
        self.source: CaseSource = CaseSource.WALK_IN
        self.description = ""
        self.parties: list[dict[str, str]] = [
            _blank_party(PartyRole.APPLICANT),
            _blank_party(PartyRole.RESPONDENT),
        ]
        self.error: Msg | None = None
        self.field_errors: dict[str, Msg] = {}
        self.saved_id: UUID | None = None
        user = core.user
        self.units = self._units(user.org_unit_id if user else None)
        self.unit_id: UUID | None = user.org_unit_id if user else None
        self.resumed = self._restore()

    # -- editing (each change is kept in the draft) ---------------------------

    def set(self, name: str, value: str) -> None:
        if name == "title":
            self.title = value
        elif name == "description":
            self.description = value
        elif name == "category":
            self.category = CaseCategory(value) if value else None
        elif name == "source":
            self.source = CaseSource(value)
        elif name == "unit":
            self.unit_id = UUID(value)
        else:
            raise KeyError(name)
        self.field_errors.pop(name, None)
        self._keep()

    def set_party(self, index: int, name: str, value: str) -> None:
        if name not in PARTY_FIELDS:
            raise KeyError(name)
        self.parties[index][name] = value
        self.field_errors.pop(f"parties.{index}.{name}", None)
        self._keep()

    def add_party(self, role: PartyRole = PartyRole.OTHER) -> None:
        self.parties.append(_blank_party(role))
        self._keep()
        self.notify()

    def remove_party(self, index: int) -> None:
        del self.parties[index]
        self._keep()
        self.notify()

    # -- steps ------------------------------------------------------------------------

    def next(self) -> bool:
        if not self._step_ok(self.step):
            self.notify()
            return False
        self.step = min(STEPS - 1, self.step + 1)
        self.error = None
        self._keep()
        self.notify()
        return True

    def back(self) -> None:
        self.step = max(0, self.step - 1)
        self.error = None
        self._keep()
        self.notify()

    def _step_ok(self, step: int) -> bool:
        errors: dict[str, Msg] = {}
        if step == 0:
            if not self.title.strip():
                errors["title"] = msg("intake.error.title")
            if self.category is None:
                errors["category"] = msg("intake.error.category")
            if self.unit_id is None:
                errors["unit"] = msg("intake.error.unit")
        elif step == 1 and not self.named_parties():
            self.error = msg("intake.error.no_party")
            return False
        self.field_errors = errors
        return not errors

    def named_parties(self) -> list[tuple[int, dict[str, str]]]:
        """Parties with a name; an untouched blank row is not a party."""
        return [(i, p) for i, p in enumerate(self.parties) if p["name"].strip()]

    # -- saving --------------------------------------------------------------------------

    @saves_once
    def save(self) -> bool:
        for step in range(STEPS - 1):
            if not self._step_ok(step):
                self.step = step
                self.notify()
                return False
        assert self.category is not None
        assert self.unit_id is not None
        user = self.core.user
        store = self.core.store
        intake = CaseIntake(
            title=self.title.strip(),
            category=self.category,
            source=self.source,
            org_unit_id=self.unit_id,
            description=self.description.strip(),
            mediator_id=user.id if user else None,
        )
        named = self.named_parties()
        parties = [
            NewParty(
                role=PartyRole(p["role"]),
                name=p["name"].strip(),
                phone=p["phone"].strip() or None,
                id_number=p["id_number"].strip().upper() or None,
            )
            for _, p in named
        ]
        try:
            case = open_case(store, intake, parties)
        except SaveRejectedError as refused:
            self._show_rejection(refused, [index for index, _ in named])
            return False
        delete_draft(store, INTAKE_DRAFT)
        self.saved_id = case.id
        self.core.changed()
        self.notify()
        return True

    def discard(self) -> None:
        delete_draft(self.core.store, INTAKE_DRAFT)

    def _show_rejection(self, refused: SaveRejectedError, indexes: list[int]) -> None:
        self.error = rejected_message(refused)
        where = refused.field or ""
        if where.startswith("parties."):
            _, position, *_ = where.split(".")
            if position.isdigit() and int(position) < len(indexes):
                name = field_name(where) or "name"
                self.field_errors[f"parties.{indexes[int(position)]}.{name}"] = self.error
            self.step = 1
        else:
            top = field_name(where)
            if top:
                self.field_errors[top] = self.error
            self.step = 0
        self.notify()

    # -- the draft --------------------------------------------------------------------

    def _payload(self) -> dict[str, JsonValue]:
        parties: list[JsonValue] = [dict(p) for p in self.parties]
        return {
            "step": self.step,
            "title": self.title,
            "category": self.category.value if self.category else "",
            "source": self.source.value,
            "description": self.description,
            "unit": str(self.unit_id) if self.unit_id else "",
            "parties": parties,
        }

    def _keep(self) -> None:
        if self.saved_id is None:
            save_draft(self.core.store, INTAKE_DRAFT, self._payload())

    def _restore(self) -> bool:
        draft: dict[str, Any] | None = load_draft(self.core.store, INTAKE_DRAFT)
        if not draft:
            return False
        self.step = int(draft.get("step", 0)) % STEPS
        self.title = str(draft.get("title", ""))
        self.category = CaseCategory(draft["category"]) if draft.get("category") else None
        self.source = CaseSource(draft.get("source") or CaseSource.WALK_IN)
        self.description = str(draft.get("description", ""))
        if draft.get("unit"):
            self.unit_id = UUID(str(draft["unit"]))
        parties = draft.get("parties")
        if isinstance(parties, list) and parties:
            self.parties = [
                {name: str(p.get(name, "")) for name in PARTY_FIELDS}
                for p in parties
                if isinstance(p, dict)
            ]
        return True

    def _units(self, unit_id: UUID | None) -> list[UnitChoice]:
        if unit_id is None:
            return []
        units = [UnitChoice(unit.id, unit.name) for unit in units_within(self.core.store, unit_id)]
        units.sort(key=lambda unit: (unit.id != unit_id, unit.name))
        return units
