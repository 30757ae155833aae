"""Ledger files the way people make them, for the import tests and the bench:
a workbook (openpyxl) or CSV text, with the template's headers."""

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook

from shared_models.protocol.administration import SheetKind
from sync_server.services.administration.sheets import SPECS


def headers(kind: SheetKind) -> list[str]:
    return SPECS[kind].header_row()


def xlsx(
    rows: Iterable[Sequence[Any]],
    header: Sequence[str] | None = None,
    kind: SheetKind = SheetKind.ORG_UNITS,
) -> bytes:
    """A workbook whose first sheet is ``header`` (default: the kind's) then
    ``rows``; written as Excel writes one (with its ``<dimension>``, which
    openpyxl's write-only mode leaves out)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Sheet1"
    sheet.append(list(header if header is not None else headers(kind)))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_text(rows: Iterable[Sequence[Any]], kind: SheetKind, encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(headers(kind))
    writer.writerows(rows)
    return out.getvalue().encode(encoding)
