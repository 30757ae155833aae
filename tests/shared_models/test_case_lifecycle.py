"""The lifecycle rule of the contract, alone: which steps each status
allows, what each needs, that a case only moves forward, when the next
follow-up is due, and the case number's form."""

import uuid
from collections import Counter
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared_models.domain.case_lifecycle import (
    RULES,
    CaseFacts,
    CaseStep,
    MediationSettings,
    ProblemKind,
    follow_up_due,
    next_steps,
    status_after,
    step_problem,
)
from shared_models.domain.case_numbers import (
    format_case_number,
    parse_case_number,
    provisional_case_number,
    unit_short_name,
)
from shared_models.domain.cases import CaseStatus

RULE = MediationSettings()


def test_a_new_application_may_be_accepted_refused_or_referred() -> None:
    offered = {o.step for o in next_steps(CaseFacts(CaseStatus.APPLIED), RULE)}
    assert offered == {
        CaseStep.APPLICATION,
        CaseStep.REFERRAL_IN,
        CaseStep.ACCEPTANCE,
        CaseStep.REFUSAL,
        CaseStep.REFERRAL_OUT,
    }


def test_mediation_waits_for_every_partys_notice() -> None:
    first, second = uuid.uuid4(), uuid.uuid4()
    facts = CaseFacts(CaseStatus.ACCEPTED, parties={first: "李某", second: "张某"})
    problem = step_problem(CaseStep.MEDIATION_SESSION, facts, RULE)
    assert problem is not None
    assert (problem.kind, problem.field) == (ProblemKind.MISSING, "rights_notice")
    assert "张某" in problem.message
    noticed = CaseFacts(
        CaseStatus.ACCEPTED,
        parties={first: "李某", second: "张某"},
        noticed=frozenset({first, second}),
    )
    assert step_problem(CaseStep.MEDIATION_SESSION, noticed, RULE) is None


def test_an_agreed_case_closes_after_a_follow_up_unless_the_district_says_otherwise() -> None:
    agreed = CaseFacts(CaseStatus.AGREED)
    problem = step_problem(CaseStep.CLOSING_REPORT, agreed, RULE)
    assert problem is not None
    assert problem.field == "follow_up"
    lenient = RULE.model_copy(update={"follow_up_required_to_close": False})
    assert step_problem(CaseStep.CLOSING_REPORT, agreed, lenient) is None
    assert step_problem(CaseStep.CLOSING_REPORT, CaseFacts(CaseStatus.FAILED), RULE) is None


def test_once_only_steps_come_once() -> None:
    facts = CaseFacts(CaseStatus.ACCEPTED, steps=Counter({CaseStep.ACCEPTANCE: 1}))
    problem = step_problem(CaseStep.ACCEPTANCE, facts, RULE)
    assert problem is not None
    assert problem.kind is ProblemKind.NOT_ALLOWED


@given(st.sampled_from(list(CaseStatus)), st.sampled_from(list(CaseStep)))
def test_a_step_never_moves_a_case_back(status: CaseStatus, step: CaseStep) -> None:
    after = status_after(status, step)
    if status in RULES[step].allowed_from:
        assert after is status or after is RULES[step].moves_to
    terminal = {CaseStatus.CLOSED, CaseStatus.ARCHIVED}
    assert not (status in terminal and after not in terminal)


def test_the_follow_up_falls_due_after_the_deadline_then_when_the_last_one_said() -> None:
    agreed = CaseFacts(CaseStatus.AGREED, performance_deadline=date(2026, 12, 15))
    assert follow_up_due(agreed, RULE) == date(2027, 1, 14)
    visited = CaseFacts(
        CaseStatus.FOLLOW_UP,
        performance_deadline=date(2026, 12, 15),
        follow_ups=((date(2027, 1, 14), date(2027, 3, 1)),),
    )
    assert follow_up_due(visited, RULE) == date(2027, 3, 1)
    assert follow_up_due(CaseFacts(CaseStatus.CLOSED), RULE) is None


@pytest.mark.parametrize(
    ("year", "short", "number"), [(2026, "百家村", 3), (2027, "建设社区", 120)]
)
def test_case_numbers_read_back(year: int, short: str, number: int) -> None:
    text = format_case_number(year, short, number)
    parsed = parse_case_number(text)
    assert parsed is not None
    assert (parsed.year, parsed.unit_short_name, parsed.number) == (year, short, number)
    assert str(parsed) == text
    assert parse_case_number(provisional_case_number(year, short)) is None
    assert unit_short_name("", " 百家村调委会 ") == "百家村调委会"
