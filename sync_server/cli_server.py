"""``lastmile server``: run the sync server, in one process or in several workers.

Bearer tokens must not cross a network in clear, so the server serves
HTTPS itself (``--tls-cert``/``--tls-key``), or sits behind a reverse proxy
that ends TLS and that it is told to trust (``--trusted-proxy``; then only
requests that reached that proxy over HTTPS are served:
``api/transport_guard.py``), or listens on loopback only. Plain HTTP on any
other address is refused at start unless ``--insecure-http`` says so.
"""

import ipaddress
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Annotated, NoReturn

import typer
import uvicorn

from sync_server.blobs.open import StoreUnusableError, open_blob_store, usable_store
from sync_server.cli import DbOption, prepare_database, settings_for
from sync_server.cli_blobs import (
    BlobStoreOption,
    S3BucketOption,
    S3EndpointOption,
    S3PrefixOption,
    S3RegionOption,
    blob_store_values,
)
from sync_server.core.config import ServerSettings, hand_to_workers
from sync_server.core.db import make_engine, read_session
from sync_server.core.logs import logging_config
from sync_server.core.metrics import MULTIPROCESS_ENV
from sync_server.core.runtime import tune_garbage_collection
from sync_server.services.administration.district import (
    DistrictNotReadyError,
    serving_settings,
)

INSECURE_WARNING = (
    "WARNING: serving plain HTTP on {host} (--insecure-http): every sign-in's password "
    "and every device's token cross the network in clear. Only for a closed test network."
)


