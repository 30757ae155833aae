"""Property tests of the due dates per supervision level
(``shared_models/correction/due.py``)."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from shared_models.correction.due import (
    DueKind,
    History,
    LeaveOut,
    add_months,
    due_items,
    monthly_due,
)
from shared_models.correction.settings import DEFAULT_SETTINGS, CorrectionSettings, LevelIntervals
from shared_models.domain.subjects import CorrectionType, SubjectStatus, SupervisionLevel

days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))
maybe_days = st.none() | days
LEVELS = [SupervisionLevel.STRICT, SupervisionLevel.NORMAL, SupervisionLevel.LENIENT]
REQUEST = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"


@st.composite
def settings(draw: st.DrawFn) -> CorrectionSettings:
    checkins = sorted(draw(st.lists(st.integers(1, 90), min_size=3, max_size=3)))
    visits = sorted(draw(st.lists(st.integers(1, 366), min_size=3, max_size=3)))
    return CorrectionSettings(
        strict=LevelIntervals(checkin_days=checkins[0], visit_days=visits[0]),
        normal=LevelIntervals(checkin_days=checkins[1], visit_days=visits[1]),
        lenient=LevelIntervals(checkin_days=checkins[2], visit_days=visits[2]),
        checkup_every_months=draw(st.integers(1, 12)),
        release_notice_days=draw(st.integers(0, 366)),
    )


@st.composite
def histories(draw: st.DrawFn) -> History:
    start = draw(days)
    return History(
        level=draw(st.sampled_from(LEVELS)),
        correction_type=draw(st.sampled_from(list(CorrectionType))),
        status=SubjectStatus.UNDER_SUPERVISION,
        term_start=start,
        term_end=start + timedelta(days=draw(st.integers(30, 2000))),
        enrolled_on=draw(st.none() | st.just(start + timedelta(days=draw(st.integers(0, 10))))),
        last_checkin=draw(maybe_days),
        last_visit=draw(maybe_days),
        last_conversation=draw(maybe_days),
        last_health_report=draw(maybe_days),
        last_checkup=draw(maybe_days),
    )


def _due(history: History, rules: CorrectionSettings, today: date) -> dict[DueKind, date]:
    return {item.kind: item.due_on for item in due_items(history, rules, today)}


@given(histories(), settings(), days)
def test_a_stricter_level_is_never_due_later(
    history: History, rules: CorrectionSettings, today: date
) -> None:
    dues = [_due(History(**{**vars(history), "level": lv}), rules, today) for lv in LEVELS]
    for kind in (DueKind.CHECKIN, DueKind.VISIT):
        assert dues[0][kind] <= dues[1][kind] <= dues[2][kind]


@given(histories(), settings(), days)
def test_checkins_and_visits_come_at_the_levels_intervals(
    history: History, rules: CorrectionSettings, today: date
) -> None:
    due = _due(history, rules, today)
    intervals = rules.intervals(history.level)
    if history.last_checkin is None:
        assert due[DueKind.CHECKIN] == history.start
    else:
        assert due[DueKind.CHECKIN] - history.last_checkin == timedelta(intervals.checkin_days)
    since = history.last_visit or history.start
    assert due[DueKind.VISIT] - since == timedelta(intervals.visit_days)


@given(histories(), settings(), days)
def test_a_talk_is_due_every_calendar_month(
    history: History, rules: CorrectionSettings, today: date
) -> None:
    due = _due(history, rules, today)[DueKind.CONVERSATION]
    assert (due + timedelta(days=1)).day == 1  # the last day of a month
    last = history.last_conversation
    if last is None or last < history.start:
        assert (due.year, due.month) == (history.start.year, history.start.month)
    else:
        after = add_months(last.replace(day=1), 1)
        assert (due.year, due.month) == (after.year, after.month)


@given(histories(), settings(), days)
def test_medical_parole_alone_reports_health_and_has_check_ups(
    history: History, rules: CorrectionSettings, today: date
) -> None:
    due = _due(history, rules, today)
    medical = history.correction_type is CorrectionType.TEMPORARY_OUTSIDE
    assert (DueKind.HEALTH_REPORT in due) == (DueKind.CHECKUP in due) == medical
    if medical:
        since = history.last_checkup or history.start
        assert due[DueKind.CHECKUP] == add_months(since, rules.checkup_every_months)
        assert due[DueKind.HEALTH_REPORT] == monthly_due(history.last_health_report, history.start)


@given(histories(), settings(), days)
def test_the_release_is_listed_ahead_of_term_end(
    history: History, rules: CorrectionSettings, today: date
) -> None:
    due = _due(history, rules, today)
    listed = today >= history.term_end - timedelta(days=rules.release_notice_days)
    assert (DueKind.RELEASE in due) == listed
    if listed:
        assert due[DueKind.RELEASE] == history.term_end


@given(histories(), days, st.booleans(), st.booleans(), days)
def test_a_subject_out_on_leave_is_due_back_by_its_end(
    history: History, end: date, departed: bool, returned: bool, today: date
) -> None:
    leave = LeaveOut(request_id=REQUEST, end=end, departed=departed, returned=returned)  # type: ignore[arg-type]
    items = due_items(History(**{**vars(history), "leaves": (leave,)}), DEFAULT_SETTINGS, today)
    back = [item for item in items if item.kind is DueKind.LEAVE_RETURN]
    if departed and not returned:
        [item] = back
        assert item.due_on == end
        assert item.overdue == (today > end)
    else:
        assert back == []


@given(
    histories(), settings(), days, st.sampled_from([SubjectStatus.RELEASED, SubjectStatus.REVOKED])
)
def test_a_closed_subject_owes_nothing(
    history: History, rules: CorrectionSettings, today: date, status: SubjectStatus
) -> None:
    assert due_items(History(**{**vars(history), "status": status}), rules, today) == []


@given(histories(), settings(), days)
def test_overdue_means_the_day_has_passed_and_the_list_is_in_order(
    history: History, rules: CorrectionSettings, today: date
) -> None:
    items = due_items(history, rules, today)
    assert all(item.overdue == (item.due_on < today) for item in items)
    assert [item.due_on for item in items] == sorted(item.due_on for item in items)


@given(days, st.integers(-60, 60))
def test_months_are_added_within_the_month(day: date, months: int) -> None:
    moved = add_months(day, months)
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == months
    assert moved.day == day.day or (moved.day < day.day and (moved + timedelta(1)).day == 1)
