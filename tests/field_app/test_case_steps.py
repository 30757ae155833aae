"""The lifecycle on the device: each step checked by the contract's rule
before it is saved, the case shown moved on by its unsynced steps (and
back when the server refuses one), the provisional number, the case page's
steps done and next, parties fixed once agreed."""

import io
import uuid
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from field_app.errors import SaveRejectedError, StepRefusedError
from field_app.security.aead import DataKeyCipher
from field_app.services import case_steps, cases
from field_app.services.signature_images import SignedBy
from field_app.storage.blobs import LocalBlobStore
from field_app.storage.store import LocalStore
from shared_models.domain.agreements import SignerRole
from shared_models.domain.case_forms import (
    AcceptanceForm,
    ArchivalForm,
    CaseResult,
    OralAgreementForm,
    RefusalForm,
    RefusalReason,
    Retention,
    RightsNoticeForm,
)
from shared_models.domain.case_lifecycle import CaseStep, MediationSettings
from shared_models.domain.cases import CaseCategory, CaseSource, CaseStatus
from shared_models.protocol.errors import ErrorCode, MutationError
from shared_models.protocol.push import MutationResult, MutationStatus
from shared_models.protocol.tables import TableName
from tests.factories import district_today
from tests.field_app.lifecycle_steps import close, to_mediation
from tests.field_app.test_services import (
    APPLICANT,
    COMMITTEE,
    DISTRICT,
    OFFICE,
    RESPONDENT,
    intake,
    pulled,
)

RULES = MediationSettings()


@pytest.fixture(name="office")
def office_fixture(store: LocalStore) -> LocalStore:
    """The committee this mediator works in and the units above it."""
    for unit_id, parent, kind, name in (
        (DISTRICT, None, "district", "复兴区"),
        (OFFICE, DISTRICT, "office", "百家街道司法所"),
        (COMMITTEE, OFFICE, "committee", "百家村调委会"),
    ):
        pulled(store, TableName.ORG_UNITS, id=unit_id, name=name, kind=kind, parent_id=parent)
    return store


ACCEPTED = AcceptanceForm(
    accepted_on=date(2026, 11, 20),
    dispute_type=CaseCategory.NEIGHBOURHOOD,
    source=CaseSource.WALK_IN,
    parties_consent=True,
)
ORAL = OralAgreementForm(
    agreed_on=date(2026, 11, 22),
    present=["张三丰", "李四"],
    terms="李四赔偿800元。",
    performance_deadline=date(2026, 12, 15),
)


def test_a_step_is_checked_before_it_is_saved(office: LocalStore) -> None:
    case = cases.open_case(office, intake(), [APPLICANT, RESPONDENT])
    with pytest.raises(StepRefusedError) as missing:
        case_steps.record_step(office, case.id, ORAL, RULES)
    assert (missing.value.field, missing.value.missing) == ("kind", False)
    detail = cases.case_detail(office, case.id)
    assert detail is not None
    first = detail.parties[0]
    notice = RightsNoticeForm(
        party_id=first.id, party_name=first.name, notified_on=district_today()
    )
    case_steps.record_step(office, case.id, notice, RULES)
    progress = case_steps.case_progress(office, case.id, RULES)
    session = next(o for o in progress.next if o.step is CaseStep.MEDIATION_SESSION)
    assert session.problem is not None
    assert session.problem.field == "rights_notice"
    assert "李四" in session.problem.message
    stranger = RightsNoticeForm(
        party_id=uuid.uuid4(), party_name="王五", notified_on=district_today()
    )
    with pytest.raises(SaveRejectedError) as invalid:
        case_steps.record_step(office, case.id, stranger, RULES)
    assert invalid.value.field == "content.party_id"


