"""What a lifecycle form needs to know of its case, and what each form is:
its steps, its starting values and how its answers become the contract's
form (``shared_models/domain/case_forms.py``). The forms themselves are in
``case_forms_opening.py`` (application to mediation) and
``case_forms_outcome.py`` (agreement, failure, court, follow-up, closing,
archive, referral)."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from pydantic import JsonValue

from field_app.viewmodels.form_spec import FieldKind, FormField, FormInput, FormStep
from shared_models.domain import CaseRecord, PartyRecord
from shared_models.domain.agreements import Obligation
from shared_models.domain.case_forms import CaseDocumentKind
from shared_models.domain.cases import CaseStatus, PartyRole
from shared_models.domain.judicial_window import JudicialWindow


def party_signer(party_id: UUID) -> str:
    return f"party:{party_id}"


@dataclass(frozen=True)
class StepContext:
    """The case as the form starts from it."""

    case: CaseRecord
    parties: list[PartyRecord]
    user_name: str
    now: datetime
    """On the district's clock."""
    party: PartyRecord | None = None
    """The party a per-party form is for (the rights notice)."""
    agreement_id: UUID | None = None
    """The agreement a follow-up or the court checks: the sealed written
    one in effect, or the oral agreement's registration."""
    obligations: list[Obligation] = field(default_factory=list)
    judicial: JudicialWindow | None = None
    """The window for judicial confirmation of the written agreement."""
    status: CaseStatus | None = None
    """Where the case stands (its steps recorded on this phone included)."""
    oral: bool = False
    """The agreement is oral (its registration, not a written agreement)."""

    @property
    def today(self) -> date:
        return self.now.date()

    @property
    def now_text(self) -> str:
        return self.now.strftime("%Y-%m-%d %H:%M")

    @property
    def party_names(self) -> str:
        return "\n".join(p.name for p in self.parties)

    @property
    def applicants(self) -> list[PartyRecord]:
        found = [p for p in self.parties if p.role is PartyRole.APPLICANT]
        return found or self.parties[:1]


More = Callable[[FormInput, StepContext], dict[str, JsonValue]]


@dataclass(frozen=True)
class CaseFormSpec:
    """One lifecycle form: its kind, its steps, where it starts, and what
    it records beyond its fields (``more``: the case's own ids, repeated
    groups, per-party or per-obligation answers)."""

    kind: CaseDocumentKind
    steps: list[FormStep]
    initial: Mapping[str, str] = field(default_factory=dict)
    more: More | None = None

    def content(self, form: FormInput, ctx: StepContext) -> dict[str, JsonValue]:
        """The contract's form (wire JSON): every plain field of the steps
        read by its kind (``field_values``), then ``more``."""
        found: dict[str, JsonValue] = {"kind": self.kind.value, **field_values(form, self.steps)}
        if self.more is not None:
            found.update(self.more(form, ctx))
        return found


def field_values(form: FormInput, steps: Sequence[FormStep]) -> dict[str, JsonValue]:
    """The answers to the fields of ``steps`` as the contract writes them:
    days and instants in ISO form (an empty day left out), names as lists,
    yes/no as booleans; a repeated group as the list of its entries (each
    read the same way). Per-item fields (``parties.0.age``) are the form's
    ``more``."""
    found: dict[str, JsonValue] = {}
    for step in steps:
        if step.repeat:
            entries = (replace(form, values=entry) for entry in form.group(step.repeat))
            found[step.repeat] = [_values(entry, step.fields) for entry in entries]
        else:
            found.update(_values(form, step.fields))
    return found


def _values(form: FormInput, fields: Sequence[FormField]) -> dict[str, JsonValue]:
    found: dict[str, JsonValue] = {}
    for item in fields:
        if "." not in item.name:
            found.update(_value(form, item))
    return found


def _value(form: FormInput, item: FormField) -> dict[str, JsonValue]:
    name, kind = item.name, item.kind
    if kind is FieldKind.DATE:
        day = form.day(name)
        return {} if day is None else {name: day.isoformat()}
    value: JsonValue
    if kind is FieldKind.DATETIME:
        at = form.moment(name)
        value = at.isoformat() if at else None
    elif kind is FieldKind.YES_NO:
        value = form.yes(name)
    elif kind is FieldKind.NAMES:
        value = list(form.names(name))
    elif kind is FieldKind.MULTI:
        value = list(form.chosen(name))
    elif kind is FieldKind.NUMBER:
        value = form.number(name)
    elif kind is FieldKind.PHONE:
        value = form.optional(name)
    else:
        value = form.text(name)
    return {name: value}


def day_field(name: str, label: str) -> FormField:
    return FormField(name, label, FieldKind.DATE, required=True)


def choice_field(
    name: str, label: str, values: type[StrEnum], prefix: str, required: bool = True
) -> FormField:
    return FormField(
        name, label, FieldKind.CHOICE, required, tuple(v.value for v in values), prefix
    )


def today_as(ctx: StepContext, name: str) -> dict[str, str]:
    """A form that starts dated today (its ``name`` day field)."""
    return {name: ctx.today.isoformat()}
