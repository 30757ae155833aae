"""The print buttons of a subject's timeline are one component, the same on
the officer's phone and the desk: *Print* on an announcement's record,
*Release certificate* on the release, each calling what it is given."""

from datetime import date
from types import SimpleNamespace
from typing import Any, cast
from uuid import uuid4

import flet as ft

from field_app.i18n import msg
from field_app.viewmodels.timeline import TimelineLine
from field_app.views.context import ViewContext
from field_app.views.timeline_cards import print_buttons
from shared_models.domain.event_content import EventKind

CTX = cast(ViewContext, SimpleNamespace(t=lambda key, **_: key))


def _line(kind: EventKind, printable: bool) -> TimelineLine:
    return TimelineLine(
        id=uuid4(),
        day=date(2026, 11, 28),
        kind=msg("corr.timeline.print"),
        summary=(),
        detail="",
        event_kind=kind,
        printable=printable,
    )


def _shown(buttons: list[ft.Control]) -> list[tuple[str | None, Any, Any]]:
    shown = []
    for button in buttons:
        assert isinstance(button, ft.Semantics)
        inner = button.content
        assert isinstance(inner, ft.OutlinedButton)
        shown.append((button.identifier, inner.content, inner.on_click))
    return shown


def announcement(_: object) -> None: ...


def certificate(_: object) -> None: ...


def test_an_announcement_prints_its_record_and_a_release_its_certificate_too() -> None:
    entry = _line(EventKind.ENTRY_ANNOUNCEMENT, printable=True)
    release = _line(EventKind.RELEASE_ANNOUNCEMENT, printable=True)
    talk = _line(EventKind.CONVERSATION, printable=False)

    assert _shown(print_buttons(CTX, entry, announcement, certificate)) == [
        ("print-announcement", "corr.timeline.print", announcement)
    ]
    assert _shown(print_buttons(CTX, release, announcement, certificate, prefix="desk-")) == [
        ("desk-print-announcement", "corr.timeline.print", announcement),
        ("desk-print-certificate", "corr.timeline.certificate", certificate),
    ]
    assert print_buttons(CTX, talk, announcement, certificate) == []
