"""A unit's case-number prefix is its own in the district.

A case number reads ``（2026）百家人调字第3号``: the unit's short name (its
name while it has none, ``case_numbers.unit_short_name``) is all that tells
one unit's numbers from another's, and each unit counts from 1 every year.
Two units whose prefixes read alike would print the same number twice, so
the administration refuses, when a unit is created, renamed or imported, a
prefix that another unit carries now or that numbers of cases held by
another unit already carry (a unit renamed keeps its old numbers; its old
prefix stays taken while they are in the district). Offices count here
too: cases placed at an office are numbered with its prefix.
"""

from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import select
from sqlmodel import Session, col

from shared_models.domain.case_numbers import parse_case_number, unit_short_name
from sync_server.tables import CaseRow, OrgUnitRow

_LIKE_SPECIALS = ("\\", "%", "_")


def _like_literal(text: str) -> str:
    for special in _LIKE_SPECIALS:
        text = text.replace(special, "\\" + special)
    return text


@dataclass(frozen=True)
class PrefixHolder:
    """What holds a prefix: another unit (its name), or a number already
    given to a case another unit holds."""

    unit_name: str = ""
    case_number: str = ""


def prefix_holder(
    session: Session, prefix: str, unit_id: UUID | None = None
) -> PrefixHolder | None:
    """What holds ``prefix`` besides unit ``unit_id`` (``None``: a new
    unit), or ``None`` when it is free."""
    wanted = prefix.strip()
    for row in session.scalars(select(OrgUnitRow).where(col(OrgUnitRow.deleted).is_(False))):
        if row.id != unit_id and unit_short_name(row.short_name, row.name) == wanted:
            return PrefixHolder(unit_name=row.name)
    # Numbers of cases held elsewhere: those whose prefix reads the same.
    query = select(col(CaseRow.case_number)).where(
        col(CaseRow.case_number).like(f"%{_like_literal(wanted)}%", escape="\\")
    )
    if unit_id is not None:
        query = query.where(col(CaseRow.org_unit_id) != unit_id)
    for number in session.scalars(query):
        parsed = parse_case_number(number or "")
        if parsed is not None and parsed.unit_short_name == wanted:
            return PrefixHolder(case_number=str(number))
    return None
