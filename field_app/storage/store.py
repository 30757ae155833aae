"""The device's local database and the parts that hold what it stores.

``LocalStore`` owns the engine, the data key's cipher and the record codec,
and hands out one object per thing held, each in its own module:
``records`` (the synced records and the user's saves, ``records.py``),
``outbox`` (unacknowledged changes, ``outbox.py``), ``pulled`` (the server's
pages and the resync, ``pulled.py``), ``search_index`` (``search_index.py``)
``device`` (the device's state row, ``device_state.py``), ``sent_journal``
(acknowledged changes kept for a restored server, ``sent_journal.py``) and ``sync_log``
(what each sync round did, ``sync_log.py``). A part that
writes with another shares its transaction (a save writes the record, its
outbox entry and its search entry in one); ``transaction`` opens one for
the services' reads.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlmodel import Session

from field_app.security.cipher import FieldCipher
from field_app.storage.codec import RecordCodec
from field_app.storage.db import transaction
from field_app.storage.device_state import DeviceStateRow
from field_app.storage.outbox import Outbox
from field_app.storage.pulled import PulledChanges
from field_app.storage.records import Records
from field_app.storage.search_index import SearchIndex
from field_app.storage.sent_journal import SentJournal
from field_app.storage.sync_log import SyncLog


def utc_now() -> datetime:
    return datetime.now(UTC)


class LocalStore:
    """One unlocked local database (see the module's docstring)."""

    def __init__(
        self, engine: Engine, cipher: FieldCipher, now: Callable[[], datetime] = utc_now
    ) -> None:
        self.engine = engine
        self.cipher = cipher
        self.codec = RecordCodec(cipher)
        self.now = now
        self.device = DeviceStateRow(engine)
        self.search_index = SearchIndex(engine, cipher, self.codec)
        self.sent_journal = SentJournal(engine, now)
        self.outbox = Outbox(engine, cipher, now, self.sent_journal)
        self.records = Records(engine, self.codec, self.outbox, self.search_index)
        self.pulled = PulledChanges(
            engine, self.codec, self.outbox, self.search_index, self.device, now
        )
        self.sync_log = SyncLog(engine)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One local transaction (BEGIN IMMEDIATE): all of it lands, or none."""
        with transaction(self.engine) as session:
            yield session
