"""An agreement's screens after drafting: the read-back (the full text in
large type, exactly as printed), the signatures (each party, then the
mediator, with a finger on the pad or a fingerprint photo), sealing,
printing offline, the district's countersignature once synced, and the
chain of corrections."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from field_app.core import FieldAppCore
from field_app.errors import AgreementSealedError, SaveRejectedError
from field_app.i18n import Msg, msg
from field_app.services.agreements import (
    AgreementIncompleteError,
    add_signature,
    agreement_pdf,
    agreement_record,
    assigned_signatures,
    case_agreements,
    content_problems,
    printed_agreement,
    seal,
    sealed_fields,
    signers,
)
from field_app.services.attention import unsent_ids
from field_app.services.cases import case_title
from field_app.services.photos import PhotoRejectedError
from field_app.services.signature_strokes import (
    BlankSignatureError,
    Point,
    clamp,
    signature_png,
)
from field_app.viewmodels.base import Saving, rejected_message, saves_once
from shared_models.agreement_text import AgreementDocument
from shared_models.domain import AgreementRecord
from shared_models.domain.agreements import AgreementStatus, SignatureKind, SignerRole
from shared_models.sealing import parse_countersignature

_PROBLEM_KEYS = {
    "parties": "agreement.error.parties",
    "facts": "agreement.error.facts",
    "obligations": "agreement.error.obligations",
    "performance_deadline": "agreement.error.deadline",
    "mediator_name": "agreement.error.mediator",
}
_UNSIGNED = " has not signed"


def problem_message(problem: str) -> Msg:
    """A ``signing_problems`` line (``"field: what to do"``) in the user's language."""
    field, _, detail = problem.partition(": ")
    if field == "signatures":
        if detail == "the mediator has not signed":
            return msg("agreement.error.mediator_unsigned")
        return msg("agreement.error.unsigned", name=detail.removesuffix(_UNSIGNED))
    key = _PROBLEM_KEYS.get(field)
    return msg(key) if key else msg("error.check_form", detail=problem)


def agreement_error(error: SaveRejectedError) -> Msg:
    """What a refused agreement change tells the user."""
    if isinstance(error, AgreementSealedError):
        return msg("agreement.error.sealed")
    if isinstance(error, AgreementIncompleteError):
        return problem_message(error.problems[0])
    return rejected_message(error)


def short_number(agreement_id: UUID) -> str:
    """A short name for one version of a case's agreements (its id's first
    eight digits): what tells a correction from the agreement it corrects."""
    return str(agreement_id)[:8].upper()


@dataclass(frozen=True)
class SignerLine:
    index: int
    label: Msg
    """Applicant / respondent / other party / mediator."""
    name: str
    is_party: bool
    signed: bool
    kind: SignatureKind | None
    signed_at: datetime | None


@dataclass(frozen=True)
class ChainLine:
    """Another agreement of the same correction chain."""

    id: UUID
    number: str
    relation: Msg
    status: Msg


def signer_lines(record: AgreementRecord) -> list[SignerLine]:
    fields = sealed_fields(record)
    given = assigned_signatures(fields)
    lines = []
    for signer, signature in zip(signers(fields), given, strict=True):
        label = (
            msg(f"party.role.{fields.parties[signer.index].role.value}")
            if signer.role is SignerRole.PARTY
            else msg("agreement.signer.mediator")
        )
        lines.append(
            SignerLine(
                index=signer.index,
                label=label,
                name=signer.name,
                is_party=signer.role is SignerRole.PARTY,
                signed=signature is not None,
                kind=signature.kind if signature else None,
                signed_at=signature.signed_at if signature else None,
            )
        )
    return lines


