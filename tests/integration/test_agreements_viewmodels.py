"""The agreement screens' view-models on a phone against the real server:
drafting with per-field messages and a draft that survives, read-back,
signing on the pad, sealing, the district's countersignature coming back,
refusals once sealed, the correction chain on the case page, and marking
obligations at a follow-up visit."""

from datetime import timedelta
from uuid import UUID

from field_app.core import FieldAppCore
from field_app.services.drafts import load_draft
from field_app.viewmodels.agreement_form import AgreementFormViewModel, draft_key
from field_app.viewmodels.agreements import AgreementViewModel, SignatureViewModel
from field_app.viewmodels.cases import CaseDetailViewModel
from field_app.viewmodels.home import HomeViewModel
from field_app.viewmodels.nav import Screen
from field_app.viewmodels.visits import VisitFormViewModel
from shared_models.domain.visits import VisitKind
from tests.field_app.lifecycle_steps import to_mediation
from tests.integration.test_viewmodels_cases import new_case
from tests.integration.viewmodel_fixtures import (
    Phones,
    phones_fixture,  # noqa: F401  (the fixture)
    say,
)


def fill(form: AgreementFormViewModel) -> None:
    form.set("facts", "邻居翻修房屋时损坏了煤棚。")
    form.set_obligation(0, "obligor", "李建军")
    form.set_obligation(0, "action", "赔偿修理费800元")
    form.set_obligation(0, "due", "2026-12-15")
    form.add_obligation()
    form.set_obligation(1, "obligor", "王桂芳")
    form.set_obligation(1, "action", "收款后不再追究")
    form.set("performance_deadline", "2026-12-31")


def sign(core: FieldAppCore, agreement_id: UUID, index: int) -> None:
    pad = SignatureViewModel(core, agreement_id, index)
    pad.begin(20, 80)
    for step in range(1, 30):
        pad.extend(20 + step * 9, 80 + (step % 4) * 12)
    assert pad.done(), say(pad.error)


def mediating_case(core: FieldAppCore, title: str) -> UUID:
    """A case opened on the intake screens and taken to mediation."""
    case_id = new_case(core, title)
    to_mediation(core.data.store, case_id)
    return case_id


def signed_agreement(core: FieldAppCore, case_id: UUID) -> UUID:
    form = AgreementFormViewModel(core, case_id)
    fill(form)
    assert form.read_back(), say(form.error)
    for index in range(3):
        sign(core, form.agreement_id, index)
    page = AgreementViewModel(core, form.agreement_id)
    assert page.seal(), say(page.error)
    return form.agreement_id


def test_drafting_says_what_is_missing_and_keeps_what_was_typed(phones: Phones) -> None:
    core = phones.signed_in("mediator.baijia")
    case_id = mediating_case(core, "煤棚损坏纠纷")
    form = AgreementFormViewModel(core, case_id)
    assert [p["name"] for p in form.parties] == ["王桂芳", "李建军"]
    assert form.mediator_name  # the signed-in mediator
    form.set_obligation(0, "due", "15.12.2026")

    assert not form.read_back()
    assert say(form.error) == "5 things are missing: see the marked fields."
    assert {key: say(text) for key, text in form.field_errors.items()} == {
        "facts": "State the main facts of the dispute",
        "obligations.0.obligor": "Obligation 1: who has to do it?",
        "obligations.0.action": "Obligation 1: what has to be done?",
        "obligations.0.due": "Write the date as 2026-12-31",
        "performance_deadline": "Set the deadline for performance",
    }
    fill(form)
    assert load_draft(core.data.store, draft_key(case_id)) is not None
    home = HomeViewModel(core)
    [draft] = [d for d in home.drafts if d.route.screen is Screen.AGREEMENT_EDIT]
    assert say(draft.text) == "Agreement: 煤棚损坏纠纷"

    again = AgreementFormViewModel(core, case_id)  # the phone was switched off meanwhile
    assert again.resumed
    assert again.agreement_id == form.agreement_id
    assert again.obligations[1]["action"] == "收款后不再追究"
    assert again.read_back(), say(again.error)
    assert load_draft(core.data.store, draft_key(case_id)) is None


