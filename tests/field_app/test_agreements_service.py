"""Mediation agreements on the device, on a real encrypted store: drafting
from a case, what is missing, signing, sealing by the shared rule, refusal
to change anything sealed (signature images included), corrections, the
offline PDF, follow-up marks, and the signature PNG drawn from strokes."""

import io
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from field_app.errors import AgreementSealedError, SaveRejectedError
from field_app.i18n import msg
from field_app.security.aead import DataKeyCipher
from field_app.services import agreements, case_steps, cases, visits
from field_app.services.agreements import AgreementIncompleteError
from field_app.services.photos import attach_photo
from field_app.services.signature_strokes import (
    PAD_HEIGHT,
    PAD_WIDTH,
    SCALE,
    BlankSignatureError,
    Stroke,
    clamp,
    signature_png,
)
from field_app.storage.blobs import LocalBlobStore
from field_app.storage.store import LocalStore
from field_app.viewmodels.case_progress import judicial_line
from shared_models.agreement_text import agreement_reference
from shared_models.domain import AgreementRecord
from shared_models.domain.agreements import AgreementFields, AgreementStatus, SignatureKind
from shared_models.domain.case_forms import JudicialApplicationForm
from shared_models.domain.case_lifecycle import MediationSettings
from shared_models.domain.cases import CaseStatus
from shared_models.domain.visits import ObligationCheck, VisitKind
from shared_models.integrity import agreement_hash, seal_is_intact
from shared_models.protocol.auth import UserProfile
from shared_models.protocol.tables import TableName
from tests.field_app.lifecycle_steps import to_mediation
from tests.field_app.services_fixtures import camera_jpeg
from tests.field_app.test_services import (
    APPLICANT,
    COMMITTEE,
    DISTRICT,
    ME,
    OFFICE,
    RESPONDENT,
    intake,
    pulled,
)

MEDIATOR = UserProfile(
    id=ME, username="mediator.baijia", display_name="王桂兰", role="mediator", org_unit_id=OFFICE
)
SIGNED_AT = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


@pytest.fixture(name="office")
def office_fixture(store: LocalStore) -> LocalStore:
    """The office and committee this mediator works in (as test_services' ``office``)."""
    for unit_id, parent, kind, name in (
        (DISTRICT, None, "district", "复兴区"),
        (OFFICE, DISTRICT, "office", "百家街道司法所"),
        (COMMITTEE, OFFICE, "committee", "百家村调委会"),
    ):
        pulled(store, TableName.ORG_UNITS, id=unit_id, name=name, kind=kind, parent_id=parent)
    return store


@pytest.fixture(name="blobs")
def blobs_fixture(tmp_path: Path, cipher: DataKeyCipher, store: LocalStore) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "blobs", cipher, store)


def strokes(seed: int) -> list[Stroke]:
    """A signature-like zigzag, different for each seed."""
    return [
        tuple(clamp(20 + i * 12, 60 + ((i * seed) % 7) * 9) for i in range(20)),
        tuple(clamp(40 + i * 10, 120 - ((i + seed) % 5) * 6) for i in range(15)),
    ]


def complete_terms(store: LocalStore, **changes: object) -> AgreementFields:
    case = cases.open_case(store, intake(), [APPLICANT, RESPONDENT])
    to_mediation(store, case.id)
    terms = agreements.prefill_from_case(store, case.id, MEDIATOR)
    values = {
        **terms.model_dump(mode="json"),
        "facts": "邻居翻修房屋时损坏了申请人的煤棚。",
        "obligations": [
            {"obligor": "李四", "action": "赔偿修理费800元", "due": "2026-12-15"},
            {"obligor": "张三丰", "action": "收款后不再追究"},
        ],
        "performance_method": "当面交付现金",
        "performance_deadline": "2026-12-31",
        **changes,
    }
    return AgreementFields.model_validate(values)


def signed_everyone(
    store: LocalStore, blobs: LocalBlobStore, terms: AgreementFields
) -> AgreementRecord:
    agreement_id = uuid.uuid4()
    agreements.save_terms(store, agreement_id, terms)
    for index in range(3):
        record = agreements.add_signature(
            store, blobs, agreement_id, index, signature_png(strokes(index + 1)), at=SIGNED_AT
        )
    return record


def test_a_draft_starts_from_the_case_parties_committee_and_mediator(office: LocalStore) -> None:
    case = cases.open_case(office, intake(), [APPLICANT, RESPONDENT])
    to_mediation(office, case.id)
    terms = agreements.prefill_from_case(office, case.id, MEDIATOR)
    assert [(p.name, p.role.value, p.phone) for p in terms.parties] == [
        ("张三丰", "applicant", "13800138000"),
        ("李四", "respondent", None),
    ]
    assert all(p.party_id is not None for p in terms.parties)
    assert (terms.committee_name, terms.mediator_name, terms.mediator_id) == (
        "百家村调委会",
        "王桂兰",
        ME,
    )
    assert terms.status is AgreementStatus.DRAFT