class AgreementViewModel(Saving):
    """读回 and 签署: the text, who has signed, seal, print, corrections."""

    def __init__(self, core: FieldAppCore, agreement_id: UUID) -> None:
        super().__init__()
        self.core = core
        self.agreement_id = agreement_id
        self.record: AgreementRecord | None = None
        self.document: AgreementDocument | None = None
        self.signers: list[SignerLine] = []
        self.chain: list[ChainLine] = []
        self.case_title = ""
        self.unsent = False
        self.error: Msg | None = None
        self.load()

    def load(self) -> None:
        store = self.core.store
        self.record = agreement_record(store, self.agreement_id)
        if self.record is None:
            self.notify()
            return
        self.case_title = case_title(store, self.record.case_id)
        self.document = printed_agreement(store, self.record, self.core.zone)
        self.signers = signer_lines(self.record)
        self.unsent = self.agreement_id in unsent_ids(store)
        self.chain = self._chain(case_agreements(store, self.record.case_id))
        self.notify()

    def _chain(self, agreements: list[AgreementRecord]) -> list[ChainLine]:
        assert self.record is not None
        lines = []
        for other in agreements:
            if other.id == self.record.supersedes_id:
                relation = msg("agreement.chain.corrects")
            elif other.supersedes_id == self.agreement_id:
                relation = msg("agreement.chain.corrected_by")
            else:
                continue
            lines.append(
                ChainLine(
                    other.id,
                    short_number(other.id),
                    relation,
                    msg(f"agreement.status.{other.status.value}"),
                )
            )
        return lines

    @property
    def found(self) -> bool:
        return self.record is not None

    @property
    def case_id(self) -> UUID | None:
        return self.record.case_id if self.record else None

    @property
    def number(self) -> str:
        """As printed: the case's number once the district gave it."""
        return self.document.number if self.document else ""

    @property
    def sealed(self) -> bool:
        return self.record is not None and self.record.status is AgreementStatus.SIGNED

    @property
    def all_signed(self) -> bool:
        return bool(self.signers) and all(line.signed for line in self.signers)

    @property
    def can_seal(self) -> bool:
        return not self.sealed and self.all_signed

    @property
    def complete(self) -> bool:
        """The text has everything an agreement states (signing may begin)."""
        return self.record is not None and not content_problems(sealed_fields(self.record))

    @property
    def status(self) -> Msg | None:
        return msg(f"agreement.status.{self.record.status.value}") if self.record else None

    @property
    def countersignature(self) -> Msg | None:
        """Whether the district has countersigned the sealed agreement."""
        if self.record is None or not self.sealed:
            return None
        if self.record.countersignature:
            try:
                key_id, _ = parse_countersignature(self.record.countersignature)
            except ValueError:
                return msg("agreement.countersign.malformed")
            return msg("agreement.countersign.done", key_id=key_id)
        if self.unsent or not self.record.version:
            return msg("agreement.countersign.unsent")
        return msg("agreement.countersign.waiting")

    def refuse_edit(self) -> bool:
        """``True`` (and the reason shown) when the agreement may not change."""
        if self.sealed:
            self.error = msg("agreement.error.sealed")
            self.notify()
            return True
        return False

    @saves_once
    def seal(self) -> bool:
        try:
            seal(self.core.store, self.agreement_id)
        except SaveRejectedError as refused:
            self.error = agreement_error(refused)
            self.notify()
            return False
        self.error = None
        self.core.changed()
        self.load()
        return True

    def pdf(self) -> bytes:
        """The printable PDF, made here on the phone (blocking: views run it off the UI)."""
        return agreement_pdf(self.core.store, self.core.blobs, self.agreement_id, self.core.zone)

    @property
    def file_name(self) -> str:
        return f"调解协议书-{self.number}.pdf"


class SignatureViewModel(Saving):
    """One signer at the pad: strokes as the finger draws them, then Done
    (the PNG is drawn from the strokes), or a fingerprint photo instead."""

    def __init__(self, core: FieldAppCore, agreement_id: UUID, index: int) -> None:
        super().__init__()
        self.core = core
        self.agreement_id = agreement_id
        self.index = index
        self.strokes: list[list[Point]] = []
        self.error: Msg | None = None
        self.saved = False
        record = agreement_record(core.store, agreement_id)
        lines = signer_lines(record) if record else []
        self.signer = next((line for line in lines if line.index == index), None)
        self.sealed = record is not None and record.status is AgreementStatus.SIGNED
        if self.sealed:
            self.error = msg("agreement.error.sealed")

    @property
    def found(self) -> bool:
        return self.signer is not None

    # -- the pad -----------------------------------------------------------------------

    def begin(self, x: float, y: float) -> None:
        self.strokes.append([clamp(x, y)])
        self.error = None

    def extend(self, x: float, y: float) -> None:
        if not self.strokes:
            self.strokes.append([])
        point = clamp(x, y)
        if not self.strokes[-1] or self.strokes[-1][-1] != point:
            self.strokes[-1].append(point)

    def clear(self) -> None:
        self.strokes = []
        self.error = None
        self.notify()

    def png(self) -> bytes:
        return signature_png([tuple(s) for s in self.strokes])

    # -- saving --------------------------------------------------------------------------

    @saves_once(key="signature")
    def done(self) -> bool:
        try:
            image = self.png()
        except BlankSignatureError:
            self.error = msg("signature.error.blank")
            self.notify()
            return False
        return self._save(image, SignatureKind.SIGNATURE)

    @saves_once(key="signature")
    def add_fingerprint(self, raw: bytes) -> bool:
        """A party who cannot sign gives a photo of their fingerprint (按指印)."""
        if self.signer is None or not self.signer.is_party:
            self.error = msg("signature.error.fingerprint_party")
            self.notify()
            return False
        return self._save(raw, SignatureKind.FINGERPRINT)

    def _save(self, image: bytes, kind: SignatureKind) -> bool:
        try:
            add_signature(
                self.core.store, self.core.blobs, self.agreement_id, self.index, image, kind
            )
        except SaveRejectedError as refused:
            self.error = agreement_error(refused)
            self.notify()
            return False
        except PhotoRejectedError:
            self.error = msg("photo.error.unreadable")
            self.notify()
            return False
        self.saved = True
        self.error = None
        self.core.changed()
        self.notify()
        return True
