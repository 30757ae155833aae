"""Outbox entries in the push protocol: the body a batch goes out as, and the
refusal a change too large to send is kept with.

A function of its inputs alone, so the engine can encode the next batch on a
second thread while one is in flight (``SyncEngine._push``).
"""

from collections.abc import Sequence

from field_app.errors import BatchTooLarge
from field_app.storage.outbox import OutboxItem
from field_app.sync.client import encode_push
from shared_models.protocol.errors import ErrorCode, MutationError
from shared_models.protocol.push import Mutation, MutationResult, MutationStatus, PushRequest
from shared_models.protocol.version import PROTOCOL_VERSION


def encode_batch(batch: Sequence[OutboxItem], device_id: str, app_version: str) -> bytes:
    """The push body of ``batch``, ready for ``SyncClient.push_encoded``."""
    return encode_push(
        PushRequest(
            device_id=device_id,
            protocol=PROTOCOL_VERSION,
            app_version=app_version,
            mutations=[_mutation(item) for item in batch],
        )
    )


def refused_as_too_large(item: OutboxItem, too_large: BatchTooLarge) -> MutationResult:
    """The answer kept for a single change the server will not take: it is
    rejected with the reason, so it never blocks the rest (invariant 8)."""
    return MutationResult(
        mutation_id=item.mutation_id,
        status=MutationStatus.REJECTED,
        error=MutationError(
            code=too_large.code or ErrorCode.PAYLOAD_TOO_LARGE,
            message="this change is larger than the server accepts; shorten it and send it again",
        ),
    )


def _mutation(item: OutboxItem) -> Mutation:
    return Mutation.model_validate(
        {
            "mutation_id": item.mutation_id,
            "table": item.table,
            "record_id": item.record_id,
            "op": item.op,
            "base_version": item.base_version,
            "fields": item.fields,
            "client_time": item.client_time,
        }
    )
