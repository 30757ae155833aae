"""Correcting a case after intake (its title, category, source, account) and
its parties: adding one named later, correcting one's particulars — until
the agreement is sealed (``services/parties.py``). Both are step forms
(``viewmodels/step_form.py``): a draft from the first keystroke."""

from uuid import UUID

from field_app.core import FieldAppCore
from field_app.errors import SaveRejectedError
from field_app.i18n import Msg, msg
from field_app.services.case_steps import case_facts
from field_app.services.cases import NewParty, add_party, case_detail, edit_party, update_case
from field_app.viewmodels.base import rejected_message
from field_app.viewmodels.form_spec import FieldKind, FormField, FormInput, FormStep
from field_app.viewmodels.step_form import FORM_DRAFT, StepFormViewModel
from shared_models.domain import CaseRecord
from shared_models.domain.case_lifecycle import PARTIES_EDITABLE
from shared_models.domain.cases import CaseCategory, CaseSource, PartyKind, PartyRole


class PartiesFixedError(SaveRejectedError):
    """The case is agreed, ended or closed: its parties stay as they are."""

    def __init__(self) -> None:
        super().__init__("case_id", "the parties of this case are fixed")


def case_steps() -> list[FormStep]:
    return [
        FormStep(
            "intake.step.0",
            (
                FormField("title", "field.title", required=True),
                FormField(
                    "category",
                    "field.category",
                    FieldKind.CHOICE,
                    True,
                    tuple(c.value for c in CaseCategory),
                    "case.category",
                ),
                FormField(
                    "source",
                    "field.source",
                    FieldKind.CHOICE,
                    True,
                    tuple(s.value for s in CaseSource),
                    "case.source",
                ),
            ),
        ),
        FormStep(
            "field.description",
            (FormField("description", "field.description", FieldKind.LONG_TEXT),),
        ),
    ]


class CaseEditViewModel(StepFormViewModel):
    """The case's own fields, starting from what the phone holds."""

    def __init__(self, core: FieldAppCore, case_id: UUID) -> None:
        detail = case_detail(core.store, case_id)
        self.case_id = case_id
        self.case: CaseRecord | None = detail.case if detail else None
        initial = (
            {
                "title": self.case.title,
                "category": self.case.category.value,
                "source": self.case.source.value,
                "description": self.case.description,
            }
            if self.case
            else {}
        )
        super().__init__(core, f"{FORM_DRAFT}:case:{case_id}", case_steps(), initial)

    @property
    def title(self) -> Msg:
        return msg("screen.case_edit")

    @property
    def subtitle(self) -> str:
        return self.case.title if self.case else ""

    def submit(self, form: FormInput) -> UUID:
        if self.case is None:
            raise SaveRejectedError("case", "this case is not on this phone")
        wanted = {
            "title": form.text("title"),
            "category": form.text("category"),
            "source": form.text("source"),
            "description": form.text("description"),
        }
        before = {
            "title": self.case.title,
            "category": self.case.category.value,
            "source": self.case.source.value,
            "description": self.case.description,
        }
        changes = {name: value for name, value in wanted.items() if value != before[name]}
        if changes:
            update_case(self.core.store, self.case_id, dict(changes))
        return self.case_id


PARTY_TEXTS = ("name", "phone", "id_number", "address")


def party_steps() -> list[FormStep]:
    return [
        FormStep(
            "form.party.who",
            (
                FormField(
                    "role",
                    "field.role",
                    FieldKind.CHOICE,
                    True,
                    tuple(r.value for r in PartyRole),
                    "party.role",
                ),
                FormField(
                    "kind",
                    "form.party.kind",
                    FieldKind.CHOICE,
                    True,
                    tuple(k.value for k in PartyKind),
                    "party.kind",
                ),
                FormField("name", "field.name", required=True),
            ),
        ),
        FormStep(
            "form.party.contact",
            (
                FormField("phone", "field.phone", FieldKind.PHONE),
                FormField("id_number", "field.id_number"),
                FormField("address", "field.address"),
            ),
        ),
    ]


class PartyFormViewModel(StepFormViewModel):
    """A party named later (``party_id`` None) or one corrected."""

    def __init__(self, core: FieldAppCore, case_id: UUID, party_id: UUID | None = None) -> None:
        self.case_id = case_id
        self.party_id = party_id
        detail = case_detail(core.store, case_id)
        party = next((p for p in detail.parties if p.id == party_id), None) if detail else None
        self.found = detail is not None and (party_id is None or party is not None)
        self.editable = (
            detail is not None
            and case_facts(core.store, case_id, core.zone)[0].status in PARTIES_EDITABLE
        )
        initial = {"role": PartyRole.OTHER.value, "kind": PartyKind.PERSON.value}
        if party is not None:
            initial = {
                "role": party.role.value,
                "kind": party.kind.value,
                "name": party.name,
                "phone": party.phone or "",
                "id_number": party.id_number or "",
                "address": party.address,
            }
        self.before = dict(initial)
        key = f"{FORM_DRAFT}:party:{case_id}:{party_id or 'new'}"
        super().__init__(core, key, party_steps(), initial)

    @property
    def title(self) -> Msg:
        return msg("screen.party_edit" if self.party_id else "screen.party_new")

    def refusal(self, refused: SaveRejectedError) -> Msg:
        if isinstance(refused, PartiesFixedError):
            return msg("form.error.parties_sealed")
        return rejected_message(refused)

    def submit(self, form: FormInput) -> UUID:
        store = self.core.store
        if not self.editable:
            raise PartiesFixedError
        if self.party_id is None:
            party = NewParty(
                role=PartyRole(form.text("role")),
                kind=PartyKind(form.text("kind")),
                name=form.text("name"),
                phone=form.optional("phone"),
                id_number=(form.optional("id_number") or "").upper() or None,
                address=form.text("address"),
            )
            return add_party(store, self.case_id, party).id
        wanted = {name: form.text(name) for name in ("role", "kind", *PARTY_TEXTS)}
        wanted["id_number"] = wanted["id_number"].upper()
        changes = {
            name: (value or None) if name in ("phone", "id_number") else value
            for name, value in wanted.items()
            if value != self.before.get(name, "")
        }
        if changes:
            edit_party(store, self.party_id, changes)
        return self.party_id
