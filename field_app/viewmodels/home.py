"""Today's work on one screen: check-ins due and overdue (officer), open
cases and follow-ups due (mediator), unfinished forms, and what needs the
user — changes the server refused, records a supervisor sent back, values
overwritten in a conflict — each with what to do about it."""

import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from uuid import UUID

from pydantic import JsonValue

from field_app.core import FieldAppCore
from field_app.i18n import Msg, msg
from field_app.services.attention import (
    RejectedChange,
    attention,
    discard_change,
    retry_change,
    retry_upload,
    unsent_ids,
)
from field_app.services.cases import case_title, list_cases
from field_app.services.drafts import list_drafts
from field_app.services.records import record_owner, stored_fields
from field_app.services.subject_list import subject_listing
from field_app.services.subjects import subject_of
from field_app.viewmodels.base import FIELD_LABELS, Saving, field_name, saves_once
from field_app.viewmodels.case_step_form import server_refusal
from field_app.viewmodels.cases import CaseRow, case_row
from field_app.viewmodels.correction_drafts import correction_draft
from field_app.viewmodels.form_drafts import form_draft
from field_app.viewmodels.intake import INTAKE_DRAFT
from field_app.viewmodels.nav import Route, Screen
from field_app.viewmodels.subjects import SubjectRow, correction_settings, listed_row
from shared_models.domain.cases import OPEN_CASE_STATUSES
from shared_models.domain.org import Role
from shared_models.protocol.tables import TableName

HOME_LIST = 8
"""How many of each list the home screen shows before "see all"."""


@dataclass(frozen=True)
class DraftItem:
    key: str
    text: Msg
    saved_at: datetime
    route: Route


@dataclass(frozen=True)
class AttentionItem:
    kind: str
    """``rejected`` | ``sent_back`` | ``conflict`` | ``upload_refused``."""
    title: Msg
    detail: str
    route: Route | None
    mutation_id: UUID | None = None
    sha256: str | None = None
    """The refused photo or document, for ``upload_refused``."""
    what_to_do: Msg | None = None
    """A refusal of the case's lifecycle said in the user's language (the
    server's own words stay in ``detail``)."""


_LABEL_FIELDS = ("name", "title", "signer_name", "caption")
_NOT_SHOWN = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


_SCREENS = {
    TableName.CASES: Screen.CASE,
    TableName.SUBJECTS: Screen.SUBJECT,
    TableName.AGREEMENTS: Screen.AGREEMENT,
}


def _route(owner: tuple[TableName, UUID] | None) -> Route | None:
    """The screen that shows a record's owner (``record_owner``)."""
    if owner is None:
        return None
    return Route.to(_SCREENS[owner[0]], id=str(owner[1]))


def _refused_title(change: RejectedChange, current: dict[str, JsonValue]) -> Msg:
    """ "The server refused a change (party “Li Ming”)": which record, by the
    name or title it was sent with (or has on the phone), so the user knows
    what to correct before opening it. A control character the server
    refused is shown as ``?``."""
    what = msg(f"table.{change.table.value}")
    for values in (change.fields, current):
        for key in _LABEL_FIELDS:
            value = values.get(key)
            if isinstance(value, str) and value.strip():
                shown = _NOT_SHOWN.sub("?", value.strip())[:40]
                return msg("attention.rejected_record", what=what, record=shown)
    return msg("attention.rejected", what=what)


_VALUE_SHOWN = 80
"""Characters of a conflicting value a card shows; the record's screen has it all."""


def _field_label(field: str) -> Msg | str:
    """The field's name in the user's language where the app has one."""
    label = FIELD_LABELS.get(field_name(field) or "")
    return field if label is None else msg(label)


def _value_text(value: JsonValue) -> str:
    """A conflicting value as a person reads it: a list of signatures or
    parties by their names (never the raw structure, ids and hashes), long
    text cut short."""
    if value in (None, "", [], {}):
        return "—"
    if isinstance(value, list):
        text = "、".join(_item_text(item) for item in value)
    else:
        text = _item_text(value)
    text = _NOT_SHOWN.sub("?", text)
    return text if len(text) <= _VALUE_SHOWN else text[: _VALUE_SHOWN - 1] + "…"


def _item_text(value: JsonValue) -> str:
    if isinstance(value, dict):
        for key in _LABEL_FIELDS:
            label = value.get(key)
            if isinstance(label, str) and label.strip():
                return label.strip()
        return "…"
    if isinstance(value, list):
        return f"[{len(value)}]"
    return str(value)


