"""Recording a step of a case's life on the phone: the form of that step
(``case_forms_opening.py`` / ``case_forms_outcome.py``) as a step form,
saved at once on the phone (offline or not) through
``services/case_steps.record_step``, which checks the lifecycle rule
(``shared_models/domain/case_lifecycle.py``) before anything is written —
the same rule the server checks again. A refusal is said in words that
tell what to do (the step that is missing, the step that is not allowed).
"""

from collections.abc import Callable
from uuid import UUID

from pydantic import TypeAdapter, ValidationError

from field_app.core import FieldAppCore
from field_app.errors import SaveRejectedError, StepRefusedError
from field_app.i18n import Msg, msg
from field_app.services.agreements import agreement_in_effect
from field_app.services.case_steps import (
    add_document_signature,
    case_documents,
    case_progress,
    record_step,
)
from field_app.services.cases import case_detail
from field_app.services.photos import attach_photo
from field_app.services.signature_images import SignedBy
from field_app.viewmodels import case_forms_opening as opening
from field_app.viewmodels import case_forms_outcome as outcome
from field_app.viewmodels.base import rejected_message
from field_app.viewmodels.case_form_spec import CaseFormSpec, StepContext
from field_app.viewmodels.form_spec import FormInput, FormStep
from field_app.viewmodels.step_form import FORM_DRAFT, StepFormViewModel
from shared_models.domain.agreements import SignatureKind, SignerRole
from shared_models.domain.attachments import AttachmentOwner
from shared_models.domain.case_forms import CaseDocumentKind, CaseForm, OralAgreementForm
from shared_models.domain.case_lifecycle import ProblemKind, StepProblem
from shared_models.problems import first_problem
from shared_models.protocol.errors import ErrorCode

_FORM: TypeAdapter[CaseForm] = TypeAdapter(CaseForm)

FORMS: dict[CaseDocumentKind, Callable[[StepContext], CaseFormSpec]] = {
    CaseDocumentKind.APPLICATION: opening.application,
    CaseDocumentKind.ACCEPTANCE: opening.acceptance,
    CaseDocumentKind.REFUSAL: opening.refusal,
    CaseDocumentKind.REFERRAL_IN: opening.referral_in,
    CaseDocumentKind.RIGHTS_NOTICE: opening.rights_notice,
    CaseDocumentKind.INVESTIGATION: opening.investigation,
    CaseDocumentKind.MEDIATION_SESSION: opening.mediation_session,
    CaseDocumentKind.ORAL_AGREEMENT: outcome.oral_agreement,
    CaseDocumentKind.TERMINATION: outcome.termination,
    CaseDocumentKind.REFERRAL_OUT: outcome.referral_out,
    CaseDocumentKind.JUDICIAL_APPLICATION: outcome.judicial_application,
    CaseDocumentKind.JUDICIAL_RULING: outcome.judicial_ruling,
    CaseDocumentKind.FOLLOW_UP: outcome.follow_up,
    CaseDocumentKind.CLOSING_REPORT: outcome.closing_report,
    CaseDocumentKind.ARCHIVAL: outcome.archival,
}


MISSING = ("parties", "rights_notice", "follow_up", "judicial_application", "agreement_id")


def missing_message(field: str | None) -> Msg:
    """What an earlier step a step waits for, in the user's language."""
    if field in MISSING:
        return msg(f"step.missing.{field}")
    return msg("step.error.missing", detail=field or "")


def problem_message(problem: StepProblem) -> Msg:
    """Why a step the case page lists cannot be taken yet."""
    if problem.kind is ProblemKind.MISSING:
        return missing_message(problem.field)
    if problem.kind is ProblemKind.NOT_ALLOWED:
        return msg("step.error.not_allowed")
    return msg("error.check_form", detail=problem.message)


_SERVER_CODES = {
    ErrorCode.LIFECYCLE_STEP_NOT_ALLOWED.value: "step.error.not_allowed",
    ErrorCode.CASE_PARTIES_FIXED.value: "form.error.parties_sealed",
    ErrorCode.CASE_ARCHIVED.value: "step.error.archived",
}


