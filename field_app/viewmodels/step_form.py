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
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import JsonValue

from field_app.core import FieldAppCore
from field_app.errors import SaveRejectedError
from field_app.i18n import Msg, msg
from field_app.services.drafts import delete_draft, load_draft, save_draft
from field_app.services.photos import PhotoRejectedError, prepare_photo
from field_app.services.signature_strokes import BlankSignatureError, Point, clamp, signature_png
from field_app.viewmodels.base import Saving, field_name, rejected_message, saves_once

FORM_DRAFT = "form"
"""Drafts of these forms are keyed ``form:<form name>:<record or case id>…``."""


class FieldKind(StrEnum):
    TEXT = "text"
    LONG_TEXT = "long_text"
    PHONE = "phone"
    NUMBER = "number"
    DATE = "date"
    CHOICE = "choice"


@dataclass(frozen=True)
class FormField:
    """One field: its name in the record, its label (an i18n key), its kind."""

    name: str
    label: str
    kind: FieldKind = FieldKind.TEXT
    required: bool = False
    choices: tuple[str, ...] = ()
    """A ``CHOICE``'s values; each is shown as ``<choice_prefix>.<value>``."""
    choice_prefix: str = ""
    hint: str = ""
    """An i18n key said under the field (what to write there)."""


@dataclass(frozen=True)
class FormStep:
    """What one screenful asks: a few fields, photos, or a signature."""

    title: str | Msg
    fields: tuple[FormField, ...] = ()
    photos: int = 0
    """How many photos this step takes (0: none)."""
    photo_hint: str = ""
    signer: str = ""
    """Non-empty: this step is a signature (the pad, or a fingerprint photo),
    kept under this name; the text is who signs."""
    signer_label: str | Msg = ""
    required_signature: bool = True
    note: str | Msg = ""
    """Text shown on top of the step (the notice read to a party, …)."""


@dataclass
class Signature:
    """A signer's ink (strokes on the pad) or their fingerprint photo."""

    strokes: list[list[Point]] = field(default_factory=list)
    fingerprint: bytes | None = None

    @property
    def given(self) -> bool:
        return self.fingerprint is not None or bool(self.strokes)

    def image(self) -> tuple[bytes, bool]:
        """The PNG drawn from the strokes, or the fingerprint photo (then ``True``)."""
        if self.fingerprint is not None:
            return self.fingerprint, True
        return signature_png([tuple(s) for s in self.strokes]), False


@dataclass(frozen=True)
class FormPhoto:
    jpeg: bytes
    thumbnail: bytes


@dataclass(frozen=True)
class FormInput:
    """What a finished form hands to ``submit``: texts, photos, signatures."""

    values: Mapping[str, str]
    photos: Mapping[int, Sequence[bytes]]
    """The photos of each step (by the step's index), JPEG."""
    signatures: Mapping[str, tuple[bytes, bool]]
    """Each signer's image and whether it is a fingerprint photo."""

    def text(self, name: str) -> str:
        return self.values.get(name, "").strip()

    def optional(self, name: str) -> str | None:
        return self.text(name) or None

    def day(self, name: str) -> date | None:
        text = self.text(name)
        return date.fromisoformat(text) if text else None


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
        self.steps = list(steps)
        self.step = 0
        self.values: dict[str, str] = {
            f.name: "" for s in self.steps for f in s.fields if f.kind is not FieldKind.CHOICE
        }
        self.values.update(initial or {})
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

    def signature(self, signer: str) -> Signature:
        return self.signatures.setdefault(signer, Signature())

    # -- editing (each change is kept in the draft) -------------------------------

    def set(self, name: str, value: str) -> None:
        """A field typed or chosen; text changes do not re-render (typing goes on)."""
        self.values[name] = value
        self.field_errors.pop(name, None)
        self._keep()

    def choose(self, name: str, value: str) -> None:
        self.set(name, value)
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

    def begin(self, x: float, y: float) -> None:
        """The pad's interface (``views/signature_pad.py``): a stroke starts."""
        self.signature(self.current.signer).strokes.append([clamp(x, y)])
        self.error = None

    def extend(self, x: float, y: float) -> None:
        strokes = self.signature(self.current.signer).strokes
        if not strokes:
            strokes.append([])
        point = clamp(x, y)
        if not strokes[-1] or strokes[-1][-1] != point:
            strokes[-1].append(point)

    @property
    def strokes(self) -> list[list[Point]]:
        return self.signature(self.current.signer).strokes if self.current.signer else []

    def clear_signature(self) -> None:
        self.signatures[self.current.signer] = Signature()
        self._keep()
        self.notify()

    def end_stroke(self) -> None:
        """A stroke ended: the draft keeps the ink too."""
        self._keep()

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

    def _step_ok(self, index: int) -> bool:
        step = self.steps[index]
        errors = {
            f.name: msg("form.error.required", field=msg(f.label))
            for f in step.fields
            if f.required and not self.value(f.name).strip()
        }
        for f in step.fields:
            if f.kind is FieldKind.DATE and self.value(f.name).strip():
                try:
                    date.fromisoformat(self.value(f.name).strip())
                except ValueError:
                    errors[f.name] = msg("form.error.date", field=msg(f.label))
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
        name = field_name(refused.field)
        for index, step in enumerate(self.steps):
            if any(f.name == name for f in step.fields):
                self.field_errors[name or ""] = self.error
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
        return {"step": self.step, "values": values, "photos": photos, "signatures": signatures}

    def _keep(self) -> None:
        if self.saved_id is None:
            save_draft(self.core.store, self.draft_key, self._payload())

    def _restore(self) -> bool:
        draft: dict[str, Any] | None = load_draft(self.core.store, self.draft_key)
        if not draft:
            return False
        self.step = min(max(int(draft.get("step", 0)), 0), len(self.steps) - 1)
        values = draft.get("values")
        if isinstance(values, dict):
            self.values.update({str(k): str(v) for k, v in values.items()})
        photos = draft.get("photos")
        if isinstance(photos, dict):
            for index, taken in photos.items():
                if int(index) < len(self.steps) and isinstance(taken, list):
                    self.photos[int(index)] = [
                        FormPhoto(base64.b64decode(p["jpeg"]), base64.b64decode(p["thumbnail"]))
                        for p in taken
                    ]
        signatures = draft.get("signatures")
        if isinstance(signatures, dict):
            for name, s in signatures.items():
                strokes = [[(float(x), float(y)) for x, y in stroke] for stroke in s["strokes"]]
                print_ = s.get("fingerprint")
                self.signatures[name] = Signature(
                    strokes, base64.b64decode(print_) if print_ else None
                )
        return True
