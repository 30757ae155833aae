"""The records of one mediation case from application to archive, as both
sides hold them: for the completeness check, the case file's assembly and
the case-file bench (``photos`` evidence photos)."""

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from shared_models.case_file_text import CaseFileSources
from shared_models.district_time import DEFAULT_ZONE
from shared_models.domain.agreements import AgreementFields
from shared_models.domain.attachments import AttachmentFields
from shared_models.domain.case_documents import CaseDocumentFields
from shared_models.domain.case_lifecycle import MediationSettings
from shared_models.domain.cases import CaseFields, PartyFields
from tests.shared_documents.case_file_sample import jpeg
from tests.shared_documents.test_agreement_pdf import png, sealed

CASE = UUID(int=99)  # sealed() names this case
APPLICANT, RESPONDENT = UUID(int=1), UUID(int=2)
COMMITTEE = UUID(int=50)


def at(day: int, month: int = 11) -> str:
    return datetime(2026, month, day, 2, 0, tzinfo=UTC).isoformat()


@dataclass
class CaseRecords:
    """One case's records, each with its id; ``images`` the blobs they name."""

    case: CaseFields
    parties: list[tuple[UUID, PartyFields]]
    documents: list[tuple[UUID, CaseDocumentFields]]
    agreements: list[tuple[UUID, AgreementFields]]
    attachments: list[tuple[UUID, AttachmentFields]] = field(default_factory=list)
    images: dict[str, bytes] = field(default_factory=dict)

    def without(self, kind: str) -> "CaseRecords":
        kept = [(i, d) for i, d in self.documents if d.kind != kind]
        return replace(self, documents=kept)

    def sources(self, today: date = date(2027, 2, 1)) -> CaseFileSources:
        return CaseFileSources(
            case=self.case,
            parties=self.parties,
            documents=self.documents,
            visits=[],
            agreements=self.agreements,
            attachments=self.attachments,
            committee_name="百家村人民调解委员会",
            mediator_name="王桂兰",
            today=today,
            zone=DEFAULT_ZONE,
            settings=MediationSettings(),
        )


def _signature(images: dict[str, bytes], name: str, party: UUID | None, day: int) -> dict[str, Any]:
    data = png(name)
    sha = hashlib.sha256(data).hexdigest()
    images[sha] = data
    return {
        "signer_role": "party" if party else "mediator",
        "signer_name": name,
        "party_id": str(party) if party else None,
        "attachment_id": str(uuid.uuid5(CASE, f"{name}{day}")),
        "sha256": sha,
        "signed_at": at(day),
    }


def document(
    kind: str, content: dict[str, Any], day: int, month: int = 11, signed: Any = ()
) -> CaseDocumentFields:
    return CaseDocumentFields.model_validate(
        {
            "case_id": str(CASE),
            "kind": kind,
            "content": {"kind": kind, **content},
            "signatures": list(signed),
            "recorded_at": at(day, month),
        }
    )


def closed_case(
    photos: int = 2,
    status: str = "closed",
    unit: UUID = COMMITTEE,
    photo: Callable[[int], bytes] = jpeg,
) -> CaseRecords:
    """An agreed, followed-up and closed case whose file lacks nothing."""
    agreement, images = sealed()
    sign = lambda name, party, day: _signature(images, name, party, day)  # noqa: E731
    case = CaseFields.model_validate(
        {
            "title": "李某与张某损害赔偿纠纷",
            "category": "damages",
            "source": "walk_in",
            "status": status,
            "org_unit_id": str(unit),
            "opened_at": at(3),
            "closed_at": at(30, 1).replace("2026", "2027"),
            "case_number": "（2026）百家人调字第12号",
        }
    )
    parties = [
        (
            APPLICANT,
            PartyFields.model_validate({"case_id": str(CASE), "role": "applicant", "name": "李某"}),
        ),
        (
            RESPONDENT,
            PartyFields.model_validate(
                {"case_id": str(CASE), "role": "respondent", "name": "张某"}
            ),
        ),
    ]
    both = [sign("李某", APPLICANT, 20), sign("张某", RESPONDENT, 20)]
    documents = [
        document(
            "application",
            {
                "applied_on": "2026-11-03",
                "parties": [
                    {
                        "role": "applicant",
                        "name": "李某",
                        "gender": "male",
                        "ethnicity": "汉族",
                        "age": 45,
                    },
                    {"role": "respondent", "name": "张某", "gender": "male", "age": 52},
                ],
                "account": "被申请人修房时损坏申请人煤棚。",
                "request": "请求赔偿损失800元。",
            },
            3,
            signed=[sign("李某", APPLICANT, 3)],
        ),
        document(
            "acceptance",
            {
                "accepted_on": "2026-11-03",
                "dispute_type": "damages",
                "source": "walk_in",
                "parties_consent": True,
            },
            3,
        ),
        *(
            document(
                "rights_notice",
                {
                    "party_id": str(pid),
                    "party_name": name,
                    "notified_on": "2026-11-03",
                    "identity_checked": True,
                },
                3,
                signed=[sign(name, pid, 3)],
            )
            for pid, name in ((APPLICANT, "李某"), (RESPONDENT, "张某"))
        ),
        document(
            "investigation",
            {
                "investigated_at": at(5),
                "place": "百家村三组",
                "statements": [
                    {"name": "赵某", "relation": "邻居", "statement": "看见张某拆煤棚。"}
                ],
            },
            5,
        ),
        document(
            "mediation_session",
            {
                "held_at": at(20),
                "place": "调解室",
                "present": ["李某", "张某"],
                "account": "双方同意赔偿。",
                "result": "agreed",
            },
            20,
            signed=both,
        ),
        document(
            "follow_up",
            {
                "visited_on": "2027-01-30",
                "agreement_id": str(uuid.UUID(int=7)),
                "visitor": "王桂兰",
                "visited": ["李某"],
                "obligation_checks": [{"obligation_index": 0, "honoured": True}],
                "satisfaction": "satisfied",
            },
            30,
            month=1,
        ),
        document(
            "closing_report",
            {
                "closed_on": "2027-01-30",
                "result": "agreed_written",
                "performance": "performed",
                "summary": "已履行。",
            },
            30,
            month=1,
        ),
    ]
    documents = [(uuid.uuid5(CASE, f"doc{n}"), d) for n, d in enumerate(documents)]
    records = CaseRecords(case, parties, documents, [(uuid.UUID(int=7), agreement)], images=images)
    investigation = documents[4][0]
    for n in range(photos):
        data = photo(n)
        sha = hashlib.sha256(data).hexdigest()
        images[sha] = data
        owner = investigation if n % 2 else CASE
        records.attachments.append(
            (
                uuid.uuid5(CASE, f"photo{n}"),
                AttachmentFields.model_validate(
                    {
                        "owner_table": "case_documents" if n % 2 else "cases",
                        "owner_id": str(owner),
                        "kind": "photo",
                        "sha256": sha,
                        "size": len(data),
                        "mime": "image/jpeg",
                        "caption": f"现场照片{n + 1}",
                        "taken_at": at(5),
                    }
                ),
            )
        )
    return records
