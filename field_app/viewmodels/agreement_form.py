"""Drafting a mediation agreement (调解协议书) from a case.

The parties come from the case (editable: the agreement states them as they
are at signing), the mediator is the signed-in user, the committee the
case's. The mediator writes the facts, the obligations (who does what, by
when, how) and the performance method and deadline. Everything typed is
kept in an encrypted draft as it is typed; "Read back" checks the terms and
says, per field, what is still missing, then writes the agreement and opens
its read-back and signing screen.
"""

import uuid
from datetime import date
from typing import Any
from uuid import UUID

from pydantic import JsonValue, ValidationError

from field_app.core import FieldAppCore
from field_app.errors import SaveRejectedError
from field_app.i18n import Msg, msg
from field_app.services.agreements import (
    agreement_record,
    prefill_correction,
    prefill_from_case,
    save_terms,
    sealed_fields,
)
from field_app.services.cases import case_title
from field_app.services.drafts import delete_draft, load_draft, save_draft
from field_app.viewmodels.agreements import agreement_error
from field_app.viewmodels.base import Saving, saves_once
from shared_models.domain.agreements import AgreementFields, AgreementStatus
from shared_models.domain.cases import PartyKind, PartyRole
from shared_models.problems import first_problem

PARTY_KEYS = ("party_id", "role", "kind", "name", "id_number", "phone", "address")
OBLIGATION_KEYS = ("obligor", "action", "due", "method")
TEXT_FIELDS = ("facts", "performance_method", "performance_deadline", "mediator_name")
MAX_PARTIES = 10
MAX_OBLIGATIONS = 20


def draft_key(case_id: UUID, agreement_id: UUID | None = None) -> str:
    """``agreement:<case>`` for a new agreement, ``agreement:<case>:<id>``
    while changing a draft agreement already written."""
    return f"agreement:{case_id}" + (f":{agreement_id}" if agreement_id else "")


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def _blank_party(role: PartyRole) -> dict[str, str]:
    blank = dict.fromkeys(("name", "id_number", "phone", "address"), "")
    return {"party_id": "", "role": role.value, "kind": PartyKind.PERSON.value, **blank}


def _blank_obligation() -> dict[str, str]:
    return dict.fromkeys(OBLIGATION_KEYS, "")


