"""A case's life on the phone, through the step forms' view-models: the
case page offers only what the lifecycle allows, says what is missing,
and each form saves at once (offline) and keeps its draft."""

from collections.abc import Callable
from typing import Any
from uuid import UUID

import field_app.viewmodels.case_step_form as step_form_module
from field_app.core import FieldAppCore
from field_app.viewmodels.case_step_form import CaseStepFormViewModel
from field_app.viewmodels.cases import CaseDetailViewModel
from field_app.viewmodels.home import HomeViewModel
from field_app.viewmodels.nav import Route, Screen
from shared_models.domain.case_forms import CaseDocumentKind as Kind
from tests.integration.test_double_tap import (
    Held,
    hold_fixture,  # noqa: F401  (the fixture)
    tap_twice_then_again,
)
from tests.integration.test_viewmodels_cases import new_case
from tests.integration.viewmodel_fixtures import (
    Phones,
    phones_fixture,  # noqa: F401  (the fixture)
    say,
)


def sign(form: CaseStepFormViewModel) -> None:
    """A signature-like stroke on the pad of the current step."""
    form.begin(20, 80)
    for step in range(1, 30):
        form.extend(20 + step * 10, 80 + (-1) ** step * 30)
    form.end_stroke()


def finish(form: CaseStepFormViewModel) -> UUID:
    """Next through every step (signing where asked), then save."""
    while not form.last:
        if form.current.signer:
            sign(form)
        assert form.next(), say(form.error)
    if form.current.signer:
        sign(form)
    assert form.save(), say(form.error)
    assert form.saved_id is not None
    return form.saved_id


def to_mediation(core: FieldAppCore, case_id: UUID) -> None:
    """Both parties told their rights (signed), one session held."""
    page = CaseDetailViewModel(core, case_id)
    for party in page.parties:
        notice = CaseStepFormViewModel(core, case_id, Kind.RIGHTS_NOTICE, party.id)
        notice.choose("identity_checked", "yes")
        finish(notice)
    session = CaseStepFormViewModel(core, case_id, Kind.MEDIATION_SESSION)
    assert session.next()
    session.set("account", "双方到场陈述")
    assert session.next()
    session.choose("result", "agreed")
    finish(session)


def offered(core: FieldAppCore, case_id: UUID) -> dict[str, bool]:
    """The case page's next steps: identifier → offered now (False: waits)."""
    page = CaseDetailViewModel(core, case_id)
    assert page.progress is not None
    return {line.identifier: line.route is not None for line in page.progress.next}


def test_a_case_from_application_to_archive_with_an_oral_agreement(phones: Phones) -> None:
    core = phones.signed_in("mediator.baijia")
    case_id = new_case(core, "宅基地边界")
    steps = offered(core, case_id)
    assert steps["step-application"]
    assert steps["step-investigation"]
    assert steps["step-mediation_session"] is False  # the notice comes first
    assert "step-archival" not in steps  # never offered before the case is closed

    application = CaseStepFormViewModel(core, case_id, Kind.APPLICATION)
    application.set("parties.0.age", "五十")
    assert not application.next()
    assert say(application.error) == "Age: write a number"
    application.set("parties.0.age", "52")
    application.choose("parties.0.gender", "female")
    assert application.next()
    assert application.next()
    assert not application.next()
    assert say(application.error) == "Fill in: What happened"
    application.set("account", "邻居砌墙越过宅基地界线")
    application.set("request", "请求对方拆除越界围墙")
    assert application.next()
    assert application.current.signer  # the applicant signs
    assert not application.next()
    assert say(application.error) == "Sign on the pad, or give a fingerprint photo"
    finish(application)

    page = CaseDetailViewModel(core, case_id)
    assert page.progress is not None
    assert page.progress.number is None  # numbered at the acceptance's registration
    acceptance = CaseStepFormViewModel(core, case_id, Kind.ACCEPTANCE)
    assert acceptance.value("dispute_type") == "neighbourhood"  # from the case
    acceptance.choose("parties_consent", "yes")
    finish(acceptance)
    page = CaseDetailViewModel(core, case_id)
    assert page.progress is not None
    assert page.progress.provisional
    assert page.progress.number == "（2026）百家街道司法所人调字第待定号"
    for index in range(2):
        notice = CaseStepFormViewModel(core, case_id, Kind.RIGHTS_NOTICE, page.parties[index].id)
        notice.choose("identity_checked", "yes")
        finish(notice)
    assert offered(core, case_id)["step-mediation_session"]

    session = CaseStepFormViewModel(core, case_id, Kind.MEDIATION_SESSION)
    assert session.next()
    session.set("account", "双方到场陈述")
    assert session.next()
    session.choose("result", "agreed")
    finish(session)

    oral = CaseStepFormViewModel(core, case_id, Kind.ORAL_AGREEMENT)
    oral.set("terms", "李建军三日内拆除越界部分")
    assert oral.next()
    oral.set("obligations.0.obligor", "李建军")
    oral.set("obligations.0.action", "拆除越界围墙")
    oral.add_repeat()
    assert oral.current.fields[0].name == "obligations.1.obligor"
    assert oral.next()  # a second obligation left empty is no obligation
    finish(oral)

    steps = offered(core, case_id)
    assert steps["step-follow_up"]
    assert steps["step-closing_report"] is False
    follow_up = CaseStepFormViewModel(core, case_id, Kind.FOLLOW_UP)
    assert follow_up.next()
    follow_up.choose("checks.0", "yes")
    assert follow_up.next()
    follow_up.choose("satisfaction", "satisfied")
    finish(follow_up)
    closing = CaseStepFormViewModel(core, case_id, Kind.CLOSING_REPORT)
    assert closing.value("result") == "agreed_oral"
    closing.set("summary", "口头协议已履行")
    finish(closing)
    assert offered(core, case_id) == {"step-archival": True}
    finish(CaseStepFormViewModel(core, case_id, Kind.ARCHIVAL))
    page = CaseDetailViewModel(core, case_id)
    assert page.progress is not None
    assert [say(line.step) for line in page.progress.done] == [
        "Application",
        "Acceptance registration",
        "Rights and duties notice",
        "Rights and duties notice",
        "Mediation record",
        "Oral agreement registration",
        "Follow-up record",
        "Closing report",
        "Filed in the archive",
    ]
    assert page.progress.status.value == "archived"
    # The server numbers the case when the acceptance arrives; the page then shows it.
    core.sync_once()
    page = CaseDetailViewModel(core, case_id)
    assert page.progress is not None
    assert not page.progress.provisional
    assert page.progress.number == "（2026）百家街道司法所人调字第1号"
    assert all(not line.unsent for line in page.progress.done)


