"""The phone asks for location access before its first fix, and a refusal
is told apart from "no GPS" (``GeolocatorLocation`` in views/context.py)."""

import asyncio
from dataclasses import dataclass, field

import pytest
from flet_geolocator import GeolocatorPermissionStatus as Status

from field_app.views.context import (
    GeolocatorLocation,
    LocationRefusedError,
    LocationUnavailableError,
)


@dataclass
class Position:
    latitude: float = 36.6
    longitude: float = 114.5
    accuracy: float = 8.0


@dataclass
class FakeGeolocator:
    status: Status
    answer: Status
    calls: list[str] = field(default_factory=list)

    async def get_permission_status(self) -> Status:
        self.calls.append("status")
        return self.status

    async def request_permission(self) -> Status:
        self.calls.append("request")
        return self.answer

    async def get_current_position(self) -> Position:
        self.calls.append("position")
        return Position()


def _locate(geolocator: FakeGeolocator) -> tuple[float, float, float | None]:
    location = GeolocatorLocation.__new__(GeolocatorLocation)  # no page to register with
    location.geolocator = geolocator  # type: ignore[assignment]
    return asyncio.run(location.locate())


def test_the_person_is_asked_before_the_first_fix() -> None:
    geolocator = FakeGeolocator(Status.DENIED, Status.WHILE_IN_USE)
    assert _locate(geolocator) == (36.6, 114.5, 8.0)
    assert geolocator.calls == ["status", "request", "position"]


def test_a_granted_permission_is_not_asked_again() -> None:
    geolocator = FakeGeolocator(Status.WHILE_IN_USE, Status.DENIED)
    _locate(geolocator)
    assert geolocator.calls == ["status", "position"]


@pytest.mark.parametrize(
    ("status", "answer"),
    [
        (Status.DENIED, Status.DENIED),
        (Status.DENIED, Status.DENIED_FOREVER),
        (Status.DENIED_FOREVER, Status.DENIED_FOREVER),
    ],
)
def test_a_refusal_is_said_as_such_and_no_fix_is_tried(status: Status, answer: Status) -> None:
    geolocator = FakeGeolocator(status, answer)
    with pytest.raises(LocationRefusedError) as refused:
        _locate(geolocator)
    assert isinstance(refused.value, LocationUnavailableError)  # forms save without it
    assert "position" not in geolocator.calls
