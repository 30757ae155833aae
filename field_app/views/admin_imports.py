"""Imports and exports: what the sheet holds (org units, staff, subjects,
cases), the template and the export to download, then a file chosen and
checked — its problems as a table (sheet / row / column / what is wrong /
how to fix it) — and written, all of it or only its valid rows.

The file comes through ``ft.FilePicker`` (``views/sheet_picker.py``: in
the browser it is uploaded to the app's memory, never to its disk).
"""

import flet as ft

from field_app.viewmodels.admin import Section
from field_app.viewmodels.admin_imports import SHEET_SUFFIXES, ImportsViewModel
from field_app.views.admin_common import AdminView
from field_app.views.sheet_picker import pick_sheet
from field_app.views.theme import SMALL, TEXT, WARNING, sz
from field_app.views.widgets import (
    badge,
    choice_row,
    error_line,
    heading,
    info_line,
    label,
    primary_button,
    secondary_button,
    tid,
)
from shared_models.protocol.administration import ImportReport, SheetFormat, SheetKind

PROBLEM_COLUMNS = ("imports.col.sheet", "imports.col.row", "imports.col.column")


class ImportsView(AdminView):
    vm: ImportsViewModel
    section = Section.IMPORTS

    async def _kind(self, value: str) -> None:
        await self._work(self.vm.set_kind, SheetKind(value))

    def _download(self, what: str, sheet_format: SheetFormat):  # type: ignore[no-untyped-def]
        async def download(_: ft.Event[ft.Control]) -> None:
            work = self.vm.template if what == "template" else self.vm.export
            await self.download(await self._work(work, sheet_format))

        return download

    async def _pick(self, _: ft.Event[ft.Control]) -> None:
        self.ctx.app.core.touch()
        extensions = [suffix.lstrip(".") for suffix in SHEET_SUFFIXES]
        picked = await pick_sheet(self.ctx.page, extensions)
        if picked is not None:
            self.vm.choose(picked.name, picked.data, too_large=picked.too_large)
            self.ctx.page.update()

    def _send(self, action: str):  # type: ignore[no-untyped-def]
        async def send(_: ft.Event[ft.Control]) -> None:
            await self._work(getattr(self.vm, action))

        return send

    def section_content(self) -> list[ft.Control]:
        t, vm = self.ctx.t, self.vm
        kinds = [(kind.value, t(f"imports.kind.{kind.value}")) for kind in SheetKind]
        parts: list[ft.Control] = [
            choice_row(kinds, vm.kind.value, self._kind, "imports-kind"),
            label(t(f"imports.about.{vm.kind.value}")),
            self._downloads(),
        ]
        if vm.can_import:
            parts += self._import()
        else:
            parts.append(label(t("imports.admin_only")))
        return [tid("imports", ft.Column(parts, spacing=12))]

    def _downloads(self) -> ft.Control:
        t = self.ctx.t
        kinds = ("template", "export") if self.vm.can_import else ("export",)
        buttons = [
            secondary_button(
                t(f"imports.{what}.{sheet_format.value}"),
                self._download(what, sheet_format),
                ft.Icons.DOWNLOAD,
                f"imports-{what}-{sheet_format.value}",
            )
            for what in kinds
            for sheet_format in SheetFormat
        ]
        return ft.Row(buttons, spacing=8, run_spacing=8, wrap=True)

    def _import(self) -> list[ft.Control]:
        t, vm = self.ctx.t, self.vm
        chosen = vm.file.name if vm.file is not None else t("imports.no_file")
        parts: list[ft.Control] = [
            heading(t("imports.heading")),
            ft.Row(
                [
                    secondary_button(
                        t("imports.pick"), self._pick, ft.Icons.UPLOAD_FILE, "imports-pick"
                    ),
                    tid("imports-file", ft.Text(chosen, size=sz(TEXT))),
                ],
                spacing=12,
                wrap=True,
            ),
        ]
        if vm.file_problem is not None:
            parts.append(error_line(self.ctx.tr(vm.file_problem)))
        if vm.file is not None:
            buttons = [
                secondary_button(
                    t("imports.check"), self._send("check"), ft.Icons.RULE, "imports-check"
                ),
                primary_button(
                    t("imports.all"), self._send("import_all"), ft.Icons.CHECK, "imports-all"
                ),
            ]
            if vm.can_write_valid_rows:
                buttons.append(
                    secondary_button(
                        t("imports.valid_only"),
                        self._send("import_valid"),
                        ft.Icons.PLAYLIST_ADD_CHECK,
                        "imports-valid",
                    )
                )
            parts.append(ft.Row(buttons, spacing=8, run_spacing=8, wrap=True))
        if vm.report is not None:
            parts += self._report(vm.report)
        return parts

    def _report(self, report: ImportReport) -> list[ft.Control]:
        t = self.ctx.t
        if report.written:
            summary = info_line(
                t("imports.written", created=report.created, unchanged=report.unchanged)
            )
        elif report.dry_run and not report.problems:
            summary = info_line(t("imports.checked_ok", rows=report.rows))
        elif report.dry_run:
            summary = error_line(
                t("imports.checked_problems", rows=report.rows, refused=report.refused)
            )
        else:
            summary = error_line(
                t("imports.nothing_written", rows=report.rows, refused=report.refused)
            )
        parts: list[ft.Control] = [tid("imports-summary", summary)]
        if report.written and report.problems:
            parts.append(label(t("imports.left_out", refused=report.refused), WARNING))
        if report.accounts:
            parts.append(self._accounts(report))
        if report.problems:
            parts.append(self._problems(report))
        return parts

    def _problems(self, report: ImportReport) -> ft.Control:
        t = self.ctx.t
        headers = [*PROBLEM_COLUMNS, "imports.col.problem", "imports.col.fix"]
        rows = [
            ft.DataRow(
                cells=[
                    ft.DataCell(ft.Text(cell, size=sz(SMALL)))
                    for cell in (
                        problem.sheet,
                        str(problem.row) if problem.row is not None else "—",
                        problem.column or "—",
                        problem.problem,
                        problem.fix,
                    )
                ]
            )
            for problem in report.problems
        ]
        table = ft.DataTable(
            columns=[
                ft.DataColumn(label=ft.Text(t(key), size=sz(SMALL), weight=ft.FontWeight.W_600))
                for key in headers
            ],
            rows=rows,
            data_row_max_height=float("inf"),
        )
        heading_row = ft.Row(
            [badge(str(len(report.problems)), ft.Colors.RED_800), label(t("imports.problems"))],
            spacing=8,
        )
        scroller = ft.Row([table], scroll=ft.ScrollMode.AUTO)
        return tid("imports-problems", ft.Column([heading_row, scroller], spacing=6))

    def _accounts(self, report: ImportReport) -> ft.Control:
        t = self.ctx.t
        lines: list[ft.Control] = [
            ft.Text(t("imports.accounts"), size=sz(TEXT), weight=ft.FontWeight.W_600),
            label(t("admin.one_time.note"), WARNING),
        ]
        lines += [
            ft.Text(
                f"{account.display_name} ({account.username}): {account.one_time_password}",
                size=sz(TEXT),
            )
            for account in report.accounts
        ]
        return tid("imports-accounts", ft.Column(lines, spacing=4))
