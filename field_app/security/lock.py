"""Locking the app after idle time. The clock is injected so tests (and a
device whose clock is wrong) behave predictably: only elapsed monotonic time
counts, never the wall clock."""

import time
from collections.abc import Callable


class IdleLock:
    def __init__(self, idle_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.idle_seconds = idle_seconds
        self._clock = clock
        self._last_activity: float | None = None

    @property
    def locked(self) -> bool:
        if self._last_activity is None:
            return True
        if self._clock() - self._last_activity >= self.idle_seconds:
            self._last_activity = None
        return self._last_activity is None

    def unlocked(self) -> None:
        """The user just entered the right PIN."""
        self._last_activity = self._clock()

    def touch(self) -> None:
        """The user did something: the idle period starts again (if unlocked)."""
        if not self.locked:
            self._last_activity = self._clock()

    def lock(self) -> None:
        self._last_activity = None
