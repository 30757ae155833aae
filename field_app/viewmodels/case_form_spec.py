"""What a lifecycle form needs to know of its case, and what each form is:
its steps, its starting values and how its answers become the contract's
form (``shared_models/domain/case_forms.py``). The forms themselves are in
``case_forms_opening.py`` (application to mediation) and
``case_forms_outcome.py`` (agreement, failure, court, follow-up, closing,
archive, referral)."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from pydantic import JsonValue

from field_app.viewmodels.form_spec import FieldKind, FormField, FormInput, FormStep
from shared_models.domain import CaseRecord, PartyRecord
from shared_models.domain.agreements import Obligation
from shared_models.domain.cases import CaseStatus, PartyRole


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
    judicial_deadline: date | None = None
    """The last day to apply for judicial confirmation (the district's window)."""
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


Content = Callable[[FormInput, StepContext], dict[str, JsonValue]]


@dataclass(frozen=True)
class CaseFormSpec:
    """One lifecycle form: its steps, where it starts, what it records."""

    steps: list[FormStep]
    initial: Mapping[str, str]
    content: Content


def day_field(name: str, label: str) -> FormField:
    return FormField(name, label, FieldKind.DATE, required=True)


def choice_field(
    name: str, label: str, values: type[StrEnum], prefix: str, required: bool = True
) -> FormField:
    return FormField(
        name, label, FieldKind.CHOICE, required, tuple(v.value for v in values), prefix
    )


def days(form: FormInput, *names: str) -> dict[str, JsonValue]:
    """Date fields as the contract writes them (ISO days), empty ones left out."""
    found: dict[str, JsonValue] = {}
    for name in names:
        day = form.day(name)
        if day is not None:
            found[name] = day.isoformat()
    return found


def names(form: FormInput, name: str) -> list[JsonValue]:
    return list(form.names(name))
