"""Who may administer what: the one place these rules are written.

- Admins do everything, district-wide.
- District supervisors (supervisors sitting at the district unit) see every
  office's staff, shape the org tree and move staff; office supervisors see
  their own office's staff and move staff within it.
- Only admins create accounts, change roles, reset passwords, deactivate,
  import and revoke devices: each hands out or takes away access
  (docs/security.md, "Who may").
"""

from sqlmodel import Session

from shared_models.domain.org import Role
from shared_models.protocol.errors import ErrorCode
from sync_server.core.errors import ApiError
from sync_server.repositories.scope import JurisdictionScope
from sync_server.services.accounts.transfers import may_transfer


def require_admin(scope: JurisdictionScope, what: str) -> None:
    """403 unless an admin: ``what`` names the action in the refusal."""
    if scope.role is not Role.ADMIN:
        raise ApiError(403, ErrorCode.FORBIDDEN, f"only an admin can {what}")


def require_district(session: Session, scope: JurisdictionScope, what: str) -> None:
    """403 unless an admin or a supervisor sitting at the district."""
    if not may_transfer(session, scope):
        raise ApiError(
            403, ErrorCode.FORBIDDEN, f"only an admin or a district supervisor can {what}"
        )


def require_supervisory(scope: JurisdictionScope, what: str) -> None:
    """403 unless a supervisor (of any level) or an admin."""
    if scope.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise ApiError(403, ErrorCode.FORBIDDEN, f"only supervisors and admins can {what}")


def in_jurisdiction(scope: JurisdictionScope, unit_id: object) -> bool:
    """Whether a unit is the caller's or below it (admins: every unit)."""
    return scope.role is Role.ADMIN or unit_id in scope.unit_ids
