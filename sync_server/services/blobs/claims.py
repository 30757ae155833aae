"""Who may read a blob, what a caller is told about one, and how much each
device and user may hold (docs/security.md "Blobs").

A SHA-256 is not a secret: it travels in attachment records, agreements,
exports and logs. So a hash alone must open nothing. The rule:

- A user *claims* a blob by sending its bytes (``BlobClaim``): all of them,
  hashed to the name, even when the store holds the same bytes already
  (they are then kept once, but the sender cannot tell).
- An attachment record is *backed* when its author holds a stored claim on
  the hash it names. A blob is readable only through a backed record the
  caller may read (``JurisdictionScope``), so a record naming a hash its
  author never sent opens nothing, in any office.
- ``HEAD``, ``/missing`` and the upload status speak of the caller's own
  claims and uploads only: the same answers as for a hash never seen.

Quotas bound what a device and a user hold: bytes no record of theirs uses
(unfinished uploads count with their announced length) and bytes sent in the
last 24 hours. Reservations are serialised per user (the user's row is
locked), so parallel uploads cannot slip past a quota together.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import ColumnElement, and_, exists, func, or_
from sqlmodel import Session, col, select

from shared_models.protocol.tables import TableName
from sync_server.core.audit import append_audit
from sync_server.core.config import ServerSettings
from sync_server.repositories.scope import JurisdictionScope
from sync_server.tables import AttachmentRow, BlobClaim, UserRow

DAY = timedelta(days=1)
_MIB = 1024 * 1024


def upload_owner(user_id: UUID) -> str:
    """The blob store's name for a user's uploads in progress."""
    return user_id.hex


# -- reading ------------------------------------------------------------------------


def _backed() -> ColumnElement[bool]:
    """An attachment whose author sent the bytes it names."""
    return exists().where(
        col(BlobClaim.sha256) == col(AttachmentRow.sha256),
        col(BlobClaim.user_id) == col(AttachmentRow.created_by),
        col(BlobClaim.stored_at).is_not(None),
    )


def readable_mime(session: Session, scope: JurisdictionScope, sha256: str) -> str | None:
    """The media type to serve the blob with, or ``None`` when the caller may
    not read it: no live, backed attachment record in their jurisdiction names it.

    The one place blobs consult the jurisdiction: the role and office rules
    of ``row_filter`` apply to blobs as they do to records."""
    return session.exec(
        select(col(AttachmentRow.mime))
        .where(
            col(AttachmentRow.sha256) == sha256,
            col(AttachmentRow.deleted).is_(False),
            scope.row_filter(TableName.ATTACHMENTS, AttachmentRow),
            _backed(),
        )
        .order_by(col(AttachmentRow.version))
        .limit(1)
    ).first()


def signature_image_readable(session: Session, attachment_id: UUID, sha256: str) -> bool:
    """Whether an agreement may show the signature image ``sha256`` (printed
    or verified): its attachment record is live, names that image, and its
    author sent the bytes. The agreement itself is in the caller's scope;
    without this, an agreement of one's own naming another office's photo
    would print it."""
    attachment = session.get(AttachmentRow, attachment_id)
    if attachment is None or attachment.deleted or attachment.sha256 != sha256:
        return False
    if attachment.created_by is None:
        return False
    return sha256 in stored_by(session, attachment.created_by, [sha256])


def stored_by(session: Session, user_id: UUID, hashes: Iterable[str]) -> dict[str, int]:
    """Of ``hashes``, those the user has sent whole: their sizes."""
    wanted = sorted(set(hashes))
    if not wanted:
        return {}
    rows = session.execute(
        select(col(BlobClaim.sha256), col(BlobClaim.size)).where(
            col(BlobClaim.user_id) == user_id,
            col(BlobClaim.sha256).in_(wanted),
            col(BlobClaim.stored_at).is_not(None),
        )
    ).all()
    return {str(sha256): int(size) for sha256, size in rows}


# -- uploading ----------------------------------------------------------------------


@dataclass(frozen=True)
class Quotas:
    device_unreferenced: int
    user_unreferenced: int
    device_daily: int
    user_daily: int

    @classmethod
    def of(cls, settings: ServerSettings) -> "Quotas":
        return cls(
            device_unreferenced=settings.blob_unreferenced_quota_device_bytes,
            user_unreferenced=settings.blob_unreferenced_quota_user_bytes,
            device_daily=settings.blob_daily_quota_device_bytes,
            user_daily=settings.blob_daily_quota_user_bytes,
        )


class QuotaExceededError(Exception):
    """The upload would take a device or user over a quota; ``message`` says
    which and what to do, for a person to read."""

    def __init__(self, quota: str, limit: int, used: int, size: int, message: str) -> None:
        super().__init__(message)
        self.quota = quota
        self.limit = limit
        self.used = used
        self.size = size
        self.message = message


def _unreferenced() -> ColumnElement[bool]:
    """A claim no live record of its user uses yet (or an unfinished upload)."""
    used = exists().where(
        col(AttachmentRow.sha256) == col(BlobClaim.sha256),
        col(AttachmentRow.created_by) == col(BlobClaim.user_id),
        col(AttachmentRow.deleted).is_(False),
    )
    return or_(col(BlobClaim.stored_at).is_(None), ~used)


def _quota_checks(
    quotas: Quotas, user_id: UUID, device_id: str, now: datetime
) -> list[tuple[str, int, ColumnElement[bool], str]]:
    since = now - DAY
    device = col(BlobClaim.device_id) == device_id
    user = col(BlobClaim.user_id) == user_id
    today = col(BlobClaim.started_at) >= since
    later = "push the records that use them, or remove photos you did not mean to keep"
    return [
        (
            "device_unreferenced",
            quotas.device_unreferenced,
            and_(device, _unreferenced()),
            f"this device holds {{used}} of uploads no record uses; {later}",
        ),
        (
            "user_unreferenced",
            quotas.user_unreferenced,
            and_(user, _unreferenced()),
            f"your devices hold {{used}} of uploads no record uses; {later}",
        ),
        (
            "device_daily",
            quotas.device_daily,
            and_(device, today),
            "this device has uploaded {used} in the last 24 hours; try again tomorrow",
        ),
        (
            "user_daily",
            quotas.user_daily,
            and_(user, today),
            "your devices have uploaded {used} in the last 24 hours; try again tomorrow",
        ),
    ]


def _mib(size: int) -> str:
    return f"{size / _MIB:.1f} MiB"


def reserve_upload(
    session: Session,
    user_id: UUID,
    device_id: str,
    sha256: str,
    length: int,
    quotas: Quotas,
    now: datetime,
) -> int | None:
    """Before a chunk is received: the size of the blob when this user has
    sent it whole already (nothing more to send), else ``None`` once its
    ``length`` bytes fit every quota (reserved until it is stored, expires
    or is collected). Raises ``QuotaExceededError``."""
    session.execute(select(col(UserRow.id)).where(col(UserRow.id) == user_id).with_for_update())
    claim = session.exec(
        select(BlobClaim).where(col(BlobClaim.sha256) == sha256, col(BlobClaim.user_id) == user_id)
    ).first()
    if claim is not None and claim.stored_at is not None:
        return claim.size
    if claim is not None and claim.size == length:
        return None
    others = col(BlobClaim.id) != claim.id if claim is not None else None
    for quota, limit, condition, sentence in _quota_checks(quotas, user_id, device_id, now):
        where = condition if others is None else and_(condition, others)
        used = int(session.scalar(select(func.sum(BlobClaim.size)).where(where)) or 0)
        if used + length > limit:
            message = (
                f"upload quota reached: {sentence.format(used=_mib(used))}; "
                f"the quota is {_mib(limit)} and this file is {_mib(length)}"
            )
            raise QuotaExceededError(quota, limit, used, length, message)
    if claim is None:
        session.add(
            BlobClaim(
                sha256=sha256, user_id=user_id, device_id=device_id, size=length, started_at=now
            )
        )
    else:
        claim.size = length
    return None


def record_stored(
    session: Session, user_id: UUID, device_id: str, sha256: str, size: int, now: datetime
) -> None:
    """The user's bytes arrived whole and hashed to the name: the claim holds,
    and the audit log says who sent which blob."""
    claim = session.exec(
        select(BlobClaim).where(col(BlobClaim.sha256) == sha256, col(BlobClaim.user_id) == user_id)
    ).first()
    if claim is None:
        # Expired by a collection while its last chunk was on the way.
        claim = BlobClaim(
            sha256=sha256, user_id=user_id, device_id=device_id, size=size, started_at=now
        )
        session.add(claim)
    claim.size = size
    claim.stored_at = now
    append_audit(
        session,
        "blob_stored",
        now,
        actor_id=user_id,
        device_id=device_id,
        detail={"sha256": sha256, "size": size},
    )
