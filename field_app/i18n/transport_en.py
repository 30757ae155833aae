"""English: how the device reaches its district (field_app/sync/transport.py)."""
# ruff: noqa: E501  (sentences are easier to translate on one line)

STRINGS: dict[str, str] = {
    "transport.error.plain_http": "This address is not protected: use the district's https:// address (plain http:// only reaches this device or a private network).",
}
