"""Unfinished forms, saved while the user types.

A mediator is interrupted mid-agreement; an officer's phone dies during a
home visit. Forms save themselves every few seconds under a key of the
screen's choosing (``"visit:new:<case id>"``); the payload may hold names
and ID numbers, so it is encrypted like every other personal value.
Drafts never sync: they are this device's scratch paper.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from pydantic import JsonValue
from sqlalchemy import delete, select
from sqlmodel import col

from field_app.storage.store import LocalStore
from field_app.storage.tables import Draft

MAX_KEY_LENGTH = 200


@dataclass(frozen=True)
class DraftInfo:
    key: str
    updated_at: datetime


def _context(key: str) -> str:
    return f"draft.{key}"


def _checked(key: str) -> str:
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ValueError(f"a draft key has 1 to {MAX_KEY_LENGTH} characters")
    return key


def save_draft(store: LocalStore, key: str, payload: Mapping[str, JsonValue]) -> None:
    """Create or replace the draft ``key``; cheap enough to call on every pause."""
    plain = json.dumps(dict(payload), ensure_ascii=False, separators=(",", ":"))
    sealed = store.cipher.encrypt_text(plain, _context(_checked(key)))
    with store.transaction() as session:
        draft = session.get(Draft, key)
        if draft is None:
            session.add(Draft(key=key, payload=sealed, updated_at=store.now()))
        else:
            draft.payload = sealed
            draft.updated_at = store.now()


def load_draft(store: LocalStore, key: str) -> dict[str, JsonValue] | None:
    with store.transaction() as session:
        draft = session.get(Draft, _checked(key))
        sealed = None if draft is None else draft.payload
    if sealed is None:
        return None
    payload: dict[str, JsonValue] = json.loads(store.cipher.decrypt_text(sealed, _context(key)))
    return payload


def delete_draft(store: LocalStore, key: str) -> None:
    """Drop the draft (the form was saved or abandoned); no error if there is none."""
    with store.transaction() as session:
        session.execute(delete(Draft).where(col(Draft.key) == _checked(key)))


def list_drafts(store: LocalStore, prefix: str = "") -> list[DraftInfo]:
    """Drafts whose key starts with ``prefix``, most recent first."""
    with store.transaction() as session:
        rows = session.execute(
            select(col(Draft.key), col(Draft.updated_at)).order_by(col(Draft.updated_at).desc())
        ).all()
    return [DraftInfo(key, at) for key, at in rows if key.startswith(prefix)]
