"""Importing a ledger: read the file (``sheet_reading``), check its header
row against the kind's columns (``sheets``), check every row
(``import_kinds``), and only then write, in the caller's transaction.

Nothing is written when any row has a problem, unless ``only_valid`` asks
for the valid rows (the report lists the others); a ``dry_run`` writes
nothing either way. Rows already in the district (by unit code, username,
ID number or ledger number) are left as they are, so importing the same
file twice changes nothing. Written rows go in through the bulk loader
(``services/sync/seeding.load_records``): they carry versions and scope
columns and reach devices at their next pull like any other record.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from shared_models.protocol.administration import ImportProblem, ImportReport, SheetKind
from sync_server.core.audit import append_audit
from sync_server.core.config import ServerSettings
from sync_server.repositories.scope import JurisdictionScope
from sync_server.services.accounts.actions import Actor
from sync_server.services.administration.authority import require_admin
from sync_server.services.administration.import_kinds import KIND_IMPORTERS
from sync_server.services.administration.import_rows import Cells, Importer
from sync_server.services.administration.sheet_reading import Sheet, read_table
from sync_server.services.administration.sheets import SPECS, SheetSpec

MAX_LISTED_PROBLEMS = 1000
"""Problems listed in one report: a wholly wrong file of 20,000 rows would
otherwise answer with a report larger than the file."""


@dataclass(frozen=True)
class ImportLimits:
    """How much one import may ask of the server."""

    max_bytes: int
    max_rows: int
    max_uncompressed: int

    @classmethod
    def of(cls, settings: ServerSettings) -> "ImportLimits":
        return cls(
            settings.import_max_bytes,
            settings.import_max_rows,
            settings.import_max_uncompressed_bytes,
        )


def _columns(spec: SheetSpec, sheet: Sheet) -> tuple[dict[str, int], list[ImportProblem]]:
    """Where each column is in the sheet, or what is wrong with the header row."""
    known = {column.header: column for column in spec.columns}
    where: dict[str, int] = {}
    problems: list[ImportProblem] = []
    for index, header in enumerate(sheet.headers):
        if not header:
            continue
        column = known.get(header)
        if column is None:
            problems.append(
                ImportProblem(
                    sheet=sheet.name,
                    row=1,
                    column=header,
                    problem=f"未知的列“{header}”",
                    fix="列名须与模板一致：" + "、".join(known),
                )
            )
        elif column.key in where:
            problems.append(
                ImportProblem(
                    sheet=sheet.name,
                    row=1,
                    column=header,
                    problem=f"列“{header}”出现了两次",
                    fix="删除重复的列",
                )
            )
        else:
            where[column.key] = index
    for column in spec.columns:
        if column.required and column.key not in where:
            problems.append(
                ImportProblem(
                    sheet=sheet.name,
                    row=1,
                    column=column.header,
                    problem=f"缺少必填列“{column.header}”",
                    fix="按模板在第一行补上该列（列名须完全一致）",
                )
            )
    return where, problems


def run_import(
    session: Session,
    scope: JurisdictionScope | None,
    kind: SheetKind,
    data: bytes,
    *,
    only_valid: bool,
    dry_run: bool,
    now: datetime,
    actor: Actor,
    limits: ImportLimits,
    time_zone: str,
) -> ImportReport:
    """Import ``data`` as a sheet of ``kind``; the caller commits. ``scope``
    is the signed-in caller (admins only), or none for the command line."""
    if scope is not None:
        require_admin(scope, "import ledgers")
    spec = SPECS[kind]
    read = read_table(
        data,
        max_bytes=limits.max_bytes,
        max_rows=limits.max_rows,
        max_uncompressed=limits.max_uncompressed,
        sheet_name=spec.sheet,
    )

    def report(
        rows: int, problems: list[ImportProblem], refused: int, created: int = 0
    ) -> ImportReport:
        return ImportReport(
            kind=kind,
            rows=rows,
            created=created,
            unchanged=importer.unchanged if importer is not None else 0,
            refused=refused,
            written=created > 0,
            dry_run=dry_run,
            problems=problems[:MAX_LISTED_PROBLEMS],
        )

    importer: Importer | None = None
    sheet = read.sheet
    if sheet is None:
        return report(0, read.problems, 0)
    where, header_problems = _columns(spec, sheet)
    if header_problems:
        return report(len(sheet.rows), header_problems + read.problems, len(sheet.rows))
    importer = KIND_IMPORTERS[kind](session, sheet.name, time_zone)
    problems = list(read.problems)
    bad_rows = {problem.row for problem in read.problems if problem.row is not None}
    rows = [Cells(sheet.name, number, spec, where, values) for number, values in sheet.rows]
    importer.prepare(rows)
    for cells in rows:
        importer.check(cells)
        problems.extend(cells.problems)
        if cells.problems:
            bad_rows.add(cells.number)
    problems.extend(importer.finish())
    bad_rows.update(problem.row for problem in problems if problem.row is not None)
    file_problem = any(problem.row is None for problem in problems)
    refused = len(bad_rows & {number for number, _ in sheet.rows})
    if dry_run or file_problem or (problems and not only_valid):
        return report(len(sheet.rows), problems, len(sheet.rows) if file_problem else refused)
    created, accounts = importer.write(bad_rows, now, actor.user_id)
    append_audit(
        session,
        "import",
        now,
        actor_id=actor.user_id,
        device_id=actor.device_id,
        detail={
            "kind": kind.value,
            "file_sha256": hashlib.sha256(data).hexdigest(),
            "rows": len(sheet.rows),
            "created": created,
            "unchanged": importer.unchanged,
            "refused": refused,
            **actor.detail(),
        },
    )
    result = report(len(sheet.rows), problems, refused, created)
    result.written = True
    result.accounts = accounts
    return result