class HomeViewModel(Saving):
    def __init__(self, core: FieldAppCore, now: datetime | None = None) -> None:
        super().__init__()
        self.core = core
        self.now = now
        self.role: Role | None = None
        self.name = ""
        self.checkins_due: list[SubjectRow] = []
        self.overdue = 0
        self.open_cases = 0
        self.follow_ups: list[CaseRow] = []
        self.recent_cases: list[CaseRow] = []
        self.drafts: list[DraftItem] = []
        self.attention: list[AttentionItem] = []
        self.load()

    @property
    def works_on_subjects(self) -> bool:
        return self.role in (Role.OFFICER, Role.SUPERVISOR, Role.ADMIN)

    @property
    def works_on_cases(self) -> bool:
        return self.role in (Role.MEDIATOR, Role.SUPERVISOR, Role.ADMIN)

    def load(self) -> None:
        store = self.core.store
        user = self.core.user
        self.role = user.role if user else None
        self.name = user.display_name if user else ""
        now = self.core.now() if self.now is None else self.now.astimezone(self.core.zone)
        today = now.date()
        if self.works_on_subjects:
            listed = subject_listing(store, now, correction_settings(self.core))
            due = [
                row for row in (listed_row(item, today) for item in listed) if row.due_on <= today
            ]
            self.overdue = sum(1 for row in due if row.overdue)
            self.checkins_due = due
        if self.works_on_cases:
            unsent = unsent_ids(store)
            open_cases = list_cases(store, status=OPEN_CASE_STATUSES)
            self.open_cases = len(open_cases)
            self.follow_ups = [
                case_row(case, today, unsent, self.core.zone)
                for case in open_cases
                if case.follow_up_due is not None and case.follow_up_due <= today
            ]
            self.recent_cases = [
                case_row(case, today, unsent, self.core.zone) for case in open_cases[:HOME_LIST]
            ]
        self.drafts = self._drafts()
        self.attention = self._attention()
        self.notify()

    def _drafts(self) -> list[DraftItem]:
        store = self.core.store
        items = []
        for draft in list_drafts(store):
            kind, _, ident = draft.key.partition(":")
            if draft.key == INTAKE_DRAFT:
                items.append(
                    DraftItem(
                        draft.key,
                        msg("draft.case_intake"),
                        draft.updated_at,
                        Route(Screen.CASE_NEW),
                    )
                )
            elif kind == "visit" and ident:
                title = case_title(store, UUID(ident))
                items.append(
                    DraftItem(
                        draft.key,
                        msg("draft.visit", title=title),
                        draft.updated_at,
                        Route.to(Screen.VISIT_NEW, case=ident),
                    )
                )
            elif kind == "agreement" and ident:
                case, _, agreement = ident.partition(":")
                params = {"case": case, **({"id": agreement} if agreement else {})}
                items.append(
                    DraftItem(
                        draft.key,
                        msg("draft.agreement", title=case_title(store, UUID(case))),
                        draft.updated_at,
                        Route.to(Screen.AGREEMENT_EDIT, **params),
                    )
                )
            elif (
                kind == "form" and (found := form_draft(draft.key, partial(case_title, store)))
            ) or (found := correction_draft(self.core, draft.key)) is not None:
                items.append(DraftItem(draft.key, found[0], draft.updated_at, found[1]))
            elif kind == "checkin" and ident:
                subject = subject_of(store, UUID(ident))
                items.append(
                    DraftItem(
                        draft.key,
                        msg("draft.checkin", name=subject.name if subject else ""),
                        draft.updated_at,
                        Route.to(Screen.CHECKIN, subject=ident),
                    )
                )
        return items

    def _attention(self) -> list[AttentionItem]:
        store = self.core.store
        found = attention(store)
        items = [
            AttentionItem(
                "rejected",
                _refused_title(change, stored_fields(store, change.table, change.record_id)),
                change.message or change.code or "",
                _route(record_owner(store, change.table.value, change.record_id)),
                change.mutation_id,
                what_to_do=server_refusal(change.code, change.field),
            )
            for change in found.rejected
        ]
        items += [
            AttentionItem(
                "sent_back",
                msg("attention.sent_back", what=msg(f"table.{review.target_table.value}")),
                review.comment,
                _route(record_owner(store, review.target_table.value, review.target_id)),
            )
            for review in found.needs_changes
        ]
        items += [
            AttentionItem(
                "conflict",
                msg("attention.conflict", field=_field_label(conflict.field)),
                _value_text(conflict.overwritten_value)
                + " → "
                + _value_text(conflict.current_value),
                _route(record_owner(store, conflict.table_name, conflict.record_id)),
            )
            for conflict in found.conflicts
        ]
        items += [
            AttentionItem(
                "upload_refused",
                msg("attention.upload_refused"),
                blob.last_error or "",
                None,
                sha256=blob.sha256,
            )
            for blob in found.refused_blobs
        ]
        return items

    def send_again(self, item: AttentionItem) -> bool:
        """The server refused it; the user fixed what it pointed at elsewhere, or
        the cause went away (a deleted reference restored): queue it again."""
        return self._send_again(item.mutation_id, item.sha256)

    @saves_once
    def _send_again(self, mutation_id: UUID | None, sha256: str | None) -> bool:
        if mutation_id is not None:
            retry_change(self.core.store, mutation_id)
        elif sha256 is not None:
            retry_upload(self.core.blobs, sha256)
        else:
            return False
        self.core.changed()
        self.load()
        return True

    def give_up(self, item: AttentionItem) -> bool:
        """Drop a refused change for good (the server keeps its own version)."""
        return False if item.mutation_id is None else self._give_up(item.mutation_id)

    @saves_once
    def _give_up(self, mutation_id: UUID) -> bool:
        discard_change(self.core.store, mutation_id)
        self.core.changed()
        self.load()
        return True

    @property
    def today(self) -> date:
        return (self.core.now() if self.now is None else self.now.astimezone(self.core.zone)).date()
