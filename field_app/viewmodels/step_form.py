"""One form at a time, a few fields per step: the shape of every mediation
form on the phone (a case's details, a party, and the record behind each
step of the lifecycle — application, acceptance, notice, records,
agreement, termination, judicial confirmation, follow-up, closing, archive,
referral).

A form is a list of ``FormStep``s, each a handful of fields, photos or a
signature; the person moves through them with *Next* and *Back* and saves
on the last one. Like the intake and the agreement forms, every keystroke
is kept in a draft (``services/drafts.py``, encrypted): leaving the screen,
a call, a rotation or a killed app loses nothing, and Home offers to
continue. Saving writes on the phone at once (``saves_once``), offline or
not; what the form writes is the subclass's business (``submit``).
"""

import base64
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import JsonValue

from field_app.core import FieldAppCore
from field_app.errors import SaveRejectedError
from field_app.i18n import Msg, msg
from field_app.services.drafts import delete_draft, load_draft, save_draft
from field_app.services.photos import PhotoRejectedError, prepare_photo
from field_app.services.signature_strokes import BlankSignatureError, Point, clamp
from field_app.viewmodels.base import Saving, field_name, rejected_message, saves_once
from field_app.viewmodels.form_spec import (
    FieldKind,
    FormField,
    FormInput,
    FormPhoto,
    FormStep,
    Signature,
    expand,
)

FORM_DRAFT = "form"
"""Drafts of these forms are keyed ``form:<form name>:<case id>…``."""


