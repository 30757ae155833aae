"""FastAPI dependencies: the database, the settings and the calling device."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlmodel import Session

from shared_models.protocol.errors import ErrorCode
from sync_server.core.config import ServerSettings
from sync_server.core.db import read_session, write_session
from sync_server.core.errors import ApiError
from sync_server.core.logs import note_user
from sync_server.core.security import token_digest
from sync_server.services.accounts.tokens import Caller, ScopeCache, find_caller, touch_token


# ``async``: FastAPI runs a plain ``def`` dependency in its thread pool, and a
# hop to a worker thread and back costs more than reading an attribute.
async def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


async def get_settings(request: Request) -> ServerSettings:
    settings: ServerSettings = request.app.state.settings
    return settings


def get_session(engine: Annotated[Engine, Depends(get_engine)]) -> Iterator[Session]:
    with read_session(engine) as session:
        yield session


EngineDep = Annotated[Engine, Depends(get_engine)]
SettingsDep = Annotated[ServerSettings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(
            401,
            ErrorCode.TOKEN_MISSING,
            "sign in first: send Authorization: Bearer <token>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return token.strip()


async def get_token_digest(request: Request) -> str:
    """The digest of the request's bearer token; 401 when it has none."""
    return token_digest(_bearer(request))


async def get_scope_cache(request: Request) -> ScopeCache:
    """The app's cache of jurisdictions (``create_app`` makes one per app)."""
    cache: ScopeCache = request.app.state.scope_cache
    return cache


TokenDigestDep = Annotated[str, Depends(get_token_digest)]
ScopeCacheDep = Annotated[ScopeCache, Depends(get_scope_cache)]


def get_caller(
    digest: TokenDigestDep,
    scopes: ScopeCacheDep,
    engine: EngineDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Caller:
    """Check the token on every request, so a revoked or expired one fails at
    once, and a token that must change its password does nothing else."""
    return read_caller(session, digest, scopes, engine, settings)


def get_password_changer(
    digest: TokenDigestDep,
    scopes: ScopeCacheDep,
    engine: EngineDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Caller:
    """``get_caller`` for the one route a must-change token may call."""
    return read_caller(session, digest, scopes, engine, settings, password_change=True)


def read_caller(
    session: Session,
    digest: str,
    scopes: ScopeCache,
    engine: Engine,
    settings: ServerSettings,
    *,
    password_change: bool = False,
) -> Caller:
    """``find_caller`` in a read session; the last-seen time, when due, is
    written in a short write transaction of its own."""
    caller, stale = find_caller(session, digest, scopes, settings, password_change=password_change)
    note_user(caller.user.id)
    if stale:
        with write_session(engine) as writer:
            touch_token(writer, caller.token_hash)
    return caller


CallerDep = Annotated[Caller, Depends(get_caller)]
PasswordChangerDep = Annotated[Caller, Depends(get_password_changer)]