def test_incomplete_terms_are_refused_naming_each_missing_field(office: LocalStore) -> None:
    case = cases.open_case(office, intake(), [APPLICANT])
    terms = agreements.prefill_from_case(office, case.id, None)
    with pytest.raises(AgreementIncompleteError) as refused:
        agreements.save_terms(office, uuid.uuid4(), terms)
    assert [p.split(":")[0] for p in refused.value.problems] == [
        "parties",
        "facts",
        "obligations",
        "performance_deadline",
        "mediator_name",
    ]
    assert refused.value.field == "parties"
    assert [i.table for i in office.outbox.items()] == ["cases", "parties"]


def test_everyone_signs_then_the_seal_is_the_shared_rule(
    office: LocalStore, blobs: LocalBlobStore
) -> None:
    terms = complete_terms(office)
    agreement_id = uuid.uuid4()
    agreements.save_terms(office, agreement_id, terms)
    agreements.add_signature(office, blobs, agreement_id, 0, signature_png(strokes(1)))
    with pytest.raises(AgreementIncompleteError) as early:
        agreements.seal(office, agreement_id)
    assert early.value.problems == [
        "signatures: 李四 has not signed",
        "signatures: the mediator has not signed",
    ]
    agreements.add_signature(office, blobs, agreement_id, 1, signature_png(strokes(2)))
    agreements.add_signature(office, blobs, agreement_id, 2, signature_png(strokes(3)))
    sealed = agreements.seal(office, agreement_id, SIGNED_AT)

    assert sealed.status is AgreementStatus.SIGNED
    assert sealed.signed_at == SIGNED_AT
    fields = agreements.sealed_fields(sealed)
    assert seal_is_intact(fields)
    assert sealed.content_hash == agreement_hash(fields)
    assert [(s.signer_role.value, s.signer_name) for s in sealed.signatures] == [
        ("party", "张三丰"),
        ("party", "李四"),
        ("mediator", "王桂兰"),
    ]
    for signature in sealed.signatures:
        attachment = office.records.get(TableName.ATTACHMENTS, signature.attachment_id)
        assert attachment is not None
        assert (attachment["owner_id"], attachment["kind"], attachment["mime"]) == (
            str(agreement_id),
            "signature",
            "image/png",
        )
        assert attachment["sha256"] == signature.sha256
        assert blobs.read(signature.sha256)[:8] == b"\x89PNG\r\n\x1a\n"
    # The record and its three images wait to be pushed; the blobs to be uploaded.
    queued = [(i.table.value, i.record_id) for i in office.outbox.items()]
    assert ("agreements", agreement_id) in queued
    assert sum(table == "attachments" for table, _ in queued) == 3
    assert {s.sha256 for s in sealed.signatures} <= {sha for sha, _, _ in blobs.pending()}


def test_nothing_of_a_sealed_agreement_changes_signature_images_included(
    office: LocalStore, blobs: LocalBlobStore
) -> None:
    terms = complete_terms(office)
    record = signed_everyone(office, blobs, terms)
    agreements.seal(office, record.id)
    before = office.outbox.items()
    image = record.signatures[0]

    with pytest.raises(AgreementSealedError):
        agreements.save_terms(office, record.id, terms.model_copy(update={"facts": "改过的事实。"}))
    with pytest.raises(AgreementSealedError):
        agreements.add_signature(office, blobs, record.id, 0, signature_png(strokes(9)))
    with pytest.raises(AgreementSealedError):
        agreements.seal(office, record.id)
    with pytest.raises(AgreementSealedError):
        attach_photo(office, blobs, "agreements", record.id, camera_jpeg())
    with pytest.raises(AgreementSealedError):
        office.records.refuse_if_sealed(TableName.ATTACHMENTS, image.attachment_id)

    assert office.outbox.items() == before
    after = agreements.agreement_record(office, record.id)
    assert after is not None
    assert after.signatures[0] == image
    assert seal_is_intact(agreements.sealed_fields(after))