def test_a_failed_mediation_ends_with_the_remedies_told(phones: Phones) -> None:
    core = phones.signed_in("mediator.baijia")
    case_id = new_case(core, "工资纠纷")
    ended = CaseStepFormViewModel(core, case_id, Kind.TERMINATION)
    ended.choose("reason", "no_agreement")
    assert ended.next()
    assert not ended.save()
    assert say(ended.error) == "Fill in: Told of"
    ended.toggle("remedies_told", "litigation")
    ended.toggle("remedies_told", "arbitration")
    ended.toggle("remedies_told", "arbitration")
    assert ended.value("remedies_told") == "litigation"
    # Put away half-way: Home offers to continue it, and the draft keeps the
    # step and the choices.
    [draft] = HomeViewModel(core).drafts
    assert say(draft.text) == "Mediation failed / ended: 工资纠纷"
    assert draft.route == Route.to(Screen.CASE_STEP, case=str(case_id), kind="termination")
    again = CaseStepFormViewModel(core, case_id, Kind.TERMINATION)
    assert again.resumed
    assert again.step == 1
    assert again.chosen("remedies_told") == ["litigation"]
    finish(again)
    steps = offered(core, case_id)
    assert steps == {"step-closing_report": True}
    closing = CaseStepFormViewModel(core, case_id, Kind.CLOSING_REPORT)
    assert closing.value("result") == "failed"
    closing.set("summary", "调解不成，已告知诉讼途径")
    finish(closing)


def test_a_step_form_saves_once_however_often_it_is_tapped(
    phones: Phones, hold: Callable[[Any, str], Held]
) -> None:
    core = phones.signed_in("mediator.baijia")
    case_id = new_case(core, "涉嫌治安案件")
    form = CaseStepFormViewModel(core, case_id, Kind.REFERRAL_OUT)
    form.choose("receiving_kind", "police")
    form.set("receiving_body", "百家派出所")
    form.set("reason", "涉嫌治安案件，移交公安机关处理")
    tap_twice_then_again(form, form.save, hold(step_form_module, "record_step"))
    assert form.error is None
    assert offered(core, case_id) == {"step-closing_report": True}


def test_a_step_the_server_refuses_is_said_on_home_in_words(phones: Phones) -> None:
    first = phones.signed_in("mediator.baijia", "first phone")
    case_id = new_case(first, "两部手机")
    first.sync_once()
    second = phones.signed_in("mediator.baijia", "second phone")
    ended = CaseStepFormViewModel(first, case_id, Kind.TERMINATION)
    ended.choose("reason", "no_agreement")
    ended.toggle("remedies_told", "litigation")
    finish(ended)
    first.sync_once()
    # The second phone has not heard: an investigation still looks allowed there.
    heard = CaseStepFormViewModel(second, case_id, Kind.INVESTIGATION)
    assert heard.next()
    heard.set("statements.0.name", "赵大爷")
    heard.set("statements.0.statement", "听见争吵")
    finish(heard)
    second.sync_once()
    [item] = [i for i in HomeViewModel(second).attention if i.kind == "rejected"]
    assert item.what_to_do is not None
    assert say(item.what_to_do) == "This step is not possible at this stage of the case."
    assert "failed" in item.detail  # the server's own words stay beside it
