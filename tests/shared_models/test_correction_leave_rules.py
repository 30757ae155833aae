"""Property tests of the leave rules (``shared_models/correction/leave.py``
and ``approvals.py``): the limits, who decides by length, overlapping
requests, and where decisions leave a request."""

import uuid
from datetime import date, timedelta

from hypothesis import assume, given
from hypothesis import strategies as st

from shared_models.correction.approvals import (
    ApprovalStatus,
    approval_state,
    required_levels,
)
from shared_models.correction.history import (
    EventFacts,
    leave_days_left,
    leave_request_refusal,
)
from shared_models.correction.leave import (
    LeaveProblem,
    LeaveSpan,
    deciding_levels,
    leave_overdue,
    leave_refusal,
)
from shared_models.correction.settings import CorrectionSettings
from shared_models.domain.event_content import (
    ApprovalLevel,
    Decision,
    DecisionOutcome,
    EventKind,
    LeaveReason,
    LeaveRequest,
)

DECIDER = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"
days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))


@st.composite
def spans(draw: st.DrawFn, longest: int = 60) -> LeaveSpan:
    start = draw(days)
    return LeaveSpan(start, start + timedelta(days=draw(st.integers(0, longest - 1))))


@st.composite
def settings(draw: st.DrawFn) -> CorrectionSettings:
    trip = draw(st.integers(1, 60))
    return CorrectionSettings(
        leave_trip_max_days=trip,
        leave_year_max_days=draw(st.integers(trip, 120)),
        office_leave_max_days=draw(st.integers(0, trip)),
    )


def _disjoint(found: list[LeaveSpan]) -> list[LeaveSpan]:
    kept: list[LeaveSpan] = []
    for span in found:
        if not any(span.overlaps(other) for other in kept):
            kept.append(span)
    return kept


@given(spans(), st.lists(spans(30), max_size=6), settings())
def test_a_refusal_is_given_exactly_when_a_limit_is_broken(
    new: LeaveSpan, others: list[LeaveSpan], rules: CorrectionSettings
) -> None:
    refusal = leave_refusal(new, others, rules)
    too_long = new.days > rules.leave_trip_max_days
    overlapping = any(new.overlaps(other) for other in others)
    over_year = any(
        sum(o.days_in_year(y) for o in others) + new.days_in_year(y) > rules.leave_year_max_days
        for y in range(new.start.year, new.end.year + 1)
    )
    assert (refusal is None) == (not too_long and not overlapping and not over_year)
    if too_long:
        assert refusal is not None
        assert refusal.problem is LeaveProblem.TRIP_TOO_LONG
    elif overlapping:
        assert refusal is not None
        assert refusal.problem is LeaveProblem.OVERLAPS
        assert refusal.field == "start"


@given(st.lists(spans(30), max_size=8), settings())
def test_requests_filed_one_by_one_never_exceed_the_limits(
    candidates: list[LeaveSpan], rules: CorrectionSettings
) -> None:
    """Whatever is filed in whatever order, what was accepted keeps every
    limit: no trip too long, none overlapping, no year over its days."""
    accepted: list[LeaveSpan] = []
    for span in candidates:
        if leave_refusal(span, accepted, rules) is None:
            accepted.append(span)
    assert _disjoint(accepted) == accepted
    assert all(span.days <= rules.leave_trip_max_days for span in accepted)
    for year in {y for s in accepted for y in range(s.start.year, s.end.year + 1)}:
        assert sum(s.days_in_year(year) for s in accepted) <= rules.leave_year_max_days


@given(spans(), spans())
def test_overlap_is_symmetric_and_means_a_shared_day(a: LeaveSpan, b: LeaveSpan) -> None:
    shared = set(_days_of(a)) & set(_days_of(b))
    assert a.overlaps(b) == b.overlaps(a) == bool(shared)


def _days_of(span: LeaveSpan) -> list[date]:
    return [span.start + timedelta(days=n) for n in range(span.days)]


@given(spans(400))
def test_a_trips_days_split_over_its_years_add_up(span: LeaveSpan) -> None:
    years = range(span.start.year, span.end.year + 1)
    assert sum(span.days_in_year(year) for year in years) == span.days == len(_days_of(span))


