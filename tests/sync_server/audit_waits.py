"""Waiting for the audit chain step, which on PostgreSQL runs after a write
commits (and may go on in a thread of its own): tests that read the log
wait for nothing to be pending first."""

import time

from sqlalchemy import Engine, func, select

from sync_server.core.audit_chain import PENDING
from sync_server.core.db import read_session


def pending_count(engine: Engine) -> int:
    with read_session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(PENDING)) or 0)


def wait_until_chained(engine: Engine, deadline_s: float = 20.0) -> None:
    """Until no entry is pending, or fail after ``deadline_s``."""
    deadline = time.monotonic() + deadline_s
    while pending_count(engine):
        assert time.monotonic() < deadline, "audit entries were left pending"
        time.sleep(0.02)