def test_unsynced_steps_move_the_case_until_the_server_refuses_one(office: LocalStore) -> None:
    case = cases.open_case(office, intake(), [APPLICANT, RESPONDENT])
    to_mediation(office, case.id)
    shown = cases.case_detail(office, case.id)
    assert shown is not None
    assert shown.case.status is CaseStatus.MEDIATING
    assert [c.id for c in cases.list_cases(office, status=CaseStatus.MEDIATING)] == [case.id]
    oral = case_steps.record_step(office, case.id, ORAL, RULES)
    agreed = cases.case_detail(office, case.id)
    assert agreed is not None
    assert (agreed.case.status, agreed.case.follow_up_due) == (
        CaseStatus.AGREED,
        date(2027, 1, 14),
    )
    with pytest.raises(SaveRejectedError, match="fixed"):
        cases.add_party(office, case.id, APPLICANT)
    [entry] = [i for i in office.outbox.items() if i.record_id == oral.id]
    refused = MutationError(code=ErrorCode.LIFECYCLE_STEP_MISSING, message="…", field="kind")
    office.outbox.apply_results(
        [
            MutationResult(
                mutation_id=entry.mutation_id, status=MutationStatus.REJECTED, error=refused
            )
        ]
    )
    back = cases.case_detail(office, case.id)
    assert back is not None
    assert back.case.status is CaseStatus.MEDIATING


def test_an_accepted_case_shows_a_provisional_number_until_synced(office: LocalStore) -> None:
    case = cases.open_case(office, intake(status=CaseStatus.APPLIED), [APPLICANT])
    assert case_steps.case_progress(office, case.id, RULES).number == ""
    case_steps.record_step(office, case.id, ACCEPTED, RULES)
    progress = case_steps.case_progress(office, case.id, RULES)
    assert (progress.number, progress.provisional) == ("（2026）百家村调委会人调字第待定号", True)
    assert [d.step for d in progress.done] == [CaseStep.ACCEPTANCE]
    assert not progress.done[0].synced
    assert progress.case.status is CaseStatus.ACCEPTED
    refusal = RefusalForm(
        refused_on=date(2026, 11, 20), reason=RefusalReason.OTHER, explanation="重复申请"
    )
    with pytest.raises(StepRefusedError):
        case_steps.record_step(office, case.id, refusal, RULES)


def test_an_archived_case_is_closed_for_changes(office: LocalStore) -> None:
    case = cases.open_case(office, intake(), [APPLICANT])
    to_mediation(office, case.id)
    case_steps.record_step(office, case.id, ORAL, RULES)
    with pytest.raises(StepRefusedError, match="follow"):
        close(office, case.id, CaseResult.AGREED_ORAL, RULES)
    close(
        office,
        case.id,
        CaseResult.AGREED_ORAL,
        RULES.model_copy(update={"follow_up_required_to_close": False}),
    )
    archive = ArchivalForm(
        archived_on=date(2026, 12, 30), filed_by="王桂兰", retention=Retention.LONG
    )
    case_steps.record_step(office, case.id, archive, RULES)
    assert cases.case_detail(office, case.id).case.status is CaseStatus.ARCHIVED  # type: ignore[union-attr]
    with pytest.raises(SaveRejectedError, match="archived"):
        cases.update_case(office, case.id, {"title": "改"})
    [first] = case_steps.case_documents(office, case.id)[:1]
    with pytest.raises(SaveRejectedError, match="archived"):
        case_steps.edit_document(office, first.id, signatures=[])
    assert office.records.get(TableName.CASES, case.id)["status"] == "accepted"  # type: ignore[index]


def test_a_party_signs_their_notice_and_signing_again_replaces_it(
    office: LocalStore, tmp_path: Path, cipher: DataKeyCipher
) -> None:
    blobs = LocalBlobStore(tmp_path / "blobs", cipher, office)
    case = cases.open_case(office, intake(), [APPLICANT])
    detail = cases.case_detail(office, case.id)
    assert detail is not None
    party = detail.parties[0]
    notice = RightsNoticeForm(
        party_id=party.id, party_name=party.name, notified_on=district_today()
    )
    document = case_steps.record_step(office, case.id, notice, RULES)
    signer = SignedBy(SignerRole.PARTY, party.name, party.id)
    first = case_steps.add_document_signature(office, blobs, document.id, signer, _png(1))
    again = case_steps.add_document_signature(office, blobs, document.id, signer, _png(2))
    assert len(first.signatures) == 1
    [signature] = again.signatures
    assert signature.sha256 != first.signatures[0].sha256
    attachment = office.records.get(TableName.ATTACHMENTS, signature.attachment_id)
    assert attachment is not None
    assert (attachment["owner_table"], attachment["owner_id"]) == (
        "case_documents",
        str(document.id),
    )


def _png(seed: int) -> bytes:
    image = Image.new("RGB", (120, 40), (255, 255, 255))
    image.putpixel((seed, seed), (0, 0, 0))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
