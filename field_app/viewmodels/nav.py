"""Where the user is: a tab and a stack of screens above it.

Routes are values (a screen name and its parameters), so navigation is
tested without a page, and a draft can name the screen that resumes it.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from shared_models.domain.org import Role


class Screen(StrEnum):
    HOME = "home"
    CASES = "cases"
    CASE = "case"
    CASE_NEW = "case_new"
    CASE_EDIT = "case_edit"
    PARTY_EDIT = "party_edit"
    CASE_STEP = "case_step"
    VISIT_NEW = "visit_new"
    AGREEMENT_EDIT = "agreement_edit"
    AGREEMENT = "agreement"
    AGREEMENT_SIGN = "agreement_sign"
    SUBJECTS = "subjects"
    SUBJECT = "subject"
    CHECKIN = "checkin"
    ENROL = "enrol"
    EVENT_NEW = "event_new"
    SETTINGS = "settings"
    CORRECTION = "correction"
    REVIEW = "review"
    CONFLICTS = "conflicts"
    DASHBOARD = "dashboard"
    DEVICES = "devices"
    ADMIN = "admin"
    APPROVALS = "approvals"
    DESK_SUBJECT = "desk_subject"


@dataclass(frozen=True)
class Route:
    screen: Screen
    params: tuple[tuple[str, str], ...] = ()

    @classmethod
    def to(cls, screen: Screen, **params: str) -> "Route":
        return cls(screen, tuple(sorted(params.items())))

    def get(self, name: str, default: str = "") -> str:
        return dict(self.params).get(name, default)


SUPERVISING = (Role.SUPERVISOR, Role.ADMIN)


def tabs_for(role: Role | None, district: bool = False) -> list[Screen]:
    """Mediators work on cases, officers on subjects. Supervisors and admins
    work at a desk: the review queue first, the correction requests waiting
    for their decision, then conflicts, the dashboard and both lists;
    admins and district supervisors also look after devices; all of them
    have the admin section (people, the org tree, transfers, imports: what
    each may do there is the section's business)."""
    if role in SUPERVISING:
        desk = [
            Screen.REVIEW,
            Screen.APPROVALS,
            Screen.CONFLICTS,
            Screen.DASHBOARD,
            Screen.CASES,
            Screen.SUBJECTS,
        ]
        if role is Role.ADMIN or district:
            desk.append(Screen.DEVICES)
        return [*desk, Screen.ADMIN, Screen.SETTINGS]
    tabs = [Screen.HOME]
    if role in (Role.MEDIATOR, None):
        tabs.append(Screen.CASES)
    if role is Role.OFFICER:
        tabs.append(Screen.SUBJECTS)
    tabs.append(Screen.SETTINGS)
    return tabs


@dataclass
class Navigator:
    """A stack of routes; its bottom is always a tab's root."""

    stack: list[Route] = field(default_factory=lambda: [Route(Screen.HOME)])
    listeners: list[Callable[[], None]] = field(default_factory=list)

    @property
    def current(self) -> Route:
        return self.stack[-1]

    @property
    def tab(self) -> Screen:
        return self.stack[0].screen

    @property
    def can_go_back(self) -> bool:
        return len(self.stack) > 1

    def go_tab(self, tab: Screen) -> None:
        self.stack = [Route(tab)]
        self._changed()

    def push(self, route: Route) -> None:
        if route != self.current:
            self.stack.append(route)
            self._changed()

    def replace(self, route: Route) -> None:
        """Swap the top screen (a saved form becomes the record it created)."""
        self.stack[-1] = route
        self._changed()

    def back(self) -> None:
        if self.can_go_back:
            self.stack.pop()
            self._changed()

    def _changed(self) -> None:
        for listener in list(self.listeners):
            listener()
