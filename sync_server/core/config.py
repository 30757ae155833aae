"""The sync server's one settings object (environment variables ``LASTMILE_*``)."""

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared_models.district_time import DEFAULT_DISTRICT_TIME_ZONE, district_zone
from shared_models.protocol.push import MAX_MUTATIONS_PER_PUSH, MAX_PUSH_BYTES

MEBIBYTE = 1024 * 1024


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
    login_failures_per_account: int = Field(default=5, ge=1)
    login_failures_per_client: int = Field(default=20, ge=1)
    login_failure_window_s: int = Field(default=900, ge=1)
    token_idle_days: int = Field(default=30, ge=1)
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
    signing_key: Path | None = Field(
        default=None,
        description="PEM file of the district's Ed25519 signing key (countersignatures, "
        "signed PDFs); unset: one is generated beside the blob store (demo, tests)",
    )
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
