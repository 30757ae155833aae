"""The LastMile contract: wire protocol, domain schemas and the pure rules
that the sync server and the field app both obey. No I/O lives here."""
