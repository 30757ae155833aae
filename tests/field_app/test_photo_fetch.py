"""Photos another device took: fetched when a case page shows them, checked
against their hash, kept encrypted, never uploaded back."""

import hashlib
from pathlib import Path
from uuid import UUID

from field_app.core import FieldAppCore
from field_app.viewmodels.cases import CaseDetailViewModel
from field_app.viewmodels.visits import VisitFormViewModel
from tests.field_app.services_fixtures import camera_jpeg
from tests.field_app.test_viewmodels_cases import new_case
from tests.field_app.viewmodel_fixtures import (
    Phones,
    phones_fixture,  # noqa: F401  (the fixture)
    say,
)


def case_with_a_photo(phones: Phones) -> tuple[UUID, str]:
    """The mediator's phone records a visit with a photo and syncs it."""
    mediator = phones.signed_in("mediator.baijia")
    case_id = new_case(mediator, "院墙渗水纠纷")
    form = VisitFormViewModel(mediator, case_id)
    form.set_notes("现场查看渗水位置")
    assert form.add_photo(camera_jpeg())
    assert form.save(), say(form.error)
    mediator.sync_once()
    page = CaseDetailViewModel(mediator, case_id)
    [sha256] = page.timeline[0].photos
    return case_id, sha256


def server_blob(phones: Phones, sha256: str) -> Path:
    return phones.server.settings.blobs / sha256[:2] / sha256[2:4] / sha256


def supervisor_page(phones: Phones, case_id: UUID) -> tuple[FieldAppCore, CaseDetailViewModel]:
    supervisor = phones.signed_in("supervisor.baijia")
    return supervisor, CaseDetailViewModel(supervisor, case_id)


def test_a_photo_taken_elsewhere_is_fetched_once_and_never_uploaded_back(
    phones: Phones,
) -> None:
    case_id, sha256 = case_with_a_photo(phones)
    supervisor, page = supervisor_page(phones, case_id)
    assert page.missing_photos == [sha256]  # the pull brought the record, not the bytes

    assert page.fetch_photos()

    blobs = supervisor.data.blobs
    assert hashlib.sha256(blobs.read(sha256)).hexdigest() == sha256
    assert blobs.thumbnail(sha256) is not None
    assert blobs.pending() == []
    assert page.missing_photos == []
    fetched = len(phones.link.calls("GET", f"/api/v1/blobs/{sha256}"))
    assert not page.fetch_photos()  # held now: not asked for again
    assert len(phones.link.calls("GET", f"/api/v1/blobs/{sha256}")) == fetched == 1


def test_bytes_that_do_not_match_the_hash_are_never_kept(phones: Phones) -> None:
    case_id, sha256 = case_with_a_photo(phones)
    stored = server_blob(phones, sha256)
    stored.write_bytes(stored.read_bytes()[:-10] + b"tampered!!")
    supervisor, page = supervisor_page(phones, case_id)

    assert not page.fetch_photos()

    assert not supervisor.data.blobs.has(sha256)
    assert page.missing_photos == [sha256]  # the placeholder stays


def test_without_a_network_the_placeholder_stays(phones: Phones) -> None:
    case_id, sha256 = case_with_a_photo(phones)
    _, page = supervisor_page(phones, case_id)
    phones.link.up = False

    assert not page.fetch_photos()

    assert page.missing_photos == [sha256]
    phones.link.up = True
    assert page.fetch_photos()
