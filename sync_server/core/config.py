"""The sync server's one settings object (environment variables ``LASTMILE_*``)."""

import json
import os
from ipaddress import ip_network
from pathlib import Path
from typing import Annotated, Final, Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from shared_models.district_time import DEFAULT_DISTRICT_TIME_ZONE, district_zone
from shared_models.domain.case_lifecycle import MediationSettings
from shared_models.domain.types import ShortText
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
    # Object storage instead of the folder (sync_server/blobs/s3.py, docs/backup.md).
    # The credentials come from here (LASTMILE_S3_ACCESS_KEY_ID / _SECRET_ACCESS_KEY)
    # or boto3's own chain (AWS_* variables, ~/.aws); never from a command line.
    blob_store: Literal["files", "s3"] = Field(
        default="files", description="files: the folder `blobs`; s3: S3-compatible object storage"
    )
    s3_endpoint: str | None = Field(
        default=None,
        pattern=r"^https?://[^\s/?#@]+(/[^\s?#@]*)?$",
        description="URL of the object store (MinIO, a government cloud's S3 endpoint); "
        "unset: the provider's default for the region",
    )
    s3_region: str = Field(default="us-east-1", pattern=r"^[a-z0-9-]{1,40}$")
    s3_bucket: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
    s3_prefix: str = Field(
        default="",
        pattern=r"^([A-Za-z0-9_-][A-Za-z0-9._-]*/)*$",
        description="key prefix of every object (ends with /), to share a bucket",
    )
    s3_addressing_style: Literal["path", "virtual"] = Field(
        default="path", description="path: http://endpoint/bucket/key (MinIO, most private clouds)"
    )
    s3_access_key_id: str | None = Field(default=None, repr=False)
    s3_secret_access_key: str | None = Field(default=None, repr=False)
    s3_upload_locks: bool = Field(
        default=True,
        description="lock uploads with conditional writes (If-None-Match); false for a store "
        "without them (uploads stay verified, concurrent ones of one blob are not told 'busy')",
    )
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

    @model_validator(mode="after")
    def _object_store_named(self) -> "ServerSettings":
        """An object store without a bucket must stop the server at start."""
        if self.blob_store == "s3" and not self.s3_bucket:
            raise ValueError("blob_store s3 needs s3_bucket (LASTMILE_S3_BUCKET)")
        return self

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

    mediation_follow_up_days: int = Field(
        default=30,
        ge=0,
        le=365,
        description="the first follow-up (回访) of an agreement is due this many days after "
        "its performance deadline",
    )
    mediation_judicial_window_days: int = Field(
        default=30,
        ge=1,
        le=365,
        description="days after a written agreement takes effect in which judicial "
        "confirmation may be applied for",
    )
    mediation_follow_up_required_to_close: bool = Field(
        default=True, description="an agreed case closes only after a follow-up record"
    )
    mediation_file_retention: ShortText = Field(
        default=MediationSettings.model_fields["file_retention"].default,
        description="the retention period (保管期限) printed on a case file's cover "
        "unless its archival form says otherwise",
    )

    @property
    def mediation(self) -> MediationSettings:
        """The lifecycle's district rules (``shared_models/domain/case_lifecycle.py``)."""
        return MediationSettings(
            follow_up_days_after_deadline=self.mediation_follow_up_days,
            judicial_window_days=self.mediation_judicial_window_days,
            follow_up_required_to_close=self.mediation_follow_up_required_to_close,
            file_retention=self.mediation_file_retention,
        )


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


_EXPECTED: Final = {
    "s3_endpoint": "a URL such as https://oss.example.gov.cn or http://10.0.0.9:9000",
    "s3_bucket": "a bucket name: 3 to 63 lowercase letters, digits, dots and hyphens",
    "s3_region": "a region such as cn-north-1",
    "s3_prefix": "folders ending with /, such as lastmile/ (or nothing)",
}
"""What a setting whose pattern a value misses must look like (the pattern
itself is no help to an operator)."""


def settings_problems(error: ValidationError) -> list[str]:
    """One line per wrong setting, naming its environment variable: what a
    command prints instead of pydantic's traceback."""
    lines = []
    for problem in error.errors(include_url=False, include_input=False):
        field = str(problem["loc"][0]) if problem["loc"] else ""
        message = str(problem["msg"]).removeprefix("Value error, ")
        if field in _EXPECTED and problem["type"] == "string_pattern_mismatch":
            message = f"give {_EXPECTED[field]}"
        lines.append(f"LASTMILE_{field.upper()}: {message}" if field else message)
    return lines
