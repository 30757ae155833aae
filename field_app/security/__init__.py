"""Data at rest: the PIN-wrapped data key and the ciphers built on it."""
