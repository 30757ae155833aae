"""A district's first day and every start after it.

``lastmile admin init`` creates an empty district: its root unit (name,
short name, code), its clock, the first admin with a one-time password to
change at the first sign-in, and the district signing key, written where
the server will look for it and announced (never generated silently).

Every start of ``lastmile server`` then asks ``serving_settings``: a real
district's server refuses to start without its signing key (a fresh key
would make every countersignature so far someone else's), the district's
clock comes from the database unless the environment names the same one,
and an empty database is refused with the command that fills it. Only the
demo (``seed-demo``) lets the server generate a key on first use.
"""

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from uuid import uuid4

from sqlalchemy import func, select
from sqlmodel import Session, col

from shared_models.district_time import district_zone
from shared_models.domain.org import OrgUnitKind, OrgUnitRecord, Role, UserRecord
from shared_models.protocol.administration import DistrictInfo
from shared_models.protocol.errors import ErrorCode
from shared_models.protocol.tables import TableName
from sync_server.core.audit import append_audit
from sync_server.core.audit_key import audit_key_path
from sync_server.core.config import ServerSettings
from sync_server.core.district_key import (
    SigningKeyError,
    key_path,
    load_district_key,
    write_new_key_file,
)
from sync_server.core.errors import ApiError
from sync_server.core.security import hash_password, new_one_time_password
from sync_server.repositories.scope import JurisdictionScope
from sync_server.services.accounts.actions import Actor
from sync_server.services.administration.authority import require_supervisory
from sync_server.services.sync.seeding import load_records
from sync_server.tables import DistrictRow, OrgUnitRow


class DistrictNotReadyError(Exception):
    """The server must not start on this database; the message says what to do."""


@dataclass(frozen=True)
class NewDistrict:
    """What ``init_district`` made: the admin's one-time password is shown once."""

    root_unit_id: object
    admin_username: str
    one_time_password: str
    key_file: Path
    key_id: str
    key_created: bool


def init_district(
    session: Session,
    settings: ServerSettings,
    *,
    name: str,
    short_name: str,
    code: str,
    time_zone: str,
    admin_username: str,
    admin_name: str,
    now: datetime,
    operator: Actor,
) -> NewDistrict:
    """Create the district in an empty database; the caller commits. The
    signing key at ``key_path(settings)`` is used if it is there (a
    restored backup) and written otherwise."""
    district_zone(time_zone)  # ValueError naming an unknown zone
    if session.get(DistrictRow, 1) is not None or session.scalar(
        select(func.count()).select_from(OrgUnitRow)
    ):
        raise DistrictNotReadyError(
            "this database already holds a district; `lastmile admin init` runs once, "
            "on an empty database"
        )
    path = key_path(settings)
    created = write_new_key_file(path)
    key = load_district_key(path)
    root = OrgUnitRecord(
        id=uuid4(), kind=OrgUnitKind.DISTRICT, name=name, short_name=short_name, code=code
    )
    load_records(session, TableName.ORG_UNITS, [root])
    admin = UserRecord(
        id=uuid4(),
        username=admin_username,
        display_name=admin_name,
        role=Role.ADMIN,
        org_unit_id=root.id,
    )
    one_time = new_one_time_password()
    load_records(
        session,
        TableName.USERS,
        [admin],
        password_hashes={admin.id: hash_password(one_time)},
        server_columns={admin.id: {"must_change_password": True}},
    )
    session.add(
        DistrictRow(id=1, root_unit_id=root.id, time_zone=time_zone, demo=False, created_at=now)
    )
    append_audit(
        session,
        "district_initialised",
        now,
        detail={
            "root_unit_id": str(root.id),
            "admin_id": str(admin.id),
            "key_id": key.key_id,
            **operator.detail(),
        },
    )
    session.flush()
    return NewDistrict(root.id, admin_username, one_time, path, key.key_id, created)


def mark_demo(session: Session, time_zone: str, now: datetime) -> None:
    """Record the just-seeded demo district: its server may generate a key."""
    root = session.scalar(
        select(col(OrgUnitRow.id)).where(col(OrgUnitRow.kind) == OrgUnitKind.DISTRICT).limit(1)
    )
    if root is not None and session.get(DistrictRow, 1) is None:
        session.add(
            DistrictRow(id=1, root_unit_id=root, time_zone=time_zone, demo=True, created_at=now)
        )


def serving_settings(session: Session, settings: ServerSettings) -> ServerSettings:
    """The settings to serve this database with, or ``DistrictNotReadyError``.

    A real district's key paths (signing and audit) become explicit, so
    nothing later generates a key in their place; its clock is the one
    ``init`` recorded.
    """
    district = session.get(DistrictRow, 1)
    if district is None:
        raise DistrictNotReadyError(
            "this database holds no district: run `lastmile admin init` first "
            "(or `lastmile admin seed-demo` for the demo)"
        )
    zone_given = "district_time_zone" in settings.model_fields_set
    if zone_given and settings.district_time_zone != district.time_zone:
        raise DistrictNotReadyError(
            f"LASTMILE_DISTRICT_TIME_ZONE is {settings.district_time_zone}, but the district "
            f"was set up on {district.time_zone}: unset it or make them the same"
        )
    update: dict[str, object] = {"district_time_zone": district.time_zone}
    if not district.demo:
        path = key_path(settings)
        if not path.exists():
            raise DistrictNotReadyError(
                f"no district signing key at {path}: restore it from your backup (or point "
                "LASTMILE_KEY_DIR or LASTMILE_SIGNING_KEY at it; `lastmile admin keys create` "
                "makes a district's first). A real district's server never makes a new one: "
                "every agreement countersigned so far would stop verifying"
            )
        if path.stat().st_mode & 0o077:
            raise DistrictNotReadyError(
                f"the district signing key {path} is readable by others: `chmod 600 {path}`"
            )
        try:
            load_district_key(path)
        except SigningKeyError as error:
            raise DistrictNotReadyError(str(error)) from None
        audit = audit_key_path(settings)
        if not audit.exists():
            raise DistrictNotReadyError(
                f"no audit key file at {audit}: restore it from your backup with the signing "
                "key (or point LASTMILE_AUDIT_KEY at it). A new one would leave every audit "
                "entry keyed so far unverifiable"
            )
        update["signing_key"] = path
        update["audit_key"] = audit
    return settings.model_copy(update=update)


def district_info(
    session: Session, scope: JurisdictionScope, settings: ServerSettings
) -> DistrictInfo:
    """The district as the admin section's header shows it."""
    require_supervisory(scope, "see the district's administration")
    district = session.get(DistrictRow, 1)
    root = None if district is None else session.get(OrgUnitRow, district.root_unit_id)
    if district is None or root is None:
        raise ApiError(404, ErrorCode.NOT_FOUND, "this database holds no district")
    path = key_path(settings)
    key_id = load_district_key(path).key_id if path.exists() else None
    return DistrictInfo(
        name=root.name,
        code=root.code,
        time_zone=district.time_zone,
        demo=district.demo,
        root_unit_id=root.id,
        signing_key_id=key_id,
    )
