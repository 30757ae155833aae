"""Follow-up visits (回访) against the agreement they check.

A visit's own schema checks that obligation marks come with a follow-up of
an agreement; whether the marks fit *that* agreement (same case, signed,
obligation numbers that exist) needs the agreement, so push checks it here,
with the rows the push already holds.
"""

from typing import Any

from shared_models.domain.visits import VisitFields, obligation_check_problems
from shared_models.protocol.tables import TableName
from sync_server.services.agreements.countersign import agreement_fields
from sync_server.services.sync.workspace import Workspace


def follow_up_problem(workspace: Workspace, visit: Any) -> tuple[str, str] | None:
    """``(field, message)`` of the first reason ``visit``'s marks do not fit
    the agreement it names, or ``None`` when they do (or it names none).
    A missing agreement is ``("agreement_id", …)`` too."""
    if not isinstance(visit, VisitFields) or visit.agreement_id is None:
        return None
    row = workspace.get(TableName.AGREEMENTS, visit.agreement_id)
    if row is None or row.deleted:
        return ("agreement_id", "names an agreement the server does not have (sync it first?)")
    problems = obligation_check_problems(visit, agreement_fields(row))
    if not problems:
        return None
    field, _, message = problems[0].partition(": ")
    return (field, message)
