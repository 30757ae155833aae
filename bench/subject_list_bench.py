"""The officer's subject list, on a phone holding 500 subjects and their
histories: how long the Subjects screen takes to open. One command, one table.

    .venv/bin/python -m bench.subject_list_bench            # 500 subjects, two years each
    .venv/bin/python -m bench.subject_list_bench --quick    # a smoke test (100 subjects)

The phone's store is filled as a sync fills it (``pulled.apply_page``, the
encrypted local store): every subject with a weekly check-in and a monthly
home visit for two years (about 60,000 visits for 500). "Open" is what the
screen does when the officer taps the tab: the list's view-model is made and
loads (every subject decrypted, the due date of each worked out from their
history); it is timed the first time after the store is opened (as after an
unlock: SQLite's cache and the decryption are cold) and then again. The
verdict is on CPU time, the work itself; the wall clock is printed beside it
(on a shared machine it also counts waiting for a core: re-measure on a quiet
one). A subject's page is timed too.
"""

import argparse
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, cast

from shared_models.district_time import DEFAULT_ZONE
from shared_models.protocol.pull import Change
from shared_models.protocol.tables import TableName
from shared_models.wire import to_json_value

TODAY = date(2026, 12, 7)
NOW = datetime(2026, 12, 7, 1, 30, tzinfo=UTC)
TARGET_MS = 100.0
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂"


@dataclass
class Row:
    metric: str
    measured: str
    target: str
    ok: bool | None = None


def _id_number(rng: random.Random) -> str:
    from shared_models.domain.people import resident_id_check_char

    born = date(1960, 1, 1) + timedelta(days=rng.randrange(40 * 365))
    first17 = f"110101{born:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + resident_id_check_char(first17)


def history(subjects: int, days: int, seed: int = 7) -> Iterator[tuple[TableName, dict[str, Any]]]:
    """An office's subjects with their history, as wire records: one officer
    holds them all, each with a check-in about every 7 days and a home visit
    about every 30 for ``days`` days (some overdue today)."""
    rng = random.Random(seed)
    office, officer = uuid.UUID(int=1), uuid.UUID(int=2)
    kinds = ("control", "suspended_sentence", "parole", "temporary_outside")
    for number in range(subjects):
        subject = uuid.UUID(int=rng.getrandbits(128))
        start = TODAY - timedelta(days=days + rng.randrange(60))
        correction_type = rng.choice(kinds)
        yield (
            TableName.SUBJECTS,
            {
                "id": str(subject),
                "name": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                "id_number": _id_number(rng),
                "gender": rng.choice(("male", "female")),
                "address": f"复兴区百家村{number % 12 + 1}组{number}号",
                "phone": f"138{rng.randrange(10**8):08d}",
                "correction_type": correction_type,
                "term_start": start.isoformat(),
                "term_end": (start + timedelta(days=days + 365)).isoformat(),
                "key_person": rng.random() < 0.1,
                "checkin_interval_days": 7,
                "supervision_level": "strict",
                "org_unit_id": str(office),
                "officer_id": str(officer),
            },
        )
        yield from events(rng, subject, start, correction_type, officer)
        moment = datetime.combine(start, datetime.min.time(), UTC) + timedelta(hours=1)
        end = NOW - timedelta(days=rng.randrange(12))  # a few are overdue
        visit = 0
        while moment < end:
            visit += 1
            home = visit % 4 == 0
            yield (
                TableName.VISITS,
                {
                    "id": str(uuid.UUID(int=rng.getrandbits(128))),
                    "subject_id": str(subject),
                    "kind": "home_visit" if home else "checkin",
                    "method": None if home else "office",
                    "started_at": moment.isoformat(),
                    "lat": 39.9 + rng.random() / 100,
                    "lon": 116.4 + rng.random() / 100,
                    "accuracy_m": 12.0,
                    "notes": "按时报到，思想稳定" if not home else "走访家属，了解近况",
                },
            )
            moment += timedelta(days=7 if not home else 1, hours=rng.randrange(-3, 4))


