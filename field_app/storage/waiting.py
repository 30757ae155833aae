"""How many things the user made are still waiting to reach the server.

A person counts what they made, not rows: a check-in with a photo is one
check-in, although it is a visit change, an attachment change and a photo
upload. So every waiting change or photo is folded into the record it
belongs to — an attachment (and its photo bytes) into its owner, a party
into its case — and the distinct records are counted. The sync status
("2 waiting") and the sign-out warning use this one rule.
"""

from collections.abc import Iterable
from uuid import UUID

from sqlalchemy import select
from sqlmodel import Session, col

from field_app.storage.tables import BlobUpload, LocalAttachment, LocalParty, OutboxEntry
from shared_models.protocol.tables import TableName

_WAITING_STATES = ("pending", "sent")


def waiting_items(session: Session) -> int:
    """Records (with their attachments) that have changes or photos not yet on the server."""
    entries = session.execute(
        select(col(OutboxEntry.table_name), col(OutboxEntry.record_id)).where(
            col(OutboxEntry.state).in_(_WAITING_STATES)
        )
    ).all()
    by_table: dict[str, set[UUID]] = {}
    for table, record_id in entries:
        by_table.setdefault(table, set()).add(record_id)
    items: set[UUID] = set()
    for table, ids in by_table.items():
        if table == TableName.ATTACHMENTS.value:
            items |= _owners(session, ids)
        elif table == TableName.PARTIES.value:
            items |= _cases(session, ids)
        else:
            items |= ids
    photos = session.scalars(
        select(col(BlobUpload.sha256)).where(col(BlobUpload.state) == "pending")
    ).all()
    if photos:
        owners = session.execute(
            select(col(LocalAttachment.sha256), col(LocalAttachment.owner_id)).where(
                col(LocalAttachment.sha256).in_(photos)
            )
        ).all()
        owned = {sha256 for sha256, _ in owners}
        items |= {owner for _, owner in owners}
        # Bytes no record names (yet) still count, one each.
        items |= {_blob_key(sha256) for sha256 in photos if sha256 not in owned}
    return len(items)


def _owners(session: Session, attachment_ids: Iterable[UUID]) -> set[UUID]:
    wanted = set(attachment_ids)
    found = dict(
        session.execute(
            select(col(LocalAttachment.id), col(LocalAttachment.owner_id)).where(
                col(LocalAttachment.id).in_(wanted)
            )
        ).all()
    )
    return {found.get(attachment_id, attachment_id) for attachment_id in wanted}


def _cases(session: Session, party_ids: Iterable[UUID]) -> set[UUID]:
    wanted = set(party_ids)
    found = dict(
        session.execute(
            select(col(LocalParty.id), col(LocalParty.case_id)).where(
                col(LocalParty.id).in_(wanted)
            )
        ).all()
    )
    return {found.get(party_id, party_id) for party_id in wanted}


def _blob_key(sha256: str) -> UUID:
    """A stand-in id for photo bytes without a record (the first 128 bits of their hash)."""
    return UUID(sha256[:32])
