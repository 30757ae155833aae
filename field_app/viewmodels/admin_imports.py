"""Bringing the district's ledgers (台账) in, and its sheets out: a file of
org units, staff, subjects under correction or open mediation cases (XLSX,
or CSV), checked row by row on the server first; the problems as a table
(sheet, row, column, what is wrong, how to fix it — in Chinese, for the
people who fix ledgers); then everything written, or only the valid rows.
Nothing is written while any row fails unless the user asks for the valid
rows only. Templates and exports are downloads.

The file's bytes stay in memory (they hold ID numbers and phones) and are
dropped when another file is chosen or the screen is left.
"""

from dataclasses import dataclass

from field_app.core import FieldAppCore
from field_app.i18n import Msg, msg
from field_app.supervision.administration import AdministrationClient
from field_app.viewmodels.admin import AdminModel, Section
from shared_models.protocol.administration import ImportReport, SheetFormat, SheetKind

SHEET_SUFFIXES = (".xlsx", ".csv")


@dataclass(frozen=True)
class PickedFile:
    name: str
    data: bytes


class ImportsViewModel(AdminModel):
    section = Section.IMPORTS

    def __init__(self, core: FieldAppCore, client: AdministrationClient | None = None) -> None:
        super().__init__(core, client)
        self.kind = SheetKind.ORG_UNITS
        self.file: PickedFile | None = None
        self.file_problem: Msg | None = None
        self.report: ImportReport | None = None

    def load(self) -> None:
        """Nothing to ask the server until a file is chosen."""
        self.notify()

    @property
    def can_import(self) -> bool:
        return self.rights.import_sheets

    def set_kind(self, kind: SheetKind) -> None:
        """Another kind of sheet: its report is gone. A tap on the kind already
        chosen changes nothing, so nothing is redrawn (a redraw would drop
        the next tap, docs/flet-notes.md "Dropped taps")."""
        if kind == self.kind:
            return
        self.kind = kind
        self.report = None
        self.notify()

    def choose(self, name: str, data: bytes | None, too_large: bool = False) -> None:
        """A file was picked (``data`` none: it could not be read)."""
        self.report = None
        self.file = None
        if too_large:
            self.file_problem = msg("imports.error.too_large")
        elif not name.lower().endswith(SHEET_SUFFIXES):
            self.file_problem = msg("imports.error.kind_of_file")
        elif not data:
            self.file_problem = msg("imports.error.empty")
        else:
            self.file_problem = None
            self.file = PickedFile(name, data)
        self.notify()

    def check(self) -> bool:
        """Every row checked, nothing written."""
        return self._send(only_valid=False, dry_run=True)

    def import_all(self) -> bool:
        """Write the file if every row is right; otherwise nothing."""
        return self._send(only_valid=False, dry_run=False)

    def import_valid(self) -> bool:
        """Write the valid rows; the others are listed."""
        return self._send(only_valid=True, dry_run=False)

    def _send(self, *, only_valid: bool, dry_run: bool) -> bool:
        if self.file is None or not self.can_import:
            return False
        picked, kind = self.file, self.kind
        ok, report = self._call(
            lambda: self.client.import_sheet(
                kind, picked.name, picked.data, only_valid=only_valid, dry_run=dry_run
            )
        )
        if ok and report is not None:
            self.report = report
            if report.written:
                self.notice = msg(
                    "imports.done", created=report.created, unchanged=report.unchanged
                )
                # The desk's own copy (names, units) follows at the next pull.
                self.core.sync_now()
        self.notify()
        return ok and report is not None and (report.written or dry_run)

    @property
    def has_problems(self) -> bool:
        return self.report is not None and bool(self.report.problems)

    @property
    def can_write_valid_rows(self) -> bool:
        """Problems, and rows without any: those can go in alone."""
        report = self.report
        return (
            report is not None
            and not report.written
            and bool(report.problems)
            and report.refused < report.rows
        )

    # -- downloads ----------------------------------------------------------------------

    def template(self, sheet_format: SheetFormat) -> tuple[str, bytes] | None:
        kind = self.kind
        ok, data = self._call(lambda: self.client.template(kind, sheet_format))
        self.notify()
        if not ok or data is None:
            return None
        return f"template-{kind.value}.{sheet_format.value}", data

    def export(self, sheet_format: SheetFormat) -> tuple[str, bytes] | None:
        kind = self.kind
        ok, data = self._call(lambda: self.client.export_sheet(kind, sheet_format))
        self.notify()
        if not ok or data is None:
            return None
        day = self.core.now().date().isoformat()
        return f"{kind.value}-{day}.{sheet_format.value}", data