def event_record(
    rng: random.Random,
    subject: uuid.UUID,
    day: date,
    content: dict[str, Any],
    request: uuid.UUID | None = None,
    event_id: uuid.UUID | None = None,
) -> tuple[TableName, dict[str, Any]]:
    return (
        TableName.SUBJECT_EVENTS,
        {
            "id": str(event_id or uuid.UUID(int=rng.getrandbits(128))),
            "subject_id": str(subject),
            "kind": content["kind"],
            "occurred_on": day.isoformat(),
            "request_id": str(request) if request else None,
            "content": content,
        },
    )


def events(
    rng: random.Random, subject: uuid.UUID, start: date, correction_type: str, officer: uuid.UUID
) -> Iterator[tuple[TableName, dict[str, Any]]]:
    """A subject's events: the entry announcement, a talk, education and
    community service every month (health reports too on medical parole,
    a check-up every third month), leave twice a year (approved, left,
    back; one in ten is away now, some of them overdue)."""
    yield event_record(rng, subject, start, {"kind": "entry_announcement", "place": "司法所宣告室"})
    month = start.replace(day=1)
    number = 0
    while month < TODAY:
        day = month + timedelta(days=rng.randrange(25))
        if day < TODAY:
            yield event_record(
                rng, subject, day, {"kind": "conversation", "summary": "思想稳定，按时报到"}
            )
            yield event_record(
                rng, subject, day, {"kind": "education", "hours": 2.0, "topic": "法治教育"}
            )
            yield event_record(
                rng,
                subject,
                day,
                {"kind": "community_service", "hours": 4.0, "activity": "社区清扫"},
            )
            if correction_type == "temporary_outside":
                report = "checkup" if number % 3 == 2 else "monthly"
                yield event_record(
                    rng, subject, day, {"kind": "health_report", "report_type": report}
                )
        if number % 6 == 3:
            leave = uuid.UUID(int=rng.getrandbits(128))
            end = day + timedelta(days=4)
            yield event_record(
                rng,
                subject,
                day,
                {
                    "kind": "leave_request",
                    "start": day.isoformat(),
                    "end": end.isoformat(),
                    "destination": "省城",
                    "reason": "medical",
                    "guarantor": "家属",
                },
                event_id=leave,
            )
            decision = {
                "kind": "decision",
                "outcome": "approved",
                "level": "office",
                "decided_by": str(officer),
            }
            yield event_record(rng, subject, day, decision, request=leave)
            yield event_record(rng, subject, day, {"kind": "leave_departure"}, request=leave)
            if end < TODAY - timedelta(days=20) or rng.random() > 0.1:
                yield event_record(rng, subject, end, {"kind": "leave_return"}, request=leave)
        month = (month + timedelta(days=32)).replace(day=1)
        number += 1


def pages(
    records: Iterator[tuple[TableName, dict[str, Any]]], size: int = 1000
) -> Iterator[list[Change]]:
    """``records`` as pull pages, versions in order."""
    from shared_models.domain import SubjectRecord, VisitRecord
    from shared_models.domain.subject_events import SubjectEventRecord

    models: dict[TableName, Any] = {
        TableName.SUBJECTS: SubjectRecord,
        TableName.VISITS: VisitRecord,
        TableName.SUBJECT_EVENTS: SubjectEventRecord,
    }
    page: list[Change] = []
    for version, (table, record) in enumerate(records, start=1):
        # Every field, as the server sends a record (defaults included).
        wire = to_json_value(models[table].model_validate(record))
        assert isinstance(wire, dict)
        wire.update(version=version, updated_at="2026-11-01T00:00:00Z")
        page.append(Change(table=table, op="upsert", record=wire))
        if len(page) == size:
            yield page
            page = []
    if page:
        yield page


class PhoneCore:
    """What the list's view-models read of ``FieldAppCore``: the unlocked
    store and blobs, and the district's clock (fixed, so every run counts
    the same days)."""

    def __init__(self, store: Any, blobs: Any, zone: tzinfo = DEFAULT_ZONE) -> None:
        self.store, self.blobs, self.zone = store, blobs, zone

    def now(self) -> datetime:
        return NOW.astimezone(self.zone)


