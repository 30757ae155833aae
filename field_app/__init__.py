"""The LastMile field app: what a mediator or correction officer carries.

Below the screens: a local store that never loses a saved record, an outbox,
a sync engine, and encryption of personal data at rest."""
