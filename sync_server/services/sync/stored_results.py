"""The results a push stores, so that a mutation delivered again gets its
first answer (``applied_mutations``): what a result keeps, and reading the
results of earlier deliveries back. A device resends a push whose answer it
never heard; each mutation id is applied once (docs/protocol.md)."""

from functools import cache
from typing import Any
from uuid import UUID

from pydantic import JsonValue
from sqlalchemy import Select, Table, select

from shared_models.protocol.push import MutationResult, MutationStatus
from sync_server.services.sync.workspace import ID_CHUNK, Workspace, id_in, ids_param
from sync_server.tables import AppliedMutation

APPLIED_TABLE: Table = AppliedMutation.__table__  # type: ignore[attr-defined]


def stored_result(result: MutationResult) -> dict[str, JsonValue]:
    """What ``applied_mutations`` keeps of an accepted result: what
    ``result.model_dump(mode="json")`` holds but the mutation id, which is
    the row's key (``earlier_results`` puts it back). Built directly: this
    runs once per mutation of every push."""
    return {
        "status": _STATUS_TEXT[result.status],
        "version": result.version,
        "conflict_id": None if result.conflict_id is None else str(result.conflict_id),
        "error": None,
    }


@cache
def _earlier_statement(postgres: bool) -> Select[Any]:
    columns = APPLIED_TABLE.c
    return select(columns.mutation_id, columns.result).where(id_in(columns.mutation_id, postgres))


_STATUS_TEXT: dict[str, str] = {status: status.value for status in MutationStatus}
"""Each status as plain text (an enum's ``.value`` is a Python property)."""


def earlier_results(ids: list[UUID], workspace: Workspace) -> dict[int, MutationResult]:
    """The stored result of each of ``ids`` already applied, by the id's integer."""
    found: dict[int, MutationResult] = {}
    query = _earlier_statement(workspace.postgres)
    for start in range(0, len(ids), ID_CHUNK):
        chunk = ids[start : start + ID_CHUNK]
        for mutation_id, result in workspace.session.execute(
            query, ids_param(workspace.postgres, chunk)
        ):
            stored = {**result, "mutation_id": mutation_id}
            found[mutation_id.int] = MutationResult.model_validate(stored)
    return found
