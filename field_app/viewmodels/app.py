"""The app as a whole: which gate the user is at (sign in, choose a PIN,
unlock, sign in again) or, once in, which tab and screen; the sync status
line; locking and signing out.

``screen_model`` builds the view-model of a route, so a test walks the
same navigation the screens do.
"""

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from field_app.core import FieldAppCore
from field_app.i18n import Translator
from field_app.services.session import SessionState
from field_app.sync.status import SyncStatus
from field_app.viewmodels.access import LoginForm, PasswordForm, PinForm, PinMode
from field_app.viewmodels.admin_sections import admin_section_model
from field_app.viewmodels.agreement_form import AgreementFormViewModel
from field_app.viewmodels.agreements import AgreementViewModel, SignatureViewModel
from field_app.viewmodels.approvals import ApprovalsViewModel, DeskTimelineViewModel
from field_app.viewmodels.base import Observable
from field_app.viewmodels.case_edit import CaseEditViewModel, PartyFormViewModel
from field_app.viewmodels.case_step_form import CaseStepFormViewModel
from field_app.viewmodels.cases import CaseDetailViewModel, CaseListViewModel
from field_app.viewmodels.correction import CorrectionViewModel
from field_app.viewmodels.enrolment import EnrolmentViewModel
from field_app.viewmodels.event_form import EventFormViewModel
from field_app.viewmodels.home import HomeViewModel
from field_app.viewmodels.intake import CaseIntakeViewModel
from field_app.viewmodels.nav import SUPERVISING, Navigator, Route, Screen, tabs_for
from field_app.viewmodels.settings import SettingsViewModel
from field_app.viewmodels.status import StatusLine, present_status
from field_app.viewmodels.subject_page import SubjectDetailViewModel
from field_app.viewmodels.subjects import SubjectListViewModel
from field_app.viewmodels.supervision import sits_at_district
from field_app.viewmodels.supervision_conflicts import ConflictsViewModel
from field_app.viewmodels.supervision_dashboard import DashboardViewModel
from field_app.viewmodels.supervision_devices import DevicesViewModel
from field_app.viewmodels.supervision_review import ReviewQueueViewModel
from field_app.viewmodels.visits import CheckinViewModel, VisitFormViewModel
from shared_models.domain.case_forms import CaseDocumentKind
from shared_models.domain.event_content import EventKind
from shared_models.domain.visits import VisitKind


class Gate(StrEnum):
    SIGN_IN = "sign_in"
    CHOOSE_PIN = "choose_pin"
    UNLOCK = "unlock"
    SIGN_IN_AGAIN = "sign_in_again"
    CHANGE_PASSWORD = "change_password"  # noqa: S105 (a state, not a secret)
    INSIDE = "inside"


_GATES = {
    SessionState.SIGNED_OUT: Gate.SIGN_IN,
    SessionState.CHOOSE_PIN: Gate.CHOOSE_PIN,
    SessionState.LOCKED: Gate.UNLOCK,
    SessionState.NEEDS_LOGIN: Gate.SIGN_IN_AGAIN,
    SessionState.CHANGE_PASSWORD: Gate.CHANGE_PASSWORD,
    SessionState.READY: Gate.INSIDE,
}


