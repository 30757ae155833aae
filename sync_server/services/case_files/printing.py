"""Printing a case file on the server: the same PDF the phone draws
(``shared_documents.case_file_pdf``), with the images from the blob store.

An image is read only through its own attachment record, live and backed by
its author's upload (``services/blobs/claims.py``), exactly as an agreement's
signatures are: a record of this case naming another office's photo opens
nothing. An image not (yet) on the server prints as a note in its place;
the file is still printed (a case file is read for what it holds).
"""

from collections.abc import Iterable
from uuid import UUID

from sqlmodel import Session

from shared_documents.case_file_pdf import render_case_file_pdf
from shared_models.case_file import CaseFile, image_hashes
from shared_models.case_file_text import CaseFileSources
from sync_server.blobs.store import BlobStore
from sync_server.services.blobs.claims import signature_image_readable

MAX_IMAGE_BYTES = 25 * 1024 * 1024
"""The largest blob a device may send; anything larger is not printed."""


def _references(sources: CaseFileSources) -> Iterable[tuple[UUID, str]]:
    """Every (attachment id, SHA-256) the file may print."""
    yield from ((attachment_id, a.sha256) for attachment_id, a in sources.attachments)
    for _, document in sources.documents:
        yield from ((s.attachment_id, s.sha256) for s in document.signatures)
    for _, agreement in sources.agreements:
        yield from ((s.attachment_id, s.sha256) for s in agreement.signatures)


def file_images(
    session: Session, blobs: BlobStore, sources: CaseFileSources, case_file: CaseFile
) -> dict[str, bytes]:
    """The bytes of the file's images the caller may see through this case's records."""
    wanted = set(image_hashes(case_file))
    readable = {
        sha256
        for attachment_id, sha256 in _references(sources)
        if sha256 in wanted and signature_image_readable(session, attachment_id, sha256)
    }
    images: dict[str, bytes] = {}
    for sha256 in sorted(readable):
        content = blobs.open(sha256)
        if content is None:
            continue
        with content.stream as stream:
            if content.size <= MAX_IMAGE_BYTES:
                images[sha256] = stream.read()
    return images


def print_case_file(
    session: Session, blobs: BlobStore, sources: CaseFileSources, case_file: CaseFile
) -> bytes:
    """The case file's PDF."""
    return render_case_file_pdf(case_file, file_images(session, blobs, sources, case_file))
