"""What the status bar says in each sync state (pure: no store, no page)."""

from datetime import UTC, datetime, timedelta

import pytest

from field_app.sync.status import Attention, SyncPhase, SyncState, SyncStatus
from field_app.viewmodels.status import Tone, present_status
from tests.field_app.words import say

NOW = datetime(2026, 11, 28, 14, 30, tzinfo=UTC)


def line(status: SyncStatus) -> tuple[str, Tone, str, str, str]:
    shown = present_status(status, NOW, UTC)
    return (say(shown.text), shown.tone, say(shown.waiting), say(shown.attention), say(shown.hint))


def test_up_to_date_says_when_today_and_on_another_day() -> None:
    today = SyncStatus(SyncState.UP_TO_DATE, at=NOW - timedelta(minutes=5))
    assert line(today) == ("Up to date at today 14:25", Tone.OK, "", "", "")
    earlier = SyncStatus(SyncState.UP_TO_DATE, at=NOW - timedelta(days=2))
    assert say(present_status(earlier, NOW, UTC).text) == "Up to date at 2026-11-26 14:30"


def test_waiting_and_attention_counts_are_shown_and_turn_the_tone() -> None:
    status = SyncStatus(
        SyncState.UP_TO_DATE, at=NOW, attention=Attention(waiting=3, rejected=1, reviews=1)
    )
    assert line(status) == (
        "Up to date at today 14:30",
        Tone.WARN,
        "3 waiting",
        "2 need attention",
        "",
    )


def test_offline_keeps_the_waiting_count_and_says_what_happens_next() -> None:
    text, tone, waiting, _, hint = line(
        SyncStatus(SyncState.OFFLINE, attention=Attention(waiting=2))
    )
    assert (text, tone, waiting) == ("Offline", Tone.WARN, "2 waiting")
    assert "sent when the server can be reached" in hint


@pytest.mark.parametrize(
    ("phase", "done", "total", "text", "progress"),
    [
        (SyncPhase.PUSH, 2, 8, "Sending 2/8", 0.25),
        (SyncPhase.UPLOAD, 1, 2, "Uploading photos 1/2", 0.5),
        (SyncPhase.PULL, 1500, 2500, "Receiving 1500…", None),
    ],
)
def test_syncing_shows_progress(
    phase: SyncPhase, done: int, total: int, text: str, progress: float | None
) -> None:
    shown = present_status(
        SyncStatus(SyncState.SYNCING, phase=phase, done=done, total=total), NOW, UTC
    )
    assert (say(shown.text), shown.tone, shown.busy, shown.progress) == (
        text,
        Tone.BUSY,
        True,
        progress,
    )


def test_a_round_starting_is_busy_without_a_number() -> None:
    shown = present_status(SyncStatus(SyncState.SYNCING), NOW, UTC)
    assert (say(shown.text), shown.busy, shown.progress) == ("Syncing…", True, None)


@pytest.mark.parametrize(
    ("state", "text", "tone", "hint"),
    [
        (SyncState.NEVER_SYNCED, "Not synced yet", Tone.WARN, "tap sync"),
        (SyncState.FAILED, "Sync failed", Tone.ERROR, "tries again by itself"),
        (SyncState.NEEDS_LOGIN, "Sign in again to sync", Tone.ERROR, "Nothing is lost"),
        (SyncState.UPDATE_REQUIRED, "Update the app to sync", Tone.ERROR, "new app version"),
    ],
)
def test_every_other_state_says_what_to_do(
    state: SyncState, text: str, tone: Tone, hint: str
) -> None:
    shown_text, shown_tone, _, _, shown_hint = line(SyncStatus(state))
    assert (shown_text, shown_tone) == (text, tone)
    assert hint in shown_hint
