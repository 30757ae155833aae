"""Which view shows which route."""

from typing import Any

from field_app.viewmodels.nav import Route, Screen
from field_app.views.cases import CaseDetailView, CaseListView
from field_app.views.context import ViewContext
from field_app.views.home import HomeView
from field_app.views.intake import IntakeView
from field_app.views.screen import ScreenView
from field_app.views.settings import SettingsView
from field_app.views.subjects import SubjectDetailView, SubjectListView
from field_app.views.visit import CheckinView, VisitView

_VIEWS: dict[Screen, type[ScreenView]] = {
    Screen.HOME: HomeView,
    Screen.CASES: CaseListView,
    Screen.CASE: CaseDetailView,
    Screen.CASE_NEW: IntakeView,
    Screen.VISIT_NEW: VisitView,
    Screen.SUBJECTS: SubjectListView,
    Screen.SUBJECT: SubjectDetailView,
    Screen.CHECKIN: CheckinView,
    Screen.SETTINGS: SettingsView,
}


def make_screen(ctx: ViewContext, route: Route, vm: Any) -> ScreenView:
    return _VIEWS[route.screen](ctx, vm)
