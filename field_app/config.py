"""The field app's settings: where its data lives and how it behaves."""

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    """On a phone ``flet run`` sets FLET_APP_STORAGE_DATA to the app's private
    folder; elsewhere fall back to the user's data directory."""
    flet_dir = os.environ.get("FLET_APP_STORAGE_DATA")
    if flet_dir:
        return Path(flet_dir)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "lastmile"


class AppSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LASTMILE_APP_", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)
    server_url: str = "http://127.0.0.1:8700"
    # How the device reaches the district (field_app/sync/transport.py): set
    # by whoever provisions the device, never on its screens.
    allow_plain_http: bool = False
    """Allow plain HTTP to any address, not only loopback and private networks
    (a closed test network): the password and token then cross it in clear."""
    server_pins: list[str] = Field(default_factory=list)
    """SHA-256 pins (hex) of the district server's certificate or of its public
    key; with any, the server's certificate must match one of them."""
    server_ca_bundle: Path | None = None
    """The district's own CA certificates (PEM), instead of the system's."""
    idle_lock_seconds: int = Field(default=300, ge=30)
    max_pin_attempts: int = Field(default=10, ge=3)
    pin_warning_after: int = Field(default=5, ge=1)
    push_batch_size: int = Field(default=200, ge=1)
    """Mutations per push until a push has shown the link is good, and again
    after a slow one: a small batch costs little to send again on a weak or
    dropping link."""
    push_batch_size_good_link: int = Field(default=1000, ge=1)
    """The most mutations per push, reached by doubling while pushes are
    answered within ``good_link_push_seconds`` (``next_push_batch``). Every
    push costs the server a fixed part on top of its mutations
    (docs/performance.md, "Sync at 8 a.m."), and the phone a round trip;
    1000 is the server's default limit."""
    good_link_push_seconds: float = Field(default=1.0, gt=0)
    pull_page_size: int = Field(default=4000, ge=1)
    """Records per pull request (the protocol allows 5000). Each request costs
    the server a fixed part: a first sync of 20,000 records took 1.3 s of
    server CPU in pages of 4000 and 2.0 s in pages of 1000. A page is about
    300 KB gzipped, about what one blob upload chunk is."""
    sync_interval_seconds: int = Field(default=60, ge=5)

    @property
    def largest_push_batch(self) -> int:
        """The most mutations one push of this app carries."""
        return max(self.push_batch_size, self.push_batch_size_good_link)

    def next_push_batch(self, answered_in_s: float, last: int) -> int:
        """How many mutations the next push carries, from how long the server
        took to answer the last one (request sent to answer read) and the
        batch size that push was given (``last``): twice that after a quick
        answer, up to ``push_batch_size_good_link``, so a batch grows only as
        the link keeps proving itself (a lost answer costs a resend of the
        whole batch); ``push_batch_size`` after a slow one."""
        if answered_in_s <= self.good_link_push_seconds:
            return max(self.push_batch_size, min(2 * last, self.push_batch_size_good_link))
        return self.push_batch_size
