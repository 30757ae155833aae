"""The sync server's one settings object (environment variables ``LASTMILE_*``)."""

import json
import os
from ipaddress import ip_network
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from shared_models.district_time import DEFAULT_DISTRICT_TIME_ZONE, district_zone
from shared_models.protocol.push import MAX_MUTATIONS_PER_PUSH, MAX_PUSH_BYTES

MEBIBYTE = 1024 * 1024
WORKER_SETTINGS_ENV = "LASTMILE_WORKER_SETTINGS"
"""Where ``lastmile server --workers N`` leaves its settings (JSON) for its workers."""


class ServerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LASTMILE_", extra="ignore")

    db: str = Field(
        default="sqlite:///./var/lastmile.db",
        description="SQLAlchemy URL: sqlite:///./lastmile.db or "
        "postgresql+psycopg://postgres@127.0.0.1:5432/lastmile",
    )
    blobs: Path = Field(default=Path("./var/blobs"), description="folder of the blob store")
    host: str = "127.0.0.1"
    port: int = 8700
    max_push_mutations: int = Field(default=MAX_MUTATIONS_PER_PUSH, ge=1)
    max_push_bytes: int = Field(default=MAX_PUSH_BYTES, ge=1024)
    tombstone_retention_days: int = Field(default=90, ge=1)
    # Sign-in throttling (docs/security.md, "Accounts and sessions"): after
    # its free failures a key waits, twice as long after each further one.
    login_failure_window_s: int = Field(
        default=3600, ge=60, description="failed sign-ins older than this are forgotten"
    )
    login_free_failures_per_pair: int = Field(
        default=5, ge=1, description="failures of one account from one address before delays"
    )
    login_free_failures_per_address: int = Field(
        default=20, ge=1, description="failures from one address (any account) before delays"
    )
    login_free_failures_per_account: int = Field(
        default=100,
        ge=1,
        description="failures of one account (any address) before delays; "
        "not applied to an address the account signed in from lately",
    )
    login_delay_base_s: int = Field(default=2, ge=1, description="the first delay")
    login_delay_max_s: int = Field(default=900, ge=1, description="the longest delay")
    login_known_address_days: int = Field(
        default=30, ge=1, description="how long a successful sign-in makes its address known"
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="addresses or networks (CIDR) of reverse proxies whose X-Forwarded-For "
        "and X-Forwarded-Proto are believed, and through which alone (over HTTPS) requests "
        "are served; empty: the socket's peer is the client (in the environment: "
        "comma-separated, or a JSON list)",
    )
    tls_cert: Path | None = Field(
        default=None, description="PEM certificate (with its chain) to serve HTTPS with"
    )
    tls_key: Path | None = Field(default=None, description="PEM private key of tls_cert")
    insecure_http: bool = Field(
        default=False,
        description="serve plain HTTP on a non-loopback address with neither TLS nor a "
        "trusted proxy: bearer tokens cross the network in clear (a closed test network only)",
    )
    metrics_token: str | None = Field(
        default=None,
        min_length=16,
        repr=False,
        description="bearer token Prometheus sends to GET /metrics; unset: /metrics is off",
    )
    metrics_dir: Path | None = Field(
        default=None,
        description="prometheus_client's multi-process folder, shared by the workers of one "
        "`lastmile server --workers N` (emptied at start; unset: a fresh temporary one)",
    )
    log_format: Literal["json", "text"] = Field(
        default="json", description="json: one object a line (docs/operations.md); text: for people"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    token_idle_days: int = Field(
        default=30, ge=1, description="a token unused this long no longer works"
    )
    token_lifetime_days: int = Field(
        default=90, ge=1, description="a token this old no longer works, however often used"
    )
    blob_unreferenced_quota_device_bytes: int = Field(
        default=64 * MEBIBYTE,
        ge=1,
        description="bytes of blobs a device may hold that no record of its user names "
        "(unfinished uploads count with their full length)",
    )
    blob_unreferenced_quota_user_bytes: int = Field(default=80 * MEBIBYTE, ge=1)
    blob_daily_quota_device_bytes: int = Field(
        default=1024 * MEBIBYTE,
        ge=1,
        description="bytes of blobs a device may upload in 24 hours, records or not",
    )
    blob_daily_quota_user_bytes: int = Field(default=2048 * MEBIBYTE, ge=1)
    blob_upload_expiry_hours: int = Field(
        default=48, ge=1, description="an upload idle this long is removed by collect-blobs"
    )
    blob_grace_days: int = Field(
        default=14,
        ge=1,
        description="a blob no record names (or whose record was deleted) is kept this long",
    )
    key_dir: Path | None = Field(
        default=None,
        description="folder (0700) of the district's keys, outside the database: the "
        "signing key, its retired predecessors and the audit MAC keys (docs/operations.md); "
        "`lastmile admin keys create` fills it",
    )
    signing_key: Path | None = Field(
        default=None,
        description="PEM file of the district's Ed25519 signing key (countersignatures, "
        "signed PDFs); unset: one is generated beside the blob store (demo, tests)",
    )
    audit_key: Path | None = Field(
        default=None,
        description="JSON file of the audit log's MAC keys (docs/security.md); unset: "
        "audit-mac-keys.json beside the district signing key, generated when missing",
    )

    import_max_bytes: int = Field(
        default=32 * MEBIBYTE, ge=1024, description="the largest ledger file an import reads"
    )
    import_max_rows: int = Field(
        default=50_000, ge=1, description="rows of one imported sheet (more: split the file)"
    )
    import_max_uncompressed_bytes: int = Field(
        default=256 * MEBIBYTE,
        ge=MEBIBYTE,
        description="what an XLSX's parts may declare uncompressed, in all (a zip bomb's "
        "declared size is refused before anything is inflated)",
    )

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxies_from_text(cls, value: object) -> object:
        """``10.0.0.5,10.0.0.6`` or ``["10.0.0.5"]``: an environment file is read
        by systemd, a shell and ``docker --env-file`` with different quoting,
        and a plain comma-separated list survives all three."""
        if not isinstance(value, str):
            return value
        if value.strip().startswith("["):
            return json.loads(value)
        return [part.strip() for part in value.split(",") if part.strip()]

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_addresses(cls, proxies: list[str]) -> list[str]:
        """A typo here must stop the server at start, not fail each sign-in."""
        for proxy in proxies:
            ip_network(proxy, strict=False)
        return proxies

    district_time_zone: str = Field(
        default=DEFAULT_DISTRICT_TIME_ZONE,
        description="IANA time zone of the district: every time a person reads (screens, "
        "PDFs, exports) and every 'today' / 'due' is on this clock; devices learn it at sign-in",
    )

    @field_validator("district_time_zone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        district_zone(name)  # raises ValueError naming the setting
        return name


def hand_to_workers(settings: ServerSettings) -> None:
    """Leave ``settings`` in this process's environment for the worker
    processes it is about to start: they inherit it and ``worker_settings``
    reads it back, so every worker runs on exactly these settings."""
    os.environ[WORKER_SETTINGS_ENV] = settings.model_dump_json()


def worker_settings() -> ServerSettings:
    """The settings a ``lastmile server`` command handed to its workers, or,
    for a process started otherwise (``uvicorn --factory``), LASTMILE_*."""
    handed = os.environ.get(WORKER_SETTINGS_ENV)
    if handed is None:
        return ServerSettings()
    # Every field is given, so nothing is taken from LASTMILE_* in between.
    return ServerSettings(**json.loads(handed))
