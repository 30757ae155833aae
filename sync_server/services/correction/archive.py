"""Retention: a released subject's record leaves the office's devices.

When ``retention_days`` (a district setting) have passed since the release
(``released_on``; the term's end where none was recorded), the subject
and everything hanging off it (events, check-ins, photos, signatures,
reviews, conflicts) move to the district's own unit: the district keeps
the closed record, and the office's devices — the officer's phone, the
office head's desk — are told at their next pull to drop it (a
``remove`` change, from the ``scope_exits`` row the move leaves; the
device deletes its local rows and their blobs as for any record leaving
its jurisdiction). The record's fields stay as they were (``org_unit_id``
still names the office that supervised); only where it belongs changes,
so no device may edit it any more. Run daily (``lastmile admin
archive-released``), like ``collect-blobs``.
"""

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session, col

from shared_models.correction.settings import CorrectionSettings
from shared_models.district_time import district_day, district_zone
from shared_models.domain.subjects import SubjectStatus
from shared_models.protocol.tables import TableName
from sync_server.core.audit import append_audit
from sync_server.core.versions import VersionBlock
from sync_server.repositories.scope import RowScope, Work
from sync_server.services.sync.rescope import move_row, rescope_dependents
from sync_server.services.sync.workspace import Workspace
from sync_server.tables import DistrictRow, SubjectRow


def archive_released(session: Session, settings: CorrectionSettings, now: datetime) -> int:
    """Move every released subject past retention to the district's unit;
    how many moved (days on the district's calendar). The caller commits."""
    district = session.get(DistrictRow, 1)
    if district is None:
        return 0
    today = district_day(now, district_zone(district.time_zone))
    cutoff = today - timedelta(days=settings.retention_days)
    archived = RowScope(district.root_unit_id, None, Work.CORRECTION)
    candidates = session.scalars(
        select(SubjectRow).where(
            col(SubjectRow.status) == SubjectStatus.RELEASED.value,
            col(SubjectRow.deleted).is_(False),
            col(SubjectRow.scope_unit_id) != district.root_unit_id,
        )
    )
    due = [row for row in candidates if (row.released_on or row.term_end) < cutoff]
    if not due:
        return 0
    versions = VersionBlock(session)
    workspace = Workspace(session)
    moved = 0
    for row in due:
        version = versions.next()
        move_row(session, version, TableName.SUBJECTS, row, archived)
        row.version = version
        row.updated_at = now
        moved += 1 + rescope_dependents(
            workspace, versions, TableName.SUBJECTS, row.id, archived, now
        )
    append_audit(
        session,
        "archive_released",
        now,
        detail={"subjects": len(due), "records": moved, "retention_days": settings.retention_days},
    )
    session.flush()
    return len(due)
