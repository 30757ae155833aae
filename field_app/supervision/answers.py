"""Reading the desk's answers: one rule for every supervisor call."""

from typing import TypeVar

import httpx
from pydantic import TypeAdapter, ValidationError

from field_app.errors import Offline

T = TypeVar("T")


def read_answer(response: httpx.Response, shape: type[T] | TypeAdapter[T]) -> T:
    """The answer as ``shape``; an unreadable one is no answer (``Offline``),
    as for the sync calls."""
    adapter = shape if isinstance(shape, TypeAdapter) else TypeAdapter(shape)
    try:
        return adapter.validate_json(response.content)
    except ValidationError:
        raise Offline(f"unreadable {response.status_code} answer") from None
