"""A phone for view-model tests: the real ``FieldAppCore`` (session, local
store, sync engine) against the real server in-process, SQLite only (the
server's backends are covered by its own suite), no browser, no page."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from field_app.config import AppSettings
from field_app.core import FieldAppCore
from field_app.security.keystore import KdfParams
from field_app.viewmodels.access import LoginForm, PinForm, PinMode
from tests.district_db import fresh_database_url
from tests.factories import PASSWORD
from tests.field_app.words import EN as EN
from tests.field_app.words import say as say
from tests.integration.sync_fixtures import BASE_URL, Link, Server, running_server

PIN = "258147"
CHEAP_KDF = KdfParams(time_cost=1, memory_cost_kib=8, parallelism=1)


@dataclass
class Phones:
    server: Server
    link: Link
    folder: Path
    cores: list[FieldAppCore]

    def new(
        self, name: str = "phone", clock: Callable[[], float] | None = None, **settings: Any
    ) -> FieldAppCore:
        """The app opened on a phone (again, for the same ``name``)."""
        options: dict[str, Any] = {
            "data_dir": self.folder / name,
            "server_url": BASE_URL,
            "allow_plain_http": True,  # the in-process server is "http://testserver"
            "max_pin_attempts": 4,
            "pin_warning_after": 2,
        }
        options.update(settings)
        core = FieldAppCore(
            AppSettings(**options),
            transport=self.link,
            kdf=CHEAP_KDF,
            device_name="test phone",
            background_sync=False,
            **({"clock": clock} if clock else {}),
        )
        self.cores.append(core)
        return core

    def signed_in(
        self, username: str, name: str | None = None, clock: Callable[[], float] | None = None
    ) -> FieldAppCore:
        """A phone of ``username``: signed in, PIN chosen, first sync done."""
        core = self.new(name or username, clock)
        form = LoginForm(core)
        form.username, form.password = username, PASSWORD
        assert form.submit(), say(form.error)
        pin = PinForm(core, PinMode.CHOOSE)
        pin.pin = pin.confirm = PIN
        assert pin.submit(), say(pin.error)
        core.sync_once()
        return core


@pytest.fixture(name="phones")
def phones_fixture(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Phones]:
    url_source = fresh_database_url(request, "sqlite", tmp_path)
    db_url = next(url_source)
    with running_server(db_url, tmp_path / "server-blobs") as server:
        made = Phones(server, Link(server.http), tmp_path / "phones", [])
        yield made
        for core in made.cores:
            core.close()
    next(url_source, None)
