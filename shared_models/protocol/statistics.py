"""The people's mediation statistics an office reports (人民调解工作统计表).

Monthly and yearly counts per committee, per office and for the district:
disputes received (by dispute type and by source), mediated, agreed
(written and oral), failed, performed, and judicial confirmations. The
server counts them for the caller's jurisdiction (supervisors and admins);
the desk shows the table and downloads it as XLSX or PDF, each with the
same rows and columns (``STATISTICS_COLUMNS``).
"""

import re
from datetime import date
from enum import StrEnum
from typing import Final

from pydantic import BaseModel, ConfigDict

from shared_models.domain.cases import CaseCategory, CaseSource
from shared_models.domain.types import RecordId

_RESPONSE = ConfigDict(extra="forbid")

PERIOD_PATTERN: Final = r"^(19|2[01])\d{2}(-(0[1-9]|1[0-2]))?$"
"""``YYYY`` (a year) or ``YYYY-MM`` (a month), 1900 to 2199."""


class RowLevel(StrEnum):
    COMMITTEE = "committee"
    OFFICE = "office"
    """An office's subtotal: its committees and its own cases."""
    DISTRICT = "district"
    """The total of every row above it."""


class MediationCounts(BaseModel):
    """One row's figures. ``received`` counts the cases accepted in the
    period; the outcomes count the outcomes recorded in it (a case accepted
    in March and agreed in April counts in March's ``received`` and April's
    ``agreed_written``). ``mediated`` is ``agreed_written + agreed_oral +
    failed``: every mediation that ended in the period."""

    model_config = _RESPONSE

    received: int = 0
    by_category: dict[CaseCategory, int] = {}
    by_source: dict[CaseSource, int] = {}
    mediated: int = 0
    agreed_written: int = 0
    agreed_oral: int = 0
    failed: int = 0
    performed: int = 0
    """Agreements recorded as performed (closing report or follow-up) in the period."""
    judicial_confirmations: int = 0
    """Court rulings confirming an agreement, recorded in the period."""


class StatisticsRow(MediationCounts):
    unit_id: RecordId
    unit_name: str
    level: RowLevel


class MediationStatistics(BaseModel):
    """The table of ``unit_name`` for ``period`` (``YYYY`` or ``YYYY-MM``):
    per office its committees then its subtotal, and the total last."""

    model_config = _RESPONSE

    unit_id: RecordId
    unit_name: str
    period: str
    starts: date
    ends: date
    """The last day of the period (inclusive)."""
    rows: list[StatisticsRow]


CATEGORY_LABELS: Final = {
    CaseCategory.MARRIAGE_FAMILY: "婚姻家庭",
    CaseCategory.NEIGHBOURHOOD: "邻里",
    CaseCategory.HOUSING_HOMESTEAD: "房屋宅基地",
    CaseCategory.LAND: "土地",
    CaseCategory.DEBT_CONTRACT: "合同",
    CaseCategory.DAMAGES: "损害赔偿",
    CaseCategory.LABOUR: "劳动争议",
    CaseCategory.PROPERTY_MANAGEMENT: "物业",
    CaseCategory.LAND_REQUISITION: "征地拆迁",
    CaseCategory.OTHER: "其他",
}
"""The county forms' names of the dispute types, in their column order;
a type the contract adds later is printed under its value until named here."""

SOURCE_LABELS: Final = {
    CaseSource.WALK_IN: "当事人申请",
    CaseSource.PHONE: "电话申请",
    CaseSource.WECHAT: "微信申请",
    CaseSource.ONLINE_REQUEST: "网上申请",
    CaseSource.OWN_INITIATIVE: "主动调解",
    CaseSource.PATROL: "排查",
    CaseSource.POLICE_REFERRAL: "公安移交",
    CaseSource.COURT_REFERRAL: "法院委托",
    CaseSource.GOVERNMENT_REFERRAL: "政府指定",
}

OUTCOME_COLUMNS: Final = (
    ("mediated", "调解"),
    ("agreed_written", "达成书面协议"),
    ("agreed_oral", "达成口头协议"),
    ("failed", "调解不成"),
    ("performed", "协议履行"),
    ("judicial_confirmations", "司法确认"),
)


def category_columns() -> list[tuple[CaseCategory, str]]:
    labelled = list(CATEGORY_LABELS.items())
    return labelled + [(c, c.value) for c in CaseCategory if c not in CATEGORY_LABELS]


def source_columns() -> list[tuple[CaseSource, str]]:
    labelled = list(SOURCE_LABELS.items())
    return labelled + [(s, s.value) for s in CaseSource if s not in SOURCE_LABELS]


def row_values(counts: MediationCounts) -> list[int]:
    """A row's numbers in column order: received, each type, each source, the outcomes."""
    return [
        counts.received,
        *(counts.by_category.get(category, 0) for category, _ in category_columns()),
        *(counts.by_source.get(source, 0) for source, _ in source_columns()),
        *(getattr(counts, name) for name, _ in OUTCOME_COLUMNS),
    ]


def parse_period(text: str) -> tuple[date, date]:
    """The first and last day of ``YYYY`` or ``YYYY-MM``; ``ValueError`` otherwise."""
    if re.fullmatch(PERIOD_PATTERN, text) is None:
        raise ValueError("period: write a year (2026) or a month (2026-11)")
    year = int(text[:4])
    if len(text) == 4:
        return date(year, 1, 1), date(year, 12, 31)
    month = int(text[5:])
    after = date(year + month // 12, month % 12 + 1, 1)
    return date(year, month, 1), date.fromordinal(after.toordinal() - 1)


def column_groups() -> list[tuple[str, list[str]]]:
    """The table's two header rows: each group's heading and its columns
    (a group of one column spans both rows), in ``row_values`` order."""
    return [
        ("受理纠纷", ["合计", *(label for _, label in category_columns())]),
        ("纠纷来源", [label for _, label in source_columns()]),
        *((label, [label]) for _, label in OUTCOME_COLUMNS),
    ]


LEVEL_LABELS: Final = {RowLevel.COMMITTEE: "", RowLevel.OFFICE: "小计", RowLevel.DISTRICT: "合计"}
"""What follows a row's unit name: an office's subtotal, the total."""
