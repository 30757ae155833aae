"""The device's side of invariant 6: a signed agreement is sealed.

The server refuses any change to a sealed agreement or to an attachment it
owns (``RECORD_SEALED``), but a change the device accepted first would sit
in the outbox, look "saved" to the mediator and be refused only at the next
sync. So every service that writes an agreement or an attachment asks here
first, and the refusal comes at once, before anything is written.
"""

from uuid import UUID

from field_app.storage.store import SEALED_MESSAGE, LocalStore, SaveRejectedError
from field_app.storage.tables import LocalAgreement, LocalAttachment
from shared_models.domain.agreements import AgreementStatus
from shared_models.domain.attachments import AttachmentOwner
from shared_models.protocol.tables import TableName


class AgreementSealedError(SaveRejectedError):
    """A change to a sealed agreement or to one of its attachments."""

    def __init__(self) -> None:
        super().__init__("status", SEALED_MESSAGE)


def agreement_is_sealed(store: LocalStore, agreement_id: UUID) -> bool:
    with store.transaction() as session:
        row = session.get(LocalAgreement, agreement_id)
        return row is not None and row.status == AgreementStatus.SIGNED


def refuse_if_sealed(store: LocalStore, table: TableName | str, record_id: UUID) -> None:
    """``AgreementSealedError`` when ``record_id`` is a sealed agreement, or
    an attachment of one; a record that does not exist yet is not sealed."""
    if table == TableName.AGREEMENTS:
        if agreement_is_sealed(store, record_id):
            raise AgreementSealedError
        return
    if table == TableName.ATTACHMENTS:
        with store.transaction() as session:
            row = session.get(LocalAttachment, record_id)
            owner = None if row is None else (row.owner_table, row.owner_id)
        if owner is not None and owner[0] == AttachmentOwner.AGREEMENTS:
            refuse_if_sealed(store, TableName.AGREEMENTS, owner[1])


def refuse_new_attachment(store: LocalStore, owner_table: str, owner_id: UUID) -> None:
    """A new attachment of a sealed agreement would change what it seals."""
    if owner_table == AttachmentOwner.AGREEMENTS:
        refuse_if_sealed(store, TableName.AGREEMENTS, owner_id)
