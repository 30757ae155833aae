"""The district's settings of community correction, with the defaults a
district starts from. The district changes them on the desk (``PUT
/api/v1/correction/settings``); devices fetch them at every sync round
(``GET /api/v1/correction/settings``) and keep the last ones, so the
limits are checked offline before a request is filed.

Defaults: check-ins every 7 / 15 / 30 days and visits every 30 / 60 / 90
days for 严管 / 普管 / 宽管 (the tighter the level, the more often); leave
at most 30 days a trip and 60 a year, the office deciding up to 7 days; a
medical-parole check-up every 3 months; the release on the due list 30
days ahead; a released subject's record kept on officers' devices for 90
days.
"""

from typing import Self

from pydantic import BaseModel, Field, model_validator

from shared_models.domain.subjects import SupervisionLevel
from shared_models.domain.types import STRICT_CONFIG


class LevelIntervals(BaseModel):
    """How often a subject of one supervision level reports and is visited."""

    model_config = STRICT_CONFIG

    checkin_days: int = Field(ge=1, le=90)
    visit_days: int = Field(ge=1, le=366)


class CorrectionSettings(BaseModel):
    model_config = STRICT_CONFIG

    strict: LevelIntervals = LevelIntervals(checkin_days=7, visit_days=30)
    normal: LevelIntervals = LevelIntervals(checkin_days=15, visit_days=60)
    lenient: LevelIntervals = LevelIntervals(checkin_days=30, visit_days=90)
    leave_trip_max_days: int = Field(default=30, ge=1, le=366)
    leave_year_max_days: int = Field(default=60, ge=1, le=366)
    office_leave_max_days: int = Field(default=7, ge=0, le=366)
    """Leave of at most this many days is decided by the office head; longer
    leave by the district on the office's opinion."""
    checkup_every_months: int = Field(default=3, ge=1, le=12)
    release_notice_days: int = Field(default=30, ge=0, le=366)
    retention_days: int = Field(default=90, ge=0, le=3660)
    """Days after the release during which the record stays on officers'
    devices; then the district archives it (``lastmile admin
    archive-released``) and the devices drop it at their next pull."""

    @model_validator(mode="after")
    def _limits_agree(self) -> Self:
        if self.leave_year_max_days < self.leave_trip_max_days:
            raise ValueError("leave_year_max_days: a year allows at least one longest trip")
        if self.office_leave_max_days > self.leave_trip_max_days:
            raise ValueError("office_leave_max_days: cannot exceed leave_trip_max_days")
        for name in ("checkin_days", "visit_days"):
            levels = (self.strict, self.normal, self.lenient)
            tight, usual, loose = (getattr(level, name) for level in levels)
            if not tight <= usual <= loose:
                raise ValueError(f"normal: {name} grow from 严管 (strict) to 宽管 (lenient)")
        return self

    def intervals(self, level: SupervisionLevel) -> LevelIntervals:
        """The check-in and visit intervals of ``level``."""
        return {
            SupervisionLevel.STRICT: self.strict,
            SupervisionLevel.NORMAL: self.normal,
            SupervisionLevel.LENIENT: self.lenient,
        }[level]


DEFAULT_SETTINGS = CorrectionSettings()
