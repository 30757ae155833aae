"""``lastmile verify``: check a mediation agreement, from its PDF or its id.

Against a sync server (``--server URL``, signed in with ``--token`` or
``LASTMILE_TOKEN``: the answer is scoped to that user's jurisdiction) or
directly against the district database (``--db URL``, or ``LASTMILE_DB``;
for administrators on the server, across the whole district). Prints one
line per check and exits 0 only when every check passed, 1 when one failed,
2 when the check could not be made at all.
"""

import json
import ssl
from pathlib import Path
from typing import Annotated
from uuid import UUID

import httpx
import typer

from shared_models.protocol.verify import VerifyReport
from sync_server.cli import DbOption, database, settings_for
from sync_server.core.db import read_session

TIMEOUT_S = 60.0
http_client = httpx.Client
"""How the command reaches a server (tests put an in-process one here)."""


def _target(value: str) -> UUID | Path:
    try:
        return UUID(value)
    except ValueError:
        pass
    path = Path(value)
    if not path.is_file():
        typer.echo(f"{value} is neither an agreement id nor a file", err=True)
        raise typer.Exit(code=2)
    return path


def _client(headers: dict[str, str], ca_bundle: Path | None) -> httpx.Client:
    """The client for ``--server``: the public CAs, or the district's own
    (``--ca-bundle``, docs/deploy.md "TLS"), as the phones trust them."""
    if ca_bundle is None:
        return http_client(timeout=TIMEOUT_S, headers=headers)
    trust = ssl.create_default_context(cafile=ca_bundle)
    return http_client(timeout=TIMEOUT_S, headers=headers, verify=trust)


def _from_server(
    target: UUID | Path, server: str, token: str | None, ca_bundle: Path | None = None
) -> VerifyReport:
    if not token:
        typer.echo("--server needs --token (or LASTMILE_TOKEN): sign in first", err=True)
        raise typer.Exit(code=2)
    headers = {"Authorization": f"Bearer {token}"}
    base = server.rstrip("/")
    try:
        with _client(headers, ca_bundle) as client:
            if isinstance(target, UUID):
                response = client.get(f"{base}/api/v1/agreements/{target}/verify")
            else:
                files = {"file": (target.name, target.read_bytes(), "application/pdf")}
                response = client.post(f"{base}/api/v1/verify", files=files)
    except httpx.HTTPError as error:
        typer.echo(f"cannot reach {base}: {error}", err=True)
        raise typer.Exit(code=2) from None
    if response.status_code != 200:
        try:
            message = response.json()["error"]["message"]
        except (ValueError, KeyError, TypeError):
            message = response.text[:200]
        typer.echo(f"the server answered {response.status_code}: {message}", err=True)
        raise typer.Exit(code=2)
    return VerifyReport.model_validate(response.json())


def _from_database(target: UUID | Path, db: str | None) -> VerifyReport:
    # Imported here: PDF validation loads a lot, and every other command
    # of ``lastmile`` would pay for it at start-up.
    from sync_server.blobs.open import open_blob_store
    from sync_server.core.district_key import SigningKeyError, existing_district_key
    from sync_server.services.agreements.verification import AgreementVerifier

    settings = settings_for(db)
    try:
        key = existing_district_key(settings)
    except SigningKeyError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(code=2) from None
    with database(settings.db) as engine, read_session(engine) as session:
        verifier = AgreementVerifier(
            session=session, scope=None, key=key, blobs=open_blob_store(settings)
        )
        if isinstance(target, UUID):
            return verifier.verify_id(target)
        return verifier.verify_pdf(target.read_bytes())


def _print(report: VerifyReport) -> None:
    if report.agreement_id is not None:
        typer.echo(f"agreement     {report.agreement_id}")
    if report.content_hash is not None:
        typer.echo(f"content hash  {report.content_hash}")
    for check in report.checks:
        mark = "ok  " if check.ok else "FAIL"
        typer.echo(f"  {mark} {check.name}: {check.detail}")
    for later in report.superseded_by:
        typer.echo(f"  note: corrected by the later agreement {later}")
    if report.ok:
        typer.echo("VERIFIED")
    else:
        typer.echo("NOT VERIFIED: " + ", ".join(report.failed()))


def verify(
    target: Annotated[str, typer.Argument(help="an agreement PDF, or an agreement id")],
    server: Annotated[
        str | None, typer.Option(help="check with this sync server, e.g. https://…")
    ] = None,
    token: Annotated[
        str | None, typer.Option(envvar="LASTMILE_TOKEN", help="sign-in token for --server")
    ] = None,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
    ca_bundle: Annotated[
        Path | None, typer.Option(help="the district's CA certificates (PEM) for --server")
    ] = None,
) -> None:
    """Verify a mediation agreement: content hash, district countersignature,
    signature images, the chain of corrections and, for a PDF, that the
    district signed it and it is unchanged. Exit 0 verified, 1 not, 2 error."""
    found = _target(target)
    report = _from_server(found, server, token, ca_bundle) if server else _from_database(found, db)
    if as_json:
        typer.echo(json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2))
    else:
        _print(report)
    raise typer.Exit(code=0 if report.ok else 1)
