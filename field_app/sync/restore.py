"""Noticing a server restored from a backup (docs/protocol.md, "After a
restore"): every push and pull answer names the server's sync epoch, and a
restore gives the server a new one. The device remembers the epoch it
knows and sends it with each push; a restored server refuses that push
unapplied, and the device then re-queues its sent journal in front of the
outbox, drops what it pulled (keeping every change still to send) and pulls
afresh, so the server gets back what it lost before anything newer."""

from field_app.storage.store import LocalStore
from field_app.sync.client import SyncClient


def server_restored(store: LocalStore, client: SyncClient) -> int | None:
    """Act on the epoch of the server's last answer: ``None`` when it is the
    one this device knows (or the first one it is told, now remembered),
    else how many acknowledged changes go out again."""
    seen = client.seen_epoch
    known = store.device.read().server_epoch
    if seen is None or seen == known:
        return None
    if known is not None:
        resent = store.sent_journal.resend()
        store.pulled.forget_synced_records()
    store.device.update(server_epoch=seen)
    client.epoch = seen
    return None if known is None else resent