class StepFormViewModel(Saving):
    """A form in steps with its draft. Subclasses give the steps, the
    initial values (an edit starts from the record) and ``submit``."""

    def __init__(
        self,
        core: FieldAppCore,
        draft_key: str,
        steps: Sequence[FormStep],
        initial: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.core = core
        self.draft_key = draft_key
        self.templates = list(steps)
        self.counts: dict[str, int] = {}
        """How many entries each repeated group has (one to begin with)."""
        self.steps = expand(self.templates, self.counts)
        self.step = 0
        self.values: dict[str, str] = dict(initial or {})
        self.photos: dict[int, list[FormPhoto]] = {}
        self.signatures: dict[str, Signature] = {}
        self.error: Msg | None = None
        self.field_errors: dict[str, Msg] = {}
        self.saved_id: UUID | None = None
        self.resumed = self._restore()

    # -- what the screen shows --------------------------------------------------------

    @property
    def current(self) -> FormStep:
        return self.steps[self.step]

    @property
    def last(self) -> bool:
        return self.step == len(self.steps) - 1

    def value(self, name: str) -> str:
        return self.values.get(name, "")

    def chosen(self, name: str) -> list[str]:
        return [v for v in self.value(name).split(",") if v]

    def signature(self, signer: str) -> Signature:
        return self.signatures.setdefault(signer, Signature())

    @property
    def can_repeat(self) -> bool:
        """The current step is a group the person may add another of."""
        return bool(self.current.repeat)

    # -- editing (each change is kept in the draft) -------------------------------

    def set(self, name: str, value: str) -> None:
        """A field typed or chosen; text changes do not re-render (typing goes on)."""
        self.values[name] = value
        if self.field_errors.pop(name, None) is not None and not self.field_errors:
            self.error = None  # what was said about this field no longer holds
        self._keep()

    def choose(self, name: str, value: str) -> None:
        self.set(name, value)
        self.notify()

    def toggle(self, name: str, value: str) -> None:
        """One of several choices (``MULTI``) on or off."""
        chosen = self.chosen(name)
        chosen = [v for v in chosen if v != value] if value in chosen else [*chosen, value]
        self.choose(name, ",".join(chosen))

    def add_repeat(self) -> None:
        """Another entry of the current step's group, opened at once."""
        group = self.current.repeat
        if not group:
            return
        self.counts[group] = self.counts.get(group, 1) + 1
        self.steps = expand(self.templates, self.counts)
        last = max(i for i, s in enumerate(self.steps) if s.repeat == group)
        self.step = last
        self.error = None
        self._keep()
        self.notify()

    def add_photo(self, raw: bytes) -> bool:
        """Re-encoded at once (slow: views run it off the UI thread)."""
        limit = self.current.photos
        taken = self.photos.setdefault(self.step, [])
        if len(taken) >= limit:
            self.error = msg("photo.error.too_many", count=limit)
            self.notify()
            return False
        try:
            prepared = prepare_photo(raw, self.core.zone)
        except PhotoRejectedError:
            self.error = msg("photo.error.unreadable")
            self.notify()
            return False
        taken.append(FormPhoto(prepared.jpeg, prepared.thumbnail))
        self.error = None
        self._keep()
        self.notify()
        return True

    def remove_photo(self, index: int) -> None:
        del self.photos[self.step][index]
        self._keep()
        self.notify()

    # -- the signature pad (``views/signature_pad.py: Ink``) ------------------------

    @property
    def strokes(self) -> list[list[Point]]:
        return self.signature(self.current.signer).strokes if self.current.signer else []

    def begin(self, x: float, y: float) -> None:
        self.signature(self.current.signer).strokes.append([clamp(x, y)])
        self.error = None

    def extend(self, x: float, y: float) -> None:
        strokes = self.signature(self.current.signer).strokes
        if not strokes:
            strokes.append([])
        point = clamp(x, y)
        if not strokes[-1] or strokes[-1][-1] != point:
            strokes[-1].append(point)

    def end_stroke(self) -> None:
        """A stroke ended: the draft keeps the ink too."""
        self._keep()

    def clear_signature(self) -> None:
        self.signatures[self.current.signer] = Signature()
        self._keep()
        self.notify()

    def add_fingerprint(self, raw: bytes) -> bool:
        """A party who cannot sign gives a photo of their fingerprint (按指印)."""
        try:
            prepared = prepare_photo(raw, self.core.zone)
        except PhotoRejectedError:
            self.error = msg("photo.error.unreadable")
            self.notify()
            return False
        self.signatures[self.current.signer] = Signature(fingerprint=prepared.jpeg)
        self.error = None
        self._keep()
        self.notify()
        return True

    # -- steps ------------------------------------------------------------------------

    def next(self) -> bool:
        if not self._step_ok(self.step):
            self.notify()
            return False
        self.step = min(len(self.steps) - 1, self.step + 1)
        self.error = None
        self._keep()
        self.notify()
        return True

    def back(self) -> None:
        self.step = max(0, self.step - 1)
        self.error = None
        self._keep()
        self.notify()

    def _field_problem(self, spec: FormField, entry_used: bool) -> Msg | None:
        text = self.value(spec.name).strip()
        if not text:
            return (
                msg("form.error.required", field=spec.label_msg)
                if spec.required and entry_used
                else None
            )
        try:
            if spec.kind is FieldKind.DATE:
                date.fromisoformat(text)
            elif spec.kind is FieldKind.DATETIME:
                datetime.fromisoformat(text)
        except ValueError:
            return msg("form.error.date", field=spec.label_msg)
        if spec.kind is FieldKind.NUMBER and not text.isdigit():
            return msg("form.error.number", field=spec.label_msg)
        return None

    def _step_ok(self, index: int) -> bool:
        step = self.steps[index]
        # A second entry of a group left empty is no entry (the first one counts).
        used = not step.repeat or _first(self.steps, step)
        used = used or any(self.value(f.name).strip() for f in step.fields)
        errors = {f.name: problem for f in step.fields if (problem := self._field_problem(f, used))}
        self.field_errors = errors
        if errors:
            self.error = next(iter(errors.values()))
            return False
        if step.signer and step.required_signature:
            signature = self.signature(step.signer)
            if not signature.given:
                self.error = msg("form.error.signature")
                return False
            try:
                signature.image()
            except BlankSignatureError:
                self.error = msg("signature.error.blank")
                return False
        return self.check_step(index)

    def check_step(self, index: int) -> bool:
        """A form's own rule for a step (set ``error`` and say ``False``)."""
        return True

    # -- saving --------------------------------------------------------------------

    @saves_once
    def save(self) -> bool:
        for index in range(len(self.steps)):
            if not self._step_ok(index):
                self.step = index
                self.notify()
                return False
        form = FormInput(
            values=dict(self.values),
            photos={i: [p.jpeg for p in taken] for i, taken in self.photos.items()},
            signatures={name: s.image() for name, s in self.signatures.items() if s.given},
            zone=self.core.zone,
        )
        try:
            self.saved_id = self.submit(form)
        except SaveRejectedError as refused:
            self._show_rejection(refused)
            return False
        except PhotoRejectedError:
            self.error = msg("photo.error.unreadable")
            self.notify()
            return False
        delete_draft(self.core.store, self.draft_key)
        self.error = None
        self.core.changed()
        self.notify()
        return True

    def submit(self, form: FormInput) -> UUID:
        """Write the form on the phone; the id of what it wrote."""
        raise NotImplementedError

    def refusal(self, refused: SaveRejectedError) -> Msg:
        """How a refusal is said (forms with rules of their own say more)."""
        return rejected_message(refused)

    def _show_rejection(self, refused: SaveRejectedError) -> None:
        self.error = self.refusal(refused)
        where = refused.field or ""
        for index, step in enumerate(self.steps):
            names = {f.name for f in step.fields}
            found = where if where in names else field_name(where)
            if found in names:
                self.field_errors[found or ""] = self.error
                self.step = index
                break
        self.notify()

    def discard(self) -> None:
        delete_draft(self.core.store, self.draft_key)

    # -- the draft --------------------------------------------------------------------

    def _payload(self) -> dict[str, JsonValue]:
        def b64(data: bytes) -> str:
            return base64.b64encode(data).decode("ascii")

        photos: dict[str, JsonValue] = {
            str(i): [{"jpeg": b64(p.jpeg), "thumbnail": b64(p.thumbnail)} for p in taken]
            for i, taken in self.photos.items()
        }
        signatures: dict[str, JsonValue] = {
            name: {
                "strokes": [[list(point) for point in stroke] for stroke in s.strokes],
                "fingerprint": b64(s.fingerprint) if s.fingerprint else None,
            }
            for name, s in self.signatures.items()
            if s.given
        }
        values: dict[str, JsonValue] = dict(self.values)
        counts: dict[str, JsonValue] = dict(self.counts)
        return {
            "step": self.step,
            "values": values,
            "counts": counts,
            "photos": photos,
            "signatures": signatures,
        }

    def _keep(self) -> None:
        if self.saved_id is None:
            save_draft(self.core.store, self.draft_key, self._payload())

    def _restore(self) -> bool:
        draft: dict[str, Any] | None = load_draft(self.core.store, self.draft_key)
        if not draft:
            return False
        counts = draft.get("counts")
        if isinstance(counts, dict):
            self.counts = {str(k): int(v) for k, v in counts.items()}
            self.steps = expand(self.templates, self.counts)
        self.step = min(max(int(draft.get("step", 0)), 0), len(self.steps) - 1)
        values = draft.get("values")
        if isinstance(values, dict):
            self.values.update({str(k): str(v) for k, v in values.items()})
        for index, taken in (draft.get("photos") or {}).items():
            if int(index) < len(self.steps):
                self.photos[int(index)] = [
                    FormPhoto(base64.b64decode(p["jpeg"]), base64.b64decode(p["thumbnail"]))
                    for p in taken
                ]
        for name, s in (draft.get("signatures") or {}).items():
            strokes = [[(float(x), float(y)) for x, y in stroke] for stroke in s["strokes"]]
            fingerprint = s.get("fingerprint")
            self.signatures[name] = Signature(
                strokes, base64.b64decode(fingerprint) if fingerprint else None
            )
        return True


def _first(steps: Sequence[FormStep], step: FormStep) -> bool:
    """``step`` is the first entry of its repeated group."""
    return next(s for s in steps if s.repeat == step.repeat) is step
