"""The protocol version this code speaks (see docs/protocol.md)."""

PROTOCOL_VERSION = 1
SUPPORTED_PROTOCOLS: frozenset[int] = frozenset({1})

SYNC_EPOCH_HEADER = "X-LastMile-Epoch"
"""On every push and pull answer: the server's sync epoch, which a restore
from a backup changes. A device sends back the one it knows with each push;
a push from another epoch is refused ``410 RESYNC_REQUIRED`` before anything
is applied, so the device first re-sends what the server lost
(docs/protocol.md, "After a restore")."""
