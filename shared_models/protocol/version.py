"""The protocol version this code speaks (see docs/protocol.md)."""

PROTOCOL_VERSION = 1
SUPPORTED_PROTOCOLS: frozenset[int] = frozenset({1})
