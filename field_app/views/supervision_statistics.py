"""The mediation statistics on the dashboard: the month's table of the
office (or the district) — received, mediated, agreed in writing and
orally, failed, performed, judicially confirmed, per committee and office —
and its downloads, XLSX (the county's form) and PDF, for the month or the
year. The table by dispute type and source is in the downloads."""

from collections.abc import Awaitable, Callable

import flet as ft

from field_app.views.theme import SMALL, sz
from field_app.views.widgets import heading, label, secondary_button, tid
from shared_models.protocol.statistics import MediationStatistics, RowLevel

COLUMNS = (
    "received",
    "mediated",
    "agreed_written",
    "agreed_oral",
    "failed",
    "performed",
    "judicial_confirmations",
)
DOWNLOADS = (("xlsx", False), ("pdf", False), ("xlsx", True), ("pdf", True))
"""(format, whole year) of each download button."""

Handler = Callable[[ft.Event[ft.Control]], Awaitable[None]]


def statistics_section(
    t: Callable[..., str],
    stats: MediationStatistics | None,
    download: Callable[[str, bool], Handler],
) -> list[ft.Control]:
    """Heading, the table (``statistics-table``) and the download buttons
    (``statistics-xlsx-month``, ``statistics-pdf-year``, …)."""
    buttons = [
        secondary_button(
            t(f"stats.download.{extension}.{'year' if yearly else 'month'}"),
            download(extension, yearly),
            ft.Icons.DOWNLOAD,
            f"statistics-{extension}-{'year' if yearly else 'month'}",
        )
        for extension, yearly in DOWNLOADS
    ]
    parts: list[ft.Control] = [
        heading(t("stats.heading")),
        tid("statistics-downloads", ft.Row(buttons, spacing=8, wrap=True)),
    ]
    if stats is None:
        return parts
    small = sz(SMALL)
    rows = []
    for row in stats.rows:
        bold = ft.FontWeight.W_600 if row.level is not RowLevel.COMMITTEE else None
        name = row.unit_name + (t(f"stats.level.{row.level.value}") if bold else "")
        cells = [name, *(str(getattr(row, column)) for column in COLUMNS)]
        rows.append(
            ft.DataRow(
                cells=[ft.DataCell(ft.Text(cell, size=small, weight=bold)) for cell in cells]
            )
        )
    columns = [
        ft.DataColumn(label=ft.Text(t(f"stats.{key}"), size=small, weight=ft.FontWeight.W_600))
        for key in ("unit", *COLUMNS)
    ]
    parts.append(label(t("stats.period", first=stats.starts, last=stats.ends)))
    parts.append(tid("statistics-table", ft.DataTable(columns=columns, rows=rows)))
    return parts