def server(
    db: DbOption = None,
    host: Annotated[str | None, typer.Option(help="address to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="port to listen on")] = None,
    blobs: Annotated[Path | None, typer.Option(help="folder of the blob store")] = None,
    workers: Annotated[int, typer.Option(help="worker processes")] = 1,
    blob_store: BlobStoreOption = None,
    s3_endpoint: S3EndpointOption = None,
    s3_bucket: S3BucketOption = None,
    s3_region: S3RegionOption = None,
    s3_prefix: S3PrefixOption = None,
    tls_cert: Annotated[
        Path | None, typer.Option(help="PEM certificate (with chain): serve HTTPS")
    ] = None,
    tls_key: Annotated[Path | None, typer.Option(help="PEM private key of --tls-cert")] = None,
    trusted_proxy: Annotated[
        list[str] | None,
        typer.Option(help="address or CIDR of the reverse proxy that ends TLS (repeatable)"),
    ] = None,
    insecure_http: Annotated[
        bool, typer.Option(help="allow plain HTTP on a non-loopback address (tokens in clear!)")
    ] = False,
    log_format: Annotated[str | None, typer.Option(help="json (default) or text")] = None,
) -> None:
    """Run the sync server. Pending migrations are applied first, so a new
    release starts on an up-to-date schema (``lastmile admin migrate`` does
    the same without starting)."""
    store = blob_store_values(blob_store, s3_endpoint, s3_bucket, s3_region, s3_prefix)
    settings = settings_for(
        db,
        host=host,
        port=port,
        blobs=blobs,
        tls_cert=tls_cert,
        tls_key=tls_key,
        trusted_proxies=trusted_proxy or None,
        insecure_http=insecure_http or None,
        log_format=log_format,
        **store,
    )
    refusal = listening_refusal(settings)
    if refusal is not None:
        typer.echo(f"the server does not start: {refusal}", err=True)
        raise typer.Exit(code=1)
    if settings.insecure_http and not _loopback(settings.host):
        typer.secho(INSECURE_WARNING.format(host=settings.host), err=True, fg="red", bold=True)
    try:  # before anything is changed: a wrong LASTMILE_S3_* is one line, not a traceback
        usable_store(lambda: open_blob_store(settings))
    except StoreUnusableError as problem:
        typer.echo(f"the server does not start: {problem}", err=True)
        raise typer.Exit(code=1) from None
    prepare_database(settings.db)
    # A plain engine: checking writes nothing, so it binds no audit key,
    # which would generate a missing one before the check could refuse.
    engine = make_engine(settings.db)
    try:
        with read_session(engine) as session:
            settings = serving_settings(session, settings)
    except DistrictNotReadyError as refused:
        typer.echo(f"the server does not start: {refused}", err=True)
        raise typer.Exit(code=1) from None
    finally:
        engine.dispose()
    # uvicorn believes X-Forwarded-For from any local peer by default, which
    # would let a local client pick its address for the sign-in throttle; the
    # app reads the header itself, from ``trusted_proxies`` only.
    if workers > 1:
        _become_workers(settings, workers)
    from sync_server.main import create_app

    app = create_app(settings)
    tune_garbage_collection()
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        proxy_headers=False,
        access_log=False,  # ours names the route template, never the query (api/observe.py)
        log_config=logging_config(settings),
        ssl_certfile=settings.tls_cert,
        ssl_keyfile=settings.tls_key,
    )


def listening_refusal(settings: ServerSettings) -> str | None:
    """Why these settings must not serve, or ``None`` (see the module's description)."""
    if (settings.tls_cert is None) != (settings.tls_key is None):
        return "give --tls-cert and --tls-key together"
    for path in (settings.tls_cert, settings.tls_key):
        if path is not None and not path.is_file():
            return f"no TLS file at {path}"
    if settings.tls_cert is not None or settings.trusted_proxies or settings.insecure_http:
        return None
    if _loopback(settings.host):
        return None
    return (
        f"plain HTTP on {settings.host} would carry passwords and tokens in clear: give "
        "--tls-cert/--tls-key, or --trusted-proxy <address> when a reverse proxy ends TLS "
        "in front of this server, or listen on 127.0.0.1 (--insecure-http only for a "
        "closed test network)"
    )


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name (or 0.0.0.0 / ::, which are every address) is not loopback


WORKER_HEALTHCHECK_S = 30
"""How long uvicorn's supervisor waits for a worker's answer before it kills
and replaces it (uvicorn: 5 s). Starting workers on a busy two-core machine
took longer than 5 s, so they were killed before they could serve, forever."""


def _become_workers(settings: ServerSettings, workers: int) -> NoReturn:
    """Replace this process with uvicorn's supervisor of ``workers`` processes.

    Each worker is a new interpreter that first re-imports the supervisor's
    main module and only then answers the supervisor's health checks: as
    ``uvicorn`` that takes a fraction of a second, as this command (which
    imports the whole server and its administration) seconds, enough to be
    killed as hung on a busy machine. The workers get this command's settings,
    every one of them, through the environment (``hand_to_workers``) instead
    of reading LASTMILE_* afresh, which knows nothing of --db or --blobs.
    Their metrics are added up through a folder they share (``core/metrics.py``),
    emptied here so counts of an earlier run do not linger.
    """
    hand_to_workers(settings)
    runtime = Path(tempfile.mkdtemp(prefix="lastmile-server-"))
    metrics_dir = settings.metrics_dir or runtime / "metrics"
    metrics_dir.mkdir(parents=True, exist_ok=True)
    for leftover in metrics_dir.glob("*.db"):  # prometheus_client's files, nothing else
        leftover.unlink()
    os.environ[MULTIPROCESS_ENV] = str(metrics_dir)
    log_config = runtime / "logging.json"
    log_config.write_text(json.dumps(logging_config(settings)), encoding="utf-8")
    command = [sys.executable, "-m", "uvicorn", "--factory", "sync_server.main:app_from_env"]
    command += ["--host", settings.host, "--port", str(settings.port)]
    command += ["--workers", str(workers), "--no-proxy-headers", "--no-access-log"]
    command += ["--log-config", str(log_config)]
    command += ["--timeout-worker-healthcheck", str(WORKER_HEALTHCHECK_S)]
    if settings.tls_cert is not None and settings.tls_key is not None:
        command += [
            "--ssl-certfile",
            str(settings.tls_cert),
            "--ssl-keyfile",
            str(settings.tls_key),
        ]
    os.execv(sys.executable, command)  # noqa: S606  (our own interpreter, fixed arguments)
