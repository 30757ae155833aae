"""A body validated from its bytes answers exactly as the framework does."""

from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict

from sync_server.api.validated_body import ValidatedBodyRoute
from sync_server.core.errors import install_error_handlers


class Parcel(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    name: str
    count: int
    tags: list[str] = []


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    for router in (
        APIRouter(prefix="/plain"),
        APIRouter(prefix="/validated", route_class=ValidatedBodyRoute),
    ):

        @router.post("/parcels")
        def receive(body: Parcel) -> dict[str, Any]:
            return {"type": type(body).__name__, **body.model_dump()}

        app.include_router(router)
    return app


@pytest.mark.parametrize(
    "body",
    [
        b'{"name": "coal shed", "count": 2, "tags": ["a"]}',
        b'{"name": "coal shed", "count": "2"}',
        b'{"name": "coal shed"}',
        b'{"name": "coal shed", "count": 2, "extra": 1}',
        b'{"name": 5, "count": 2.5}',
        b'{"name": "coal shed", "count": 2',
        b"[1, 2]",
        b"",
    ],
)
def test_answers_match_the_frameworks(body: bytes) -> None:
    client = TestClient(_app())
    headers = {"Content-Type": "application/json"}
    plain = client.post("/plain/parcels", content=body, headers=headers)
    validated = client.post("/validated/parcels", content=body, headers=headers)
    assert (validated.status_code, validated.json()) == (plain.status_code, plain.json())


def test_the_route_gets_the_model() -> None:
    client = TestClient(_app())
    answer = client.post("/validated/parcels", json={"name": "煤棚", "count": 1})
    assert answer.json() == {"type": "Parcel", "name": "煤棚", "count": 1, "tags": []}
