"""One clock: every time a person reads is on the district's time zone,
whatever zone the phone, the desk or the server host is set to."""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from field_app.i18n import Translator
from shared_models.district_time import DEFAULT_ZONE, district_zone
from sync_server.core.config import ServerSettings
from sync_server.services.supervision.district_calendar import use_district_zone
from tests.conftest import fresh_database_url
from tests.field_app.sync_fixtures import Link, running_server
from tests.field_app.viewmodel_fixtures import Phones

ROOT = Path(__file__).resolve().parents[2]

# 18:01 UTC on the 27th is 02:01 on the 28th in Handan: the host's clock and
# the district's disagree on the hour and on the day.
_PROBE = """
import json, time
from datetime import UTC, datetime, timedelta
from uuid import uuid4
from field_app.i18n import Translator
from field_app.viewmodels.status import when_text
from shared_models.agreement_text import agreement_document
from shared_models.district_time import DEFAULT_ZONE, district_zone
from sync_server.services.supervision.export import _cell
from sync_server.services.supervision.district_calendar import district_today, wall_clock_text
from shared_models.sealing import seal_agreement
from tests.shared_models.test_agreement_text import draft

at = datetime(2026, 11, 27, 18, 1, tzinfo=UTC)
zh, en = Translator("zh_CN"), Translator("en")
document = agreement_document(uuid4(), seal_agreement(draft(), at))
print(json.dumps({
    "zh": zh.t("format.when", when=at),
    "en": en.t("format.when", when=at),
    "status": zh.render(when_text(at, datetime(2026, 11, 27, 18, 2, tzinfo=UTC), DEFAULT_ZONE)),
    "day": zh.day(at).isoformat(),
    "server_today": district_today(at).isoformat(),
    "report": wall_clock_text(at),
    "csv": _cell(at.replace(tzinfo=None), False),
    "agreement": document.date_line,
    "host": time.strftime("%H:%M", time.localtime(at.timestamp())),
}, ensure_ascii=False))
"""


def _probe(zone: str) -> dict[str, str]:
    environment = {**os.environ, "TZ": zone}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    shown: dict[str, str] = json.loads(done.stdout)
    return shown


def test_every_time_shown_is_on_the_district_clock_whatever_the_host_zone() -> None:
    in_utc, in_new_york = _probe("UTC"), _probe("America/New_York")
    # The hosts really were in different zones...
    assert (in_utc.pop("host"), in_new_york.pop("host")) == ("18:01", "13:01")
    # ...and nothing a person reads moved.
    assert in_utc == in_new_york
    assert in_utc == {
        "zh": "11月28日 02:01",
        "en": "2026-11-28 02:01",
        "status": "今天 02:01",
        "day": "2026-11-28",
        "server_today": "2026-11-28",
        "report": "2026-11-28 02:01",
        "csv": "2026-11-28T02:01:00+08:00",
        "agreement": "签署日期：2026年11月28日",
    }


def test_the_translator_uses_the_zone_it_is_given() -> None:
    at = datetime(2026, 11, 28, 2, 1, tzinfo=UTC)
    assert Translator("en").t("format.when", when=at) == "2026-11-28 10:01"
    urumqi = Translator("en", lambda: district_zone("Asia/Urumqi"))
    assert urumqi.t("format.when", when=at) == "2026-11-28 08:01"
    # A stored time without a zone (SQLite) is UTC, never the host's time.
    assert Translator("en").t("format.when", when=at.replace(tzinfo=None)) == "2026-11-28 10:01"


@pytest.fixture(name="urumqi_phones")
def urumqi_phones_fixture(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Phones]:
    """Phones of a district whose server is set to Asia/Urumqi (UTC+6)."""
    url_source = fresh_database_url(request, "sqlite", tmp_path)
    db_url = next(url_source)
    try:
        with running_server(
            db_url, tmp_path / "server-blobs", district_time_zone="Asia/Urumqi"
        ) as server:
            made = Phones(server, Link(server.http), tmp_path / "phones", [])
            yield made
            for core in made.cores:
                core.close()
    finally:
        use_district_zone(DEFAULT_ZONE)  # one district per process: put the default back
    next(url_source, None)


def test_the_sign_in_answer_sets_the_device_clock(urumqi_phones: Phones) -> None:
    core = urumqi_phones.signed_in("officer.baijia")
    at = datetime(2026, 11, 28, 2, 1, tzinfo=UTC)
    assert Translator("en", lambda: core.zone).t("format.when", when=at) == "2026-11-28 08:01"
    # Kept on the device: the next start (offline, locked) knows it.
    again = urumqi_phones.new("officer.baijia")
    assert again.prefs.get("district_time_zone") == "Asia/Urumqi"
    assert again.now().utcoffset() == timedelta(hours=6)


def test_an_unknown_zone_is_a_clear_settings_error() -> None:
    with pytest.raises(ValidationError, match="district_time_zone"):
        ServerSettings(district_time_zone="Mars/Olympus_Mons")
