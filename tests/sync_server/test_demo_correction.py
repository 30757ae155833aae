"""The demo district's correction record: every event valid and consistent
with the rules the server enforces, subjects at every stage, and leave
waiting on the desk for the office head and for the district."""

from collections import Counter, defaultdict
from typing import Any

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from lastmile_cli import app
from shared_models.correction.approvals import ApprovalStatus
from shared_models.correction.history import EventFacts, live_leaves, request_states
from shared_models.correction.leave import LeaveSpan, leave_refusal
from shared_models.correction.settings import DEFAULT_SETTINGS
from shared_models.domain.event_content import ANSWERED_KIND, EventKind
from shared_models.domain.subject_events import SubjectEventFields
from shared_models.domain.subjects import SubjectStatus
from shared_models.wire import to_json_value
from sync_server.core.config import ServerSettings
from sync_server.core.db import read_session
from sync_server.demo import generate_district
from sync_server.repositories.scope import scope_for
from sync_server.services.correction.queries import waiting_requests
from sync_server.tables import UserRow


def test_every_demo_event_is_valid_and_answers_an_earlier_one_of_its_subject() -> None:
    demo = generate_district(size=3000)
    subjects = {subject.id: subject for subject in demo.subjects}
    by_id = {event.id: event for event in demo.subject_events}
    facts: dict[Any, list[EventFacts]] = defaultdict(list)
    for event in demo.subject_events:
        fields = {name: getattr(event, name) for name in SubjectEventFields.model_fields}
        SubjectEventFields.model_validate(to_json_value(fields))
        subject = subjects[event.subject_id]
        assert event.occurred_on >= subject.term_start
        if event.request_id is not None:
            answered = by_id[event.request_id]
            assert answered.subject_id == event.subject_id
            assert answered.kind in ANSWERED_KIND[event.kind]
        facts[event.subject_id].append(
            EventFacts(event.id, event.kind, event.occurred_on, event.request_id, event.content)
        )
    kinds = Counter(event.kind for event in demo.subject_events)
    assert set(kinds) >= set(EventKind) - {
        EventKind.LEVEL_CHANGE,
        EventKind.PLAN_REVIEW,
        EventKind.RESIDENCE_CHANGE,
        EventKind.EXIT_ENTRY_FILING,
    }
    for subject_id, events in facts.items():
        leaves = live_leaves(events, DEFAULT_SETTINGS)
        for index, (_, leave) in enumerate(leaves):
            others = [LeaveSpan(o.start, o.end) for _, o in leaves[:index]]
            assert (
                leave_refusal(LeaveSpan(leave.start, leave.end), others, DEFAULT_SETTINGS) is None
            )
        released = subjects[subject_id].status is SubjectStatus.RELEASED
        closing = [e for e in events if e.kind is EventKind.RELEASE_ANNOUNCEMENT]
        assert bool(closing) == released
    states = Counter(
        state.status
        for events in facts.values()
        for state in request_states(events, DEFAULT_SETTINGS).values()
    )
    assert states[ApprovalStatus.PENDING] == 2
    assert states[ApprovalStatus.APPROVED] > 0


@pytest.fixture(autouse=True)
def same_keys_as_the_server(monkeypatch: pytest.MonkeyPatch, settings: ServerSettings) -> None:
    monkeypatch.setenv("LASTMILE_BLOBS", str(settings.blobs))


def test_the_seeded_demo_has_leave_waiting_for_the_office_and_the_district(
    db_url: str, engine: Engine
) -> None:
    result = CliRunner().invoke(
        app, ["admin", "seed-demo", "--db", db_url, "--password", "pw-for-demo", "--size", "3000"]
    )
    assert result.exit_code == 0, result.output
    with read_session(engine) as session:
        for username, days in (("supervisor.baijia", 5), ("supervisor.fuxing", 10)):
            user = session.scalars(select(UserRow).where(UserRow.username == username)).one()
            waiting = waiting_requests(session, scope_for(session, user), DEFAULT_SETTINGS)
            assert [r.leave_days for r in waiting.requests] == [days], username
