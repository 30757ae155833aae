"""The sync status line that every screen shows: is my work reaching the
district, and is anything of mine stuck?

One pure function from the engine's ``SyncStatus`` to what is shown, so each
state's wording and tone are tested without a screen.
"""

from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import StrEnum

from field_app.i18n import Msg, msg
from field_app.sync.status import SyncPhase, SyncState, SyncStatus
from shared_models.district_time import district_day, wall_clock


class Tone(StrEnum):
    OK = "ok"
    BUSY = "busy"
    WARN = "warn"
    ERROR = "error"


@dataclass(frozen=True)
class StatusLine:
    text: Msg
    tone: Tone
    progress: float | None = None
    """0..1 while a step with a known size runs; ``None`` otherwise."""
    busy: bool = False
    waiting: Msg | None = None
    """"3 waiting" when changes have not reached the server yet."""
    attention: Msg | None = None
    """"2 need attention" when the user must act (rejected, sent back, conflict)."""
    hint: Msg | None = None
    """What to do about it, when something is wrong."""


_PHASES = {
    SyncPhase.PUSH: "sync.sending",
    SyncPhase.UPLOAD: "sync.uploading",
    SyncPhase.PULL: "sync.receiving",
}


def when_text(at: datetime, now: datetime, zone: tzinfo) -> Msg:
    """ "14:05" today, "11-28 14:05" on another day (on the district's clock)."""
    local = wall_clock(at, zone)
    today = district_day(now, zone)
    clock = local.strftime("%H:%M")
    if local.date() == today:
        return msg("time.today", time=clock)
    return msg("time.other_day", day=local.date(), time=clock)


def present_status(status: SyncStatus, now: datetime, zone: tzinfo) -> StatusLine:
    """What the status bar says for ``status``."""
    waiting = msg("sync.waiting", count=status.waiting) if status.waiting else None
    attention = (
        msg("sync.attention", count=status.needs_attention) if status.needs_attention else None
    )
    state = status.state
    if state is SyncState.SYNCING:
        key = _PHASES.get(status.phase) if status.phase else None
        if key is None:
            return StatusLine(msg("sync.starting"), Tone.BUSY, busy=True, attention=attention)
        progress = None
        if status.total and status.phase is not SyncPhase.PULL:
            progress = min(1.0, status.done / status.total)
        text = msg(key, done=status.done, total=status.total)
        if status.phase is SyncPhase.PULL or not status.total:
            text = msg(f"{key}.count", done=status.done)
        return StatusLine(text, Tone.BUSY, progress, True, waiting, attention)
    if state is SyncState.UP_TO_DATE:
        at = status.at
        text = msg("sync.up_to_date_at", when=when_text(at, now, zone)) if at else msg("sync.ok")
        tone = Tone.WARN if waiting or attention else Tone.OK
        return StatusLine(text, tone, waiting=waiting, attention=attention)
    if state is SyncState.NEVER_SYNCED:
        return StatusLine(
            msg("sync.never"),
            Tone.WARN,
            waiting=waiting,
            attention=attention,
            hint=msg("sync.hint.never"),
        )
    if state is SyncState.OFFLINE:
        return StatusLine(
            msg("sync.offline"),
            Tone.WARN,
            waiting=waiting,
            attention=attention,
            hint=msg("sync.hint.offline"),
        )
    if state is SyncState.FAILED:
        return StatusLine(
            msg("sync.failed"),
            Tone.ERROR,
            waiting=waiting,
            attention=attention,
            hint=msg("sync.hint.failed"),
        )
    if state is SyncState.NEEDS_LOGIN:
        return StatusLine(
            msg("sync.needs_login"),
            Tone.ERROR,
            waiting=waiting,
            attention=attention,
            hint=msg("sync.hint.needs_login"),
        )
    return StatusLine(
        msg("sync.update_required"),
        Tone.ERROR,
        waiting=waiting,
        attention=attention,
        hint=msg("sync.hint.update"),
    )