class AppViewModel(Observable):
    def __init__(self, core: FieldAppCore, translator: Translator) -> None:
        super().__init__()
        self.core = core
        self.translator = translator
        self.nav = Navigator()
        self.nav.listeners.append(self._navigated)
        self.gate = _GATES[core.state]
        if self.gate is Gate.INSIDE:
            self.nav.stack = [Route(self.tabs[0])]
        self._gate_form: LoginForm | PinForm | PasswordForm | None = None
        self._screen: tuple[Route, object] | None = None

    def _navigated(self) -> None:
        if self._screen is not None and self._screen[0] != self.nav.current:
            self._screen = None
        self.notify()

    # -- gates ------------------------------------------------------------------------

    def refresh_gate(self) -> bool:
        """Re-read the session state; ``True`` when the gate changed."""
        gate = _GATES[self.core.state]
        if gate == self.gate:
            return False
        if gate is Gate.INSIDE and self.gate is not Gate.INSIDE:
            # The first tab: Home in the field, the review queue at a desk.
            self.nav.stack = [Route(self.tabs[0])]
        self.gate = gate
        self._gate_form = None
        self._screen = None
        self.notify()
        return True

    def login_form(self) -> LoginForm:
        """The same form until the gate changes (a re-render keeps what was typed)."""
        if not isinstance(self._gate_form, LoginForm):
            self._gate_form = LoginForm(self.core)
        return self._gate_form

    def password_form(self) -> PasswordForm:
        if not isinstance(self._gate_form, PasswordForm):
            self._gate_form = PasswordForm(self.core, self.core.password_change_username)
        return self._gate_form

    def pin_form(self) -> PinForm:
        if not isinstance(self._gate_form, PinForm):
            mode = PinMode.CHOOSE if self.gate is Gate.CHOOSE_PIN else PinMode.UNLOCK
            self._gate_form = PinForm(self.core, mode)
        return self._gate_form

    def check_idle(self) -> bool:
        """Called by a timer: locks after idle time; ``True`` if the gate changed."""
        if self.gate is Gate.INSIDE and self.core.check_idle():
            return self.refresh_gate()
        return False

    def lock(self) -> None:
        self.core.lock()
        self.refresh_gate()

    def logout(self, erase: bool = False) -> None:
        """Blocking (tells the server, when it can be reached)."""
        self.core.logout(erase=erase)
        self.refresh_gate()

    # -- inside -----------------------------------------------------------------------

    @property
    def tabs(self) -> list[Screen]:
        role = self.core.role
        return tabs_for(role, role in SUPERVISING and sits_at_district(self.core))

    def status_line(
        self, status: SyncStatus | None = None, now: datetime | None = None
    ) -> StatusLine:
        return present_status(
            status or self.core.status, now or self.core.wall_clock(), self.core.zone
        )

    def screen_model(self, route: Route) -> object:
        """The view-model of ``route``: the same one while the route stays on
        screen (re-rendering for a language or a rotation keeps its state),
        a fresh one (fresh data) when the user comes to it again."""
        if self._screen is not None and self._screen[0] == route:
            return self._screen[1]
        model = self._build(route)
        self._screen = (route, model)
        return model

    def _build(self, route: Route) -> object:
        core = self.core
        screen = route.screen
        if screen is Screen.HOME:
            return HomeViewModel(core)
        if screen is Screen.CASES:
            return CaseListViewModel(core)
        if screen is Screen.CASE:
            return CaseDetailViewModel(core, UUID(route.get("id")))
        if screen is Screen.CASE_NEW:
            return CaseIntakeViewModel(core)
        if screen is Screen.CASE_EDIT:
            return CaseEditViewModel(core, UUID(route.get("id")))
        if screen is Screen.PARTY_EDIT:
            party = route.get("party")
            return PartyFormViewModel(core, UUID(route.get("case")), UUID(party) if party else None)
        if screen is Screen.CASE_STEP:
            party = route.get("party")
            return CaseStepFormViewModel(
                core,
                UUID(route.get("case")),
                CaseDocumentKind(route.get("kind")),
                UUID(party) if party else None,
            )
        if screen is Screen.VISIT_NEW:
            kind = VisitKind(route.get("kind", VisitKind.MEDIATION_SESSION.value))
            return VisitFormViewModel(core, UUID(route.get("case")), kind)
        if screen is Screen.AGREEMENT_EDIT:
            existing, corrected = route.get("id"), route.get("supersedes")
            return AgreementFormViewModel(
                core,
                UUID(route.get("case")),
                UUID(existing) if existing else None,
                UUID(corrected) if corrected else None,
            )
        if screen is Screen.AGREEMENT:
            return AgreementViewModel(core, UUID(route.get("id")))
        if screen is Screen.AGREEMENT_SIGN:
            return SignatureViewModel(core, UUID(route.get("id")), int(route.get("signer")))
        if screen is Screen.SUBJECTS:
            return SubjectListViewModel(core)
        if screen is Screen.SUBJECT:
            return SubjectDetailViewModel(core, UUID(route.get("id")))
        if screen is Screen.CHECKIN:
            return CheckinViewModel(core, UUID(route.get("subject")))
        if screen is Screen.ENROL:
            return EnrolmentViewModel(core)
        if screen is Screen.EVENT_NEW:
            request = route.get("request")
            return EventFormViewModel(
                core,
                UUID(route.get("subject")),
                EventKind(route.get("kind")),
                UUID(request) if request else None,
            )
        if screen is Screen.APPROVALS:
            return ApprovalsViewModel(core)
        if screen is Screen.DESK_SUBJECT:
            return DeskTimelineViewModel(core, UUID(route.get("id")))
        if screen is Screen.CORRECTION:
            return CorrectionViewModel(core, UUID(route.get("mutation")))
        if screen is Screen.REVIEW:
            return ReviewQueueViewModel(core)
        if screen is Screen.CONFLICTS:
            return ConflictsViewModel(core)
        if screen is Screen.DASHBOARD:
            return DashboardViewModel(core)
        if screen is Screen.DEVICES:
            return DevicesViewModel(core)
        if screen is Screen.ADMIN:
            return admin_section_model(core, route.get("section"))
        return SettingsViewModel(core, self.translator)
