"""A Pydantic validation problem as (field, message): the one form in which
both sides name what is wrong with a record.

The server puts it in a rejected mutation (``MutationError.field``) and in a
``422`` envelope; the app puts it under the form field that needs fixing.
Both must agree, or a refusal from the server lands under another field
than the same refusal found on the phone.
"""

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

_PREFIX = "Value error, "
"""What Pydantic puts before the text of a ``ValueError`` a validator raised:
noise to a person reading the message."""


def problem_message(item: Mapping[str, Any]) -> str:
    """The text of one problem (an item of ``ValidationError.errors()``)."""
    return str(item.get("msg", "")).removeprefix(_PREFIX)


def field_and_message(item: Mapping[str, Any], skip: int = 0) -> tuple[str | None, str]:
    """One problem as (dotted field path or ``None``, message).

    ``skip`` leaves out the first parts of the location (FastAPI's ``body``).
    A model validator has no location of its own; ours then write the field
    first, ``"signed_at: must be after …"``, and that field is taken from
    the message.
    """
    where = ".".join(str(part) for part in tuple(item.get("loc", ()))[skip:])
    message = problem_message(item)
    if not where and ":" in message:
        where, message = (part.strip() for part in message.split(":", 1))
    return where or None, message


def first_problem(error: ValidationError) -> tuple[str | None, str]:
    """The first problem of ``error`` as (field, message): a form or a push
    names one thing to fix at a time."""
    return field_and_message(error.errors()[0])
