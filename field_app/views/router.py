"""Which view shows which route."""

from typing import Any

from field_app.viewmodels.nav import Route, Screen
from field_app.views.admin_sections import admin_view
from field_app.views.agreement_form import AgreementFormView
from field_app.views.agreements import AgreementView
from field_app.views.cases import CaseDetailView, CaseListView
from field_app.views.context import ViewContext
from field_app.views.correction import CorrectionView
from field_app.views.enrolment import EnrolmentView
from field_app.views.event_form import EventFormView
from field_app.views.home import HomeView
from field_app.views.intake import IntakeView
from field_app.views.screen import ScreenView
from field_app.views.settings import SettingsView
from field_app.views.signature_pad import SignatureView
from field_app.views.step_form import StepFormView
from field_app.views.subject_page import SubjectDetailView
from field_app.views.subjects import SubjectListView
from field_app.views.supervision_approvals import ApprovalsView, DeskSubjectView
from field_app.views.supervision_conflicts import ConflictsView
from field_app.views.supervision_dashboard import DashboardView
from field_app.views.supervision_devices import DevicesView
from field_app.views.supervision_review import ReviewQueueView
from field_app.views.visit import CheckinView, VisitView

_VIEWS: dict[Screen, type[ScreenView]] = {
    Screen.HOME: HomeView,
    Screen.CASES: CaseListView,
    Screen.CASE: CaseDetailView,
    Screen.CASE_NEW: IntakeView,
    Screen.CASE_EDIT: StepFormView,
    Screen.PARTY_EDIT: StepFormView,
    Screen.CASE_STEP: StepFormView,
    Screen.VISIT_NEW: VisitView,
    Screen.AGREEMENT_EDIT: AgreementFormView,
    Screen.AGREEMENT: AgreementView,
    Screen.AGREEMENT_SIGN: SignatureView,
    Screen.SUBJECTS: SubjectListView,
    Screen.SUBJECT: SubjectDetailView,
    Screen.CHECKIN: CheckinView,
    Screen.SETTINGS: SettingsView,
    Screen.REVIEW: ReviewQueueView,
    Screen.CONFLICTS: ConflictsView,
    Screen.DASHBOARD: DashboardView,
    Screen.DEVICES: DevicesView,
    Screen.CORRECTION: CorrectionView,
    Screen.ENROL: EnrolmentView,
    Screen.EVENT_NEW: EventFormView,
    Screen.APPROVALS: ApprovalsView,
    Screen.DESK_SUBJECT: DeskSubjectView,
}


def make_screen(ctx: ViewContext, route: Route, vm: Any) -> ScreenView:
    if route.screen is Screen.ADMIN:
        return admin_view(ctx, vm)
    return _VIEWS[route.screen](ctx, vm)
