"""A record created offline and edited after a push attempt failed: the
edits must reach the server (found with the mediation lifecycle's browser
test, where a written agreement drafted, signed and sealed offline arrived
as a draft).

What happened: the first push attempt marked the creation "sent" and
froze it; the signatures and the seal queued as later entries of the same
record with no base version; the next push carried all of them, and the
server applied the creation, then took each later entry for an edit made
without knowing the record — a conflict, the sealed agreement's fields in
conflict records. Now a record's later entries wait until its creation is
acknowledged, and go out based on the version it got
(``Outbox.take_for_push``; more cases in
test_sync_engine_offline_creation.py)."""

from field_app.services.attention import attention
from field_app.viewmodels.agreement_form import AgreementFormViewModel
from field_app.viewmodels.agreements import AgreementViewModel
from tests.integration.test_agreements_viewmodels import fill, sign
from tests.integration.test_viewmodels_case_steps import to_mediation
from tests.integration.test_viewmodels_cases import new_case
from tests.integration.viewmodel_fixtures import (
    Phones,
    phones_fixture,  # noqa: F401  (the fixture)
)


def test_an_agreement_sealed_offline_after_a_failed_push_arrives_sealed(phones: Phones) -> None:
    core = phones.signed_in("mediator.baijia")
    case_id = new_case(core, "离线封存")
    to_mediation(core, case_id)
    core.sync_once()
    phones.link.up = False
    form = AgreementFormViewModel(core, case_id)
    fill(form)
    assert form.read_back()
    core.sync_once()  # tried while the network is down
    for index in range(3):
        sign(core, form.agreement_id, index)
    assert AgreementViewModel(core, form.agreement_id).seal()
    phones.link.up = True
    core.sync_once()
    assert attention(core.store).conflicts == []
