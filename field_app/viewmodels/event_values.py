"""A form's typed-in values as an event's content, and back.

The form keeps what was typed as text (a draft holds exactly that); the
content is built from it by each field's type (``event_forms.FormField``)
only when the officer saves, so a half-typed day or number is never lost,
only named: the contract refuses it with the field's name.
"""

from collections.abc import Mapping
from typing import Final

from pydantic import JsonValue

from field_app.viewmodels.event_forms import FieldType, FormField

TRUE: Final = "yes"
FALSE: Final = "no"

FormValue = str | list[str]
"""Text of a field; the chosen values of an ``ITEMS`` field."""


def empty_value(field: FormField) -> FormValue:
    if field.type is FieldType.ITEMS:
        return list(field.options)  # every item is read, unless the officer says otherwise
    if field.type is FieldType.CHOICE and field.options:
        return field.options[0]
    return ""


def _number(text: str) -> JsonValue:
    cleaned = text.strip().replace("，", ".").replace(",", ".")
    try:
        return float(cleaned)
    except ValueError:
        return text  # the contract names the field: "must be a number"


def content_value(field: FormField, value: FormValue) -> JsonValue:
    """The wire value of one field, or ``None`` for "leave it out"."""
    if field.type is FieldType.ITEMS:
        return list(value) if isinstance(value, list) else []
    text = value if isinstance(value, str) else ""
    stripped = text.strip()
    if field.type is FieldType.LINES:
        return [line.strip() for line in text.splitlines() if line.strip()]
    if field.type is FieldType.HOURS:
        return _number(stripped) if stripped else None
    if field.type is FieldType.YES_NO:
        return {TRUE: True, FALSE: False}.get(stripped)
    if field.type in (FieldType.DAY, FieldType.UNIT, FieldType.PHONE):
        return stripped or None
    return text if field.type is FieldType.LONG else stripped


def content_of(
    fields: tuple[FormField, ...], values: Mapping[str, FormValue]
) -> dict[str, JsonValue]:
    """The content fields the officer gave (empty optional ones left to the
    contract's defaults)."""
    content: dict[str, JsonValue] = {}
    for field in fields:
        value = content_value(field, values.get(field.name, empty_value(field)))
        if value is None:
            continue
        content[field.name] = value
    return content