def test_signing_sealing_and_the_district_countersignature(phones: Phones) -> None:
    core = phones.signed_in("mediator.baijia")
    case_id = mediating_case(core, "煤棚损坏纠纷")
    form = AgreementFormViewModel(core, case_id)
    fill(form)
    assert form.read_back()
    page = AgreementViewModel(core, form.agreement_id)
    assert page.document is not None
    assert page.document.title == "人民调解协议书"
    assert any("赔偿修理费800元" in p for s in page.document.sections for p in s.paragraphs)
    assert [(say(s.label), s.name, s.signed) for s in page.signers] == [
        ("Applicant", "王桂芳", False),
        ("Respondent", "李建军", False),
        ("Mediator", form.mediator_name, False),
    ]
    assert not page.can_seal
    assert not page.seal()
    assert say(page.error) == "王桂芳 has not signed"

    blank = SignatureViewModel(core, form.agreement_id, 0)
    blank.begin(10, 10)
    assert not blank.done()
    assert say(blank.error) == "Nothing signed yet: sign in the white box."
    for index in range(3):
        sign(core, form.agreement_id, index)
    page.load()
    assert page.can_seal
    assert page.seal()
    assert page.sealed
    assert say(page.countersignature).startswith("Not sent yet")

    core.sync_once()
    page.load()
    assert core.data.store.outbox.items(states=["pending", "sent", "rejected"]) == []
    assert say(page.countersignature).startswith("Countersigned by the district (key ")
    assert page.pdf().startswith(b"%PDF")


def test_a_sealed_agreement_refuses_edits_and_is_corrected_by_a_new_one(phones: Phones) -> None:
    core = phones.signed_in("mediator.baijia")
    case_id = mediating_case(core, "煤棚损坏纠纷")
    sealed_id = signed_agreement(core, case_id)

    editing = AgreementFormViewModel(core, case_id, sealed_id)
    assert say(editing.error).startswith("This agreement is signed and sealed")
    editing.set("facts", "改写")
    assert not editing.read_back()
    assert say(editing.error).startswith("This agreement is signed and sealed")
    pad = SignatureViewModel(core, sealed_id, 0)
    assert pad.sealed
    pad.begin(20, 80)
    pad.extend(200, 90)
    assert not pad.done()
    page = AgreementViewModel(core, sealed_id)
    assert page.refuse_edit()

    correction = AgreementFormViewModel(core, case_id, supersedes_id=sealed_id)
    assert correction.facts == "邻居翻修房屋时损坏了煤棚。"
    correction.set("facts", "邻居翻修房屋时损坏了煤棚和院墙。")
    assert correction.read_back(), say(correction.error)
    fixed = AgreementViewModel(core, correction.agreement_id)
    assert [(say(c.relation), c.id) for c in fixed.chain] == [("Corrects agreement", sealed_id)]

    case_page = CaseDetailViewModel(core, case_id)
    lines = [(a.id, a.corrects, a.corrected_by) for a in case_page.agreements]
    number = str(sealed_id)[:8].upper()
    new_number = str(correction.agreement_id)[:8].upper()
    assert lines == [
        (sealed_id, None, new_number),
        (correction.agreement_id, number, None),
    ]


def test_a_follow_up_visit_marks_each_obligation(phones: Phones) -> None:
    core = phones.signed_in("mediator.baijia")
    case_id = mediating_case(core, "煤棚损坏纠纷")
    plain = VisitFormViewModel(core, case_id, VisitKind.FOLLOW_UP)
    assert not plain.checks_obligations  # no signed agreement yet
    agreement_id = signed_agreement(core, case_id)

    visit = VisitFormViewModel(core, case_id, VisitKind.FOLLOW_UP)
    assert visit.checks_obligations
    assert [(o.obligor, o.honoured) for o in visit.obligations] == [
        ("李建军", None),
        ("王桂芳", None),
    ]
    visit.set_mark(0, True)
    visit.set_mark(1, False)
    assert VisitFormViewModel(core, case_id, VisitKind.FOLLOW_UP).marks == {0: True, 1: False}
    assert visit.save(), say(visit.error)
    core.sync_once()
    assert core.data.store.outbox.items(states=["pending", "sent", "rejected"]) == []
    case_page = CaseDetailViewModel(core, case_id)
    assert [say(item.kind) for item in case_page.timeline] == ["Follow-up visit"]
    assert agreement_id in {a.id for a in case_page.agreements}


def test_home_lists_an_agreement_whose_judicial_window_is_closing(phones: Phones) -> None:
    core = phones.signed_in("mediator.baijia")
    case_id = mediating_case(core, "煤棚损坏纠纷")
    signed_agreement(core, case_id)
    sealed_on = core.now()
    assert HomeViewModel(core, now=sealed_on + timedelta(days=20)).judicial_closing == []
    home = HomeViewModel(core, now=sealed_on + timedelta(days=25))
    [due] = home.judicial_closing
    assert due.row.id == case_id
    assert say(due.line).endswith("(6 days left)")
    assert HomeViewModel(core, now=sealed_on + timedelta(days=31)).judicial_closing == []
