"""What every screen of the supervisor workspace shares: the client on the
device's sign-in, one way of saying what went wrong (most often: "this
needs the network"), and the names of people and units, read from the
synced copy on the device (a supervisor's device holds the jurisdiction's
users and org units) so the server's answers can carry ids only."""

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar
from uuid import UUID

from field_app.core import FieldAppCore
from field_app.errors import AuthRevoked, Offline, RequestRejected, SyncError
from field_app.i18n import Msg, msg
from field_app.services.directory import org_units, people, unit_kind
from field_app.supervision.client import SupervisionClient
from field_app.viewmodels.base import Saving
from shared_models.domain.org import OrgUnitKind, Role

T = TypeVar("T")

FIELD_ROLES = frozenset({Role.MEDIATOR, Role.OFFICER})
"""The people whose records come into the queue."""


def supervision_client(core: FieldAppCore) -> SupervisionClient:
    """The workspace's calls over the device's own connection and sign-in."""
    return SupervisionClient(core.http, core.session.token)


def problem(error: SyncError) -> Msg:
    """A failed workspace call, said as what to do next."""
    if isinstance(error, Offline):
        return msg("supervision.offline")
    if isinstance(error, AuthRevoked):
        return msg("supervision.sign_in_again")
    if isinstance(error, RequestRejected):
        return msg("error.server_refused", detail=error.message)
    return msg("error.server_failed")


@dataclass(frozen=True)
class Directory:
    """Names by id, and the choices the filters offer."""

    users: dict[UUID, str]
    units: dict[UUID, str]
    offices: list[tuple[UUID, str]]
    """The offices in the user's jurisdiction, by name."""
    authors: list[tuple[UUID, str]]
    """Mediators and officers, by name."""
    district_user: bool
    """Sits at the district (sees every office; a roll-up on the dashboard)."""

    def user(self, user_id: UUID | None) -> str:
        return self.users.get(user_id, "") if user_id is not None else ""

    def unit(self, unit_id: UUID | None) -> str:
        return self.units.get(unit_id, "") if unit_id is not None else ""


def read_directory(core: FieldAppCore) -> Directory:
    me = core.user
    home = me.org_unit_id if me is not None else None
    users = people(core.store)
    units = org_units(core.store)
    kinds = {unit.id: unit.kind for unit in units}
    offices = sorted(
        ((unit.id, unit.name) for unit in units if unit.kind is OrgUnitKind.OFFICE),
        key=lambda pair: pair[1],
    )
    authors = sorted(
        ((user.id, user.display_name) for user in users if user.role in FIELD_ROLES),
        key=lambda pair: pair[1],
    )
    return Directory(
        users={user.id: user.display_name for user in users},
        units={unit.id: unit.name for unit in units},
        offices=offices,
        authors=authors,
        district_user=home is not None and kinds.get(home) is OrgUnitKind.DISTRICT,
    )


def sits_at_district(core: FieldAppCore) -> bool:
    """The signed-in user belongs to the district unit (from the synced org units)."""
    me = core.user
    return me is not None and unit_kind(core.store, me.org_unit_id) is OrgUnitKind.DISTRICT


class WorkspaceModel(Saving, ABC):
    """A screen that asks the server: ``error`` says why the last call failed."""

    def __init__(self, core: FieldAppCore, client: SupervisionClient | None = None) -> None:
        super().__init__()
        self.core = core
        self.client = client or supervision_client(core)
        self.error: Msg | None = None
        self.notice: Msg | None = None
        """What the last action did ("Sent back to …"), for a toast."""

    @abstractmethod
    def load(self) -> None:
        """Ask the server again for what the screen shows."""

    @property
    def offline(self) -> bool:
        return self.error == msg("supervision.offline")

    def _call(self, work: Callable[[], T]) -> tuple[bool, T | None]:
        """``(True, result)``, or ``(False, None)`` with ``error`` set."""
        try:
            result = work()
        except SyncError as error:
            self.error = problem(error)
            return False, None
        self.error = None
        return True, result
