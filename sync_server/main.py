"""The sync server application: ``create_app`` wires settings, database and routes."""

from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from sqlalchemy import Engine

from shared_models.district_time import district_zone
from shared_models.protocol.version import PROTOCOL_VERSION
from sync_server.api.body_limits import BodyLimitMiddleware, document_body_errors
from sync_server.api.routes import (
    accounts,
    admin,
    administration,
    agreements,
    auth,
    blobs,
    correction,
    export,
    health,
    review,
    sheets,
    staff,
    supervision,
    sync,
    transfers,
)
from sync_server.core.audit import bind_audit_keyring
from sync_server.core.audit_key import audit_keyring
from sync_server.core.config import ServerSettings, worker_settings
from sync_server.core.db import make_engine
from sync_server.core.errors import LastResortMiddleware, install_error_handlers
from sync_server.core.runtime import tune_garbage_collection
from sync_server.services.accounts.tokens import ScopeCache
from sync_server.services.supervision.district_calendar import use_district_zone
from sync_server.services.sync.pull import prepare_statements

API_VERSION = "0.1.0"
STREAMED_BODIES = (("PATCH", "/api/v1/blobs/"), ("POST", sheets.STREAMED_PREFIX))
"""Blob chunks and imported ledgers are streamed and bounded by their routes themselves."""


def create_app(settings: ServerSettings | None = None, engine: Engine | None = None) -> FastAPI:
    """A sync server for ``settings``; stateless, so any number may run on one database."""
    settings = settings or ServerSettings()
    app = FastAPI(
        title="LastMile sync server",
        version=API_VERSION,
        description=f"Sync protocol version {PROTOCOL_VERSION}; see docs/protocol.md.",
    )
    app.state.settings = settings
    use_district_zone(district_zone(settings.district_time_zone))
    app.state.engine = engine or make_engine(settings.db)
    bind_audit_keyring(app.state.engine, audit_keyring(settings))
    prepare_statements(app.state.engine.dialect)
    app.state.scope_cache = ScopeCache()
    install_error_handlers(app)
    for module in (
        health,
        auth,
        sync,
        blobs,
        review,
        export,
        admin,
        administration,
        staff,
        sheets,
        accounts,
        supervision,
        agreements,
        transfers,
        correction,
    ):
        app.include_router(module.router)
    # Level 3 compresses a pull page to within a few percent of level 5 in
    # half the time (docs/performance.md); pages are megabytes, so it shows.
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=3)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_push_bytes,
        streamed=STREAMED_BODIES,
    )
    app.add_middleware(LastResortMiddleware)  # the outermost of ours: it sees every failure
    document_body_errors(app, STREAMED_BODIES)
    return app


def app_from_env() -> FastAPI:
    """For ``uvicorn --factory sync_server.main:app_from_env``: settings from
    LASTMILE_* env, or the ones ``lastmile server --workers N`` handed over;
    each worker process is a server process (``runtime.py``)."""
    app = create_app(worker_settings())
    tune_garbage_collection()
    return app
