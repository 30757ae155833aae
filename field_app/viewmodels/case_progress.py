"""Where a case stands in its life, for the case page: its number (the
district's, or provisional until the acceptance has synced), the steps done
(who, when), the window for judicial confirmation, and what may come next —
each step the lifecycle rule allows now (``case_lifecycle.next_steps``: an
illegal step is never offered), with what it still lacks when something
earlier is missing."""

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from field_app.core import FieldAppCore
from field_app.i18n import Msg, msg
from field_app.services.case_steps import case_documents, case_progress
from field_app.services.directory import people
from field_app.viewmodels.case_step_form import problem_message
from field_app.viewmodels.nav import Route, Screen
from shared_models.domain.case_forms import (
    MediationSessionForm,
    ReferralInForm,
    ReferralOutForm,
    RightsNoticeForm,
    TerminationForm,
)
from shared_models.domain.case_lifecycle import AFTER_AGREEMENT, PARTIES_EDITABLE, CaseStep
from shared_models.domain.cases import CaseStatus, PartyRecord
from shared_models.domain.judicial_window import JudicialWindow

_SIDE_STEPS = frozenset(
    f"step-{step.value}" for step in (CaseStep.REFERRAL_IN, CaseStep.REFERRAL_OUT, CaseStep.REFUSAL)
)
"""Steps few cases take: offered after the main path's (never the first button)."""


@dataclass(frozen=True)
class DoneLine:
    """A step recorded: what, for whom, by whom, when."""

    step: Msg
    detail: Msg | str
    who: Msg | str
    when: datetime
    unsent: bool


@dataclass(frozen=True)
class NextLine:
    """A step the case may take now (``problem`` ``None``), or one that waits
    for an earlier step (then ``problem`` says which and there is no route)."""

    identifier: str
    step: Msg
    route: Route | None
    problem: Msg | None


@dataclass(frozen=True)
class Progress:
    status: CaseStatus
    """Where the case stands, its steps recorded on this phone included."""
    number: str | None
    provisional: bool
    done: list[DoneLine]
    next: list[NextLine]
    follow_up_due: date | None
    parties_editable: bool
    judicial: Msg | None = None
    """Where the window for judicial confirmation stands, while it matters."""
    judicial_late: bool = False
    """The application came after the window closed (shown as a warning)."""


def _detail(document_content: object) -> Msg | str:
    """A few words that tell one record of a step from another."""
    if isinstance(document_content, RightsNoticeForm):
        return document_content.party_name
    if isinstance(document_content, MediationSessionForm):
        return "、".join(document_content.present[:4])
    if isinstance(document_content, TerminationForm):
        return msg(f"form.termination_reason.{document_content.reason.value}")
    # A case handed over keeps where it came from and where it went.
    if isinstance(document_content, ReferralInForm):
        return document_content.from_body
    if isinstance(document_content, ReferralOutForm):
        return document_content.receiving_body
    return ""


def judicial_line(
    window: JudicialWindow | None, status: CaseStatus, today: date
) -> tuple[Msg | None, bool]:
    """What the case page says of the judicial-confirmation window, and
    whether it is a warning: a late application always; while the case is
    agreed and unresolved, the days left, or that the window closed."""
    if window is None:
        return None, False
    if window.late:
        return msg("progress.judicial.late", applied=window.applied_on, day=window.last_day), True
    if status not in AFTER_AGREEMENT:
        return None, False
    if window.open(today):
        return msg(
            "progress.judicial.open", day=window.last_day, left=window.days_left(today)
        ), False
    if window.applied_on is None:
        return msg("progress.judicial.closed", day=window.last_day), False
    return None, False


def progress_of(
    core: FieldAppCore, case_id: UUID, parties: list[PartyRecord], unsent: set[UUID]
) -> Progress:
    """The case's number, the steps done and the steps it may take next."""
    store = core.store
    progress = case_progress(store, case_id, core.mediation, core.zone)
    documents = {d.id: d for d in case_documents(store, case_id)}
    noticed = {
        d.content.party_id for d in documents.values() if isinstance(d.content, RightsNoticeForm)
    }
    names = {person.id: person.display_name for person in people(store)}
    me = core.user.id if core.user else None
    done = [
        DoneLine(
            msg(f"case.step.{item.step.value}"),
            _detail(documents[item.record_id].content) if item.record_id in documents else "",
            msg("progress.you")
            if item.recorded_by in (None, me)
            else names.get(item.recorded_by, ""),
            item.recorded_at,
            not item.synced or item.record_id in unsent,
        )
        for item in progress.done
    ]
    case = str(case_id)
    lines: list[NextLine] = []
    for option in progress.next:
        step = option.step
        problem = problem_message(option.problem) if option.problem else None
        if step is CaseStep.RIGHTS_NOTICE:
            for index, party in enumerate(parties):
                if party.id in noticed:
                    continue
                route = Route.to(Screen.CASE_STEP, case=case, kind=step.value, party=str(party.id))
                lines.append(
                    NextLine(
                        f"step-rights_notice-{index}",
                        msg("progress.notice_for", name=party.name),
                        None if problem else route,
                        problem,
                    )
                )
            continue
        identifier = f"step-{step.value}"
        if step is CaseStep.WRITTEN_AGREEMENT:
            identifier, route = "agreement-new", Route.to(Screen.AGREEMENT_EDIT, case=case)
        else:
            route = Route.to(Screen.CASE_STEP, case=case, kind=step.value)
        shown = None if problem else route
        lines.append(NextLine(identifier, msg(f"case.step.{step.value}"), shown, problem))
    status = progress.case.status
    lines.sort(key=lambda line: line.identifier in _SIDE_STEPS)
    judicial, late = judicial_line(progress.judicial, status, core.now().date())
    return Progress(
        status=status,
        number=progress.number or None,
        provisional=progress.provisional,
        done=done,
        next=lines,
        follow_up_due=progress.case.follow_up_due,
        parties_editable=status in PARTIES_EDITABLE,
        judicial=judicial,
        judicial_late=late,
    )
