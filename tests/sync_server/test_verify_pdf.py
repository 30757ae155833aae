"""The printed agreement: supervisors download it signed by the district,
and any changed byte of it, any appended update, a device printout or a
record changed since printing is reported by the check that catches it.
Also ``lastmile verify``. Run on SQLite and PostgreSQL."""

import asyncio
import io
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from sqlalchemy import Engine
from typer.testing import CliRunner

from lastmile_cli import app as lastmile
from shared_documents.agreement_pdf import render_agreement_pdf
from shared_models.agreement_text import agreement_document
from sync_server import cli_verify
from sync_server.core.config import ServerSettings
from sync_server.core.district_key import district_key
from sync_server.services.agreements.pades import inspect_pdf
from sync_server.services.blobs.signature_prints import signatures_not_uploaded
from tests.factories import District, mutation
from tests.sync_server.agreement_data import (
    Signed,
    blob_path,
    detail,
    draft_fields,
    failed,
    mediator_fixture,  # noqa: F401  (the fixture)
    push_case,
    sealed_fixture,  # noqa: F401  (the fixture)
    supervisor_fixture,  # noqa: F401  (the fixture)
    tamper_agreement,
    verify_pdf,
)

FLIPS = 120
"""Bytes flipped across a signed PDF (every byte, about 50,000, was flipped
once by hand: each was caught)."""


def download(client: TestClient, device: Any, agreement_id: object) -> Any:
    return client.get(f"/api/v1/agreements/{agreement_id}.pdf", headers=device.headers)


@pytest.fixture
def signed_pdf(client: TestClient, supervisor: Any, sealed: Signed) -> bytes:
    response = download(client, supervisor, sealed.agreement_id)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    return bytes(response.content)


def test_the_downloaded_pdf_verifies_end_to_end(
    client: TestClient, supervisor: Any, sealed: Signed, signed_pdf: bytes
) -> None:
    report = verify_pdf(client, supervisor, signed_pdf)

    assert report["ok"] is True, report
    assert report["agreement_id"] == str(sealed.agreement_id)
    assert report["content_hash"] == sealed.fields.content_hash
    assert {c["name"] for c in report["checks"]} >= {"pdf_unaltered", "pdf_matches_record"}
    assert sealed.fields.content_hash is not None
    assert sealed.fields.content_hash.encode() in signed_pdf  # the reference in the keywords


def test_only_supervisors_of_the_jurisdiction_download(
    client: TestClient, device_for: Any, mediator: Any, sealed: Signed
) -> None:
    outside = download(client, device_for("supervisor.xiyuan"), sealed.agreement_id)
    as_mediator = download(client, mediator, sealed.agreement_id)

    assert outside.status_code == 404
    assert outside.json()["error"]["code"] == "NOT_FOUND"
    assert as_mediator.status_code == 403
    assert download(client, device_for("admin"), sealed.agreement_id).status_code == 200


