"""Properties of the mediation lifecycle under random steps from several
offline devices (hypothesis), on SQLite and PostgreSQL:

- never an illegal case on the server: replaying every accepted party and
  document of a case in the order the server applied them, each step is one
  the contract's rule allows at that point, and the statuses it passes
  through end in the status the server holds;
- case numbers unique and without gaps per unit and year, exactly the
  accepted cases numbered, even when pushes that drew numbers roll back and
  when pushes run side by side.
"""

import random
import threading
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from sqlmodel import col

from shared_models.district_time import DEFAULT_ZONE
from shared_models.domain.case_lifecycle import (
    MediationSettings,
    facts_of,
    status_after,
    step_of,
    step_problem,
)
from shared_models.domain.case_numbers import parse_case_number
from shared_models.domain.cases import CaseStatus
from shared_models.protocol.push import PushRequest
from shared_models.protocol.version import PROTOCOL_VERSION
from sync_server.core.db import read_session, retrying_races, write_session
from sync_server.repositories.scope import JurisdictionScope, scope_for
from sync_server.services.sync.lifecycle import document_fields
from sync_server.services.sync.push import apply_push
from sync_server.tables import CaseDocumentRow, CaseRow, PartyRow, UserRow
from tests import case_forms as forms
from tests.factories import District, case_fields, mutation, party_fields

RULES = MediationSettings()


class _RollBackError(Exception):
    """Raised inside a push's transaction to roll it back."""


def _scope(engine: Engine, username: str) -> JurisdictionScope:
    with read_session(engine) as session:
        user = session.scalars(select(UserRow).where(col(UserRow.username) == username)).one()
        return scope_for(session, user)


def _push(
    engine: Engine, scope: JurisdictionScope, device: str, batch: list[dict[str, Any]]
) -> Any:
    request = PushRequest.model_validate(
        {"device_id": device, "protocol": PROTOCOL_VERSION, "mutations": batch}
    )

    def transaction() -> Any:
        with write_session(engine) as session:
            response, _ = apply_push(session, scope, device, request, datetime.now(UTC))
        return response

    return retrying_races(transaction)


def _doomed(engine: Engine, scope: JurisdictionScope, device: str, batch: list[Any]) -> None:
    """Apply ``batch`` (drawing numbers, moving cases) and roll it all back."""
    request = PushRequest.model_validate(
        {"device_id": device, "protocol": PROTOCOL_VERSION, "mutations": batch}
    )
    try:
        with write_session(engine) as session:
            apply_push(session, scope, device, request, datetime.now(UTC))
            raise _RollBackError
    except _RollBackError:
        pass


@dataclass
class _Case:
    id: UUID
    initial: CaseStatus
    parties: list[UUID] = field(default_factory=list)
    oral: list[UUID] = field(default_factory=list)
    documents: list[UUID] = field(default_factory=list)


_KINDS = {
    "acceptance": 2,
    "refusal": 0.3,
    "notice": 4,
    "investigation": 1,
    "session": 3,
    "oral": 2,
    "termination": 0.3,
    "follow_up": 2,
    "closing": 2,
    "archival": 1,
    "referral_out": 0.3,
    "party": 3,
    "status": 0.5,
    "delete_document": 0.5,
}
"""What a device does, and how often: mostly the steps that take a case
forward, now and then one that ends it early or that must be refused."""


def _action(case: _Case, kind: str, pick: random.Random) -> list[dict[str, Any]]:
    """What a device records offline for ``case`` in one go: a party
    usually with their notice, or one step."""
    if kind == "party":
        party_id = uuid.uuid4()
        case.parties.append(party_id)
        name = f"当事人{len(case.parties)}"
        party = mutation("parties", party_id, party_fields(case.id, name=name, id_number=None))
        if pick.random() < 0.3:
            return [party]
        return [party, _document(case, forms.notice(party_id, name))]
    if kind == "status":
        status = pick.choice(list(CaseStatus)).value
        return [mutation("cases", case.id, {"status": status}, base_version=None)]
    if kind == "delete_document" and case.documents:
        return [mutation("case_documents", pick.choice(case.documents), op="delete")]
    return [_document(case, _form(case, kind, pick))]


def _document(case: _Case, form: dict[str, Any]) -> dict[str, Any]:
    document_id = uuid.uuid4()
    case.documents.append(document_id)
    if form["kind"] == "oral_agreement":
        case.oral.append(document_id)
    return mutation("case_documents", document_id, forms.document(case.id, form))