def test_the_store_itself_refuses_to_change_a_sealed_agreement(
    office: LocalStore, blobs: LocalBlobStore
) -> None:
    """Below every service: any write path (a future screen, a bug) meets the seal."""
    record = signed_everyone(office, blobs, complete_terms(office))
    agreements.seal(office, record.id)
    before = office.outbox.items()
    image = record.signatures[0]

    with pytest.raises(SaveRejectedError, match="sealed"):
        office.records.save(TableName.AGREEMENTS, record.id, {"facts": "悄悄改过。"})
    with pytest.raises(SaveRejectedError, match="sealed"):
        office.records.save(TableName.ATTACHMENTS, image.attachment_id, {"caption": "换过"})
    with pytest.raises(SaveRejectedError, match="sealed"):
        office.records.delete(TableName.ATTACHMENTS, image.attachment_id)
    with pytest.raises(SaveRejectedError, match="sealed"):
        office.records.delete(TableName.AGREEMENTS, record.id)

    assert office.outbox.items() == before


def test_changed_terms_void_the_signatures_given_to_the_old_text(
    office: LocalStore, blobs: LocalBlobStore
) -> None:
    terms = complete_terms(office)
    agreement_id = uuid.uuid4()
    agreements.save_terms(office, agreement_id, terms)
    signed = agreements.add_signature(office, blobs, agreement_id, 0, signature_png(strokes(1)))
    attachment_id = signed.signatures[0].attachment_id

    same = agreements.save_terms(office, agreement_id, terms)
    assert len(same.signatures) == 1
    changed = agreements.save_terms(
        office, agreement_id, terms.model_copy(update={"facts": "事实有补充。"})
    )
    assert changed.signatures == []
    assert office.records.get(TableName.ATTACHMENTS, attachment_id) is None


def test_signing_again_replaces_that_signers_image_only(
    office: LocalStore, blobs: LocalBlobStore
) -> None:
    record = signed_everyone(office, blobs, complete_terms(office))
    first = record.signatures[1]
    again = agreements.add_signature(office, blobs, record.id, 1, signature_png(strokes(7)))
    assert len(again.signatures) == 3
    replaced = agreements.assigned_signatures(agreements.sealed_fields(again))[1]
    assert replaced is not None
    assert replaced.sha256 != first.sha256
    assert office.records.get(TableName.ATTACHMENTS, first.attachment_id) is None
    assert (
        agreements.assigned_signatures(agreements.sealed_fields(again))[0] == record.signatures[0]
    )


def test_a_fingerprint_photo_stands_for_a_party_not_for_the_mediator(
    office: LocalStore, blobs: LocalBlobStore
) -> None:
    terms = complete_terms(office)
    agreement_id = uuid.uuid4()
    agreements.save_terms(office, agreement_id, terms)
    record = agreements.add_signature(
        office, blobs, agreement_id, 1, camera_jpeg(), SignatureKind.FINGERPRINT
    )
    [fingerprint] = record.signatures
    assert fingerprint.kind is SignatureKind.FINGERPRINT
    attachment = office.records.get(TableName.ATTACHMENTS, fingerprint.attachment_id)
    assert attachment is not None
    assert (attachment["kind"], attachment["mime"]) == ("fingerprint", "image/jpeg")
    with pytest.raises(SaveRejectedError, match="mediator signs"):
        agreements.add_signature(
            office, blobs, agreement_id, 2, camera_jpeg(), SignatureKind.FINGERPRINT
        )


def test_a_correction_is_a_new_agreement_pointing_at_the_sealed_one(
    office: LocalStore, blobs: LocalBlobStore
) -> None:
    terms = complete_terms(office)
    original = signed_everyone(office, blobs, terms)
    with pytest.raises(SaveRejectedError, match="only a signed agreement"):
        agreements.prefill_correction(office, original.id)
    agreements.seal(office, original.id, SIGNED_AT)
    assert agreements.agreement_in_effect(office, terms.case_id) == agreements.agreement_record(
        office, original.id
    )

    correction = agreements.prefill_correction(office, original.id)
    assert correction.supersedes_id == original.id
    assert correction.signatures == []
    assert correction.facts == terms.facts
    fixed = signed_everyone(
        office, blobs, correction.model_copy(update={"facts": "更正后的事实。"})
    )
    assert [a.id for a in agreements.case_agreements(office, terms.case_id)] == [
        original.id,
        fixed.id,
    ]
    # The sealed one stays in effect until its correction is sealed too.
    in_effect = agreements.agreement_in_effect(office, terms.case_id)
    assert in_effect is not None
    assert in_effect.id == original.id
    agreements.seal(office, fixed.id, SIGNED_AT + timedelta(days=1))
    in_effect = agreements.agreement_in_effect(office, terms.case_id)
    assert in_effect is not None
    assert in_effect.id == fixed.id


