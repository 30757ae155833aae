"""The little a view needs from every view-model: to hear that it changed,
to save once however often it is tapped, and to show what went wrong in
words the user can act on."""

import functools
import threading
from collections.abc import Callable, Hashable
from typing import Concatenate, ParamSpec, TypeVar, overload

from field_app.errors import Offline, RequestRejected, SaveRejectedError, SyncError
from field_app.i18n import Msg, msg


class Observable:
    """Listeners are called after every change the screen should show."""

    def __init__(self) -> None:
        self._listeners: list[Callable[[], None]] = []

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def notify(self) -> None:
        for listener in list(self._listeners):
            listener()


class SaveGuard:
    """What a view-model's saving actions have done: one runs at a time, and
    one that succeeded is not done again.

    A person taps twice when the first tap seems not to work, and a web
    client can deliver both taps: the second must neither save a second
    record (a second case, a second visit) nor act on whatever the first
    one left on screen. Views run saves off the UI thread, so two taps can
    also mean two calls at once."""

    def __init__(self) -> None:
        self._running = threading.Lock()
        self._done: set[Hashable] = set()

    @property
    def busy(self) -> bool:
        """An action is running (what a view shows as a spinner)."""
        return self._running.locked()

    def run(self, key: Hashable, action: Callable[[], bool]) -> bool:
        """``action()`` unless one is running or ``key`` already succeeded;
        ``False`` (nothing done, nothing to say) then."""
        if key in self._done or not self._running.acquire(blocking=False):
            return False
        try:
            done = action()
            if done:
                self._done.add(key)
            return done
        finally:
            self._running.release()

    def reopen(self) -> None:
        """The input changed: what succeeded may be asked for again (a second
        PIN change later on the same settings screen)."""
        self._done.clear()


S = TypeVar("S", bound="Saving")
P = ParamSpec("P")
Action = Callable[Concatenate[S, P], bool]


class Saving(Observable):
    """A view-model with actions that write (save, seal, sign, submit)."""

    def __init__(self) -> None:
        super().__init__()
        self.saves = SaveGuard()

    @property
    def busy(self) -> bool:
        return self.saves.busy


@overload
def saves_once(action: Action[S, P], /) -> Action[S, P]: ...
@overload
def saves_once(*, key: str) -> Callable[[Action[S, P]], Action[S, P]]: ...
def saves_once(
    action: Action[S, P] | None = None, /, *, key: str | None = None
) -> Action[S, P] | Callable[[Action[S, P]], Action[S, P]]:
    """The one rule for every action that writes: the same action with the
    same arguments (or, with ``key``, any action of that key: a signature
    drawn or a fingerprint given) is done once, and never two at a time
    (``SaveGuard``). An ignored call returns ``False`` and changes nothing,
    so the view of the second tap does nothing either. The view-model's
    listeners hear when the action ends (a view hides its spinner)."""

    def wrap(act: Action[S, P]) -> Action[S, P]:
        def guarded(self: S, /, *args: P.args, **kwargs: P.kwargs) -> bool:
            what: Hashable = key if key is not None else (act.__name__, args, *kwargs.items())
            ran = False

            def run() -> bool:
                nonlocal ran
                ran = True
                return act(self, *args, **kwargs)

            done = self.saves.run(what, run)
            if ran:
                self.notify()
            return done

        functools.update_wrapper(guarded, act)
        return guarded

    return wrap if action is None else wrap(action)


FIELD_LABELS: dict[str, str] = {
    "title": "field.title",
    "category": "field.category",
    "source": "field.source",
    "description": "field.description",
    "org_unit_id": "field.unit",
    "name": "field.name",
    "phone": "field.phone",
    "id_number": "field.id_number",
    "address": "field.address",
    "role": "field.role",
    "notes": "field.notes",
    "outcome": "field.outcome",
    "lat": "field.location",
    "lon": "field.location",
    "accuracy_m": "field.location",
    "started_at": "field.when",
    "ended_at": "field.when",
    "closed_at": "field.when",
    "signatures": "field.signatures",
}


def field_name(path: str | None) -> str | None:
    """``parties.1.phone`` → ``phone``: the part a label exists for."""
    if not path:
        return None
    return path.rsplit(".", 1)[-1]


def rejected_message(error: SaveRejectedError) -> Msg:
    """ "Check <field>: <why>" — the why is the service's own (short, English)
    explanation, the field label is translated so the user knows where to look."""
    name = field_name(error.field)
    label = FIELD_LABELS.get(name or "")
    if label is None:
        return msg("error.check_form", detail=error.message)
    return msg("error.check_field", field=msg(label), detail=error.message)


def sync_error_message(error: SyncError) -> Msg:
    """A failed online action (sign-in), said as what to do next."""
    if isinstance(error, Offline):
        return msg("error.offline")
    if isinstance(error, RequestRejected):
        return msg("error.server_refused", detail=error.message)
    return msg("error.server_failed")
