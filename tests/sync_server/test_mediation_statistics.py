"""The mediation statistics on both databases: the table's figures are the
records' (counted here again, row by row, from what the database holds),
per committee, office and district; the XLSX opens with openpyxl and its
totals are the same; the PDF prints; another office is 404."""

import io
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import Engine
from sqlmodel import Session, select

from shared_models.protocol.statistics import (
    MediationCounts,
    MediationStatistics,
    parse_period,
    row_values,
)
from sync_server.services.supervision.district_calendar import day_start
from sync_server.tables import AgreementRow, CaseDocumentRow, CaseRow
from tests.factories import District
from tests.sync_server.conftest import Device
from tests.sync_server.statistics_data import generate, load

YEAR_START = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def seeded(engine: Engine, district: District) -> None:
    units = [district.baijia_committee.id, district.xiyuan_committee.id, district.baijia.id]
    load(engine, generate(units, 600, first_day=YEAR_START, days=365))


def counted(engine: Engine, period: str) -> list[int]:
    """The district's total row, counted in Python from every stored row."""
    first, last = parse_period(period)
    starts, ends = day_start(first), day_start(last.fromordinal(last.toordinal() + 1))

    def within(at: datetime | None) -> bool:
        return at is not None and starts <= at.replace(tzinfo=at.tzinfo or UTC) < ends

    with Session(engine) as session:
        cases = session.exec(select(CaseRow)).all()
        agreements = session.exec(select(AgreementRow)).all()
        documents = session.exec(select(CaseDocumentRow)).all()
    received = [c for c in cases if within(c.opened_at) and c.status not in ("applied", "refused")]
    kinds = Counter(d.kind for d in documents if within(d.recorded_at))
    content: Any = lambda d: d.content if isinstance(d.content, dict) else d.content.model_dump()  # noqa: E731
    written = len({a.case_id for a in agreements if a.status == "signed" and within(a.signed_at)})
    oral, failed = kinds["oral_agreement"], kinds["termination"]
    counts = MediationCounts(
        received=len(received),
        by_category=Counter(c.category for c in received),
        by_source=Counter(c.source for c in received),
        mediated=written + oral + failed,
        agreed_written=written,
        agreed_oral=oral,
        failed=failed,
        performed=sum(
            1
            for d in documents
            if d.kind == "closing_report"
            and within(d.recorded_at)
            and content(d)["performance"] == "performed"
        ),
        judicial_confirmations=sum(
            1
            for d in documents
            if d.kind == "judicial_ruling"
            and within(d.recorded_at)
            and content(d)["outcome"] == "confirmed"
        ),
    )
    return row_values(counts)


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("period", ["2026-11", "2026"])
def test_the_table_counts_what_the_database_holds(
    client: TestClient, engine: Engine, district: District, period: str
) -> None:
    desk = Device(client, "supervisor.fuxing", "desk-fuxing")

    answer = client.get(
        "/api/v1/statistics/mediation", params={"period": period}, headers=desk.headers
    )
    workbook = client.get(
        "/api/v1/statistics/mediation.xlsx", params={"period": period}, headers=desk.headers
    )
    pdf = client.get(
        "/api/v1/statistics/mediation.pdf", params={"period": period}, headers=desk.headers
    )

    assert answer.status_code == 200, answer.text
    stats = MediationStatistics.model_validate(answer.json())
    expected = counted(engine, period)
    assert expected[0] > 0
    levels = [(row.unit_name, row.level) for row in stats.rows]
    assert levels == [
        ("百家村调委会", "committee"),
        ("百家街道司法所", "office"),
        ("西苑社区调委会", "committee"),
        ("西苑街道司法所", "office"),
        ("复兴区", "district"),
    ]
    total = stats.rows[-1]
    assert row_values(total) == expected
    offices = [row for row in stats.rows if row.level == "office"]
    assert [sum(v) for v in zip(*(row_values(o) for o in offices), strict=True)] == expected
    assert total.mediated == total.agreed_written + total.agreed_oral + total.failed

    assert workbook.status_code == 200
    sheet = load_workbook(io.BytesIO(workbook.content)).active
    assert sheet is not None
    rows = {r[0]: list(r[1:]) for r in sheet.iter_rows(min_row=6, values_only=True) if r[0]}
    assert rows["复兴区合计"] == expected
    assert rows["百家村调委会"] == row_values(stats.rows[0])
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF-")


@pytest.mark.usefixtures("seeded")
def test_an_office_sees_its_own_table_only(client: TestClient, district: District) -> None:
    office = Device(client, "supervisor.baijia", "desk-baijia")

    own = client.get(
        "/api/v1/statistics/mediation", params={"period": "2026"}, headers=office.headers
    )
    other = client.get(
        "/api/v1/statistics/mediation",
        params={"period": "2026", "office_id": str(district.xiyuan.id)},
        headers=office.headers,
    )
    mediator = Device(client, "mediator.baijia", "phone-baijia")
    refused = client.get(
        "/api/v1/statistics/mediation", params={"period": "2026"}, headers=mediator.headers
    )
    bad = client.get(
        "/api/v1/statistics/mediation", params={"period": "2026-13"}, headers=office.headers
    )

    assert own.status_code == 200
    names = [row["unit_name"] for row in own.json()["rows"]]
    assert names == ["百家村调委会", "百家街道司法所"]
    assert other.status_code == 404
    assert refused.status_code == 403
    assert bad.status_code == 422