def test_the_pdf_is_made_offline_from_the_sealed_record(
    office: LocalStore, blobs: LocalBlobStore
) -> None:
    record = signed_everyone(office, blobs, complete_terms(office))
    sealed = agreements.seal(office, record.id, SIGNED_AT)
    pdf = agreements.agreement_pdf(office, blobs, record.id)
    assert pdf.startswith(b"%PDF")
    assert pdf == agreements.agreement_pdf(office, blobs, record.id)  # reproducible
    assert sealed.content_hash is not None
    reference = agreement_reference(record.id, sealed.content_hash).encode()
    assert reference in pdf  # the PDF's keywords name the sealed record


def test_a_follow_up_marks_the_obligations_of_a_sealed_agreement(
    office: LocalStore, blobs: LocalBlobStore
) -> None:
    terms = complete_terms(office)
    record = signed_everyone(office, blobs, terms)
    marks = [ObligationCheck(obligation_index=0, honoured=True)]
    with pytest.raises(SaveRejectedError, match="only a signed agreement"):
        visits.record_visit(
            office,
            blobs,
            kind=VisitKind.FOLLOW_UP,
            case_id=terms.case_id,
            agreement_id=record.id,
            obligation_checks=marks,
        )
    agreements.seal(office, record.id)
    too_many = [ObligationCheck(obligation_index=2, honoured=False)]
    with pytest.raises(SaveRejectedError, match="has 2 obligations"):
        visits.record_visit(
            office,
            blobs,
            kind=VisitKind.FOLLOW_UP,
            case_id=terms.case_id,
            agreement_id=record.id,
            obligation_checks=too_many,
        )
    saved = visits.record_visit(
        office,
        blobs,
        kind=VisitKind.FOLLOW_UP,
        case_id=terms.case_id,
        agreement_id=record.id,
        obligation_checks=[*marks, ObligationCheck(obligation_index=1, honoured=False)],
    )
    assert saved.visit.agreement_id == record.id
    assert [(c.obligation_index, c.honoured) for c in saved.visit.obligation_checks] == [
        (0, True),
        (1, False),
    ]


def test_the_signature_png_is_drawn_from_the_strokes_the_same_every_time() -> None:
    first = signature_png(strokes(1))
    assert first == signature_png(strokes(1))
    assert first != signature_png(strokes(2))
    image = Image.open(io.BytesIO(first))
    assert image.mode == "RGBA"
    # Cropped to the ink plus a margin, never larger than the pad at 2x.
    assert image.width <= PAD_WIDTH * SCALE
    assert image.height <= PAD_HEIGHT * SCALE
    assert image.getpixel((0, 0))[3] == 0  # type: ignore[index]
    alpha = image.getchannel("A")
    assert alpha.getbbox() is not None
    with pytest.raises(BlankSignatureError):
        signature_png([((10.0, 10.0), (12.0, 11.0))])
    with pytest.raises(BlankSignatureError):
        signature_png([])
    assert clamp(-5, PAD_HEIGHT + 50) == (0.0, float(PAD_HEIGHT))


def test_the_case_page_counts_the_judicial_window_and_marks_a_late_application(
    office: LocalStore, blobs: LocalBlobStore
) -> None:
    terms = complete_terms(office)
    record = signed_everyone(office, blobs, terms)
    agreements.seal(office, record.id, SIGNED_AT)
    rules = MediationSettings()
    agreed = case_steps.case_progress(office, terms.case_id, rules)
    window = agreed.judicial
    assert window is not None
    assert case_steps.judicial_windows(office, [agreed.case], rules) == {terms.case_id: window}
    assert (window.last_day, window.applied_on) == (date(2026, 12, 28), None)
    shown = judicial_line(window, CaseStatus.AGREED, date(2026, 12, 20))
    assert shown == (msg("progress.judicial.open", day=date(2026, 12, 28), left=9), False)
    closed = judicial_line(window, CaseStatus.AGREED, date(2026, 12, 29))
    assert closed == (msg("progress.judicial.closed", day=date(2026, 12, 28)), False)
    late = JudicialApplicationForm(
        agreement_id=record.id,
        applied_on=date(2027, 1, 5),
        court="复兴区人民法院",
        applicants=["李四"],
    )
    case_steps.record_step(office, terms.case_id, late, rules)  # kept: the court decides
    progress = case_steps.case_progress(office, terms.case_id, rules)
    assert progress.case.status is CaseStatus.JUDICIAL_CONFIRMATION
    assert case_steps.judicial_windows(office, [progress.case], rules) == {}  # applied
    assert progress.judicial is not None
    assert progress.judicial.late
    line, warning = judicial_line(progress.judicial, CaseStatus.CLOSED, date(2027, 3, 1))
    assert warning
    assert line == msg("progress.judicial.late", applied=date(2027, 1, 5), day=date(2026, 12, 28))
