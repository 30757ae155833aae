"""The customary layout of a people's mediation agreement (人民调解协议书), as data.

People's Mediation Law art. 29 says what the document states: the parties'
basic details, the main facts of the dispute and the matters in dispute, the
agreed content, and how and by when it is performed; the parties sign (or
give a fingerprint), the mediator signs and the committee adds its seal.
``agreement_document`` lays an agreement out in that customary order, as
plain text, so the device (printing offline) and the server (printing for
supervisors) produce the same wording from the same record; the PDF renderer
only draws it.
"""

from datetime import date, datetime, tzinfo
from typing import Final
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from shared_models.district_time import DEFAULT_ZONE, district_day, wall_clock
from shared_models.domain.agreements import (
    AgreementFields,
    AgreementStatus,
    Obligation,
    PartySnapshot,
    SignatureKind,
    SignatureRef,
    SignerRole,
)
from shared_models.domain.case_numbers import parse_case_number
from shared_models.domain.cases import PartyKind, PartyRole

TITLE: Final = "人民调解协议书"
REFERENCE_PREFIX: Final = "lastmile-agreement:"

ROLE_LABELS: Final = {
    PartyRole.APPLICANT: "申请人",
    PartyRole.RESPONDENT: "被申请人",
    PartyRole.OTHER: "其他当事人",
}
SECTION_NUMBERS: Final = "一二三四五六七八九十"
_SENTENCE_ENDS = ("。", "！", "？", ".", "!", "?", "；")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DocumentSection(_Frozen):
    """A numbered section: ``一、当事人基本情况`` and its paragraphs."""

    number: str
    heading: str
    paragraphs: tuple[str, ...]


class SignatureSlot(_Frozen):
    """Where one person signs: the label (申请人 / 人民调解员), the name, and
    the signature image (``sha256`` of its blob) once given."""

    label: str
    signer_name: str
    kind: SignatureKind = SignatureKind.SIGNATURE
    sha256: str | None = None
    signed_at: str = ""

    @property
    def instruction(self) -> str:
        return "（按指印）" if self.kind is SignatureKind.FINGERPRINT else "（签名）"


class AgreementDocument(_Frozen):
    """Everything printed on the agreement, in reading order."""

    agreement_id: UUID
    title: str
    number: str
    """Its number (``agreement_number``), printed as ``number_line``."""
    number_line: str
    notices: tuple[str, ...]
    """Printed under the title: draft status, which agreement this one corrects."""
    sections: tuple[DocumentSection, ...]
    closing: str
    party_slots: tuple[SignatureSlot, ...]
    mediator_slots: tuple[SignatureSlot, ...]
    date_line: str
    committee_line: str
    content_hash: str | None
    reference: str | None
    """What the QR code carries: the agreement id and its content hash."""
    seal_lines: tuple[str, ...]
    """Printed at the foot of every page."""

    @property
    def is_sealed(self) -> bool:
        return self.content_hash is not None


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def agreement_reference(agreement_id: UUID, content_hash: str) -> str:
    """The machine-readable line (QR code, PDF keywords) naming a sealed agreement."""
    return f"{REFERENCE_PREFIX}{agreement_id}?sha256={content_hash}"


def parse_agreement_reference(text: str) -> tuple[UUID, str]:
    """``(agreement_id, content_hash)`` from ``agreement_reference`` text;
    ``ValueError`` when it is not one."""
    if not text.startswith(REFERENCE_PREFIX):
        raise ValueError("not a LastMile agreement reference")
    identifier, separator, query = text.removeprefix(REFERENCE_PREFIX).partition("?sha256=")
    if not separator or len(query) != 64 or any(c not in "0123456789abcdef" for c in query):
        raise ValueError("the agreement reference carries no SHA-256 content hash")
    return UUID(identifier), query


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text.endswith(_SENTENCE_ENDS) else f"{text}。"


def _party_paragraph(party: PartySnapshot) -> str:
    label = ROLE_LABELS[party.role]
    organisation = party.kind is PartyKind.ORGANISATION
    details = [f"{label}：{party.name}" + ("（单位）" if organisation else "")]
    if party.id_number:
        details.append(f"公民身份号码：{party.id_number}")
    if party.phone:
        details.append(f"联系电话：{party.phone}")
    if party.address:
        details.append(f"{'住所' if organisation else '住址'}：{party.address}")
    return "，".join(details) + "。"


def _obligation_paragraph(number: int, obligation: Obligation) -> str:
    when = f"于{chinese_date(obligation.due)}前" if obligation.due else ""
    how = f"（履行方式：{obligation.method}）" if obligation.method else ""
    action = obligation.action.strip().rstrip("。；;.")
    return f"{number}. {obligation.obligor}{when}{action}{how}。"


def _performance_paragraphs(agreement: AgreementFields) -> tuple[str, ...]:
    method = _sentence(agreement.performance_method) or "按上述协议内容履行。"
    deadline = agreement.performance_deadline
    when = f"履行期限：{chinese_date(deadline)}前。" if deadline else "履行期限：（未填写）"
    return (f"履行方式：{method}", when)


def _time_text(moment: datetime, zone: tzinfo) -> str:
    local = wall_clock(moment, zone)
    return f"{chinese_date(local.date())} {local:%H:%M}"


