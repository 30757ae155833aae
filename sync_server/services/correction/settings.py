"""The district's correction settings: kept on the district row (``NULL``:
the defaults), read where a rule needs them, changed by an admin or a
district supervisor (audited)."""

from datetime import datetime

from pydantic import ValidationError
from sqlmodel import Session

from shared_models.correction.settings import DEFAULT_SETTINGS, CorrectionSettings
from shared_models.protocol.errors import ErrorCode
from sync_server.core.errors import ApiError
from sync_server.repositories.scope import JurisdictionScope
from sync_server.services.accounts.actions import Actor
from sync_server.services.administration.authority import require_district
from sync_server.tables import DistrictRow


def district_settings(session: Session) -> CorrectionSettings:
    """The settings in force (the defaults where the district set none, or
    where what is stored no longer validates: a rule never fails on them)."""
    district = session.get(DistrictRow, 1)
    if district is None or district.correction_settings is None:
        return DEFAULT_SETTINGS
    try:
        return CorrectionSettings.model_validate(district.correction_settings)
    except ValidationError:
        return DEFAULT_SETTINGS


def change_settings(
    session: Session,
    scope: JurisdictionScope,
    settings: CorrectionSettings,
    now: datetime,
    actor: Actor,
) -> CorrectionSettings:
    """Store new settings; the caller commits. Devices fetch them at their
    next sync round; due lists and limits follow from then on."""
    require_district(session, scope, "change the district's correction settings")
    district = session.get(DistrictRow, 1)
    if district is None:
        raise ApiError(404, ErrorCode.NOT_FOUND, "this database holds no district")
    before = district.correction_settings
    district.correction_settings = settings.model_dump(mode="json")
    actor.audit(
        session,
        "correction_settings_changed",
        now,
        {"before": before, "after": district.correction_settings},
    )
    session.flush()
    return settings
