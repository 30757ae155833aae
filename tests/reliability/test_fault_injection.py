"""Hundreds of randomised working days over a network that drops requests,
loses answers after the server committed, delivers twice, answers 503,
times out and cuts bodies off — against the real server in-process.

Each run is one phone on a fresh district database: the user saves, edits
and deletes cases, parties and visits between sync attempts, then the phone
syncs (still through the faults) until its outbox is empty, within a bounded
number of attempts. Afterwards every record the user saved must be on the
server exactly once with the user's last values (0 lost, 0 duplicates), no
deleted record may be back, nothing may be stuck in the outbox, and the
device must hold exactly the server's version of each record.

The figures go to ``artifacts/reliability/fault_injection*.json`` for the
issue note.
"""

import json
import random
import shutil
from dataclasses import asdict
from pathlib import Path

import httpx
import pytest

from field_app.config import AppSettings
from tests.field_app.sync_fixtures import (
    BASE_URL,
    DistrictFile,
    Phone,
    running_server,
    signed_in_district,
)
from tests.reliability.faults import Fault, FaultyTransport
from tests.reliability.soak import soak
from tests.reliability.world import Figures, Workday

RUNS = 300
RUNS_PER_PHONE = 20
SOAK_RUNS = 3000
FAULT_RATE = 0.2
MAX_FINAL_ATTEMPTS = 80
"""With a fifth of requests failing, a round of 2–4 requests succeeds at least
0.8⁴ ≈ 40 % of the time: 80 attempts leave a chance below 10⁻¹⁷ of a false "stuck"."""
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "reliability"


USER = "mediator.baijia"


@pytest.fixture
def district_file(sqlite_template: Path, tmp_path: Path) -> DistrictFile:
    return signed_in_district(sqlite_template, tmp_path, [USER])


def phone_lifetime(
    first_seed: int,
    runs: int,
    template: DistrictFile,
    local_template: Path,
    folder: Path,
    figures: Figures,
) -> None:
    """One phone on a fresh district database living through ``runs`` working
    days; the first includes its first sync, later ones pull incrementally."""
    rng = random.Random(first_seed)
    url = template.copy(folder)
    with running_server(url, folder / "blobs", district=template.district) as server:
        transport = FaultyTransport(server.http._transport, rng, FAULT_RATE)
        with httpx.Client(transport=transport, base_url=BASE_URL) as http:
            settings = AppSettings(
                data_dir=folder,
                push_batch_size=rng.randint(2, 8),
                push_batch_size_good_link=rng.randint(2, 12),
                pull_page_size=rng.randint(4, 16),
            )
            phone = Phone(http, folder / "phone", local_template, rng=rng, settings=settings)
            phone.restore(template.logins[USER])
            day = Workday(phone, rng, template.district.baijia.id, figures)
            for _ in range(runs):
                working_day(day, figures)
                day.check(server)
                figures.runs += 1
            day.settle()
            phone.close()
        figures.phones += 1
        figures.requests += transport.requests
        figures.add_faults(transport.injected)
    shutil.rmtree(folder)


def working_day(day: Workday, figures: Figures) -> None:
    """A few rounds of work, each followed by one sync attempt (which may
    fail anywhere), then sync until the outbox is empty (bounded)."""
    for _ in range(day.rng.randint(1, 2)):
        for _ in range(day.rng.randint(1, 3)):
            day.act()
        attempt(day, figures)
    for _ in range(MAX_FINAL_ATTEMPTS):
        if attempt(day, figures) and day.phone.engine.status.waiting == 0:
            return


def attempt(day: Workday, figures: Figures) -> bool:
    result = day.phone.sync()
    figures.sync_attempts += 1
    figures.failed_attempts += not result.ok
    figures.acknowledged += result.acknowledged
    return result.ok


def run_and_report(
    runs: int, name: str, template: DistrictFile, local_template: Path, tmp_path: Path
) -> Figures:
    figures = Figures()
    for first in range(0, runs, RUNS_PER_PHONE):
        count = min(RUNS_PER_PHONE, runs - first)
        folder = tmp_path / f"phone-{first}"
        phone_lifetime(first, count, template, local_template, folder, figures)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    report = {"fault_rate": FAULT_RATE, **asdict(figures)}
    (ARTIFACTS / f"{name}.json").write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    print(f"\n{name}: {json.dumps(report, sort_keys=True)}")
    return figures


def assert_nothing_lost(figures: Figures, runs: int) -> None:
    assert figures.runs == runs
    assert set(figures.faults) == set(Fault), "every kind of fault must have been injected"
    assert figures.records > runs, "the runs must have saved something"
    assert figures.failed_attempts > 0, "the faults must have made some syncs fail"
    problems = {
        "lost": figures.lost,
        "duplicates": figures.duplicates,
        "resurrected": figures.resurrected,
        "stuck": figures.stuck,
        "rejected": figures.rejected,
        "device_differs": figures.device_differs,
    }
    assert problems == dict.fromkeys(problems, 0)


def test_hundreds_of_faulty_working_days_lose_and_duplicate_nothing(
    district_file: DistrictFile, local_template: Path, tmp_path: Path
) -> None:
    figures = run_and_report(RUNS, "fault_injection", district_file, local_template, tmp_path)
    assert_nothing_lost(figures, RUNS)


@soak
def test_fault_injection_soak(
    district_file: DistrictFile, local_template: Path, tmp_path: Path
) -> None:
    figures = run_and_report(
        SOAK_RUNS, "fault_injection_soak", district_file, local_template, tmp_path
    )
    assert_nothing_lost(figures, SOAK_RUNS)
