"""The district itself: one row, written by ``lastmile admin init`` (or the
demo's seeding), read at every start-up."""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, DateTime
from sqlmodel import Field, SQLModel


class DistrictRow(SQLModel, table=True):
    """Which org unit is the district, its clock, and whether it is the demo.

    The district's name and code are those of its root org unit (one place
    for each); this row adds what the tree cannot say. ``demo`` lets the
    server generate a signing key on first use; a real district's server
    refuses to start without one (``core/district_key.require_district_key``).
    """

    __tablename__ = "district"

    id: int = Field(default=1, primary_key=True)
    root_unit_id: UUID
    time_zone: str = Field(max_length=64)
    demo: bool = False
    created_at: datetime = Field(sa_type=DateTime(timezone=True))
    correction_settings: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    """The district's settings of community correction
    (``shared_models/correction/settings.py``); ``None``: the defaults."""
