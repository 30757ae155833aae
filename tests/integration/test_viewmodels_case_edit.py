"""Correcting a case and its parties after intake: step forms with drafts,
parties editable until the agreement is sealed."""

from uuid import UUID

from field_app.services.cases import case_detail
from field_app.services.drafts import load_draft
from field_app.viewmodels.case_edit import CaseEditViewModel, PartyFormViewModel
from field_app.viewmodels.cases import CaseDetailViewModel
from tests.integration.test_viewmodels_cases import new_case
from tests.integration.viewmodel_fixtures import (
    Phones,
    phones_fixture,  # noqa: F401  (the fixture)
    say,
)


def test_a_case_is_corrected_in_two_steps_and_nothing_typed_is_lost(phones: Phones) -> None:
    core = phones.signed_in("mediator.baijia")
    case_id = new_case(core, "煤棚损坏")
    form = CaseEditViewModel(core, case_id)
    assert form.value("title") == "煤棚损坏"
    form.set("title", "")
    assert not form.next()
    assert say(form.error) == "Fill in: Title"
    form.set("title", "煤棚被邻居损坏")
    form.choose("source", "phone")
    assert form.next()
    form.set("description", "北墙倒塌")
    # The phone is put away mid-form: the draft brings it back on the same step.
    again = CaseEditViewModel(core, case_id)
    assert again.resumed
    assert again.step == 1
    assert again.value("description") == "北墙倒塌"
    assert again.save(), say(again.error)
    assert not again.save()  # a second tap saves nothing more
    case = case_detail(core.store, case_id)
    assert case is not None
    assert (case.case.title, case.case.source.value, case.case.description) == (
        "煤棚被邻居损坏",
        "phone",
        "北墙倒塌",
    )
    assert load_draft(core.store, again.draft_key) is None


def test_parties_are_added_and_corrected_later(phones: Phones) -> None:
    core = phones.signed_in("mediator.baijia")
    case_id = new_case(core, "噪音扰民")
    add = PartyFormViewModel(core, case_id)
    assert not add.next()
    assert say(add.error) == "Fill in: Name"
    add.set("name", "张红")
    assert add.next()
    add.set("phone", "12")
    assert not add.save()
    assert add.step == 1
    assert "phone" in add.field_errors
    add.set("phone", "13800138000")
    assert add.save(), say(add.error)
    page = CaseDetailViewModel(core, case_id)
    assert [p.name for p in page.parties][-1] == "张红"
    assert not page.parties_locked

    party_id = page.parties[0].id
    edit = PartyFormViewModel(core, case_id, party_id)
    assert edit.value("name") == "王桂芳"
    edit.set("name", "王桂芳（已更正）")
    edit.next()
    edit.set("address", "百家村3号")
    assert edit.save(), say(edit.error)
    page.load()
    assert page.parties[0].name == "王桂芳（已更正）"
    assert isinstance(edit.saved_id, UUID)
