"""The device's local store: records, the outbox, blobs, drafts and sync state."""
