"""The sync engine: push the outbox, upload blobs, pull changes — again and
again, in the background, until the device and the server agree.

One round (``sync_once``):

1. Push. Pending outbox entries are marked ``sent`` before they leave and are
   re-sent byte for byte until the server answers them, so a lost answer
   costs a repeat that the server recognises (same ``mutation_id``), never a
   second row. A batch over the server's limits is split in half until it
   fits; a single change too large to send is kept as rejected with the
   reason, so it never blocks the rest (invariant 8). A record's edits made
   before its creation was answered follow in a next push (``take_for_push``).
   While one batch is on its way, the next is encoded and compressed.
2. Upload blobs, resumably: ask the server how much it holds and continue
   from there, so a dropped connection costs at most one chunk.
3. Pull pages until none is left; each page and its cursor land in one local
   transaction, and records with unsynced local edits keep them on top
   (``PulledChanges.apply_page``); the next page is fetched while one is
   written. A cursor the server no longer serves means a full resync that
   keeps every unsynced change. A server restored from a backup (a new sync
   epoch) first gets back what it lost from the sent journal (``restore.py``).
4. Index what large pages stored unindexed (``SearchIndex.index_pending``),
   after the round's status is published: a first sync's records are
   usable before their search entries exist.

The round's last status says whether it changed anything
(``SyncStatus.data_version`` moves when it did): screens read their data
again only then.

A revoked sign-in stops sync and asks the user to sign in; nothing local is
deleted. Network trouble and server failures are retried with exponential
back-off and full jitter by the background loop.
"""

import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial

from field_app.config import AppSettings
from field_app.errors import (
    AuthRevoked,
    BatchTooLarge,
    Offline,
    ProtocolUnsupported,
    RequestRejected,
    ResyncRequired,
    SyncError,
)
from field_app.storage.outbox import OutboxItem
from field_app.storage.store import LocalStore
from field_app.sync.backoff import Backoff
from field_app.sync.blobs import CHUNK_BYTES, BlobSource, upload_blobs
from field_app.sync.client import SyncClient
from field_app.sync.correction_settings import refresh_settings
from field_app.sync.mutations import encode_batch, refused_as_too_large
from field_app.sync.restore import server_restored
from field_app.sync.status import SyncPhase, SyncState, SyncStatus, count_attention
from shared_models.protocol.errors import ErrorCode
from shared_models.protocol.pull import PullPage
from shared_models.protocol.push import MutationStatus

log = logging.getLogger(__name__)

StatusListener = Callable[[SyncStatus], None]


@dataclass
class SyncResult:
    """What one round did; ``outcome`` is the state it left the device in."""

    outcome: SyncState = SyncState.UP_TO_DATE
    acknowledged: int = 0
    rejected: int = 0
    uploaded: int = 0
    pulled: int = 0
    resynced: bool = False
    resent: int = 0
    """Acknowledged changes sent again to a server restored from a backup."""
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome is SyncState.UP_TO_DATE

    @property
    def changed(self) -> bool:
        """Whether the round changed what the device holds or shows: changes
        pulled and applied, pushes acknowledged or refused (an "unsent" mark
        goes, an item needs attention), photos uploaded, a resync. A round
        of a phone that is up to date changes nothing."""
        return bool(
            self.acknowledged or self.rejected or self.uploaded or self.pulled or self.resynced
        )


