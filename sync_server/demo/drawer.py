"""The base of the demo district's drawers: people, addresses, times and GPS fixes
drawn from one seeded stream."""

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar

from shared_models.domain.org import OrgUnitKind
from shared_models.domain.people import Gender, resident_id_check_char
from shared_models.domain.visits import VisitRecord
from sync_server.demo import names
from sync_server.demo.structure import Place, Structure
from sync_server.demo.tables import AREA_CODES, SURNAMES

T = TypeVar("T")


@dataclass(frozen=True)
class Person:
    name: str
    gender: Gender
    birth_date: date
    id_number: str


class Drawer:
    """Draws people, places and times from one seeded stream."""

    def __init__(self, rng: random.Random, structure: Structure, today: date) -> None:
        self.rng = rng
        self.today = today
        self.now = datetime(today.year, today.month, today.day, tzinfo=UTC)  # 08:00 in Handan
        self.offices = structure.offices
        self.visits: list[VisitRecord] = []
        self.count = 0
        # random() is an order of magnitude cheaper than randint()/choice(),
        # and 100,000 records take millions of draws.
        self.random = rng.random

    def below(self, n: int) -> int:
        return int(self.random() * n)

    def between(self, low: int, high: int) -> int:
        return low + int(self.random() * (high - low + 1))

    def uniform(self, low: float, high: float) -> float:
        return low + (high - low) * self.random()

    def pick(self, items: Sequence[T]) -> T:
        return items[int(self.random() * len(items))]

    def new_id(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def person(self, min_age: int, max_age: int, gender: Gender | None = None) -> Person:
        rng = self.rng
        if gender is None:
            gender = Gender.MALE if self.random() < 0.5 else Gender.FEMALE
        male = gender is Gender.MALE
        name = SURNAMES.pick(rng) + self.pick(names.GIVEN_MALE if male else names.GIVEN_FEMALE)
        birth = self.today - timedelta(days=self.between(min_age * 366, max_age * 365 + 364))
        # The 17th digit is odd for men and even for women (GB 11643).
        order = self.below(100) * 10 + self.below(5) * 2 + (1 if male else 0)
        first17 = (
            f"{AREA_CODES.pick(rng)}{birth.year:04d}{birth.month:02d}{birth.day:02d}{order:03d}"
        )
        return Person(name, gender, birth, first17 + resident_id_check_char(first17))

    def mobile(self) -> str:
        return self.pick(names.MOBILE_PREFIXES) + f"{self.below(10**8):08d}"

    def address(self, place: Place) -> str:
        office = place.office
        if place.unit.kind is OrgUnitKind.OFFICE:  # people of an office live in its committees
            place = self.pick(office.places[1:])
        prefix = f"河北省邯郸市复兴区{office.spec.name}{place.short_name}"
        if office.spec.township:
            return f"{prefix}{self.pick(names.LANES)}{self.between(1, 160)}号"
        return (
            f"{prefix}{self.pick(names.ESTATES)}{self.between(1, 24)}号楼"
            f"{self.between(1, 4)}单元{self.between(1, 7)}0{self.between(1, 3)}室"
        )

    def work_time(self, day: date) -> datetime:
        """A time in working hours (08:00–19:00 Handan time) on ``day``, in UTC."""
        minutes = self.between(0, 11 * 60)
        return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(minutes=minutes)

    def fix(self, place: Place, spread: float) -> tuple[float, float, float]:
        """A GPS fix near ``place``: latitude, longitude, accuracy in metres."""
        accuracy = self.uniform(4.0, 35.0) if self.random() < 0.9 else self.uniform(60.0, 400.0)
        lat = place.lat + self.uniform(-spread, spread)
        lon = place.lon + self.uniform(-spread, spread)
        return round(lat, 6), round(lon, 6), round(accuracy, 1)