def server_refusal(code: str | None, field: str | None) -> Msg | None:
    """The server's lifecycle refusal of a pushed step, in the user's words
    (``None`` for any other refusal: its own reason says it)."""
    if code == ErrorCode.LIFECYCLE_STEP_MISSING.value:
        return missing_message(field)
    key = _SERVER_CODES.get(code or "")
    return msg(key) if key else None


def refusal_message(refused: SaveRejectedError) -> Msg:
    """A lifecycle refusal said as what to do; any other names its field."""
    if isinstance(refused, StepRefusedError):
        return missing_message(refused.field) if refused.missing else msg("step.error.not_allowed")
    return rejected_message(refused)


class CaseStepFormViewModel(StepFormViewModel):
    """The form of one step of a case (``kind``); ``party_id`` for a
    rights notice, which each party acknowledges on its own."""

    def __init__(
        self,
        core: FieldAppCore,
        case_id: UUID,
        kind: CaseDocumentKind,
        party_id: UUID | None = None,
    ) -> None:
        self.case_id = case_id
        self.kind = kind
        self.context = self._context(core, party_id)
        self.found = self.context is not None
        spec = FORMS[kind](self.context) if self.context else None
        self.spec = spec
        key = f"{FORM_DRAFT}:{kind.value}:{case_id}" + (f":{party_id}" if party_id else "")
        missing = [FormStep("screen.case", note="case.not_found")]
        super().__init__(core, key, spec.steps if spec else missing, spec.initial if spec else {})

    def _context(self, core: FieldAppCore, party_id: UUID | None) -> StepContext | None:
        """What the form starts from; ``None`` when the phone lacks the case
        (or the party a notice is for)."""
        store = core.store
        detail = case_detail(store, self.case_id)
        if detail is None:
            return None
        party = next((p for p in detail.parties if p.id == party_id), None)
        if party_id is not None and party is None:
            return None
        progress = case_progress(store, self.case_id, core.mediation, core.zone)
        agreement_id, obligations, oral = None, [], False
        written = agreement_in_effect(store, self.case_id)
        if written is not None:
            agreement_id, obligations = written.id, list(written.obligations)
        else:
            for document in case_documents(store, self.case_id):
                if isinstance(document.content, OralAgreementForm):
                    agreement_id, oral = document.id, True
                    obligations = list(document.content.obligations)
        user = core.user
        return StepContext(
            case=detail.case,
            parties=detail.parties,
            user_name=user.display_name if user else "",
            now=core.now(),
            party=party,
            agreement_id=agreement_id,
            obligations=obligations,
            judicial=progress.judicial,
            status=progress.case.status,
            oral=oral,
        )

    @property
    def title(self) -> Msg:
        return msg(f"case.step.{self.kind.value}")

    @property
    def subtitle(self) -> str:
        return self.context.case.title if self.context else ""

    def refusal(self, refused: SaveRejectedError) -> Msg:
        return refusal_message(refused)

    def submit(self, form: FormInput) -> UUID:
        if self.spec is None or self.context is None:
            raise SaveRejectedError("case_id", "this case is not on this phone")
        core = self.core
        store, blobs = core.store, core.blobs
        try:
            content = _FORM.validate_python(self.spec.content(form, self.context))
        except ValidationError as error:
            where, message = first_problem(error)
            raise SaveRejectedError(f"content.{where}" if where else "content", message) from None
        document = record_step(store, self.case_id, content, core.mediation, zone=core.zone)
        # The document first, then what it owns (its photos, the signatures'
        # images, each added to the signatures it lists): the server meets them
        # in this order.
        for photos in form.photos.values():
            for jpeg in photos:
                attach_photo(store, blobs, AttachmentOwner.CASE_DOCUMENTS, document.id, jpeg)
        for signer, (image, fingerprint) in form.signatures.items():
            party = next((p for p in self.context.parties if f"party:{p.id}" == signer), None)
            # A signing step is a party's (``party_signer``); anything else is the mediator's.
            who = (
                SignedBy(SignerRole.PARTY, party.name, party.id)
                if party
                else SignedBy(SignerRole.MEDIATOR, self.context.user_name)
            )
            kind = SignatureKind.FINGERPRINT if fingerprint else SignatureKind.SIGNATURE
            add_document_signature(store, blobs, document.id, who, image, kind)
        return document.id
