"""The case file on the phone: gathered from the encrypted store, checked
with the shared rule, printed offline with the images of the phone's
attachment store (a photo it does not hold prints as a note)."""

import shutil
from datetime import date
from pathlib import Path

import pytest

from field_app.errors import SaveRejectedError
from field_app.security.aead import DataKeyCipher
from field_app.services.case_file import case_file_gaps, case_file_pdf, case_file_sources
from field_app.services.case_steps import record_step
from field_app.services.cases import case_title
from field_app.storage.blobs import LocalBlobStore
from field_app.storage.store import LocalStore
from shared_models.case_file_check import FileGap, GapKind
from shared_models.district_time import DEFAULT_ZONE
from shared_models.domain.case_forms import CaseResult, ClosingReportForm, Performance
from shared_models.domain.case_lifecycle import MediationSettings
from shared_models.domain.cases import CaseStatus
from tests.field_app.case_file_device import on_phone
from tests.shared_documents.test_case_file_pdf import pages_text
from tests.shared_models.case_file_records import CASE, closed_case

TODAY = date(2027, 2, 1)


@pytest.fixture
def blobs(tmp_path: Path, cipher: DataKeyCipher, store: LocalStore) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "blobs", cipher, store)


def test_a_closed_case_prints_complete_from_the_phone_alone(
    store: LocalStore, blobs: LocalBlobStore
) -> None:
    records = closed_case(photos=3)
    on_phone(store, blobs, records, "百家村调委会")

    sources = case_file_sources(store, CASE, TODAY, DEFAULT_ZONE, MediationSettings())
    pdf = case_file_pdf(blobs, CASE, sources)

    assert case_file_gaps(sources) == []
    assert len(sources.documents) == len(records.documents)
    assert len(sources.attachments) == 3
    if shutil.which("pdftotext"):
        text = "".join(pages_text(pdf)).replace(" ", "")
        assert "百家村调委会" in text
        assert "未打印" not in text
        assert "本卷材料齐全" in text


def test_what_the_phone_lacks_is_named(store: LocalStore, blobs: LocalBlobStore) -> None:
    records = closed_case(photos=0).without("closing_report")
    on_phone(store, blobs, records, "百家村调委会")

    sources = case_file_sources(store, CASE, TODAY, DEFAULT_ZONE, MediationSettings())

    assert case_file_gaps(sources) == [FileGap(GapKind.CLOSING_REPORT)]


def test_a_case_the_phone_does_not_hold_is_refused(store: LocalStore) -> None:
    with pytest.raises(SaveRejectedError):
        case_file_sources(store, CASE, TODAY, DEFAULT_ZONE, MediationSettings())


def test_the_file_shows_the_case_as_the_phone_shows_it(
    store: LocalStore, blobs: LocalBlobStore
) -> None:
    """A closing report recorded offline closes the case on the phone: its
    file is the closed case's (one read of a case, ``live_case``), not the
    server's last status."""
    records = closed_case(photos=0, status="follow_up").without("closing_report")
    on_phone(store, blobs, records, "百家村调委会")
    report = ClosingReportForm(
        closed_on=date(2027, 1, 30),
        result=CaseResult.AGREED_WRITTEN,
        performance=Performance.PERFORMED,
        summary="已履行。",
    )
    record_step(store, CASE, report, MediationSettings())

    sources = case_file_sources(store, CASE, TODAY, DEFAULT_ZONE, MediationSettings())

    assert sources.case.status == CaseStatus.CLOSED
    assert case_title(store, CASE) == records.case.title
