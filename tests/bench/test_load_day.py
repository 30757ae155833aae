"""A field worker's day over a weak mobile link, small (``bench/load_day.py``).

Two devices on links of their own, short latency, a narrow pipe and cuts
every few seconds: every sync must get through (tried again after a cut,
as the app's next round would), every photo must reach the server, and
the load checks must come out clean. The full day (300 ms, 50 KB/s, ten
visits with twenty 250 KB photos) is the bench's: ``python -m
bench.load_bench --day``; ``LASTMILE_SOAK=1`` runs a longer version here.
"""

import time

import httpx
import pytest
from sqlalchemy import Engine

from bench.load_day import DayPlan, day_run
from bench.weak_link import LinkShape, WeakLink
from tests.bench.test_load_bench import pg_engine as pg_engine
from tests.bench.test_load_bench import pg_url as pg_url
from tests.bench.test_load_bench import two_servers as two_servers
from tests.reliability.soak import soak

pytestmark = pytest.mark.postgres

SHORT = DayPlan(visits=3, photos_per_visit=2, photo_bytes=60_000)
CUT_OFTEN = LinkShape(round_trip_s=0.05, bytes_per_s=400_000, drop_every_s=1.0, seed=7)


def test_a_short_day_over_a_cut_link_gets_everything_through(
    pg_engine: Engine, two_servers: list[str]
) -> None:
    report, checks = day_run(
        pg_engine, two_servers, devices=2, offices=2, shape=CUT_OFTEN, plan=SHORT
    )
    assert checks.clean, checks.rows()
    assert report.link_drops > 0, "the link never cut a connection: the test tests nothing"
    assert sum(day.retries for day in report.days) > 0
    assert report.up_bytes > 2 * SHORT.visits * SHORT.photos_per_visit * SHORT.photo_bytes
    noop_trips = [n for day in report.days for n in day.noop_requests]
    assert len(noop_trips) == 2 * SHORT.visits
    assert min(noop_trips) >= 1
    assert [row[0] for row in report.rows()][1].startswith("a day's sync: 3 visits, 6 photos")


@soak
def test_a_longer_day_over_the_weak_link(pg_engine: Engine, two_servers: list[str]) -> None:
    shape = LinkShape(round_trip_s=0.3, bytes_per_s=50_000, drop_every_s=20.0)
    plan = DayPlan(visits=4, photos_per_visit=2, photo_bytes=120_000)
    report, checks = day_run(pg_engine, two_servers, devices=4, offices=2, shape=shape, plan=plan)
    assert checks.clean, checks.rows()
    assert all(day.sync_s > 2 * plan.photo_bytes / shape.bytes_per_s for day in report.days)


def test_the_link_adds_its_round_trip_and_holds_its_rate(two_servers: list[str]) -> None:
    port = int(two_servers[0].rsplit(":", 1)[1])
    shape = LinkShape(round_trip_s=0.2, bytes_per_s=20_000, drop_every_s=0)
    with WeakLink(port, shape) as link, httpx.Client(base_url=link.url, timeout=30) as http:
        started = time.perf_counter()
        assert http.get("/healthz").status_code == 200
        first = time.perf_counter() - started  # connect + request: two round trips
        started = time.perf_counter()
        http.get("/openapi.json")  # tens of KB down at 20 KB/s
        slow = time.perf_counter() - started
    assert first >= 2 * shape.round_trip_s
    assert slow >= link.stats.down * 0.5 / shape.bytes_per_s
    assert link.stats.connections == 1
    assert link.stats.drops == 0


def test_the_link_listens_on_loopback_only_and_stops(two_servers: list[str]) -> None:
    port = int(two_servers[0].rsplit(":", 1)[1])
    with WeakLink(port) as link:
        assert link.url.startswith("http://127.0.0.1:")
    assert not link._thread.is_alive()
