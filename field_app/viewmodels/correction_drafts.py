"""Unfinished correction forms on Home: an enrolment (``enrol:new``) or a
subject's record (``event:<subject>:<kind>[:<request>]``), named so the
officer knows which, and the screen that continues it."""

from uuid import UUID

from field_app.core import FieldAppCore
from field_app.i18n import Msg, msg
from field_app.services.subjects import subject_of
from field_app.viewmodels.enrolment import ENROL_DRAFT
from field_app.viewmodels.nav import Route, Screen
from shared_models.domain.event_content import EventKind


def correction_draft(core: FieldAppCore, key: str) -> tuple[Msg, Route] | None:
    """What the draft ``key`` is and where it continues; ``None`` when it is
    not a correction form (or names what the phone no longer holds)."""
    if key == ENROL_DRAFT:
        return msg("screen.enrol"), Route(Screen.ENROL)
    kind, _, rest = key.partition(":")
    if kind != "event":
        return None
    subject, _, more = rest.partition(":")
    event_kind, _, request = more.partition(":")
    try:
        subject_id, what = UUID(subject), EventKind(event_kind)
    except ValueError:
        return None
    found = subject_of(core.store, subject_id)
    if found is None:
        return None
    params = {"subject": subject, "kind": what.value, **({"request": request} if request else {})}
    name = msg("corr.draft.event", what=msg(f"corr.kind.{what.value}"), name=found.name)
    return name, Route.to(Screen.EVENT_NEW, **params)
