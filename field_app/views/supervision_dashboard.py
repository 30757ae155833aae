"""The office dashboard: the office (or the whole district) and the month on
top with the exports of exactly that, the figures, bar charts where a
comparison is quicker to see than to read (open cases by age; per office
in a roll-up), the overdue check-ins, the subjects not back from leave and
the devices' last sync."""

from uuid import UUID

import flet as ft
import flet_charts as fch

from field_app.viewmodels.supervision_dashboard import (
    EXPORT_TABLES,
    Bar,
    DashboardViewModel,
    age_bars,
)
from field_app.views.supervision_common import WorkspaceView, district_time, figure
from field_app.views.supervision_statistics import statistics_section
from field_app.views.theme import KEY_PERSON, PRIMARY, SMALL, TEXT, WARNING, sz
from field_app.views.widgets import badge, heading, icon_button, label, secondary_button, tid
from shared_models.protocol.supervision import Dashboard, DashboardFigures

DISTRICT = ""


class DashboardView(WorkspaceView):
    vm: DashboardViewModel
    two_pane = False

    def title(self) -> str:
        return self.ctx.t("screen.dashboard")

    # -- events -------------------------------------------------------------------------

    async def _office(self, e: ft.Event[ft.Dropdown]) -> None:
        value = e.control.value or DISTRICT
        await self._work(self.vm.set_office, UUID(value) if value != DISTRICT else None)

    async def _previous(self, _: ft.Event[ft.IconButton]) -> None:
        await self._work(self.vm.previous_month)

    async def _next(self, _: ft.Event[ft.IconButton]) -> None:
        await self._work(self.vm.next_month)

    def _export(self, table: str):  # type: ignore[no-untyped-def]
        async def export(_: ft.Event[ft.Control]) -> None:
            await self.download(await self._work(self.vm.export_csv, table))

        return export

    async def _report(self, _: ft.Event[ft.Control]) -> None:
        await self.download(await self._work(self.vm.monthly_report))

    def _statistics(self, extension: str, yearly: bool):  # type: ignore[no-untyped-def]
        async def download(_: ft.Event[ft.Control]) -> None:
            await self.download(await self._work(self.vm.statistics_file, extension, yearly))

        return download

    # -- what is shown ------------------------------------------------------------------

    def content(self) -> list[ft.Control]:
        board = self.vm.board
        parts: list[ft.Control] = [*self.problem(), self._choices(), self._exports()]
        if board is not None:
            parts += self._board(board)
        return [tid("dashboard", ft.Column(parts, spacing=14))]

    def _choices(self) -> ft.Control:
        t, vm = self.ctx.t, self.vm
        controls: list[ft.Control] = []
        if vm.office_choices:
            controls.append(
                tid(
                    "dashboard-office",
                    ft.Dropdown(
                        label=t("dashboard.office"),
                        value=str(vm.office_id) if vm.office_id else DISTRICT,
                        options=[
                            ft.DropdownOption(
                                key=str(key) if key else DISTRICT, text=self.ctx.tr(name)
                            )
                            for key, name in vm.office_choices
                        ],
                        on_select=self._office,
                        width=300,
                        text_size=sz(TEXT),
                    ),
                )
            )
        controls += [
            tid(
                "dashboard-month-previous",
                icon_button(ft.Icons.CHEVRON_LEFT, t("dashboard.previous"), self._previous),
            ),
            tid("dashboard-month", ft.Text(vm.month, size=sz(TEXT), weight=ft.FontWeight.W_600)),
            tid(
                "dashboard-month-next",
                icon_button(
                    ft.Icons.CHEVRON_RIGHT,
                    t("dashboard.next"),
                    self._next,
                    disabled=not vm.can_go_forward,
                ),
            ),
        ]
        return ft.Row(
            controls, spacing=8, wrap=True, vertical_alignment=ft.CrossAxisAlignment.CENTER
        )

    def _exports(self) -> ft.Control:
        t = self.ctx.t
        buttons: list[ft.Control] = [label(t("dashboard.export_note"))]
        row: list[ft.Control] = [
            secondary_button(
                t(f"dashboard.export.{table}"),
                self._export(table),
                ft.Icons.DOWNLOAD,
                f"export-csv-{table}",
            )
            for table in EXPORT_TABLES
        ]
        row.append(
            secondary_button(
                t("dashboard.report"), self._report, ft.Icons.PICTURE_AS_PDF, "export-pdf"
            )
        )
        buttons.append(tid("export-csv", ft.Row(row, spacing=8, wrap=True)))
        return ft.Column(buttons, spacing=6)

    def _board(self, board: Dashboard) -> list[ft.Control]:
        t = self.ctx.t
        total = board.total
        parts: list[ft.Control] = [
            heading(t("dashboard.heading", unit=board.unit_name, month=board.month)),
            label(t("dashboard.as_of", day=board.today)),
            self._figures(total),
            ft.Row(
                [
                    self._chart(t("dashboard.open_by_age"), age_bars(total), "dashboard-ages"),
                    *(
                        [
                            self._chart(
                                t("dashboard.open_by_office"),
                                self.vm.office_bars(),
                                "dashboard-offices",
                            )
                        ]
                        if self.vm.roll_up
                        else []
                    ),
                ],
                spacing=16,
                wrap=True,
                vertical_alignment=ft.CrossAxisAlignment.START,
            ),
        ]
        if self.vm.roll_up:
            parts.append(self._office_table(board))
        parts += statistics_section(self.ctx.t, self.vm.statistics, self._statistics)
        parts.append(self._overdue(board))
        if board.total.leaves_overdue:
            parts.append(self._leaves(board))
        parts.append(self._devices(board))
        return parts

    def _figures(self, total: DashboardFigures) -> ft.Control:
        t = self.ctx.t
        rate = "—" if total.success_rate is None else f"{total.success_rate * 100:.0f}%"
        cards = [
            figure(t("dashboard.open_cases"), str(total.open_cases_total), "figure-open-cases"),
            figure(t("dashboard.closed"), str(total.closed_this_month), "figure-closed"),
            figure(
                t("dashboard.agreements"),
                str(total.agreements_signed_this_month),
                "figure-agreements",
            ),
            figure(t("dashboard.success_rate"), rate, "figure-success-rate"),
            figure(t("dashboard.follow_ups_due"), str(total.follow_ups_due), "figure-follow-ups"),
            figure(
                t("dashboard.case_files"),
                f"{total.case_files_complete} / {total.case_files_closed}",
                "figure-case-files",
                warn=total.case_files_complete < total.case_files_closed,
            ),
            figure(
                t("dashboard.judicial_late"),
                str(total.judicial_applications_late),
                "figure-judicial-late",
                warn=total.judicial_applications_late > 0,
            ),
            figure(
                t("dashboard.subjects"), str(total.subjects_under_supervision), "figure-subjects"
            ),
            figure(
                t("dashboard.checkins_overdue"),
                str(total.checkins_overdue),
                "figure-checkins-overdue",
                warn=total.checkins_overdue > 0,
            ),
            figure(
                t("dashboard.leaves_taken"),
                str(total.leaves_taken_this_month),
                "figure-leaves-taken",
            ),
            figure(
                t("dashboard.leaves_overdue"),
                str(total.leaves_overdue),
                "figure-leaves-overdue",
                warn=total.leaves_overdue > 0,
            ),
            figure(
                t("dashboard.devices_silent", total=total.devices),
                str(total.devices_silent),
                "figure-devices-silent",
                warn=total.devices_silent > 0,
            ),
        ]
        return ft.Row(cards, spacing=12, run_spacing=12, wrap=True)

    def _chart(self, title: str, bars: list[Bar], identifier: str) -> ft.Control:
        """Bars with their numbers on top (no hovering needed to read them)."""
        top = max([bar.value for bar in bars] + [1])
        chart = fch.BarChart(
            groups=[
                fch.BarChartGroup(
                    x=index,
                    rods=[
                        fch.BarChartRod(
                            from_y=0,
                            to_y=bar.value,
                            width=28,
                            color=PRIMARY,
                            border_radius=4,
                            tooltip=str(bar.value),
                        )
                    ],
                )
                for index, bar in enumerate(bars)
            ],
            bottom_axis=fch.ChartAxis(
                labels=[
                    fch.ChartAxisLabel(
                        value=index,
                        label=ft.Text(self.ctx.tr(bar.label), size=sz(SMALL) - 2),
                    )
                    for index, bar in enumerate(bars)
                ],
                label_size=36,
            ),
            left_axis=fch.ChartAxis(label_size=36),
            max_y=top + max(1, top // 5),
            interactive=False,
            height=240,
            width=max(480, 120 * len(bars)),
        )
        values = ft.Row(
            [label(f"{self.ctx.tr(bar.label)}: {bar.value}") for bar in bars], spacing=14, wrap=True
        )
        return tid(
            identifier,
            ft.Container(
                ft.Column(
                    [ft.Text(title, size=sz(TEXT), weight=ft.FontWeight.W_600), chart, values],
                    spacing=8,
                ),
                padding=14,
                border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
                border_radius=12,
            ),
        )

    def _office_table(self, board: Dashboard) -> ft.Control:
        t = self.ctx.t
        columns = [
            "dashboard.office",
            "dashboard.open_cases",
            "dashboard.closed",
            "dashboard.agreements",
            "dashboard.success_rate",
            "dashboard.follow_ups_due",
            "dashboard.case_files",
            "dashboard.subjects",
            "dashboard.checkins_overdue",
        ]
        rows = []
        for office in board.offices:
            rate = "—" if office.success_rate is None else f"{office.success_rate * 100:.0f}%"
            cells = [
                office.office_name,
                str(office.open_cases_total),
                str(office.closed_this_month),
                str(office.agreements_signed_this_month),
                rate,
                str(office.follow_ups_due),
                f"{office.case_files_complete} / {office.case_files_closed}",
                str(office.subjects_under_supervision),
                str(office.checkins_overdue),
            ]
            rows.append(
                ft.DataRow(cells=[ft.DataCell(ft.Text(cell, size=sz(SMALL))) for cell in cells])
            )
        return tid(
            "dashboard-offices-table",
            ft.DataTable(
                columns=[
                    ft.DataColumn(label=ft.Text(t(key), size=sz(SMALL), weight=ft.FontWeight.W_600))
                    for key in columns
                ],
                rows=rows,
            ),
        )

    def _overdue(self, board: Dashboard) -> ft.Control:
        t = self.ctx.t
        overdue = sorted(
            (item for office in board.offices for item in office.overdue_checkins),
            key=lambda item: item.days_overdue,
            reverse=True,
        )
        lines: list[ft.Control] = [
            ft.Text(
                t("dashboard.overdue_list", count=len(overdue)),
                size=sz(TEXT),
                weight=ft.FontWeight.W_600,
            )
        ]
        for item in overdue:
            badges = [badge(t("dashboard.days_overdue", days=item.days_overdue), ft.Colors.RED_800)]
            if item.key_person:
                badges.append(badge(t("subject.key_person"), KEY_PERSON))
            last = (
                t("format.when", when=district_time(item.last_checkin_at))
                if item.last_checkin_at
                else "—"
            )
            lines.append(
                tid(
                    "overdue-item",
                    ft.Container(
                        ft.Row(
                            [
                                ft.Text(
                                    item.name, size=sz(TEXT), weight=ft.FontWeight.W_600, width=160
                                ),
                                ft.Row(badges, spacing=6),
                                label(
                                    t(
                                        "dashboard.overdue_line",
                                        officer=item.officer_name or "—",
                                        due=item.due,
                                        last=last,
                                    )
                                ),
                            ],
                            spacing=12,
                            wrap=True,
                        ),
                        padding=ft.Padding.symmetric(vertical=6, horizontal=8),
                        border=ft.Border.only(bottom=ft.BorderSide(1, ft.Colors.OUTLINE_VARIANT)),
                    ),
                )
            )
        return tid("dashboard-overdue", ft.Column(lines, spacing=2))

    def _leaves(self, board: Dashboard) -> ft.Control:
        """Subjects not back from leave, most overdue first."""
        t = self.ctx.t
        away = sorted(
            (item for office in board.offices for item in office.overdue_leaves),
            key=lambda item: item.days_overdue,
            reverse=True,
        )
        lines: list[ft.Control] = [
            ft.Text(
                t("dashboard.leave_overdue_list", count=len(away)),
                size=sz(TEXT),
                weight=ft.FontWeight.W_600,
            )
        ]
        for item in away:
            days = badge(t("dashboard.days_overdue", days=item.days_overdue), ft.Colors.RED_800)
            line = t(
                "dashboard.leave_overdue_line", officer=item.officer_name or "—", end=item.leave_end
            )
            lines.append(
                tid(
                    "overdue-leave-item",
                    ft.Container(
                        ft.Row(
                            [
                                ft.Text(
                                    item.name, size=sz(TEXT), weight=ft.FontWeight.W_600, width=160
                                ),
                                days,
                                label(line),
                            ],
                            spacing=12,
                            wrap=True,
                        ),
                        padding=ft.Padding.symmetric(vertical=6, horizontal=8),
                        border=ft.Border.only(bottom=ft.BorderSide(1, ft.Colors.OUTLINE_VARIANT)),
                    ),
                )
            )
        return tid("dashboard-leaves-overdue", ft.Column(lines, spacing=2))

    def _devices(self, board: Dashboard) -> ft.Control:
        t = self.ctx.t
        devices = [device for office in board.offices for device in office.device_list]
        devices.sort(key=lambda device: device.last_seen_at)
        lines: list[ft.Control] = [
            ft.Text(
                t("dashboard.devices", days=board.silent_after_days),
                size=sz(TEXT),
                weight=ft.FontWeight.W_600,
            )
        ]
        for device in devices:
            when = t("format.when", when=district_time(device.last_seen_at))
            marks: list[ft.Control] = []
            if device.silent:
                marks.append(badge(t("dashboard.silent"), WARNING))
            lines.append(
                tid(
                    "device-sync",
                    ft.Row(
                        [
                            ft.Icon(
                                ft.Icons.WARNING_AMBER if device.silent else ft.Icons.PHONE_ANDROID,
                                color=WARNING if device.silent else None,
                            ),
                            ft.Text(
                                f"{device.display_name} · {device.device_name}",
                                size=sz(SMALL),
                                width=320,
                            ),
                            label(t("dashboard.last_sync", when=when)),
                            *marks,
                        ],
                        spacing=10,
                        wrap=True,
                    ),
                )
            )
        return tid("dashboard-devices", ft.Column(lines, spacing=4))
