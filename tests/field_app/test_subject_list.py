"""The officer's fast subject list says what the correction rules say when
they read each subject's whole history: the same items due, on the same
days, for every subject (``services/subject_list.py`` against
``services/correction_reading.due_list``, which feeds the shared
``history_of`` every event and visit)."""

import os
import random
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bench.subject_list_bench import NOW, TODAY, event_record, history, pages
from field_app.security.aead import DataKeyCipher
from field_app.services.correction_reading import due_list
from field_app.services.session import OpenData, open_local_data
from field_app.services.subject_list import subject_listing
from shared_models.correction.settings import DEFAULT_SETTINGS, CorrectionSettings
from shared_models.district_time import DEFAULT_ZONE
from shared_models.protocol.tables import TableName


def away(records: list[tuple[TableName, dict[str, Any]]]) -> Iterator[tuple[TableName, Any]]:
    """Three subjects left on an approved leave and are not back: one due
    back in two days, two overdue."""
    rng = random.Random(5)
    subjects = [record["id"] for table, record in records if table is TableName.SUBJECTS][:3]
    for days, subject in zip((2, -1, -6), subjects, strict=True):
        leave = uuid.uuid4()
        end = TODAY + timedelta(days=days)
        start = end - timedelta(days=5)  # six days: the office decides alone
        request = {
            "kind": "leave_request",
            "start": start.isoformat(),
            "end": end.isoformat(),
            "destination": "省城",
            "reason": "family",
            "guarantor": "家属",
        }
        decision = {
            "kind": "decision",
            "outcome": "approved",
            "level": "office",
            "decided_by": str(uuid.UUID(int=2)),
        }
        subject_id = uuid.UUID(subject)
        yield event_record(rng, subject_id, start, request, event_id=leave)
        yield event_record(rng, subject_id, start, decision, request=leave)
        yield event_record(rng, subject_id, start, {"kind": "leave_departure"}, request=leave)


@pytest.fixture(scope="module")
def phone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenData]:
    """A phone holding 40 subjects with a year of history each."""
    data = open_local_data(tmp_path_factory.mktemp("phone"), DataKeyCipher(os.urandom(32)))
    records = list(history(40, 365, seed=11))
    for number, page in enumerate(pages(iter([*records, *away(records)]))):
        data.store.pulled.apply_page(page, cursor=f"page-{number}")
    yield data
    data.store.engine.dispose()


@pytest.mark.parametrize("days_later", [0, 3, 20, 45])
@pytest.mark.parametrize(
    "settings",
    [
        DEFAULT_SETTINGS,
        CorrectionSettings.model_validate({"strict": {"checkin_days": 3, "visit_days": 10}}),
    ],
)
def test_the_fast_list_and_the_whole_history_agree(
    phone: OpenData, days_later: int, settings: CorrectionSettings
) -> None:
    now = (NOW + timedelta(days=days_later)).astimezone(DEFAULT_ZONE)
    fast = {row.id: list(row.due) for row in subject_listing(phone.store, now, settings)}
    whole = {row.subject.id: row.due for row in due_list(phone.store, settings, now)}

    assert fast == whole
    assert any(items for items in fast.values())
    back = [item for items in fast.values() for item in items if item.kind.value == "leave_return"]
    assert len(back) == 3


def test_the_list_is_sorted_overdue_first_and_filters_by_officer(phone: OpenData) -> None:
    now = NOW.astimezone(DEFAULT_ZONE)
    rows = subject_listing(phone.store, now, DEFAULT_SETTINGS)
    overdue = [row.overdue for row in rows]

    assert overdue == sorted(overdue, reverse=True)
    assert len(rows) == 40
    assert subject_listing(phone.store, now, DEFAULT_SETTINGS, officer_id=rows[0].id) == []


def test_now_must_carry_the_district_zone(phone: OpenData, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="time zone"):
        subject_listing(phone.store, NOW.replace(tzinfo=None), DEFAULT_SETTINGS)
