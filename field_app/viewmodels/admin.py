"""What the admin section's screens share: its sections, who may do what
there (the server's rules, so a screen never offers what would be refused),
the action form every change goes through (its fields and the reason the
audit chain keeps), and a refusal said plainly when the server says no.

The rights mirror ``sync_server/services/administration/authority.py``:
admins do everything; supervisors at the district see every office, shape
the org tree, move staff and transfer records; an office's supervisor sees
their own office and moves staff within it; only admins create accounts,
change roles, reset passwords, deactivate, revoke devices and import;
supervisors export the sheets of their jurisdiction.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar
from uuid import UUID

from pydantic import BaseModel, ValidationError

from field_app.core import FieldAppCore
from field_app.errors import BatchTooLarge, RequestRejected, SyncError
from field_app.i18n import Msg, msg
from field_app.supervision.administration import AdministrationClient
from field_app.viewmodels.supervision import WorkspaceModel, problem, sits_at_district
from shared_models.domain.org import OrgUnitKind, Role
from shared_models.protocol.administration import OrgUnitAdmin

T = TypeVar("T")
REASON_LIMIT = 200
"""The contract's ``Reason`` (``ShortText``): one line, at most 200 characters."""


class Section(StrEnum):
    STAFF = "staff"
    ORG = "org"
    TRANSFERS = "transfers"
    IMPORTS = "imports"


@dataclass(frozen=True)
class Rights:
    """What the signed-in user may do in the admin section."""

    role: Role | None
    district: bool
    """Sits at the district unit."""

    @property
    def admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def supervisory(self) -> bool:
        return self.role in (Role.SUPERVISOR, Role.ADMIN)

    @property
    def all_offices(self) -> bool:
        return self.admin or (self.supervisory and self.district)

    @property
    def accounts(self) -> bool:
        """Create accounts, reset passwords, deactivate, reactivate, revoke devices."""
        return self.admin

    @property
    def roles(self) -> bool:
        return self.admin

    @property
    def edit_staff(self) -> bool:
        return self.supervisory

    def moves(self, role: Role) -> bool:
        """Move a person of ``role`` to another unit: supervisors move mediators
        and officers, admins anyone."""
        return self.admin or (self.supervisory and role in (Role.MEDIATOR, Role.OFFICER))

    @property
    def shape_tree(self) -> bool:
        return self.all_offices

    @property
    def transfer(self) -> bool:
        return self.all_offices

    @property
    def import_sheets(self) -> bool:
        """Import ledgers, and download their empty templates."""
        return self.admin

    @property
    def export_sheets(self) -> bool:
        """Export the sheets of the user's jurisdiction."""
        return self.supervisory

    @property
    def sections(self) -> list[Section]:
        shown = [Section.STAFF, Section.ORG]
        if self.transfer:
            shown.append(Section.TRANSFERS)
        if self.import_sheets or self.export_sheets:
            shown.append(Section.IMPORTS)
        return shown


def rights_of(core: FieldAppCore) -> Rights:
    role = core.role
    return Rights(role, role is not None and sits_at_district(core))


FIELD_MESSAGES = frozenset({"username", "phone", "contact_phone", "code", "short_name"})
"""Fields with a message of their own when the contract refuses them."""


def contract_problems(model: type[BaseModel], values: Mapping[str, object]) -> dict[str, Msg]:
    """What the contract's model refuses in ``values``, by field: the rules
    are the contract's (``shared_models``), checked before anything is sent."""
    try:
        model.model_validate(values)
    except ValidationError as error:
        found: dict[str, Msg] = {}
        for problem in error.errors():
            name = str(problem["loc"][0]) if problem["loc"] else ""
            if name and name not in found:
                key = f"admin.error.{name}" if name in FIELD_MESSAGES else "admin.error.invalid"
                found[name] = msg(key)
        return found
    return {}


def reason_problem(text: str) -> Msg | None:
    """Why a reason cannot go to the audit chain as it is, or ``None``."""
    if not text.strip():
        return msg("admin.error.reason")
    if len(text.strip()) > REASON_LIMIT or "\n" in text.strip():
        return msg("admin.error.reason_long", limit=REASON_LIMIT)
    return None


@dataclass
class ActionForm:
    """An action being filled in: its name, its fields as typed, and what is
    wrong with them. Every action has a ``reason`` field."""

    action: str
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, Msg] = field(default_factory=dict)
    target: str = ""
    """What it acts on, by name (shown above the fields)."""

    def get(self, name: str) -> str:
        return self.values.get(name, "")

    def text(self, name: str) -> str:
        return self.get(name).strip()

    def check_reason(self) -> bool:
        problem = reason_problem(self.get("reason"))
        if problem is not None:
            self.errors["reason"] = problem
        return problem is None

    def check(self, model: type[BaseModel], values: Mapping[str, object]) -> bool:
        """The contract's rules on ``values`` (a field's first problem is
        kept); ``True`` when the form has no problem at all."""
        for name, found in contract_problems(model, values).items():
            self.errors.setdefault(name, found)
        return not self.errors

    def require(self, *names: str) -> bool:
        """Each of ``names`` is filled in (otherwise it says so)."""
        for name in names:
            if not self.text(name):
                self.errors[name] = msg("admin.error.required")
        return not any(name in self.errors for name in names)