@given(st.integers(1, 366), settings())
def test_the_office_decides_short_leave_and_the_district_longer(
    length: int, rules: CorrectionSettings
) -> None:
    levels = deciding_levels(length, rules)
    assert levels[0] is ApprovalLevel.OFFICE  # the office always gives its view first
    if length <= rules.office_leave_max_days:
        assert levels == (ApprovalLevel.OFFICE,)
    else:
        assert levels == (ApprovalLevel.OFFICE, ApprovalLevel.DISTRICT)


@given(spans(30), settings())
def test_a_leave_requests_levels_follow_its_length(
    span: LeaveSpan, rules: CorrectionSettings
) -> None:
    request = LeaveRequest(
        start=span.start,
        end=span.end,
        destination="石家庄",
        reason=LeaveReason.MEDICAL,
        guarantor="王某某",
    )
    assert request.days == span.days
    assert required_levels(request, rules) == deciding_levels(span.days, rules)


outcomes = st.sampled_from(list(DecisionOutcome))


@given(st.lists(st.tuples(st.sampled_from(list(ApprovalLevel)), outcomes), max_size=4))
def test_decisions_settle_a_request_level_by_level(
    decided: list[tuple[ApprovalLevel, DecisionOutcome]],
) -> None:
    levels = (ApprovalLevel.OFFICE, ApprovalLevel.DISTRICT)
    decisions = [
        Decision(outcome=o, level=lv, comment="理由", decided_by=DECIDER) for lv, o in decided
    ]
    state = approval_state(levels, decisions)
    first = {}
    for level, outcome in decided:
        first.setdefault(level, outcome)
    office, district = first.get(ApprovalLevel.OFFICE), first.get(ApprovalLevel.DISTRICT)
    if office is None:
        assert (state.status, state.waiting_for) == (ApprovalStatus.PENDING, ApprovalLevel.OFFICE)
    elif office is DecisionOutcome.REFUSED:
        assert state.status is ApprovalStatus.REFUSED
    elif district is None:
        assert state.waiting_for is ApprovalLevel.DISTRICT
    else:
        assert state.status.value == district.value
    assert state.decided == (state.waiting_for is None)


@given(days, st.booleans(), st.booleans(), days)
def test_only_a_departed_subject_not_back_after_the_end_is_overdue(
    end: date, departed: bool, returned: bool, today: date
) -> None:
    assume(today != end)
    assert leave_overdue(end, departed, returned, today) == (
        departed and not returned and today > end
    )


def _request(span: LeaveSpan) -> LeaveRequest:
    return LeaveRequest(
        start=span.start,
        end=span.end,
        destination="石家庄",
        reason=LeaveReason.FAMILY,
        guarantor="王某某",
    )


@given(spans(30), st.lists(st.tuples(spans(30), st.booleans()), max_size=6), settings())
def test_a_subjects_refused_requests_do_not_count_nor_does_the_request_itself(
    new: LeaveSpan, earlier: list[tuple[LeaveSpan, bool]], rules: CorrectionSettings
) -> None:
    """The one check both sides make of a subject's request
    (``history.leave_request_refusal``): the limits against the subject's
    requests that are not refused, the request's own stored copy left out."""
    events: list[EventFacts] = []
    for n, (span, refused) in enumerate(earlier):
        request_id = uuid.UUID(int=n + 1)
        events.append(
            EventFacts(request_id, EventKind.LEAVE_REQUEST, span.start, None, _request(span))
        )
        if refused:
            refusal = Decision(
                outcome=DecisionOutcome.REFUSED,
                level=ApprovalLevel.OFFICE,
                comment="理由",
                decided_by=DECIDER,
            )
            events.append(
                EventFacts(
                    uuid.UUID(int=1000 + n), EventKind.DECISION, span.start, request_id, refusal
                )
            )
    counted = [span for span, refused in earlier if not refused]
    expected = leave_refusal(new, counted, rules)
    assert leave_request_refusal(events, _request(new), rules) == expected
    own = uuid.UUID(int=999_999)
    with_itself = [
        *events,
        EventFacts(own, EventKind.LEAVE_REQUEST, new.start, None, _request(new)),
    ]
    assert leave_request_refusal(with_itself, _request(new), rules, leaving_out=own) == expected
    year = new.start.year
    taken = sum(span.days_in_year(year) for span in counted)
    assert leave_days_left(events, rules, year) == max(0, rules.leave_year_max_days - taken)
