"""Recording one event of a subject: the form of its kind (``event_forms``),
then — for what the subject signs (the announcements, a leave request, a
reward or sanction) — the subject's signature on the screen, then one save.

The form is a draft from the first keystroke (``"event:<subject>:<kind>"``),
and it is checked by the contract before the subject is handed the phone:
a missing place or a leave longer than the district allows is said while
the officer can still fix it, never after the subject has signed. A leave
request is checked against the subject's other requests and the district's
limits (``shared_models.correction.leave``) and says who will decide.
"""

from datetime import date
from enum import StrEnum
from uuid import UUID

from pydantic import JsonValue, TypeAdapter, ValidationError

from field_app.core import FieldAppCore
from field_app.errors import SaveRejectedError
from field_app.i18n import Msg, msg
from field_app.services.directory import org_units
from field_app.services.drafts import delete_draft, load_draft, save_draft
from field_app.services.signature_strokes import BlankSignatureError, Point, clamp, signature_png
from field_app.services.subjects import subject_of
from field_app.viewmodels.base import Saving, field_name, saves_once
from field_app.viewmodels.event_forms import FORMS, SIGNED_KINDS, FieldType, FormField
from field_app.viewmodels.event_save import leave_outlook, leave_problem, save_event
from field_app.viewmodels.event_values import FormValue, content_of, empty_value
from shared_models.domain import SubjectRecord
from shared_models.domain.event_content import EventContent, EventKind, LeaveRequest
from shared_models.domain.org import OrgUnitKind
from shared_models.problems import first_problem

_CONTENT: TypeAdapter[EventContent] = TypeAdapter(EventContent)


class Stage(StrEnum):
    FORM = "form"
    SIGN = "sign"