def test_every_flipped_byte_of_the_pdf_fails_pdf_unaltered(
    signed_pdf: bytes, settings: ServerSettings
) -> None:
    key = district_key(settings)
    slot = re.search(rb"/Contents <([0-9A-F]+)>", signed_pdf)
    assert slot is not None
    start, end = slot.span(1)
    spread = range(0, len(signed_pdf), len(signed_pdf) // FLIPS)
    # The signature's slot is outside what the signature covers: its ends,
    # its version numbers, its last signature byte, its zero padding.
    around_slot = [start - 1, start, start + 25, start + 5, end - 1, end, end - 300]
    positions = sorted({*spread, *around_slot, len(signed_pdf) - 1})
    assert inspect_pdf(signed_pdf, key).unaltered.ok

    missed = []
    for position in positions:
        changed = bytearray(signed_pdf)
        changed[position] ^= 0x01
        if inspect_pdf(bytes(changed), key).unaltered.ok:
            missed.append(position)

    assert missed == []


def test_a_pdf_verifies_from_inside_a_running_event_loop(
    signed_pdf: bytes, settings: ServerSettings
) -> None:
    """pyHanko runs its own event loop; an async caller (or a process that
    also drives a browser) must still get an answer, not "unreadable"."""
    key = district_key(settings)

    async def inside_a_loop() -> bool:
        return inspect_pdf(signed_pdf, key).unaltered.ok

    # On a thread of its own: this worker may be driving a browser, whose
    # event loop already runs on this thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(lambda: asyncio.run(inside_a_loop())).result()


def test_a_flipped_byte_is_reported_through_the_api(
    client: TestClient, supervisor: Any, signed_pdf: bytes
) -> None:
    changed = bytearray(signed_pdf)
    changed[len(changed) // 3] ^= 0x01

    report = verify_pdf(client, supervisor, bytes(changed))

    assert report["ok"] is False
    assert "pdf_unaltered" in failed(report)


def test_an_update_appended_after_signing_fails_pdf_unaltered(
    client: TestClient, supervisor: Any, signed_pdf: bytes
) -> None:
    # A well-formed incremental update, as a PDF editor writes one.
    writer = IncrementalPdfFileWriter(io.BytesIO(signed_pdf))
    writer.root["/PageMode"] = generic.NameObject("/FullScreen")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    appended = out.getvalue()
    assert appended.startswith(signed_pdf)

    report = verify_pdf(client, supervisor, appended)

    assert failed(report) == ["pdf_unaltered"]
    assert "added to the PDF after the district signed it" in detail(report, "pdf_unaltered")


def test_a_record_changed_since_printing_fails_the_content_hash(
    client: TestClient, supervisor: Any, sealed: Signed, signed_pdf: bytes, engine: Engine
) -> None:
    changed = sealed.fields.facts.replace("煤棚", "煤房", 1)
    assert changed != sealed.fields.facts
    tamper_agreement(engine, sealed.agreement_id, facts=changed)

    report = verify_pdf(client, supervisor, signed_pdf)

    assert failed(report) == ["content_hash"]


def test_a_device_printout_is_not_passed_off_as_signed(
    client: TestClient, supervisor: Any, sealed: Signed
) -> None:
    printout = render_agreement_pdf(
        agreement_document(sealed.agreement_id, sealed.fields), sealed.images
    )

    report = verify_pdf(client, supervisor, printout)

    assert failed(report) == ["pdf_unaltered"]
    assert "no district signature" in detail(report, "pdf_unaltered")
    assert detail(report, "pdf_matches_record").startswith("the PDF names this agreement")


def test_a_file_that_is_no_pdf_is_an_answer_not_an_error(
    client: TestClient, supervisor: Any
) -> None:
    report = verify_pdf(client, supervisor, b"not a pdf at all")

    assert failed(report) == ["pdf_unaltered", "pdf_matches_record"]
    assert "not a readable PDF" in detail(report, "pdf_unaltered")


def test_a_draft_prints_unsigned_and_never_verifies(
    client: TestClient, mediator: Any, supervisor: Any, district: District
) -> None:
    draft_id = uuid.uuid4()
    case_id = push_case(mediator, district)
    [result] = mediator.push([mutation("agreements", draft_id, draft_fields(case_id))])
    assert result["status"] == "applied", result

    response = download(client, supervisor, draft_id)

    assert response.status_code == 200
    assert response.headers["content-disposition"].endswith('-draft.pdf"')
    report = verify_pdf(client, supervisor, response.content)
    assert report["ok"] is False
    assert failed(report) == ["pdf_unaltered", "pdf_matches_record"]


def test_a_pdf_waits_for_its_signature_images(
    client: TestClient, supervisor: Any, sealed: Signed, settings: ServerSettings
) -> None:
    missing = sealed.fields.signatures[0].sha256
    blob_path(settings, missing).unlink()

    response = download(client, supervisor, sealed.agreement_id)

    answer = signatures_not_uploaded([missing])  # a correction record's answer too
    assert response.status_code == answer.status == 409
    assert response.json()["error"] == {
        "code": answer.code.value,
        "message": answer.message,
        "details": answer.details,
    }


# --- lastmile verify ---------------------------------------------------------------


def test_the_command_verifies_a_pdf_and_names_what_fails(
    sealed: Signed,
    signed_pdf: bytes,
    engine: Engine,
    settings: ServerSettings,
    db_url: str,
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LASTMILE_BLOBS", str(settings.blobs))
    path = tmp_path / "agreement.pdf"
    path.write_bytes(signed_pdf)
    runner = CliRunner()

    good = runner.invoke(lastmile, ["verify", str(path), "--db", db_url])
    by_id = runner.invoke(lastmile, ["verify", str(sealed.agreement_id), "--db", db_url])
    tamper_agreement(engine, sealed.agreement_id, committee_name="百家村人民调解委员")
    bad = runner.invoke(lastmile, ["verify", str(path), "--db", db_url])

    assert good.exit_code == 0, good.output
    assert good.output.strip().endswith("VERIFIED")
    assert by_id.exit_code == 0, by_id.output
    assert bad.exit_code == 1, bad.output
    assert "FAIL content_hash" in bad.output
    assert bad.output.strip().endswith("NOT VERIFIED: content_hash")


class _InProcess:
    """Stands in for ``httpx.Client`` in the command: requests go to the test app."""

    def __init__(self, client: TestClient, headers: dict[str, str], **_: Any) -> None:
        self.client = client
        self.headers = headers

    def __enter__(self) -> "_InProcess":
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def get(self, url: str) -> Any:
        return self.client.get(url, headers=self.headers)

    def post(self, url: str, files: Any) -> Any:
        return self.client.post(url, files=files, headers=self.headers)


def test_the_command_asks_the_server_with_the_callers_jurisdiction(
    client: TestClient,
    supervisor: Any,
    device_for: Any,
    sealed: Signed,
    signed_pdf: bytes,
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cli_verify, "http_client", lambda **options: _InProcess(client, **options))
    path = tmp_path / "agreement.pdf"
    path.write_bytes(signed_pdf)
    runner = CliRunner()
    server = ["--server", "http://testserver"]

    by_file = runner.invoke(lastmile, ["verify", str(path), *server, "--token", supervisor.token])
    as_json = runner.invoke(
        lastmile, ["verify", str(path), *server, "--json"], env={"LASTMILE_TOKEN": supervisor.token}
    )
    outside = runner.invoke(
        lastmile,
        [
            "verify",
            str(sealed.agreement_id),
            *server,
            "--token",
            device_for("supervisor.xiyuan").token,
        ],
    )
    no_token = runner.invoke(lastmile, ["verify", str(path), *server], env={"LASTMILE_TOKEN": ""})

    assert by_file.exit_code == 0, by_file.output
    assert "ok   pdf_unaltered" in by_file.output
    assert as_json.exit_code == 0, as_json.output
    assert '"ok": true' in as_json.output
    assert outside.exit_code == 2
    assert "404" in outside.output
    assert no_token.exit_code == 2
