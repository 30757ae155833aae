"""The completeness check of a case file: nothing missing from a complete
closed case; each required item, taken away, is named."""

from dataclasses import replace
from datetime import date

from shared_models.case_file_check import FileGap, GapKind, file_gaps, gap_text, is_complete
from shared_models.domain.cases import CaseFields
from tests.shared_models.case_file_records import CaseRecords, closed_case


def gaps(records: CaseRecords, today: date = date(2027, 2, 1)) -> list[FileGap]:
    s = records.sources(today)
    return file_gaps(s.case, s.parties, s.documents, s.agreements, s.today, s.zone, s.settings)


def with_status(records: CaseRecords, status: str, **fields: object) -> CaseRecords:
    case = CaseFields.model_validate(
        {**records.case.model_dump(mode="json"), "status": status, **fields}
    )
    return replace(records, case=case)


def test_a_complete_closed_case_lacks_nothing() -> None:
    records = closed_case()

    assert gaps(records) == []
    assert is_complete(records.case, [])


def test_an_open_case_is_not_a_complete_file_even_without_gaps() -> None:
    records = with_status(closed_case(), "mediating", closed_at=None)

    assert not is_complete(records.case, gaps(records))


def test_each_missing_required_item_is_named() -> None:
    records = closed_case()

    assert FileGap(GapKind.APPLICATION) in gaps(
        records.without("application").without("acceptance")
    )
    assert FileGap(GapKind.SESSION) in gaps(records.without("mediation_session"))
    assert FileGap(GapKind.FOLLOW_UP) in gaps(records.without("follow_up"))
    assert FileGap(GapKind.CLOSING_REPORT) in gaps(records.without("closing_report"))
    notices = gaps(records.without("rights_notice"))
    assert FileGap(GapKind.NOTICE, who="李某") in notices
    assert FileGap(GapKind.NOTICE, who="张某") in notices
    assert FileGap(GapKind.IDENTITY, who="张某") in notices


def test_an_unsigned_notice_or_application_is_named() -> None:
    records = closed_case()
    unsigned = [
        (i, d.model_copy(update={"signatures": []}))
        if d.kind in ("rights_notice", "application")
        else (i, d)
        for i, d in records.documents
    ]

    found = gaps(replace(records, documents=unsigned))

    assert FileGap(GapKind.APPLICATION_UNSIGNED) in found
    assert FileGap(GapKind.NOTICE_UNSIGNED, who="李某") in found


def test_a_follow_up_past_its_day_is_overdue_until_recorded() -> None:
    agreed = with_status(
        closed_case().without("follow_up").without("closing_report"), "agreed", closed_at=None
    )
    # Signed 2026-11-28, performance deadline 2026-12-31, first follow-up 30 days later.
    due = date(2027, 1, 30)

    assert gaps(agreed, today=due) == []
    assert gaps(agreed, today=date(2027, 1, 31)) == [FileGap(GapKind.FOLLOW_UP_OVERDUE, due=due)]
    assert (
        gap_text(FileGap(GapKind.FOLLOW_UP_OVERDUE, due=due))
        == "回访已逾期（应于2027年1月30日前回访）"
    )


def test_a_refused_application_needs_no_notice_or_mediation() -> None:
    refused = with_status(closed_case(), "refused", closed_at=None)
    kept = [(i, d) for i, d in refused.documents if d.kind == "application"]

    assert gaps(replace(refused, documents=kept, agreements=[])) == []