def timed(
    action: Callable[[], object], repeat: int
) -> tuple[float, float, list[float], list[float]]:
    """The first run's wall and CPU milliseconds, then ``repeat`` more runs'."""

    def once() -> tuple[float, float]:
        started, used = time.perf_counter(), time.process_time()
        action()
        return (time.perf_counter() - started) * 1000, (time.process_time() - used) * 1000

    first_wall, first_cpu = once()
    runs = [once() for _ in range(repeat)]
    return first_wall, first_cpu, [w for w, _ in runs], [c for _, c in runs]


def measure(subjects: int, days: int, repeat: int) -> tuple[list[Row], list[str]]:
    from field_app.core import FieldAppCore
    from field_app.security.aead import DataKeyCipher
    from field_app.services.session import open_local_data
    from field_app.viewmodels.subject_page import SubjectDetailViewModel
    from field_app.viewmodels.subjects import SubjectListViewModel

    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="lastmile-phone-") as scratch:
        key = DataKeyCipher(os.urandom(32))
        data = open_local_data(Path(scratch), key)
        started = time.perf_counter()
        count = 0
        for number, page in enumerate(pages(history(subjects, days))):
            data.store.pulled.apply_page(page, cursor=f"bench-{number}")
            count += len(page)
        data.store.search_index.index_pending()
        notes.append(
            f"store filled with {count:,} records in {time.perf_counter() - started:.1f} s"
        )
        data.store.engine.dispose()
        # Opened again, as after an unlock: nothing of the filling is cached.
        data = open_local_data(Path(scratch), key)
        core = cast(FieldAppCore, PhoneCore(data.store, data.blobs))
        holder: list[SubjectListViewModel] = []

        def open_list() -> None:
            holder[:] = [SubjectListViewModel(core)]

        first_wall, first_cpu, wall, cpu = timed(open_list, repeat)
        listed = holder[0]
        overdue = listed.overdue_count
        median = statistics.median(wall)
        work = statistics.median(cpu)
        rows = [
            Row(
                f"open the Subjects screen: {len(listed.rows)} subjects, {count - subjects:,} "
                "visits and events on the phone (median)",
                f"CPU {work:.1f} ms (wall {median:.1f} ms, worst {max(wall):.1f} ms)",
                f"≤ {TARGET_MS:.0f} ms",
                work <= TARGET_MS,
            ),
            Row(
                "  the first time after an unlock",
                f"CPU {first_cpu:.1f} ms (wall {first_wall:.1f} ms)",
                f"≤ {TARGET_MS:.0f} ms",
                first_cpu <= TARGET_MS,
            ),
        ]
        notes.append(f"{overdue} of {len(listed.rows)} subjects overdue today")
        subject = listed.rows[len(listed.rows) // 2].id
        _, _, wall, cpu = timed(lambda: SubjectDetailViewModel(core, subject), repeat)
        work = statistics.median(cpu)
        rows.append(
            Row(
                "open a subject's page (two years of history, median)",
                f"CPU {work:.1f} ms (wall {statistics.median(wall):.1f} ms)",
                f"≤ {TARGET_MS:.0f} ms",
                work <= TARGET_MS,
            )
        )
        data.store.engine.dispose()
    return rows, notes


def table(rows: list[Row]) -> str:
    header = ("metric", "measured", "target", "")
    cells = [header] + [
        (r.metric, r.measured, r.target, "" if r.ok is None else ("PASS" if r.ok else "MISS"))
        for r in rows
    ]
    widths = [max(len(cell[i]) for cell in cells) for i in range(4)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True)) for cell in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="100 subjects, a smoke test")
    parser.add_argument("--subjects", type=int, default=500)
    parser.add_argument("--days", type=int, default=730, help="days of history per subject")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    subjects, repeat = (100, 3) if args.quick else (args.subjects, args.repeat)
    rows, notes = measure(subjects, args.days, repeat)
    print(table(rows))
    print(f"  load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs: verdicts on CPU time")
    for note in notes:
        print(f"  {note}")
    raise SystemExit(0 if all(row.ok is not False for row in rows) else 1)


if __name__ == "__main__":
    main()
