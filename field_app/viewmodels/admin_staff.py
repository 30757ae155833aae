"""People and accounts: the staff of an office (or of the user's whole
jurisdiction) with a search, one person's details and devices, and what
may be done to them — create, edit, change role, move to another unit,
deactivate and reactivate, reset the password, revoke a device.

Each change is an ``ActionForm`` with a reason for the audit chain. A
one-time password (a new account, a reset) is shown once, until the
screen is left or the next action starts, and never stored.
"""

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from field_app.core import FieldAppCore
from field_app.i18n import Msg, msg
from field_app.supervision.administration import AdministrationClient, StaffQuery
from field_app.viewmodels.admin import ActionForm, AdminModel, Section
from shared_models.domain.org import OrgUnitKind, Role
from shared_models.protocol.admin import DeviceInfo, PasswordReset
from shared_models.protocol.administration import (
    RoleChange,
    StaffCreate,
    StaffEdit,
    StaffMember,
    StaffMove,
)

PAGE = 100
ROLES = tuple(Role)


@dataclass(frozen=True)
class OneTimePassword:
    """Shown once, to be handed over in person; the person must change it."""

    display_name: str
    username: str
    password: str


class StaffViewModel(AdminModel):
    section = Section.STAFF

    def __init__(self, core: FieldAppCore, client: AdministrationClient | None = None) -> None:
        super().__init__(core, client)
        self.unit_id: UUID | None = None
        """The unit whose staff are listed; ``None``: everyone the user may see."""
        self.search = ""
        self.members: list[StaffMember] = []
        self.total = 0
        self.selected: StaffMember | None = None
        self.devices: list[DeviceInfo] = []
        self.one_time: OneTimePassword | None = None

    # -- the list ----------------------------------------------------------------------

    def load(self) -> None:
        if self.load_units():
            self._list()
        self.notify()

    def _list(self, offset: int = 0) -> None:
        query = StaffQuery(self.unit_id, self.search, True, offset, PAGE)
        ok, page = self._call(lambda: self.client.staff(query))
        if not ok or page is None:
            return
        self.members = page.items if offset == 0 else [*self.members, *page.items]
        self.total = page.total
        # The person on the right stays there (a search may leave them out of
        # the list), as the list has them now when it does.
        chosen = self.selected
        if chosen is not None:
            self.selected = next((m for m in self.members if m.id == chosen.id), chosen)

    @property
    def unit_choices(self) -> list[tuple[UUID | None, Msg | str]]:
        """Everyone the user may see, or one unit (closed ones too: their
        people may still need moving)."""
        everyone: Msg = msg("staff.all_units")
        units = self.units_of(
            OrgUnitKind.DISTRICT, OrgUnitKind.OFFICE, OrgUnitKind.COMMITTEE, open_only=False
        )
        return [(None, everyone), *((unit.id, unit.name) for unit in units)]

    def set_unit(self, unit_id: UUID | None) -> None:
        self.unit_id = unit_id
        self._list()
        self.notify()

    def set_search(self, text: str) -> None:
        self.search = text
        self._list()
        self.notify()

    @property
    def has_more(self) -> bool:
        return len(self.members) < self.total

    def more(self) -> None:
        self._list(len(self.members))
        self.notify()

    # -- one person --------------------------------------------------------------------

    def open(self, member: StaffMember) -> None:
        self.selected = member
        self.form = None
        self.one_time = None
        ok, devices = self._call(lambda: self.client.devices_of(member.id))
        self.devices = devices or [] if ok else []
        self.notify()

    def is_me(self, member: StaffMember) -> bool:
        me = self.core.user
        return me is not None and me.id == member.id

    def actions(self, member: StaffMember) -> list[str]:
        """What the user may do to ``member``: what the server would allow,
        so nothing offered is refused for want of a right. Nobody acts on
        their own account here (their password is changed in Settings)."""
        if self.is_me(member):
            return []
        rights = self.rights
        found: list[str] = []
        if rights.edit_staff:
            found.append("edit")
        if rights.moves(member.role):
            found.append("move")
        if rights.roles:
            found.append("role")
        if rights.accounts:
            found += ["reset", "deactivate"] if member.active else ["reactivate"]
        return found

    @property
    def can_create(self) -> bool:
        return self.rights.accounts

    @property
    def can_revoke(self) -> bool:
        return self.rights.accounts

    def place_choices(self) -> list[tuple[UUID, str]]:
        """Open units a person may be placed at."""
        kinds = (OrgUnitKind.DISTRICT, OrgUnitKind.OFFICE, OrgUnitKind.COMMITTEE)
        return [(unit.id, unit.name) for unit in self.units_of(*kinds)]

    # -- starting an action ------------------------------------------------------------

    def start_action(self, action: str) -> None:
        """Open ``action``'s form for the selected person, filled with what
        they have now."""
        member = self.selected
        if action == "create":
            unit = self.unit_id or (self.core.user.org_unit_id if self.core.user else None)
            self.start("create", org_unit_id=str(unit or ""), role=Role.MEDIATOR.value)
            return
        if member is None or action not in self.actions(member):
            return
        self.one_time = None
        values = {
            "edit": {"display_name": member.display_name, "phone": member.phone},
            "role": {"role": member.role.value},
            "move": {"org_unit_id": str(member.org_unit_id)},
        }.get(action, {})
        self.start(action, target=member.display_name, **values)

    # -- sending it --------------------------------------------------------------------

    def submit(self) -> bool:
        """Check the form, send it, and show the result; ``True`` when done."""
        form = self.form
        if form is None:
            return False
        form.errors.clear()
        form.check_reason()
        if form.action == "create":
            return self._create()
        member = self.selected
        send = self._sender(form, member) if member is not None else None
        if member is None or send is None or form.errors:
            self.notify()
            return False
        done, answer = self._submit(form, send)
        if done:
            if isinstance(answer, PasswordReset):
                self.one_time = OneTimePassword(
                    member.display_name, member.username, answer.one_time_password
                )
            self._reread(member.id)
            self.notice = msg(f"staff.done.{form.action}", name=member.display_name)
        self.notify()
        return done

    def _sender(self, form: ActionForm, member: StaffMember) -> Callable[[], object] | None:
        """The call ``form`` makes, or ``None`` with what is wrong in ``form.errors``."""
        reason = form.text("reason")
        user_id = member.id
        if form.action == "edit":
            values = {"display_name": form.text("display_name"), "phone": form.text("phone")}
            form.require("display_name")
            if not form.check(StaffEdit, {**values, "reason": reason}):
                return None
            return lambda: self.client.edit_staff(user_id, StaffEdit(**values, reason=reason))
        if form.action == "role":
            if not form.require("role") or form.errors:
                return None
            role = RoleChange(role=Role(form.text("role")), reason=reason)
            return lambda: self.client.change_role(user_id, role)
        if form.action == "move":
            if not form.require("org_unit_id") or form.errors:
                return None
            move = StaffMove(org_unit_id=UUID(form.text("org_unit_id")), reason=reason)
            return lambda: self.client.move_staff(user_id, move)
        if form.action in ("deactivate", "reactivate"):
            active = form.action == "reactivate"
            return lambda: self.client.set_active(user_id, active, reason)
        if form.action == "reset":
            return lambda: self.client.reset_password(user_id, reason)
        return None

    def _create(self) -> bool:
        form = self.form
        assert form is not None
        reason = form.text("reason")
        values = {
            "username": form.text("username"),
            "display_name": form.text("display_name"),
            "role": form.text("role"),
            "org_unit_id": form.text("org_unit_id"),
            "phone": form.text("phone"),
            "reason": reason,
        }
        form.require("username", "display_name", "role", "org_unit_id")
        if not form.check(StaffCreate, values):
            self.notify()
            return False
        body = StaffCreate.model_validate(values)
        done, created = self._submit(form, lambda: self.client.create_staff(body))
        if done and created is not None:
            member = created.member
            self.one_time = OneTimePassword(
                member.display_name, member.username, created.one_time_password
            )
            self.notice = msg("staff.done.create", name=member.display_name)
            self._list()
            self.selected = member
            self.devices = []
        self.notify()
        return done

    def _reread(self, user_id: UUID) -> None:
        ok, member = self._call(lambda: self.client.staff_member(user_id))
        if ok and member is not None:
            self.selected = member
        self._list()

    def dismiss_password(self) -> None:
        self.one_time = None
        self.notify()

    def revoke(self, device_id: str) -> bool:
        """Cut one device off (no reason: the device list says who and when)."""
        if not self.can_revoke or self.selected is None:
            return False
        ok, _ = self._call(lambda: self.client.revoke_device(device_id))
        if ok:
            self.notice = msg("devices.revoked")
            self.open(self.selected)
        else:
            self.notify()
        return ok
