"""The organisation: the district, its judicial offices (司法所) and their
mediation committees (调委会) as a tree, each with its official and short
name, code, address and contact; and shaping it — a new office or
committee, a rename or new details, a committee moved under another office,
a unit closed (never deleted: records point to it) or reopened.

Devices learn every change at their next pull. Only admins and district
supervisors change the tree; everyone else sees their part of it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from field_app.core import FieldAppCore
from field_app.i18n import msg
from field_app.supervision.administration import AdministrationClient
from field_app.viewmodels.admin import ActionForm, AdminModel, Section, depths, tree_order
from shared_models.domain.org import OrgUnitKind
from shared_models.protocol.administration import (
    OrgUnitAdmin,
    OrgUnitCreate,
    OrgUnitEdit,
    OrgUnitMove,
)

CHILD_KIND = {OrgUnitKind.DISTRICT: OrgUnitKind.OFFICE, OrgUnitKind.OFFICE: OrgUnitKind.COMMITTEE}
"""What is created under a unit: offices under the district, committees under an office."""
DETAILS = ("name", "short_name", "code", "address", "contact_person", "contact_phone")


@dataclass(frozen=True)
class TreeRow:
    unit: OrgUnitAdmin
    depth: int


class OrgTreeViewModel(AdminModel):
    section = Section.ORG

    def __init__(self, core: FieldAppCore, client: AdministrationClient | None = None) -> None:
        super().__init__(core, client)
        self.selected: OrgUnitAdmin | None = None
        self.show_closed = False

    def load(self) -> None:
        self.load_units()
        if self.selected is not None:
            self.selected = next((u for u in self.units if u.id == self.selected.id), None)
        self.notify()

    @property
    def rows(self) -> list[TreeRow]:
        """The tree, depth first; closed units only when asked for."""
        ordered = tree_order(self.units)
        depth = depths(ordered)
        return [
            TreeRow(unit, depth[unit.id]) for unit in ordered if self.show_closed or not unit.closed
        ]

    def set_show_closed(self, show: bool) -> None:
        self.show_closed = show
        self.notify()

    def open(self, unit: OrgUnitAdmin) -> None:
        self.selected = unit
        self.form = None
        self.notify()

    # -- what may be done --------------------------------------------------------------

    def actions(self, unit: OrgUnitAdmin) -> list[str]:
        if not self.rights.shape_tree:
            return []
        found: list[str] = []
        if unit.kind in CHILD_KIND and not unit.closed:
            found.append("create")
        found.append("edit")
        if unit.kind is not OrgUnitKind.DISTRICT:
            found += ["move", "reopen" if unit.closed else "close"]
        return found

    def parent_choices(self, unit: OrgUnitAdmin) -> list[tuple[UUID, str]]:
        """Where ``unit`` may go: a committee under another open office, an
        office under the district."""
        wanted = OrgUnitKind.OFFICE if unit.kind is OrgUnitKind.COMMITTEE else OrgUnitKind.DISTRICT
        return [(u.id, u.name) for u in self.units_of(wanted) if u.id != unit.parent_id]

    def start_action(self, action: str) -> None:
        unit = self.selected
        if unit is None or action not in self.actions(unit):
            return
        if action == "create":
            self.start(action, target=unit.name, kind=CHILD_KIND[unit.kind].value)
        elif action == "edit":
            self.start(action, target=unit.name, **{name: getattr(unit, name) for name in DETAILS})
        else:
            self.start(action, target=unit.name)

    # -- sending it --------------------------------------------------------------------

    def submit(self) -> bool:
        form, unit = self.form, self.selected
        if form is None or unit is None:
            return False
        form.errors.clear()
        form.check_reason()
        send = self._sender(form, unit)
        if send is None or form.errors:
            self.notify()
            return False
        done, answer = self._submit(form, send)
        if done and answer is not None:
            self.notice = msg(f"org.done.{form.action}", name=answer.name)
            self.load_units()
            # The answer is the unit as it is now; the list may not show a new
            # unit yet (the server reuses a user's jurisdiction for a few seconds).
            self.units = [u for u in self.units if u.id != answer.id] + [answer]
            self.selected = answer
        self.notify()
        return done

    def _sender(self, form: ActionForm, unit: OrgUnitAdmin) -> Callable[[], OrgUnitAdmin] | None:
        """The call ``form`` makes, or ``None`` with what is wrong in ``form.errors``."""
        reason = form.text("reason")
        values = {name: form.text(name) for name in DETAILS}
        if form.action == "create":
            form.require("name", "short_name", "code")
            body = {**values, "kind": form.text("kind"), "parent_id": str(unit.id)}
            if not form.check(OrgUnitCreate, {**body, "reason": reason}):
                return None
            create = OrgUnitCreate.model_validate({**body, "reason": reason})
            return lambda: self.client.create_unit(create)
        if form.action == "edit":
            form.require("name", "short_name", "code")
            changed = {name: v for name, v in values.items() if v != getattr(unit, name)}
            if not changed:
                form.errors.setdefault("name", msg("org.error.nothing_changed"))
            if not form.check(OrgUnitEdit, {**changed, "reason": reason}):
                return None
            edit = OrgUnitEdit.model_validate({**changed, "reason": reason})
            return lambda: self.client.edit_unit(unit.id, edit)
        if form.action == "move":
            if not form.require("parent_id") or form.errors:
                return None
            move = OrgUnitMove(parent_id=UUID(form.text("parent_id")), reason=reason)
            return lambda: self.client.move_unit(unit.id, move)
        if form.action in ("close", "reopen"):
            closed = form.action == "close"
            return lambda: self.client.close_unit(unit.id, closed, reason)
        return None
