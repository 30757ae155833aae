"""Mediation cases for the statistics: any number of cases spread over
committees, years, dispute types and sources, each with the records of its
outcome (a signed agreement, an oral agreement's registration, a
termination; closing reports, judicial rulings), loaded in bulk. Used by the
statistics tests (a few hundred) and the statistics bench (100,000)."""

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Engine

from shared_models.domain import AgreementRecord, CaseDocumentRecord, CaseRecord
from shared_models.domain.cases import CaseCategory, CaseSource
from shared_models.protocol.tables import TableName
from sync_server.core.db import write_session
from sync_server.services.sync.seeding import load_records
from tests.sync_server.supervision_data import signed_agreement

FIRST_DAY = datetime(2017, 1, 1, tzinfo=UTC)
DAYS = 3650
"""Cases are opened over ten years, from 2017."""


@dataclass
class Generated:
    cases: list[CaseRecord] = field(default_factory=list)
    agreements: list[AgreementRecord] = field(default_factory=list)
    documents: list[CaseDocumentRecord] = field(default_factory=list)


def _document(case_id: UUID, kind: str, at: datetime, **content: Any) -> CaseDocumentRecord:
    return CaseDocumentRecord.model_validate(
        {
            "id": str(uuid.uuid4()),
            "case_id": str(case_id),
            "kind": kind,
            "content": {"kind": kind, **content},
            "recorded_at": at.isoformat(),
        }
    )


def generate(
    units: list[UUID],
    count: int,
    seed: int = 7,
    first_day: datetime = FIRST_DAY,
    days: int = DAYS,
) -> Generated:
    """``count`` cases at ``units``; about 60% agreed in writing, 15% orally,
    20% failed, 5% still open; agreements mostly performed, some confirmed by a court."""
    rng = random.Random(seed)
    out = Generated()
    categories, sources = list(CaseCategory), list(CaseSource)
    for _ in range(count):
        case_id = uuid.uuid4()
        opened = first_day + timedelta(days=rng.randrange(days), hours=rng.randrange(24))
        ended = opened + timedelta(days=rng.randrange(1, 40))
        draw = rng.random()
        outcome = (
            "written"
            if draw < 0.6
            else "oral"
            if draw < 0.75
            else "failed"
            if draw < 0.95
            else "open"
        )
        status = {"written": "closed", "oral": "closed", "failed": "closed", "open": "mediating"}[
            outcome
        ]
        if rng.random() < 0.02:
            status = "refused"
        out.cases.append(
            CaseRecord.model_validate(
                {
                    "id": str(case_id),
                    "title": "纠纷",
                    "category": rng.choice(categories).value,
                    "source": rng.choice(sources).value,
                    "status": status,
                    "org_unit_id": str(rng.choice(units)),
                    "opened_at": opened.isoformat(),
                    "closed_at": None
                    if status in ("mediating", "refused")
                    else (ended + timedelta(days=20)).isoformat(),
                }
            )
        )
        if outcome == "written":
            agreement = signed_agreement(case_id, ended)
            out.agreements.append(agreement)
            if rng.random() < 0.1:
                out.documents.append(
                    _document(
                        case_id,
                        "judicial_ruling",
                        ended + timedelta(days=12),
                        agreement_id=str(agreement.id),
                        ruled_on=(ended + timedelta(days=12)).date().isoformat(),
                        court="复兴区人民法院",
                        outcome=rng.choice(["confirmed", "confirmed", "rejected"]),
                    )
                )
        elif outcome == "oral":
            out.documents.append(
                _document(
                    case_id,
                    "oral_agreement",
                    ended,
                    agreed_on=ended.date().isoformat(),
                    present=["甲", "乙"],
                    terms="口头协议",
                )
            )
        elif outcome == "failed":
            out.documents.append(
                _document(
                    case_id,
                    "termination",
                    ended,
                    ended_on=ended.date().isoformat(),
                    reason="no_agreement",
                    remedies_told=["litigation"],
                )
            )
        if outcome != "open":
            closed = ended + timedelta(days=20)
            performed = rng.choice(["performed", "performed", "partly", "not_applicable"])
            out.documents.append(
                _document(
                    case_id,
                    "closing_report",
                    closed,
                    closed_on=closed.date().isoformat(),
                    result={"written": "agreed_written", "oral": "agreed_oral", "failed": "failed"}[
                        outcome
                    ],
                    performance=performed if outcome != "failed" else "not_applicable",
                    summary="结案",
                )
            )
    return out


def load(engine: Engine, generated: Generated, author: UUID | None = None) -> None:
    with write_session(engine) as session:
        load_records(session, TableName.CASES, generated.cases, author)
        load_records(session, TableName.AGREEMENTS, generated.agreements, author)
        load_records(session, TableName.CASE_DOCUMENTS, generated.documents, author)