def _form(case: _Case, kind: str, pick: random.Random) -> dict[str, Any]:
    if kind == "notice":
        party = pick.choice(case.parties) if case.parties and pick.random() < 0.9 else uuid.uuid4()
        return forms.notice(party)
    if kind == "follow_up":
        agreement = pick.choice(case.oral) if case.oral and pick.random() < 0.8 else None
        return forms.follow_up(agreement, next_follow_up=pick.choice([None, "2027-03-01"]))
    if kind == "closing":
        return forms.closing(pick.choice(["agreed_oral", "failed", "refused"]))
    if kind == "referral_out":
        return {
            "kind": "referral_out",
            "referred_on": "2026-11-25",
            "receiving_kind": "court",
            "receiving_body": "复兴区人民法院",
            "reason": "当事人起诉",
        }
    builders = {
        "acceptance": lambda: forms.acceptance(
            accepted_on=pick.choice(["2026-11-20", "2027-01-05"])
        ),
        "refusal": forms.refusal,
        "investigation": forms.investigation,
        "session": forms.session,
        "oral": forms.oral_agreement,
        "termination": forms.termination,
        "archival": forms.archival,
        "delete_document": forms.investigation,  # nothing to delete yet
    }
    return builders[kind]()  # type: ignore[operator]


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(seed=st.integers(0, 2**32 - 1), devices=st.integers(2, 4), steps=st.integers(6, 20))
def test_random_steps_from_offline_devices_never_leave_an_illegal_case(
    engine: Engine, district: District, seed: int, devices: int, steps: int
) -> None:
    pick = random.Random(seed)
    scope = _scope(engine, "mediator.baijia")
    unit = district.baijia_committee.id
    cases = [
        _Case(uuid.uuid4(), pick.choice([CaseStatus.APPLIED, CaseStatus.ACCEPTED]))
        for _ in range(pick.randint(1, 3))
    ]
    created = [
        mutation("cases", case.id, case_fields(unit, status=case.initial.value)) for case in cases
    ]
    _push(engine, scope, "setup-device", created)
    # Each device records its steps offline, in its own order …
    batches: list[tuple[str, list[dict[str, Any]]]] = []
    for number in range(devices):
        device = f"phone-device-{number}"
        actions = [
            one
            for _ in range(steps)
            for one in _action(
                pick.choice(cases), *pick.choices(list(_KINDS), list(_KINDS.values())), pick
            )
        ]
        cut = pick.randint(0, len(actions))
        batches += [(device, actions[:cut]), (device, actions[cut:])]
    # … and they sync in any order; some pushes are lost mid-way and sent again.
    pick.shuffle(batches)
    for device, batch in batches:
        if not batch:
            continue
        if pick.random() < 0.25:
            _doomed(engine, scope, device, batch)
        _push(engine, scope, device, batch)
    _check_cases(engine, cases)
    _check_numbers(engine)


def _check_cases(engine: Engine, cases: list[_Case]) -> None:
    """Replay each case's accepted parties and documents in the server's
    order through the contract's rule."""
    with read_session(engine) as session:
        for case in cases:
            row = session.get(CaseRow, case.id)
            assert row is not None
            parties = session.scalars(select(PartyRow).where(col(PartyRow.case_id) == case.id))
            documents = session.scalars(
                select(CaseDocumentRow).where(col(CaseDocumentRow.case_id) == case.id)
            )
            events = sorted(
                [(p.version, "party", p) for p in parties]
                + [(d.version, "document", d) for d in documents],
                key=lambda event: event[0],
            )
            status = case.initial
            known_parties: list[tuple[UUID, str]] = []
            known_documents: list[tuple[UUID, Any]] = []
            for _, kind, item in events:
                assert not item.deleted, "nothing of a case's steps is ever deleted"
                if kind == "party":
                    assert status in (
                        CaseStatus.APPLIED,
                        CaseStatus.ACCEPTED,
                        CaseStatus.INVESTIGATING,
                        CaseStatus.MEDIATING,
                    )
                    known_parties.append((item.id, item.name))
                    continue
                fields = document_fields(item)
                facts = facts_of(status, known_parties, known_documents, [], DEFAULT_ZONE)
                step = step_of(fields.kind)
                problem = step_problem(step, facts, RULES, fields.content)
                assert problem is None, (step, status, problem)
                status = status_after(status, step)
                known_documents.append((item.id, fields))
            assert CaseStatus(row.status) is status
            accepted = any(d.kind == "acceptance" for _, d in known_documents)
            assert (row.case_number is not None) == accepted


def _check_numbers(engine: Engine) -> None:
    """Every number of every unit and year: 1 … n, each once."""
    with read_session(engine) as session:
        rows = session.execute(
            select(col(CaseRow.org_unit_id), col(CaseRow.case_number)).where(
                col(CaseRow.case_number).is_not(None)
            )
        ).all()
    given: dict[tuple[UUID, int], list[int]] = defaultdict(list)
    for unit_id, text in rows:
        parsed = parse_case_number(text)
        assert parsed is not None, text
        given[(unit_id, parsed.year)].append(parsed.number)
    for numbers in given.values():
        assert sorted(numbers) == list(range(1, len(numbers) + 1)), sorted(numbers)


def test_pushes_side_by_side_number_without_gaps(engine: Engine, district: District) -> None:
    """Several phones of two committees accept cases at once; some of their
    pushes roll back after drawing a number, and are sent again."""
    writers = [("mediator.baijia", district.baijia_committee.id)] * 4 + [
        ("mediator.xiyuan", district.xiyuan_committee.id)
    ] * 2
    plans = []
    for number, (username, unit) in enumerate(writers):
        scope = _scope(engine, username)
        case_ids = [uuid.uuid4() for _ in range(6)]
        _push(
            engine,
            scope,
            f"setup-device-{number}",
            [mutation("cases", case_id, case_fields(unit)) for case_id in case_ids],
        )
        plans.append((scope, f"phone-device-{number}", case_ids))
    start = threading.Barrier(len(plans))

    def accept(plan: tuple[JurisdictionScope, str, list[UUID]]) -> None:
        scope, device, case_ids = plan
        pick = random.Random(device)
        start.wait()
        for case_id in case_ids:
            batch = [
                mutation(
                    "case_documents", uuid.uuid4(), forms.document(case_id, forms.acceptance())
                )
            ]
            if pick.random() < 0.3:
                _doomed(engine, scope, device, batch)
            [result] = _push(engine, scope, device, batch).results
            assert result.status == "applied", result

    with ThreadPoolExecutor(len(plans)) as pool:
        list(pool.map(accept, plans))
    _check_numbers(engine)
    with read_session(engine) as session:
        numbered = session.scalars(
            select(col(CaseRow.case_number)).where(col(CaseRow.case_number).is_not(None))
        ).all()
    assert len(numbered) == 36
    assert len(set(numbered)) == 36
