"""The office dashboard: an office's figures for a month (or, for district
users, the district with one row per office), the overdue check-ins most
overdue first, the devices and when they last synced; and the exports of
exactly what the screen shows — the CSV files of the chosen office's
records changed in the chosen month, and the monthly report."""

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from uuid import UUID

from field_app.core import FieldAppCore
from field_app.i18n import Msg, msg
from field_app.supervision.client import ExportWindow, SupervisionClient
from field_app.viewmodels.supervision import (
    Directory,
    WorkspaceModel,
    read_directory,
)
from shared_models.district_time import day_start
from shared_models.protocol.statistics import MediationStatistics
from shared_models.protocol.supervision import Dashboard, DashboardFigures

EXPORT_TABLES = ("cases", "visits", "agreements", "subjects")


@dataclass(frozen=True)
class Bar:
    label: Msg | str
    value: int


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def shift_month(month: str, delta: int) -> str:
    year, number = (int(part) for part in month.split("-"))
    index = year * 12 + number - 1 + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_start(month: str, zone: tzinfo) -> datetime:
    """The first moment (UTC) of the month in the district's calendar."""
    year, number = (int(part) for part in month.split("-"))
    return day_start(date(year, number, 1), zone)


def age_bars(figures: DashboardFigures) -> list[Bar]:
    ages = figures.open_cases
    return [
        Bar(msg("dashboard.age.days_0_7"), ages.days_0_7),
        Bar(msg("dashboard.age.days_8_30"), ages.days_8_30),
        Bar(msg("dashboard.age.days_31_90"), ages.days_31_90),
        Bar(msg("dashboard.age.over_90"), ages.over_90),
    ]


class DashboardViewModel(WorkspaceModel):
    def __init__(
        self,
        core: FieldAppCore,
        client: SupervisionClient | None = None,
        today: date | None = None,
    ) -> None:
        super().__init__(core, client)
        self.directory: Directory = read_directory(core)
        self.this_month = month_of(today or core.now().date())
        self.month = self.this_month
        self.office_id: UUID | None = None
        """``None``: the user's own unit (the district roll-up for district users)."""
        self.board: Dashboard | None = None
        self.statistics: MediationStatistics | None = None
        """The month's mediation statistics of the same office (or district)."""

    @property
    def office_choices(self) -> list[tuple[UUID | None, Msg | str]]:
        """District users choose the whole district or one office; an office's
        supervisor has only their office."""
        if not self.directory.district_user:
            return []
        return [(None, msg("dashboard.whole_district")), *self.directory.offices]

    def load(self) -> None:
        # Names come from the device's copy, which the first sync may still be filling.
        self.directory = read_directory(self.core)
        ok, board = self._call(lambda: self.client.dashboard(self.office_id, self.month))
        if ok:
            self.board = board
            ok, stats = self._call(
                lambda: self.client.mediation_statistics(self.office_id, self.month)
            )
            self.statistics = stats if ok else None
        self.notify()

    def set_office(self, office_id: UUID | None) -> None:
        self.office_id = office_id
        self.load()

    def previous_month(self) -> None:
        self.month = shift_month(self.month, -1)
        self.load()

    def next_month(self) -> None:
        if self.month < self.this_month:
            self.month = shift_month(self.month, 1)
            self.load()

    @property
    def can_go_forward(self) -> bool:
        return self.month < self.this_month

    @property
    def roll_up(self) -> bool:
        return self.board is not None and len(self.board.offices) > 1

    def office_bars(self) -> list[Bar]:
        """Open cases per office (a roll-up only): where the work piles up."""
        if self.board is None:
            return []
        return [Bar(office.office_name, office.open_cases_total) for office in self.board.offices]

    # -- exports -------------------------------------------------------------------------

    def window(self) -> ExportWindow:
        """The screen's office and month, as the export's filters."""
        return ExportWindow(
            org_unit_id=self.office_id,
            since=month_start(self.month, self.core.zone).isoformat(),
            before=month_start(shift_month(self.month, 1), self.core.zone).isoformat(),
        )

    def export_csv(self, table: str) -> tuple[str, bytes] | None:
        ok, data = self._call(lambda: self.client.export_csv(table, self.window()))
        self.notify()
        if not ok or data is None:
            return None
        return f"{table}-{self._unit_slug()}-{self.month}.csv", data

    def monthly_report(self) -> tuple[str, bytes] | None:
        ok, data = self._call(lambda: self.client.monthly_report(self.office_id, self.month))
        self.notify()
        if not ok or data is None:
            return None
        return f"monthly-report-{self._unit_slug()}-{self.month}.pdf", data

    def statistics_file(self, extension: str, yearly: bool) -> tuple[str, bytes] | None:
        """The mediation statistics of the month (or its year) as ``xlsx`` or ``pdf``."""
        period = self.month[:4] if yearly else self.month
        ok, data = self._call(
            lambda: self.client.statistics_file(self.office_id, period, extension)
        )
        self.notify()
        if not ok or data is None:
            return None
        return f"mediation-statistics-{self._unit_slug()}-{period}.{extension}", data

    def _unit_slug(self) -> str:
        unit = self.board.unit_name if self.board is not None else ""
        return unit or "district"
