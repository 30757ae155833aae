"""One mediation case taken from application to closing on the running
server, the way the mediator's phone sends it (through the sync protocol,
no phone screens): parties, the application signed by the applicant, the
acceptance (which gives the case its number), each party's notice signed,
an investigation with an evidence photo, a session signed by both, the
sealed agreement, a follow-up and the closing report — dated today, so the
case counts in this month's statistics. For the desk's case-file test."""

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import httpx

from shared_models.district_time import DEFAULT_ZONE, district_day
from shared_models.domain.agreements import AgreementFields
from shared_models.sealing import seal_agreement
from tests.case_forms import (
    acceptance,
    application,
    closing,
    document,
    follow_up,
    investigation,
    notice,
    session,
)
from tests.e2e.district import API, ServerClient
from tests.factories import case_fields, id_number, mutation, party_fields
from tests.field_app.services_fixtures import camera_jpeg
from tests.sync_server.agreement_data import draft_fields, signature_png


@dataclass
class Lifecycle:
    """What was pushed: the case and the images the file must print."""

    case_id: UUID
    title: str
    images: dict[str, bytes] = field(default_factory=dict)


class _Pusher:
    def __init__(self, device: ServerClient, case_id: UUID) -> None:
        self.device, self.case_id = device, case_id
        self.images: dict[str, bytes] = {}
        self.now = datetime.now(UTC)

    def upload(self, data: bytes) -> str:
        sha256 = hashlib.sha256(data).hexdigest()
        response = httpx.patch(
            f"{self.device.base_url}{API}/blobs/{sha256}",
            content=data,
            headers={
                **self.device.headers,
                "Upload-Offset": "0",
                "Upload-Length": str(len(data)),
                "Content-Type": "application/offset+octet-stream",
            },
            timeout=60,
        )
        assert response.status_code in (200, 201, 204), response.text
        self.images[sha256] = data
        return sha256

    def attach(
        self, owner_table: str, owner: UUID, kind: str, data: bytes, mime: str
    ) -> dict[str, Any]:
        """Upload ``data`` and record it as an attachment of ``owner``: the
        attachment's mutation (pushed by the caller) and its reference."""
        sha256 = self.upload(data)
        attachment_id = uuid.uuid4()
        self.device.push(
            [
                mutation(
                    "attachments",
                    attachment_id,
                    {
                        "owner_table": owner_table,
                        "owner_id": str(owner),
                        "kind": kind,
                        "sha256": sha256,
                        "size": len(data),
                        "mime": mime,
                        "caption": "煤棚损坏现场" if kind == "photo" else "",
                    },
                )
            ]
        )
        return {"attachment_id": str(attachment_id), "sha256": sha256}

    def signed_document(self, form: dict[str, Any], signers: list[tuple[UUID | None, str]]) -> UUID:
        """A case document signed on the screen by ``signers`` (party id or
        ``None`` for the mediator, name)."""
        document_id = uuid.uuid4()
        fields = document(self.case_id, form, recorded_at=self.now.isoformat())
        [created] = self.device.push([mutation("case_documents", document_id, fields)])
        signatures = []
        for party_id, name in signers:
            ref = self.attach(
                "case_documents",
                document_id,
                "signature",
                signature_png(f"{document_id}{name}"),
                "image/png",
            )
            signatures.append(
                {
                    "signer_role": "party" if party_id else "mediator",
                    "signer_name": name,
                    "party_id": str(party_id) if party_id else None,
                    "signed_at": self.now.isoformat(),
                    **ref,
                }
            )
        if signatures:
            signed = {"signatures": signatures}
            base = created["version"]
            self.device.push([mutation("case_documents", document_id, signed, base_version=base)])
        return document_id


def closed_case(server_url: str, tag: str, password: str) -> Lifecycle:
    """The case, pushed as ``mediator.baijia``; returns its id and title."""
    device = ServerClient(server_url, "mediator.baijia", password)
    case_id = uuid.uuid4()
    title = f"李某与张某煤棚损害赔偿纠纷 {tag}"
    pusher = _Pusher(device, case_id)
    today = district_day(pusher.now, DEFAULT_ZONE).isoformat()
    unit = uuid.UUID(device.user["org_unit_id"])
    device.push(
        [
            mutation(
                "cases",
                case_id,
                case_fields(unit, title=title, category="damages", status="applied"),
            )
        ]
    )
    people = [
        (uuid.uuid4(), "李某", "applicant", "456"),
        (uuid.uuid4(), "张某", "respondent", "789"),
    ]
    device.push(
        [
            mutation(
                "parties",
                pid,
                party_fields(
                    case_id, name=name, role=role, id_number=id_number(serial=serial), phone=None
                ),
            )
            for pid, name, role, serial in people
        ]
    )
    (applicant, _, _, _), (respondent, _, _, _) = people
    pusher.signed_document(application(applied_on=today), [(applicant, "李某")])
    pusher.signed_document(acceptance(accepted_on=today, dispute_type="damages"), [])
    for pid, name, _, _ in people:
        pusher.signed_document(
            notice(pid, name, notified_on=today, identity_checked=True), [(pid, name)]
        )
    inquiry = pusher.signed_document(investigation(investigated_at=pusher.now.isoformat()), [])
    pusher.attach(
        "case_documents", inquiry, "photo", camera_jpeg((1600, 1200), gps=False), "image/jpeg"
    )
    pusher.signed_document(
        session(held_at=pusher.now.isoformat()), [(applicant, "李某"), (respondent, "张某")]
    )
    agreement_id = _sealed_agreement(pusher, people)
    pusher.signed_document(
        follow_up(
            agreement_id,
            visited_on=today,
            obligation_checks=[{"obligation_index": 0, "honoured": True}],
        ),
        [],
    )
    pusher.signed_document(closing("agreed_written", closed_on=today, performance="performed"), [])
    return Lifecycle(case_id, title, pusher.images)


def _sealed_agreement(pusher: _Pusher, people: list[tuple[UUID, str, str, str]]) -> UUID:
    agreement_id = uuid.uuid4()
    draft = draft_fields(
        pusher.case_id,
        parties=[
            {"party_id": str(pid), "role": role, "name": name} for pid, name, role, _ in people
        ],
    )
    pusher.device.push([mutation("agreements", agreement_id, draft)])
    signatures = []
    for party_id, name in [(pid, name) for pid, name, _, _ in people] + [(None, "王桂兰")]:
        ref = pusher.attach(
            "agreements",
            agreement_id,
            "signature",
            signature_png(f"{agreement_id}{name}"),
            "image/png",
        )
        signatures.append(
            {
                "signer_role": "party" if party_id else "mediator",
                "signer_name": name,
                "party_id": str(party_id) if party_id else None,
                "signed_at": pusher.now.isoformat(),
                **ref,
            }
        )
    sealed = seal_agreement(
        AgreementFields.model_validate({**draft, "signatures": signatures}), pusher.now
    )
    seal = sealed.model_dump(mode="json", include={"signatures", "status", "signed_at"})
    seal["content_hash"] = sealed.content_hash
    version = pusher.device.pull_all()["agreements"][str(agreement_id)]["version"]
    pusher.device.push([mutation("agreements", agreement_id, seal, base_version=version)])
    return agreement_id