def _signer_key(party_id: UUID | None, name: str) -> str:
    # The same matching signing_problems uses: by party id, else by name.
    return f"id:{party_id}" if party_id is not None else f"name:{name}"


def _slot(label: str, name: str, signature: SignatureRef | None, zone: tzinfo) -> SignatureSlot:
    if signature is None:
        return SignatureSlot(label=label, signer_name=name)
    return SignatureSlot(
        label=label,
        signer_name=signature.signer_name,
        kind=signature.kind,
        sha256=signature.sha256,
        signed_at=_time_text(signature.signed_at, zone),
    )


def _signature_slots(
    agreement: AgreementFields, zone: tzinfo
) -> tuple[tuple[SignatureSlot, ...], tuple[SignatureSlot, ...]]:
    unused = [s for s in agreement.signatures if s.signer_role is SignerRole.PARTY]
    parties: list[SignatureSlot] = []
    for party in agreement.parties:
        key = _signer_key(party.party_id, party.name)
        match = next((s for s in unused if _signer_key(s.party_id, s.signer_name) == key), None)
        if match is not None:
            unused.remove(match)
        parties.append(_slot(ROLE_LABELS[party.role], party.name, match, zone))
    parties.extend(_slot("当事人", s.signer_name, s, zone) for s in unused)
    mediators = [
        _slot("人民调解员", s.signer_name, s, zone)
        for s in agreement.signatures
        if s.signer_role is SignerRole.MEDIATOR
    ]
    if not mediators:
        mediators.append(_slot("人民调解员", agreement.mediator_name, None, zone))
    return tuple(parties), tuple(mediators)


def _sections(agreement: AgreementFields) -> tuple[DocumentSection, ...]:
    facts = tuple(line.strip() for line in agreement.facts.splitlines() if line.strip())
    obligations = tuple(
        _obligation_paragraph(number, obligation)
        for number, obligation in enumerate(agreement.obligations, start=1)
    )
    contents = [
        ("当事人基本情况", tuple(_party_paragraph(p) for p in agreement.parties)),
        ("纠纷主要事实、争议事项", facts or ("（未填写）",)),
        ("经调解，各方当事人自愿达成如下协议", obligations or ("（未填写）",)),
        ("履行协议的方式、地点、期限", _performance_paragraphs(agreement)),
    ]
    return tuple(
        DocumentSection(number=SECTION_NUMBERS[index], heading=heading, paragraphs=paragraphs)
        for index, (heading, paragraphs) in enumerate(contents)
    )


def agreement_number(agreement_id: UUID, case_number: str | None) -> str:
    """The number an agreement is printed with (编号): its case's number
    once the district gave it (``case_numbers``; a case has one agreement in
    effect, and a correction names the record it supersedes), else — a case
    not yet numbered, or one accepted offline — its id's first eight digits."""
    if case_number is not None and parse_case_number(case_number) is not None:
        return case_number
    return str(agreement_id)[:8].upper()


def agreement_document(
    agreement_id: UUID,
    agreement: AgreementFields,
    zone: tzinfo = DEFAULT_ZONE,
    case_number: str | None = None,
) -> AgreementDocument:
    """The agreement laid out for printing. A signed agreement carries its
    content hash (printed, and in the QR code); a draft says it is a draft.
    Dates and times are on the district's clock ``zone``; ``case_number`` is
    its case's (``agreement_number``)."""
    sealed = agreement.status is AgreementStatus.SIGNED and agreement.content_hash is not None
    notices: list[str] = []
    if agreement.status is AgreementStatus.DRAFT:
        notices.append("草稿：尚未签署，不发生效力")
    elif agreement.status is AgreementStatus.VOID:
        notices.append("本协议已作废")
    if agreement.supersedes_id is not None:
        notices.append(f"本协议更正并取代编号为 {agreement.supersedes_id} 的调解协议书")
    party_slots, mediator_slots = _signature_slots(agreement, zone)
    copies = len(agreement.parties) + 1
    signed_on = (
        chinese_date(district_day(agreement.signed_at, zone))
        if sealed and agreement.signed_at is not None
        else "________年_____月_____日"
    )
    content_hash = agreement.content_hash if sealed else None
    number = agreement_number(agreement_id, case_number)
    seal_lines = [f"协议编号：{agreement_id}"]
    if content_hash is not None:
        seal_lines.append(f"内容哈希（SHA-256）：{content_hash}")
    return AgreementDocument(
        agreement_id=agreement_id,
        title=TITLE,
        number=number,
        number_line=f"编号：{number}",
        notices=tuple(notices),
        sections=_sections(agreement),
        closing=(
            f"本协议一式{copies}份，各方当事人、人民调解委员会各持一份。本协议自各方当事人"
            "签名（或按指印）、人民调解员签名并加盖人民调解委员会印章之日起生效。"
            "当事人可以自本协议生效之日起三十日内共同向人民法院申请司法确认。"
        ),
        party_slots=party_slots,
        mediator_slots=mediator_slots,
        date_line=f"签署日期：{signed_on}",
        committee_line=f"{agreement.committee_name or '人民调解委员会'}（印）",
        content_hash=content_hash,
        reference=None if content_hash is None else agreement_reference(agreement_id, content_hash),
        seal_lines=tuple(seal_lines),
    )
