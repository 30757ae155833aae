"""The device's one row of state: its id, the signed-in user, the sealed
token, the server address, the pull cursor and when it last synced."""

import uuid
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from field_app.storage.db import transaction
from field_app.storage.tables import DeviceState


class DeviceStateRow:
    """Reads and changes the ``device_state`` row, made on first use."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def read(self) -> DeviceState:
        with transaction(self.engine) as session:
            return self.row(session)

    def update(self, **values: Any) -> None:
        with transaction(self.engine) as session:
            state = self.row(session)
            for name, value in values.items():
                setattr(state, name, value)

    def row(self, session: Session) -> DeviceState:
        """The row in ``session``, for a write that changes it with others."""
        state = session.get(DeviceState, 1)
        if state is None:
            state = DeviceState(id=1, device_id=f"dev-{uuid.uuid4().hex}")
            session.add(state)
            session.flush()
        return state
