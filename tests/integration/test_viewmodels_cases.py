"""A mediator's cases: intake in three steps with a draft, the list's
search and filters, the case page and closing a case (its closing form)."""

from datetime import date
from uuid import UUID

from field_app.core import FieldAppCore
from field_app.services.case_steps import record_step
from field_app.services.drafts import load_draft
from field_app.viewmodels.case_step_form import CaseStepFormViewModel
from field_app.viewmodels.cases import CaseDetailViewModel, CaseListViewModel, StatusFilter
from field_app.viewmodels.intake import INTAKE_DRAFT, CaseIntakeViewModel
from shared_models.domain.case_forms import (
    CaseDocumentKind,
    Remedy,
    TerminationForm,
    TerminationReason,
)
from shared_models.domain.cases import CaseCategory, PartyRole
from shared_models.protocol.tables import TableName
from tests.integration.viewmodel_fixtures import (
    Phones,
    phones_fixture,  # noqa: F401  (the fixture)
    say,
)


def new_case(core: FieldAppCore, title: str, category: str = "neighbourhood") -> UUID:
    intake = CaseIntakeViewModel(core)
    intake.set("title", title)
    intake.set("category", category)
    assert intake.next()
    intake.set_party(0, "name", "王桂芳")
    intake.set_party(1, "name", "李建军")
    assert intake.next()
    assert intake.save(), say(intake.error)
    assert intake.saved_id is not None
    return intake.saved_id


def mediation_failed(core: FieldAppCore, case_id: UUID) -> None:
    """调解不成: the step after which a case closes without a follow-up."""
    ended = TerminationForm(
        ended_on=date(2026, 11, 27),
        reason=TerminationReason.NO_AGREEMENT,
        remedies_told=[Remedy.LITIGATION],
    )
    record_step(core.data.store, case_id, ended, core.mediation)


def close(core: FieldAppCore, case_id: UUID) -> None:
    """结案 through the closing form the case page offers (a short account)."""
    form = CaseStepFormViewModel(core, case_id, CaseDocumentKind.CLOSING_REPORT)
    form.set("summary", "调解不成，已告知诉讼途径")
    while not form.last:
        assert form.next(), say(form.error)
    assert form.save(), say(form.error)


def closing_offered(page: CaseDetailViewModel) -> bool:
    assert page.progress is not None
    return any(
        line.identifier == "step-closing_report" and line.route is not None
        for line in page.progress.next
    )


def test_each_step_names_what_is_missing(phones: Phones) -> None:
    core = phones.signed_in("mediator.baijia")
    intake = CaseIntakeViewModel(core)
    assert intake.step == 0
    assert [u.name for u in intake.units] == ["百家街道司法所", "百家村调委会"]
    assert not intake.next()
    assert {k: say(v) for k, v in intake.field_errors.items()} == {
        "title": "Give the case a short title",
        "category": "Choose a category",
    }
    intake.set("title", "煤棚损坏")
    intake.set("category", CaseCategory.NEIGHBOURHOOD.value)
    assert intake.next()
    assert intake.step == 1
    assert not intake.next()
    assert say(intake.error) == "Name at least one party"


def test_an_intake_left_half_way_comes_back_from_its_draft(phones: Phones) -> None:
    core = phones.signed_in("mediator.baijia")
    intake = CaseIntakeViewModel(core)
    intake.set("title", "加装电梯意见不一")
    intake.set("category", "property_management")
    intake.set("source", "wechat")
    intake.next()
    intake.set_party(0, "name", "赵大爷")
    intake.add_party(PartyRole.OTHER)
    intake.set_party(2, "phone", "13800138000")
    assert load_draft(core.data.store, INTAKE_DRAFT) is not None

    again = CaseIntakeViewModel(core)  # navigation away and back, or a restarted app
    assert again.resumed
    assert (again.step, again.title, again.category, again.source.value) == (
        1,
        "加装电梯意见不一",
        CaseCategory.PROPERTY_MANAGEMENT,
        "wechat",
    )
    assert [p["name"] for p in again.parties] == ["赵大爷", "", ""]
    assert again.parties[2]["phone"] == "13800138000"


def test_a_bad_party_detail_points_at_the_party_and_nothing_is_saved(phones: Phones) -> None:
    core = phones.signed_in("mediator.baijia")
    intake = CaseIntakeViewModel(core)
    intake.set("title", "拖欠工钱")
    intake.set("category", "labour")
    intake.next()
    intake.set_party(1, "name", "孙师傅")  # the first row stays blank: not a party
    intake.set_party(1, "phone", "call me")
    intake.next()
    assert not intake.save()
    assert intake.step == 1
    assert list(intake.field_errors) == ["parties.1.phone"]
    assert say(intake.error).startswith("Check “Phone”:")
    assert core.data.store.outbox.items() == []
    intake.set_party(1, "phone", "13900139000")
    assert intake.save()
    assert load_draft(core.data.store, INTAKE_DRAFT) is None


def test_a_saved_case_waits_in_the_outbox_then_syncs(phones: Phones) -> None:
    core = phones.signed_in("mediator.baijia")
    case_id = new_case(core, "楼道堆放杂物")
    assert core.status.waiting == 1  # the case with its two parties: one thing the user made
    assert CaseListViewModel(core).rows[0].unsent
    core.sync_once()
    assert case_id in phones.server.live(TableName.CASES)
    assert core.status.waiting == 0
    assert not CaseListViewModel(core).rows[0].unsent


def test_search_and_filters(phones: Phones) -> None:
    core = phones.signed_in("mediator.baijia")
    shed = new_case(core, "煤棚损坏纠纷")
    new_case(core, "拖欠装修工钱", category="labour")
    cases = CaseListViewModel(core, today=date(2026, 11, 28))
    assert len(cases.rows) == 2
    cases.set_search("煤棚")
    assert [r.id for r in cases.rows] == [shed]
    cases.set_search("王桂芳")  # a party's name (blind-indexed) finds its case
    assert len(cases.rows) == 2
    cases.set_search("没有这个")
    assert cases.rows == []
    assert say(cases.empty_text) == "No case matches. Try fewer words."
    cases.set_search("")
    cases.set_category(CaseCategory.LABOUR)
    assert [say(r.category) for r in cases.rows] == ["Labour"]
    cases.set_category(None)
    mediation_failed(core, shed)
    close(core, shed)
    assert len(cases.rows) == 2  # not re-read yet
    cases.load()
    assert [r.title for r in cases.rows] == ["拖欠装修工钱"]
    cases.set_status_filter(StatusFilter.CLOSED)
    assert [(r.title, say(r.status)) for r in cases.rows] == [("煤棚损坏纠纷", "Closed")]


def test_the_case_page_shows_parties_visits_and_closes_once(phones: Phones) -> None:
    core = phones.signed_in("mediator.baijia")
    case_id = new_case(core, "宅基地边界争议", category="land")
    page = CaseDetailViewModel(core, case_id)
    assert page.found
    assert page.is_open
    assert [(say(p.role), p.name) for p in page.parties] == [
        ("Applicant", "王桂芳"),
        ("Respondent", "李建军"),
    ]
    assert (say(page.status), say(page.category), say(page.source)) == (
        "Accepted",
        "Land",
        "Walk-in",
    )
    assert page.timeline == []
    assert not closing_offered(page)  # an accepted case is not closed: it is mediated first
    mediation_failed(core, case_id)
    page.load()
    assert closing_offered(page)
    close(core, case_id)
    page.load()
    assert not page.is_open
    assert say(page.status) == "Closed"
    assert not closing_offered(page)  # once
    assert not CaseDetailViewModel(core, UUID(int=1)).found
