"""``lastmile server``: run the sync server, in one process or in several workers."""

import os
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer
import uvicorn

from sync_server.cli import DbOption, database, prepare_database, settings_for
from sync_server.cli_blobs import (
    BlobStoreOption,
    S3BucketOption,
    S3EndpointOption,
    S3PrefixOption,
    S3RegionOption,
    blob_store_values,
)
from sync_server.core.config import ServerSettings, hand_to_workers
from sync_server.core.db import read_session
from sync_server.core.runtime import tune_garbage_collection
from sync_server.services.administration.district import (
    DistrictNotReadyError,
    serving_settings,
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
) -> None:
    """Run the sync server. Pending migrations are applied first, so a new
    release starts on an up-to-date schema (``lastmile admin migrate`` does
    the same without starting)."""
    store = blob_store_values(blob_store, s3_endpoint, s3_bucket, s3_region, s3_prefix)
    settings = settings_for(db, host=host, port=port, blobs=blobs, **store)
    prepare_database(settings.db)
    try:
        with database(settings.db, settings) as engine, read_session(engine) as session:
            settings = serving_settings(session, settings)
    except DistrictNotReadyError as refused:
        typer.echo(f"the server does not start: {refused}", err=True)
        raise typer.Exit(code=1) from None
    settings.blobs.mkdir(parents=True, exist_ok=True)
    # uvicorn believes X-Forwarded-For from any local peer by default, which
    # would let a local client pick its address for the sign-in throttle; the
    # app reads the header itself, from ``trusted_proxies`` only.
    if workers > 1:
        _become_workers(settings, workers)
    from sync_server.main import create_app

    app = create_app(settings)
    tune_garbage_collection()
    uvicorn.run(app, host=settings.host, port=settings.port, proxy_headers=False)


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
    """
    hand_to_workers(settings)
    command = [sys.executable, "-m", "uvicorn", "--factory", "sync_server.main:app_from_env"]
    command += ["--host", settings.host, "--port", str(settings.port)]
    command += ["--workers", str(workers), "--no-proxy-headers"]
    command += ["--timeout-worker-healthcheck", str(WORKER_HEALTHCHECK_S)]
    os.execv(sys.executable, command)  # noqa: S606  (our own interpreter, fixed arguments)
