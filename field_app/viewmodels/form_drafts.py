"""Home's line for an unfinished step form (``form:<form>:<case>…`` drafts):
what it is and the screen that continues it."""

from collections.abc import Callable
from uuid import UUID

from field_app.i18n import Msg, msg
from field_app.viewmodels.nav import Route, Screen
from shared_models.domain.case_forms import CaseDocumentKind


def form_draft(key: str, title_of: Callable[[UUID], str]) -> tuple[Msg, Route] | None:
    """The text and route of draft ``key``; ``None`` for a key of another kind."""
    head, _, rest = key.partition(":")
    name, _, ids = rest.partition(":")
    case, _, other = ids.partition(":")
    if head != "form" or not case:
        return None
    try:
        title = title_of(UUID(case))
    except ValueError:
        return None
    if name == "case":
        return msg("draft.case_edit", title=title), Route.to(Screen.CASE_EDIT, id=case)
    if name == "party":
        party = {} if other in ("", "new") else {"party": other}
        return msg("draft.party", title=title), Route.to(Screen.PARTY_EDIT, case=case, **party)
    if name in CaseDocumentKind.__members__.values():
        params = {"case": case, "kind": name, **({"party": other} if other else {})}
        return (
            msg("draft.step", step=msg(f"case.step.{name}"), title=title),
            Route.to(Screen.CASE_STEP, **params),
        )
    return None
