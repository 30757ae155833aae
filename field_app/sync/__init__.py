"""Talking to the sync server: typed protocol calls (``client``) and the
engine that pushes the outbox, uploads blobs and pulls changes (``engine``)."""