class SyncEngine:
    def __init__(
        self,
        store: LocalStore,
        client: SyncClient,
        blobs: BlobSource,
        clock: Callable[[], datetime],
        rng: random.Random,
        *,
        settings: AppSettings | None = None,
        app_version: str = "",
        chunk_bytes: int = CHUNK_BYTES,
        wake: threading.Event | None = None,
    ) -> None:
        """``wake`` is the event the background loop waits on between rounds;
        tests pass one whose ``wait`` records the timeout instead of sleeping."""
        self.store = store
        self.client = client
        self.blobs = blobs
        self.clock = clock
        self.settings = settings or AppSettings()
        self.app_version = app_version
        self.chunk_bytes = chunk_bytes
        self.backoff = Backoff(rng)
        self._max_batch = self.settings.largest_push_batch  # until a 413 states the server's
        self._batch = self.settings.push_batch_size  # by the link (AppSettings.next_push_batch)
        self._round = threading.Lock()
        self._wake = wake or threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._listeners: list[StatusListener] = []
        self._data_version = 0
        self._status = self._resting_status()

    # -- status -----------------------------------------------------------------

    @property
    def status(self) -> SyncStatus:
        return self._status

    def add_listener(self, listener: StatusListener) -> Callable[[], None]:
        """Call ``listener`` with every new status (from the sync thread: a UI
        must hand it over to its own thread). Returns the way to unsubscribe."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _publish(self, state: SyncState, at: datetime | None = None, reason: str = "") -> None:
        """A new resting or starting status, with the attention counts read afresh."""
        attention = count_attention(self.store)
        self._emit(
            SyncStatus(
                state,
                at=at or self._status.at,
                attention=attention,
                reason=reason,
                data_version=self._data_version,
            )
        )

    def _progress(self, phase: SyncPhase, done: int, total: int) -> None:
        """Progress within a round; the counts are refreshed when the round ends."""
        status = replace(self._status, phase=phase, done=done, total=total)
        self._emit(replace(status, state=SyncState.SYNCING))

    def _emit(self, status: SyncStatus) -> None:
        self._status = status
        for listener in list(self._listeners):
            try:
                listener(status)
            except Exception:
                log.exception("a sync status listener failed")

    def _resting_status(self) -> SyncStatus:
        device = self.store.device.read()
        if device.needs_login:
            state = SyncState.NEEDS_LOGIN
        elif device.last_sync_at is not None:
            state = SyncState.UP_TO_DATE
        else:
            state = SyncState.NEVER_SYNCED
        return SyncStatus(state, at=device.last_sync_at, attention=count_attention(self.store))

    # -- one round ----------------------------------------------------------------

    def sync_once(self) -> SyncResult:
        """Push, upload, pull. Never raises for network or server trouble:
        the outcome says what happened, and the status tells the user."""
        with self._round:
            result = SyncResult()
            device = self.store.device.read()
            if device.needs_login:
                result.outcome = SyncState.NEEDS_LOGIN
                self._publish(SyncState.NEEDS_LOGIN, reason=_REASONS[SyncState.NEEDS_LOGIN])
                return result
            self._publish(SyncState.SYNCING)
            try:
                self.client.epoch = device.server_epoch
                try:
                    self._push(result, device.device_id)
                except ResyncRequired:
                    if not self._after_restore(result):
                        raise
                    self._push(result, device.device_id)
                self._after_restore(result)
                self._upload(result)
                resent = result.resent
                self._pull(result, None if result.resynced else device.cursor)
                if result.resent > resent:  # noticed by the pull: send it now
                    self._push(result, device.device_id)
                    self._upload(result)
                refresh_settings(self.client, self.store, self.clock())
            except AuthRevoked:
                self.store.device.update(needs_login=True)
                result.outcome, result.error = SyncState.NEEDS_LOGIN, "sign-in revoked"
            except Offline as error:
                result.outcome, result.error = SyncState.OFFLINE, str(error)
            except ProtocolUnsupported as error:
                result.outcome, result.error = SyncState.UPDATE_REQUIRED, str(error)
            except SyncError as error:
                result.outcome, result.error = SyncState.FAILED, str(error)
            except BaseException:
                # A bug or a local database failure: say so instead of
                # "syncing" forever, and let the caller (the loop) log it.
                reason = _REASONS[SyncState.FAILED]
                self._count_change(result)
                status = replace(self._status, state=SyncState.FAILED, reason=reason)
                self._emit(replace(status, data_version=self._data_version))
                raise
            self._count_change(result)
            if result.ok:
                self._publish(SyncState.UP_TO_DATE, at=self.clock())
            else:
                self._publish(result.outcome, reason=_REASONS[result.outcome])
            self._log(result)
            # After the status is out: the pulled records are usable already,
            # and a search before this is done completes the index itself.
            self.store.search_index.index_pending()
            return result

    def _after_restore(self, result: SyncResult) -> bool:
        """Whether the server's answers named a new sync epoch: its journal
        is then queued again and the device pulls afresh (``restore.py``)."""
        resent = server_restored(self.store, self.client)
        if resent is None:
            return False
        log.info("the server was restored from a backup; %d changes are sent again", resent)
        result.resynced, result.resent = True, result.resent + resent
        return True

    def _count_change(self, result: SyncResult) -> None:
        """A round that changed something moves ``SyncStatus.data_version``
        (also one that failed half-way: its pulled pages are stored)."""
        if result.changed:
            self._data_version += 1

    # -- push ---------------------------------------------------------------------

    def _push(self, result: SyncResult, device_id: str) -> None:
        """Push what may go out, then what waited for those answers, until none waits anew."""
        waited: int | None = None
        while True:
            items, waiting = self.store.outbox.take_for_push()
            self._push_items(items, result, device_id)
            if waiting is None or waiting == waited:
                return
            waited = waiting

    def _push_items(self, items: list[OutboxItem], result: SyncResult, device_id: str) -> None:
        total = len(items)
        done = 0
        self._progress(SyncPhase.PUSH, 0, total)
        # While one batch is on its way and being applied, the next one is
        # encoded and compressed on a second thread (gzip lets go of the
        # interpreter), at the size it gets if this push is answered quickly
        # (else a growing batch is encoded twice, once with nothing in flight).
        # Batches still go one at a time and in order.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="lastmile-push") as encoder:
            ahead: tuple[int, Future[bytes]] | None = None
            encode = partial(encode_batch, device_id=device_id, app_version=self.app_version)
            while done < total:
                size = min(self._batch, self._max_batch)
                batch = items[done : done + size]
                if ahead is not None and ahead[0] == len(batch):
                    body = ahead[1].result()
                else:  # the first batch, or a slow answer or the server changed the size
                    body = encode(batch)
                quick = min(self.settings.next_push_batch(0.0, size), self._max_batch)
                following = items[done + len(batch) : done + len(batch) + quick]
                ahead = (len(following), encoder.submit(encode, following)) if following else None
                self._push_batch(batch, device_id, result, body)
                done += len(batch)
                self._progress(SyncPhase.PUSH, done, total)

    def _push_batch(
        self,
        batch: Sequence[OutboxItem],
        device_id: str,
        result: SyncResult,
        body: bytes | None = None,
    ) -> None:
        """Push ``batch`` (``body``: its encoding, when already made)."""
        try:
            if body is None:
                body = encode_batch(batch, device_id, self.app_version)
            started = time.monotonic()
            response = self.client.push_encoded(body)
            self._batch = self.settings.next_push_batch(time.monotonic() - started, self._batch)
        except BatchTooLarge as too_large:
            if too_large.max_mutations:
                self._max_batch = max(1, min(self._max_batch, too_large.max_mutations))
            if len(batch) > 1:
                half = len(batch) // 2
                self._push_batch(batch[:half], device_id, result)
                self._push_batch(batch[half:], device_id, result)
                return
            log.warning("one change is larger than the server accepts; kept as rejected")
            response_results = [refused_as_too_large(batch[0], too_large)]
        else:
            response_results = response.results
        self.store.outbox.apply_results(response_results)
        for answer in response_results:
            if answer.status is MutationStatus.REJECTED:
                result.rejected += 1
            else:
                result.acknowledged += 1

    # -- blobs --------------------------------------------------------------------

    def _upload(self, result: SyncResult) -> None:
        def progress(done: int, total: int) -> None:
            self._progress(SyncPhase.UPLOAD, done, total)

        result.uploaded += upload_blobs(self.client, self.blobs, self.chunk_bytes, progress)

    # -- pull ---------------------------------------------------------------------

    def _pull(self, result: SyncResult, cursor: str | None) -> None:
        """Pull pages until none is left. While a page is being written, the
        next one is already being fetched (and parsed) on a second thread:
        the server's work and the network overlap the local write instead of
        following it. Only one request is ever in flight, a page is written
        only after the one before it, and the cursor is stored with its page,
        so an interrupted pull resumes exactly as a sequential one would."""
        limit = self.settings.pull_page_size
        done = 0
        self._progress(SyncPhase.PULL, 0, 0)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="lastmile-pull") as fetcher:
            ahead: Future[PullPage] | None = None
            while True:
                try:
                    page = self.client.pull(cursor, limit) if ahead is None else ahead.result()
                except (ResyncRequired, RequestRejected) as refused:
                    if not _needs_resync(refused) or cursor is None or result.resynced:
                        raise
                    log.info("the server asks for a full resync; unsynced changes are kept")
                    if not self._after_restore(result):
                        self.store.pulled.forget_synced_records()
                    cursor, result.resynced, ahead = None, True, None
                    continue
                cursor, ahead = page.cursor, None
                if page.more:
                    # The token is read here: in the fetching thread, reading it
                    # would wait for the write below to commit.
                    token = self.client.token_provider()
                    ahead = fetcher.submit(self.client.pull, cursor, limit, token=token)
                self.store.pulled.apply_page(page.changes, page.cursor)
                done += len(page.changes)
                result.pulled += len(page.changes)
                total = done + (limit if page.more else 0)
                self._progress(SyncPhase.PULL, done, total)
                if not page.more:
                    return

    # -- the background loop ------------------------------------------------------

    def start(self) -> None:
        """Sync now and then every ``sync_interval_seconds``; after a failure,
        again after a back-off delay; at once on ``request_sync``."""
        if self.running:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="lastmile-sync", daemon=True)
        self._thread.start()

    @property
    def running(self) -> bool:
        """Whether the background loop is on."""
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the loop after the round in progress (a round is never cut short)."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def request_sync(self) -> None:
        """Wake the loop now (after a save, or when the user pulls to refresh)."""
        self._wake.set()

    def _run(self) -> None:
        while not self._stopping.is_set():
            # Cleared before the round: a request made during it runs another.
            self._wake.clear()
            try:
                delay = self._next_delay(self.sync_once())
            except Exception:
                log.exception("sync round failed unexpectedly")
                delay = self.backoff.next_delay()
            if self._stopping.is_set():
                return
            self._wake.wait(delay)

    def _next_delay(self, result: SyncResult) -> float | None:
        """``None``: wait for ``request_sync`` (the user must act first)."""
        if result.ok:
            self.backoff.reset()
            return float(self.settings.sync_interval_seconds)
        if result.outcome in (SyncState.NEEDS_LOGIN, SyncState.UPDATE_REQUIRED):
            return None
        return self.backoff.next_delay()

    def _log(self, result: SyncResult) -> None:
        """Counts only: the log is shown to the user and never holds record data.
        A round that changed nothing is not logged: a phone checking every
        minute would otherwise write (and flush to flash) every minute forever."""
        if result.ok and not result.changed:
            return
        detail = (
            f"acknowledged={result.acknowledged} rejected={result.rejected} "
            f"uploaded={result.uploaded} pulled={result.pulled} resynced={result.resynced}"
        )
        self.store.sync_log.add(self.clock(), result.outcome.value, detail)


_REASONS = {
    SyncState.OFFLINE: "the server cannot be reached; changes are kept and sent later",
    SyncState.FAILED: "the server could not complete the sync; trying again later",
    SyncState.NEEDS_LOGIN: "sign in again to sync; nothing on this device is lost",
    SyncState.UPDATE_REQUIRED: "update the app to keep syncing",
}


def _needs_resync(refused: SyncError) -> bool:
    """410, or a cursor this server never issued (another or a rebuilt server)."""
    return isinstance(refused, ResyncRequired) or (
        isinstance(refused, RequestRejected) and refused.code is ErrorCode.CURSOR_INVALID
    )
