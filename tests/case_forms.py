"""Forms of a mediation case for tests, as a phone sends them: one builder
per kind (wire JSON), a case document's fields, and the mutations that take
a new case to mediation (parties, their notices, a session)."""

import uuid
from typing import Any
from uuid import UUID

from tests.factories import mutation, party_fields

RECORDED_AT = "2026-11-21T10:00:00+08:00"


def document(case_id: UUID, form: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """The fields of a ``case_documents`` record holding ``form``."""
    fields: dict[str, Any] = {
        "case_id": str(case_id),
        "kind": form["kind"],
        "content": form,
        "signatures": [],
        "recorded_at": RECORDED_AT,
    }
    fields.update(overrides)
    return fields


def application(**overrides: Any) -> dict[str, Any]:
    return {
        "kind": "application",
        "applied_on": "2026-11-20",
        "parties": [{"role": "applicant", "name": "李某"}, {"role": "respondent", "name": "张某"}],
        "account": "张某翻修房屋时损坏了李某家的煤棚。",
        "request": "请求调解赔偿事宜。",
        **overrides,
    }


def acceptance(**overrides: Any) -> dict[str, Any]:
    return {
        "kind": "acceptance",
        "accepted_on": "2026-11-20",
        "dispute_type": "neighbourhood",
        "source": "walk_in",
        "parties_consent": True,
        **overrides,
    }


def refusal(**overrides: Any) -> dict[str, Any]:
    return {
        "kind": "refusal",
        "refused_on": "2026-11-20",
        "reason": "before_court",
        "explanation": "已向法院起诉",
        **overrides,
    }


def notice(party_id: UUID, name: str = "李某", **overrides: Any) -> dict[str, Any]:
    return {
        "kind": "rights_notice",
        "party_id": str(party_id),
        "party_name": name,
        "notified_on": "2026-11-21",
        **overrides,
    }


def investigation(**overrides: Any) -> dict[str, Any]:
    return {
        "kind": "investigation",
        "investigated_at": "2026-11-21T15:00:00+08:00",
        "statements": [{"name": "邻居赵某", "statement": "看见张某的工人拆了煤棚。"}],
        **overrides,
    }


def session(**overrides: Any) -> dict[str, Any]:
    return {
        "kind": "mediation_session",
        "held_at": "2026-11-22T09:30:00+08:00",
        "present": ["李某", "张某"],
        "account": "双方陈述，调解员释法。",
        "result": "agreed",
        **overrides,
    }


def oral_agreement(**overrides: Any) -> dict[str, Any]:
    return {
        "kind": "oral_agreement",
        "agreed_on": "2026-11-22",
        "present": ["李某", "张某"],
        "terms": "张某赔偿800元。",
        "obligations": [{"obligor": "张某", "action": "赔偿800元", "due": "2026-12-15"}],
        "performance_deadline": "2026-12-15",
        **overrides,
    }


def termination(**overrides: Any) -> dict[str, Any]:
    return {
        "kind": "termination",
        "ended_on": "2026-11-23",
        "reason": "no_agreement",
        "remedies_told": ["litigation"],
        **overrides,
    }


def follow_up(agreement_id: UUID | None = None, **overrides: Any) -> dict[str, Any]:
    return {
        "kind": "follow_up",
        "visited_on": "2026-12-20",
        "agreement_id": None if agreement_id is None else str(agreement_id),
        "visitor": "王桂兰",
        "visited": ["李某"],
        "satisfaction": "satisfied",
        **overrides,
    }


def closing(result: str = "agreed_oral", **overrides: Any) -> dict[str, Any]:
    return {
        "kind": "closing_report",
        "closed_on": "2026-12-21",
        "result": result,
        "summary": "履行完毕，结案。",
        **overrides,
    }


def archival(**overrides: Any) -> dict[str, Any]:
    return {
        "kind": "archival",
        "archived_on": "2026-12-22",
        "filed_by": "王桂兰",
        "retention": "long",
        **overrides,
    }


def to_mediation(case_id: UUID, names: tuple[str, ...] = ("李某", "张某")) -> list[dict[str, Any]]:
    """Mutations that take an accepted case to mediation: each party, each
    party's acknowledged notice, one session."""
    mutations = []
    for index, name in enumerate(names):
        party_id = uuid.uuid4()
        role = "applicant" if index == 0 else "respondent"
        fields = party_fields(case_id, name=name, role=role, id_number=None, phone=None)
        mutations.append(mutation("parties", party_id, fields))
        mutations.append(
            mutation("case_documents", uuid.uuid4(), document(case_id, notice(party_id, name)))
        )
    mutations.append(mutation("case_documents", uuid.uuid4(), document(case_id, session())))
    return mutations