class AgreementFormViewModel(Saving):
    def __init__(
        self,
        core: FieldAppCore,
        case_id: UUID,
        agreement_id: UUID | None = None,
        supersedes_id: UUID | None = None,
    ) -> None:
        super().__init__()
        self.core = core
        self.case_id = case_id
        self.case_title = case_title(core.store, case_id)
        self.existing = agreement_id is not None
        self.agreement_id = agreement_id or uuid.uuid4()
        self.draft_key = draft_key(case_id, agreement_id)
        self.supersedes_id = supersedes_id
        self.committee_name = ""
        self.mediator_id: UUID | None = None
        self.mediator_name = ""
        self.facts = ""
        self.performance_method = ""
        self.performance_deadline = ""
        self.parties: list[dict[str, str]] = []
        self.obligations: list[dict[str, str]] = []
        self.field_errors: dict[str, Msg] = {}
        self.error: Msg | None = None
        self.saved_id: UUID | None = None
        self.sealed = False
        self.resumed = self._restore()
        if not self.resumed:
            self._prefill()

    # -- where the terms start from -------------------------------------------------

    def _prefill(self) -> None:
        store = self.core.store
        try:
            if self.existing:
                record = agreement_record(store, self.agreement_id)
                if record is None:
                    raise SaveRejectedError(None, "there is no such agreement")
                self.sealed = record.status is AgreementStatus.SIGNED
                terms = sealed_fields(record)
                self.supersedes_id = record.supersedes_id
            elif self.supersedes_id is not None:
                terms = prefill_correction(store, self.supersedes_id)
            else:
                terms = prefill_from_case(store, self.case_id, self.core.user)
        except SaveRejectedError as refused:
            self.error = agreement_error(refused)
            return
        if self.sealed:
            self.error = msg("agreement.error.sealed")
        self.committee_name = terms.committee_name
        self.mediator_id = terms.mediator_id
        self.mediator_name = terms.mediator_name
        self.facts = terms.facts
        self.performance_method = terms.performance_method
        self.performance_deadline = (
            terms.performance_deadline.isoformat() if terms.performance_deadline else ""
        )
        self.parties = [
            {
                "party_id": str(p.party_id) if p.party_id else "",
                "role": p.role.value,
                "kind": p.kind.value,
                "name": p.name,
                "id_number": p.id_number or "",
                "phone": p.phone or "",
                "address": p.address,
            }
            for p in terms.parties
        ] or [_blank_party(PartyRole.APPLICANT), _blank_party(PartyRole.RESPONDENT)]
        self.obligations = [
            {
                "obligor": o.obligor,
                "action": o.action,
                "due": o.due.isoformat() if o.due else "",
                "method": o.method,
            }
            for o in terms.obligations
        ] or [_blank_obligation()]

    # -- editing (each change is kept in the draft) ---------------------------------

    def set(self, name: str, value: str) -> None:
        if name not in (*TEXT_FIELDS, "committee_name"):
            raise KeyError(name)
        setattr(self, name, value)
        self.field_errors.pop(name, None)
        self._keep()

    def set_party(self, index: int, name: str, value: str) -> None:
        if name not in PARTY_KEYS or name == "party_id":
            raise KeyError(name)
        self.parties[index][name] = value
        self.field_errors.pop(f"parties.{index}.{name}", None)
        self.field_errors.pop("parties", None)
        self._keep()

    def add_party(self) -> None:
        if len(self.parties) < MAX_PARTIES:
            self.parties.append(_blank_party(PartyRole.OTHER))
            self._keep()
            self.notify()

    def remove_party(self, index: int) -> None:
        del self.parties[index]
        self.field_errors = {}
        self._keep()
        self.notify()

    def set_obligation(self, index: int, name: str, value: str) -> None:
        if name not in OBLIGATION_KEYS:
            raise KeyError(name)
        self.obligations[index][name] = value
        self.field_errors.pop(f"obligations.{index}.{name}", None)
        self.field_errors.pop("obligations", None)
        self._keep()

    def add_obligation(self) -> None:
        if len(self.obligations) < MAX_OBLIGATIONS:
            self.obligations.append(_blank_obligation())
            self._keep()
            self.notify()

    def remove_obligation(self, index: int) -> None:
        del self.obligations[index]
        self.field_errors = {}
        self._keep()
        self.notify()

    def discard(self) -> None:
        delete_draft(self.core.store, self.draft_key)

    # -- what is missing --------------------------------------------------------------

    def problems(self) -> dict[str, Msg]:
        """Per field (``facts``, ``parties.1.name``, ``obligations.0.due``…),
        what the mediator still has to write before the agreement is read back."""
        found: dict[str, Msg] = {}
        named = [p for p in self.parties if p["name"].strip()]
        if len(named) < 2:
            found["parties"] = msg("agreement.error.parties")
        for index, party in enumerate(self.parties):
            if not party["name"].strip():
                found[f"parties.{index}.name"] = msg("agreement.error.party_name", n=index + 1)
        if not self.facts.strip():
            found["facts"] = msg("agreement.error.facts")
        if not self.obligations:
            found["obligations"] = msg("agreement.error.obligations")
        for index, obligation in enumerate(self.obligations):
            n = index + 1
            if not obligation["obligor"].strip():
                found[f"obligations.{index}.obligor"] = msg("agreement.error.obligor", n=n)
            if not obligation["action"].strip():
                found[f"obligations.{index}.action"] = msg("agreement.error.action", n=n)
            if obligation["due"].strip() and _day(obligation["due"]) is None:
                found[f"obligations.{index}.due"] = msg("agreement.error.date_format")
        if not self.performance_deadline.strip():
            found["performance_deadline"] = msg("agreement.error.deadline")
        elif _day(self.performance_deadline) is None:
            found["performance_deadline"] = msg("agreement.error.date_format")
        if not self.mediator_name.strip():
            found["mediator_name"] = msg("agreement.error.mediator")
        return found

    def terms(self) -> AgreementFields:
        """The terms as the agreement states them (``ValidationError`` on a
        malformed detail such as an ID number)."""
        parties: list[dict[str, Any]] = [
            {
                "party_id": p["party_id"] or None,
                "role": p["role"],
                "kind": p["kind"],
                "name": p["name"].strip(),
                "id_number": p["id_number"].strip() or None,
                "phone": p["phone"].strip() or None,
                "address": p["address"].strip(),
            }
            for p in self.parties
        ]
        obligations = [
            {
                "obligor": o["obligor"].strip(),
                "action": o["action"].strip(),
                "due": o["due"].strip() or None,
                "method": o["method"].strip(),
            }
            for o in self.obligations
        ]
        return AgreementFields.model_validate(
            {
                "case_id": str(self.case_id),
                "committee_name": self.committee_name.strip(),
                "mediator_id": str(self.mediator_id) if self.mediator_id else None,
                "mediator_name": self.mediator_name.strip(),
                "parties": parties,
                "facts": self.facts.strip(),
                "obligations": obligations,
                "performance_method": self.performance_method.strip(),
                "performance_deadline": self.performance_deadline.strip() or None,
                "supersedes_id": str(self.supersedes_id) if self.supersedes_id else None,
            }
        )

    @saves_once
    def read_back(self) -> bool:
        """Write the complete terms; ``False`` (and what is missing) otherwise."""
        self.field_errors = self.problems()
        if self.field_errors:
            self.error = msg("agreement.error.missing", count=len(self.field_errors))
            self.notify()
            return False
        try:
            terms = self.terms()
        except ValidationError as invalid:
            where, detail = first_problem(invalid)
            self.field_errors = {where or "": msg("agreement.error.invalid", detail=detail)}
            self.error = msg("agreement.error.missing", count=1)
            self.notify()
            return False
        try:
            save_terms(self.core.store, self.agreement_id, terms)
        except SaveRejectedError as refused:
            self.error = agreement_error(refused)
            self.notify()
            return False
        delete_draft(self.core.store, self.draft_key)
        self.saved_id = self.agreement_id
        self.error = None
        self.core.changed()
        self.notify()
        return True

    # -- the draft ----------------------------------------------------------------------

    def _payload(self) -> dict[str, JsonValue]:
        return {
            "agreement_id": str(self.agreement_id),
            "supersedes_id": str(self.supersedes_id) if self.supersedes_id else None,
            "committee_name": self.committee_name,
            "mediator_id": str(self.mediator_id) if self.mediator_id else None,
            "mediator_name": self.mediator_name,
            "facts": self.facts,
            "performance_method": self.performance_method,
            "performance_deadline": self.performance_deadline,
            "parties": [dict(p) for p in self.parties],
            "obligations": [dict(o) for o in self.obligations],
        }

    def _keep(self) -> None:
        if self.saved_id is None and not self.sealed:
            save_draft(self.core.store, self.draft_key, self._payload())

    def _restore(self) -> bool:
        draft: dict[str, Any] | None = load_draft(self.core.store, self.draft_key)
        if not draft:
            return False
        self.agreement_id = UUID(draft["agreement_id"])
        supersedes = draft.get("supersedes_id")
        self.supersedes_id = UUID(supersedes) if supersedes else None
        mediator = draft.get("mediator_id")
        self.mediator_id = UUID(mediator) if mediator else None
        for name in ("committee_name", "mediator_name", *TEXT_FIELDS):
            setattr(self, name, str(draft.get(name) or ""))
        self.parties = [
            {key: str(p.get(key) or "") for key in PARTY_KEYS} for p in draft.get("parties", [])
        ]
        self.obligations = [
            {key: str(o.get(key) or "") for key in OBLIGATION_KEYS}
            for o in draft.get("obligations", [])
        ]
        return True