class EventFormViewModel(Saving):
    def __init__(
        self,
        core: FieldAppCore,
        subject_id: UUID,
        kind: EventKind,
        request_id: UUID | None = None,
    ) -> None:
        super().__init__()
        self.core = core
        self.subject_id = subject_id
        self.kind = kind
        self.request_id = request_id
        self.subject: SubjectRecord | None = subject_of(core.store, subject_id)
        self.fields: tuple[FormField, ...] = FORMS[kind]
        self.values: dict[str, FormValue] = {f.name: empty_value(f) for f in self.fields}
        self.day = core.now().date().isoformat()
        self.stage = Stage.FORM
        self.strokes: list[list[Point]] = []
        self.error: Msg | None = None
        self.error_field: str | None = None
        self.saved_id: UUID | None = None
        self.draft_key = f"event:{subject_id}:{kind.value}" + (
            f":{request_id}" if request_id else ""
        )
        self.resumed = self._restore()

    # -- what the form shows -------------------------------------------------------------

    @property
    def found(self) -> bool:
        return self.subject is not None

    @property
    def signs(self) -> bool:
        """The subject signs this kind on the screen before it is saved."""
        return self.kind in SIGNED_KINDS

    def value(self, name: str) -> FormValue:
        return self.values.get(name, "")

    def text(self, name: str) -> str:
        value = self.values.get(name, "")
        return value if isinstance(value, str) else ""

    def options(self, field: FormField) -> list[tuple[str, Msg]]:
        return [(value, msg(f"{field.option_key}.{value}")) for value in field.options]

    def offices(self) -> list[tuple[str, str]]:
        """The offices a record can move to (a change of residence), by name."""
        current = self.subject.org_unit_id if self.subject else None
        units = [u for u in org_units(self.core.store) if u.kind is OrgUnitKind.OFFICE]
        return sorted(((str(u.id), u.name) for u in units if u.id != current), key=lambda o: o[1])

    def field_error(self, name: str) -> Msg | None:
        return self.error if self.error_field == name else None

    @property
    def leave_outlook(self) -> Msg | None:
        """For a leave request: its length, who decides, what is left this year."""
        if self.kind is not EventKind.LEAVE_REQUEST or self.subject is None:
            return None
        return leave_outlook(self.core, self.subject_id, self.text("start"), self.text("end"))

    # -- editing -----------------------------------------------------------------------

    def set(self, name: str, value: FormValue) -> None:
        if name not in self.values:
            return
        self.values[name] = value
        if self.error_field == name:
            self.error, self.error_field = None, None
        self.saves.reopen()
        self._keep()

    def toggle(self, name: str, option: str) -> None:
        """An ``ITEMS`` field: add or take out one option."""
        chosen = self.values.get(name)
        if not isinstance(chosen, list):
            return
        updated = [o for o in chosen if o != option] if option in chosen else [*chosen, option]
        self.set(name, updated)
        self.notify()

    def choose(self, name: str, option: str) -> None:
        self.set(name, option)
        self.notify()

    def set_day(self, text: str) -> None:
        self.day = text
        if self.error_field == "occurred_on":
            self.error, self.error_field = None, None
        self._keep()

    # -- checking and signing ------------------------------------------------------------------

    def content(self) -> dict[str, JsonValue]:
        fields = content_of(self.fields, self.values)
        if self.kind is EventKind.LEVEL_CHANGE and self.subject is not None:
            fields["from_level"] = self.subject.supervision_level.value
        return {"kind": self.kind.value, **fields}

    def _occurred_on(self) -> date | None:
        try:
            return date.fromisoformat(self.day.strip())
        except ValueError:
            self._fail("occurred_on", msg("review.error.day"))
            return None

    def check(self) -> EventContent | None:
        """The content as the contract reads it, or ``None`` with the first
        problem named (and the day, and a leave's limits)."""
        self.error, self.error_field = None, None
        if self._occurred_on() is None:
            return None
        try:
            content = _CONTENT.validate_python(self.content())
        except ValidationError as problem:
            where, message = first_problem(problem)
            self._fail(field_name(where) or "", msg("error.check_form", detail=message))
            return None
        if isinstance(content, LeaveRequest):
            refusal = leave_problem(self.core, self.subject_id, content)
            if refusal is not None:
                self._fail(refusal.field, msg("error.check_form", detail=refusal.message))
                return None
        return content

    def next(self) -> bool:
        """To the signature, once the form is right."""
        if self.check() is None:
            return False
        self.stage = Stage.SIGN
        self.notify()
        return True

    def back_to_form(self) -> None:
        self.stage = Stage.FORM
        self.notify()

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

    # -- saving ----------------------------------------------------------------------------

    @saves_once(key="event")
    def save(self) -> bool:
        """Check, then save (with the subject's signature where they sign)."""
        content = self.check()
        occurred_on = self._occurred_on()
        if content is None or occurred_on is None:
            self.notify()
            return False
        signature: bytes | None = None
        if self.signs:
            try:
                signature = signature_png([tuple(stroke) for stroke in self.strokes])
            except BlankSignatureError:
                self.error = msg("signature.error.blank")
                self.notify()
                return False
        try:
            self.saved_id = save_event(
                self.core, self.subject_id, content, occurred_on, self.request_id, signature
            )
        except SaveRejectedError as refused:
            self.stage = Stage.FORM
            self._fail(
                field_name(refused.field) or "", msg("error.check_form", detail=refused.message)
            )
            self.notify()
            return False
        delete_draft(self.core.store, self.draft_key)
        self.core.changed()
        self.notify()
        return True

    def _fail(self, name: str, message: Msg) -> None:
        self.error_field = name or None
        self.error = message

    # -- the draft -----------------------------------------------------------------------

    def _keep(self) -> None:
        payload: dict[str, JsonValue] = {"day": self.day}
        for name, value in self.values.items():
            payload[name] = list(value) if isinstance(value, list) else value
        save_draft(self.core.store, self.draft_key, payload)

    def _restore(self) -> bool:
        draft = load_draft(self.core.store, self.draft_key)
        if not draft:
            return False
        day = draft.get("day")
        if isinstance(day, str):
            self.day = day
        for field in self.fields:
            value = draft.get(field.name)
            if field.type is FieldType.ITEMS and isinstance(value, list):
                self.values[field.name] = [str(v) for v in value if v in field.options]
            elif isinstance(value, str):
                self.values[field.name] = value
        return True
