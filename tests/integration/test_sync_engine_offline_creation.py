"""A record created on the phone and edited again after a push of its
creation failed, on SQLite and PostgreSQL: the edits reach the server as
the user made them, never as a conflict with the record's own creation
(test_offline_edits_after_failed_push.py is the agreement found so).

However the push failed (the network down, the answer lost after the
server applied it, the server answering with an error), the creation goes
out again unchanged, with its mutation id (answered ``duplicate`` when the
server had applied it), and the later edit goes out only after it is
acknowledged, based on the version the creation got (``Outbox.take_for_push``)."""

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared_models.protocol.tables import TableName
from tests.factories import party_fields
from tests.integration.sync_fixtures import Link, Phone, Server
from tests.integration.test_sync_engine import (  # noqa: F401  (the fixtures)
    CASES,
    _push_body,
    local_template,
    office_case,
    phone_for,
    server,
)

PUSH = "/api/v1/sync/push"


class _Refusing(httpx.BaseTransport):
    """A server that answers every push 503 (and serves the rest)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == PUSH:
            return httpx.Response(503, json={"code": "UNAVAILABLE", "message": "busy"})
        return self.inner.handle_request(request)


def _fail_pushes(link: Link, how: str) -> Callable[[], None]:
    """Make the next pushes fail ``how``; returns what mends the link."""
    inner = link.inner
    if how == "network down":
        link.up = False
    elif how == "answer lost":

        def lose_push_answer(request: httpx.Request, response: httpx.Response) -> None:
            if request.url.path == PUSH:
                raise httpx.ReadError("connection reset", request=request)

        link.after = lose_push_answer
    else:
        link.inner = _Refusing(inner)

    def mend() -> None:
        link.up, link.after, link.inner = True, None, inner

    return mend


@pytest.mark.parametrize("how", ["network down", "answer lost", "server error"])
def test_edits_after_a_failed_push_of_a_creation_reach_the_server_as_made(
    server: Server,  # noqa: F811  (the fixture)
    phone_for: Any,  # noqa: F811
    how: str,
) -> None:
    phone, link = phone_for("mediator.baijia")
    case_id = phone.save(CASES, office_case(server, title="初稿"))
    phone.save(CASES, {"description": "第一次修改"}, case_id)  # folds into the creation
    mend = _fail_pushes(link, how)
    assert not phone.sync().ok
    assert server.count(CASES, case_id) == (1 if how == "answer lost" else 0)
    [creation] = phone.store.outbox.items()
    assert creation.state == "sent"
    mend()

    phone.save(CASES, {"title": "定稿", "description": "第二次修改"}, case_id)
    party_id = phone.save(TableName.PARTIES, party_fields(case_id, name="欧阳娜娜"))
    sent_before = len(link.calls("POST", PUSH))
    result = phone.sync()

    assert result.ok, result.error
    assert phone.store.outbox.items() == []
    assert server.rows(TableName.CONFLICTS) == {}
    on_server = server.live(CASES)[case_id]
    assert (on_server["title"], on_server["description"]) == ("定稿", "第二次修改")
    assert phone.live(CASES)[case_id] == on_server
    assert server.live(TableName.PARTIES)[party_id]["name"] == "欧阳娜娜"
    # The creation again, byte for byte; then the edit, based on the version
    # the creation got, and what was queued after it, in the order made.
    first, then = [_push_body(r)["mutations"] for r in link.calls("POST", PUSH)[sent_before:]]
    assert [m["mutation_id"] for m in first] == [str(creation.mutation_id)]
    assert [(m["record_id"], m["base_version"] is None) for m in then] == [
        (str(case_id), False),
        (str(party_id), True),
    ]
    assert then[0]["base_version"] < on_server["version"]


def test_an_edit_waits_again_while_its_creation_stays_unanswered(
    server: Server,  # noqa: F811  (the fixture)
    phone_for: Any,  # noqa: F811
) -> None:
    phone, link = phone_for("mediator.baijia")
    case_id = phone.save(CASES, office_case(server))
    mend = _fail_pushes(link, "answer lost")
    assert not phone.sync().ok
    phone.save(CASES, {"description": "修改"}, case_id)
    assert not phone.sync().ok  # the creation repeated, its answer lost again
    assert [i.state for i in phone.store.outbox.items()] == ["sent", "pending"]
    mend()
    assert phone.sync().ok
    assert server.live(CASES)[case_id]["description"] == "修改"
    assert server.rows(TableName.CONFLICTS) == {}


STEPS = st.lists(
    st.sampled_from(["edit", "network down", "answer lost", "server error", "sync"]),
    min_size=1,
    max_size=6,
)


@pytest.fixture
def mediator(phone_for: Any) -> tuple[Phone, Link]:  # noqa: F811
    """One phone for all the examples of a property (each leaves its outbox empty)."""
    made: tuple[Phone, Link] = phone_for("mediator.baijia")
    return made


@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(steps=STEPS)
def test_any_run_of_edits_and_failed_pushes_ends_as_the_user_left_it(
    server: Server,  # noqa: F811  (the fixture)
    mediator: tuple[Phone, Link],
    steps: list[str],
) -> None:
    """A fresh record per example, on one phone whose outbox each example
    leaves empty: whatever came between, the server ends with the last values
    made and no conflict of the phone with itself."""
    phone, link = mediator
    case_id = phone.save(CASES, office_case(server, description="0"))
    for number, step in enumerate(steps, start=1):
        if step == "edit":
            phone.save(CASES, {"description": str(number)}, case_id)
        elif step == "sync":
            assert phone.sync().ok
        else:
            mend = _fail_pushes(link, step)
            phone.sync()
            mend()
    assert phone.sync().ok
    assert phone.store.outbox.items() == []
    assert server.rows(TableName.CONFLICTS) == {}
    last = max([0] + [n for n, step in enumerate(steps, start=1) if step == "edit"])
    assert server.live(CASES)[case_id]["description"] == str(last)
    assert phone.live(CASES)[case_id] == server.live(CASES)[case_id]
