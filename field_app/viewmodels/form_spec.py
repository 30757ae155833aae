"""What a step form is made of (``viewmodels/step_form.py``): steps of a few
fields, photos or a signature, and what a finished form hands over.

A field's label is an i18n key, or a ``Msg`` when it names something of
the case (an obligation, a party). A step with ``repeat`` is a group the
person can add again (another person heard, another obligation); its
fields are kept as ``<group>.<n>.<name>``.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, tzinfo
from enum import StrEnum

from field_app.i18n import Msg, msg
from field_app.services.signature_strokes import Point, signature_png

YES, NO = "yes", "no"
_NAME_SEPARATORS = re.compile(r"[\n,，、;；]+")


def as_msg(text: str | Msg) -> Msg:
    """An i18n key, or a message already made (one that names the case's own things)."""
    return msg(text) if isinstance(text, str) else text


class FieldKind(StrEnum):
    TEXT = "text"
    LONG_TEXT = "long_text"
    PHONE = "phone"
    NUMBER = "number"
    DATE = "date"
    DATETIME = "datetime"
    """``YYYY-MM-DD HH:MM`` on the district's clock."""
    CHOICE = "choice"
    MULTI = "multi"
    """Several of the choices (kept comma-separated)."""
    YES_NO = "yes_no"
    NAMES = "names"
    """People, one a line (or separated by 、 or commas)."""


CHOSEN = (FieldKind.CHOICE, FieldKind.MULTI, FieldKind.YES_NO)


@dataclass(frozen=True)
class FormField:
    """One field: its name in the record, its label, its kind."""

    name: str
    label: str | Msg
    kind: FieldKind = FieldKind.TEXT
    required: bool = False
    choices: tuple[str, ...] = ()
    """A ``CHOICE``'s or ``MULTI``'s values; each is shown as ``<choice_prefix>.<value>``."""
    choice_prefix: str = ""
    hint: str = ""
    """An i18n key said under the field (what to write there)."""

    @property
    def label_msg(self) -> Msg:
        return as_msg(self.label)

    @property
    def options(self) -> tuple[tuple[str, Msg], ...]:
        if self.kind is FieldKind.YES_NO:
            return ((YES, msg("form.yes")), (NO, msg("form.no")))
        return tuple((c, msg(f"{self.choice_prefix}.{c}")) for c in self.choices)


@dataclass(frozen=True)
class FormStep:
    """What one screenful asks: a few fields, photos, or a signature."""

    title: str | Msg
    fields: tuple[FormField, ...] = ()
    photos: int = 0
    """How many photos this step takes (0: none)."""
    photo_hint: str = ""
    signer: str = ""
    """Non-empty: this step is a signature (the pad, or a fingerprint photo)
    kept under this name."""
    signer_label: str | Msg = ""
    """Who signs (shown large above the pad)."""
    required_signature: bool = True
    note: str | Msg = ""
    """Text shown on top of the step (the notice read to a party, …)."""
    repeat: str = ""
    """A group the person can add again (``<repeat>.<n>.<field>``)."""

    @property
    def title_msg(self) -> Msg:
        return as_msg(self.title)

    @property
    def note_msg(self) -> Msg | None:
        return as_msg(self.note) if self.note else None

    @property
    def signer_msg(self) -> Msg | None:
        return as_msg(self.signer_label) if self.signer_label else None

    def copy(self, n: int) -> "FormStep":
        """The ``n``-th (from 0) of a repeated group, its fields named for it."""
        return replace(
            self,
            title=msg("form.repeat", name=self.title_msg, n=n + 1),
            fields=tuple(replace(f, name=f"{self.repeat}.{n}.{f.name}") for f in self.fields),
        )


def expand(templates: Sequence[FormStep], counts: Mapping[str, int]) -> list[FormStep]:
    """The steps on screen: each repeated group as often as it was added."""
    steps: list[FormStep] = []
    for template in templates:
        if template.repeat:
            steps += [template.copy(n) for n in range(max(1, counts.get(template.repeat, 1)))]
        else:
            steps.append(template)
    return steps


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
    zone: tzinfo

    def text(self, name: str) -> str:
        return self.values.get(name, "").strip()

    def optional(self, name: str) -> str | None:
        return self.text(name) or None

    def day(self, name: str) -> date | None:
        text = self.text(name)
        return date.fromisoformat(text) if text else None

    def moment(self, name: str) -> datetime | None:
        """A ``DATETIME`` field as an instant (typed on the district's clock)."""
        text = self.text(name)
        if not text:
            return None
        return datetime.fromisoformat(text).replace(tzinfo=self.zone).astimezone(UTC)

    def yes(self, name: str) -> bool:
        return self.text(name) == YES

    def chosen(self, name: str) -> list[str]:
        return [value for value in self.text(name).split(",") if value]

    def names(self, name: str) -> list[str]:
        return [part.strip() for part in _NAME_SEPARATORS.split(self.text(name)) if part.strip()]

    def number(self, name: str) -> int | None:
        text = self.text(name)
        return int(text) if text.isdigit() else None

    def group(self, repeat: str) -> list[dict[str, str]]:
        """The entries of a repeated group that hold anything, in order."""
        entries: dict[int, dict[str, str]] = {}
        for key, value in self.values.items():
            head, _, rest = key.partition(".")
            n, _, name = rest.partition(".")
            if head == repeat and n.isdigit() and name:
                entries.setdefault(int(n), {})[name] = value.strip()
        return [entries[n] for n in sorted(entries) if any(entries[n].values())]