def refusal(error: SyncError) -> Msg | None:
    """The admin section's own words for a refusal, or ``None`` for the
    workspace's usual ones: a file over the server's limit, a right the
    user does not have, a name already taken."""
    if isinstance(error, BatchTooLarge):
        return msg("admin.error.too_large")
    if isinstance(error, RequestRejected):
        if error.status == 403:
            return msg("admin.error.forbidden", detail=error.message)
        if error.status == 409:
            return msg("admin.error.conflict", detail=error.message)
    return None


class AdminModel(WorkspaceModel):
    """An admin screen: its rights, its action form, the server's units."""

    client: AdministrationClient
    section: Section

    def __init__(self, core: FieldAppCore, client: AdministrationClient | None = None) -> None:
        super().__init__(core, client or AdministrationClient(core.http, core.session.token))
        self.rights = rights_of(core)
        self.form: ActionForm | None = None
        self.units: list[OrgUnitAdmin] = []
        """The org tree as the server has it (the caller's part of it)."""
        self._last_error: SyncError | None = None

    # -- the action form ---------------------------------------------------------------

    def start(self, action: str, target: str = "", **values: str) -> None:
        self.form = ActionForm(action, dict(values), target=target)
        self.error = None
        self.notify()

    def set_value(self, name: str, value: str) -> None:
        """A keystroke: kept without a re-render (the field shows it already)."""
        if self.form is not None:
            self.form.values[name] = value
            self.form.errors.pop(name, None)

    def submit(self) -> bool:
        """Send the open form (each screen knows its actions); ``True`` when done."""
        return False

    def cancel(self) -> None:
        self.form = None
        self.notify()

    def _submit(self, form: ActionForm, work: Callable[[], T]) -> tuple[bool, T | None]:
        """Send a checked form: on success the form closes; a field the server
        named keeps the form open with the server's reason under that field."""
        ok, result = self._call(work)
        if ok:
            self.form = None
        elif isinstance(self._last_error, RequestRejected):
            named = self._last_error.details.get("field")
            if isinstance(named, str) and named in form.values:
                form.errors[named] = msg("error.server_refused", detail=self._last_error.message)
        return ok, result

    def _call(self, work: Callable[[], T]) -> tuple[bool, T | None]:
        """``WorkspaceModel._call``, with the admin section's words for a refusal."""
        try:
            result = work()
        except SyncError as error:
            self._last_error = error
            self.error = refusal(error) or problem(error)
            return False, None
        self._last_error = None
        self.error = None
        return True, result

    # -- the units ----------------------------------------------------------------------

    def load_units(self) -> bool:
        ok, units = self._call(self.client.org_units)
        if ok and units is not None:
            self.units = units
        return ok

    def unit_name(self, unit_id: object) -> str:
        return next((unit.name for unit in self.units if unit.id == unit_id), "")

    def units_of(self, *kinds: OrgUnitKind, open_only: bool = True) -> list[OrgUnitAdmin]:
        """Units of ``kinds`` (open ones only, unless asked), in tree order."""
        return [
            unit
            for unit in tree_order(self.units)
            if unit.kind in kinds and not (open_only and unit.closed)
        ]


def tree_order(units: list[OrgUnitAdmin]) -> list[OrgUnitAdmin]:
    """Parents before their children, siblings by code then name (a unit
    whose parent is not in the list is a root: an office supervisor's office)."""
    known = {unit.id for unit in units}
    children: dict[object, list[OrgUnitAdmin]] = {}
    for unit in units:
        parent = unit.parent_id if unit.parent_id in known else None
        children.setdefault(parent, []).append(unit)
    ordered: list[OrgUnitAdmin] = []

    def walk(parent: object) -> None:
        for unit in sorted(children.get(parent, []), key=lambda u: (u.code, u.name)):
            ordered.append(unit)
            walk(unit.id)

    walk(None)
    return ordered


def depths(units: list[OrgUnitAdmin]) -> Mapping[object, int]:
    """How deep each unit sits below the top of the list (0: a root)."""
    by_id = {unit.id: unit for unit in units}
    found: dict[object, int] = {}

    def depth(unit: OrgUnitAdmin) -> int:
        if unit.id not in found:
            parent = by_id.get(unit.parent_id) if unit.parent_id is not None else None
            found[unit.id] = 0 if parent is None else depth(parent) + 1
        return found[unit.id]

    for unit in units:
        depth(unit)
    return found


def matching(
    choices: Sequence[tuple[UUID, str]], text: str, chosen: str = ""
) -> list[tuple[UUID, str]]:
    """The choices whose name contains ``text`` (any case), the chosen one first."""
    needle = text.strip().casefold()
    found = [(uid, name) for uid, name in choices if needle in name.casefold()]
    found.sort(key=lambda pair: str(pair[0]) != chosen)
    return found
