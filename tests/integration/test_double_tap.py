"""A double tap saves once: every action of the view-models that writes
(a save, a seal, a signature, a PIN, a password, a verdict, …) is done once
when it is asked for twice before the first is done (views run them off
the UI thread, so two taps are two calls at once) and once more right after
(a tap the web client delivered late).

Each test holds the first call inside the function it writes through, taps
again meanwhile, lets the first one finish and taps a third time: the
function is called once, and the later taps answer ``False`` without a
word (the first one's screen says what happened)."""

import threading
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any
from uuid import UUID

import pytest

import field_app.viewmodels.agreement_form as agreement_form_module
import field_app.viewmodels.agreements as agreements_module
import field_app.viewmodels.correction as correction_module
import field_app.viewmodels.home as home_module
import field_app.viewmodels.intake as intake_module
import field_app.viewmodels.visits as visits_module
from field_app.i18n import Translator
from field_app.viewmodels.access import LoginForm, PasswordForm, PinForm, PinMode
from field_app.viewmodels.agreement_form import AgreementFormViewModel
from field_app.viewmodels.agreements import AgreementViewModel, SignatureViewModel
from field_app.viewmodels.base import Saving
from field_app.viewmodels.cases import CaseListViewModel
from field_app.viewmodels.correction import CorrectionViewModel
from field_app.viewmodels.home import HomeViewModel
from field_app.viewmodels.intake import CaseIntakeViewModel
from field_app.viewmodels.settings import SettingsViewModel
from field_app.viewmodels.supervision_conflicts import ConflictsViewModel
from field_app.viewmodels.supervision_devices import DevicesViewModel
from field_app.viewmodels.supervision_review import ReviewQueueViewModel
from field_app.viewmodels.visits import CheckinViewModel, VisitFormViewModel
from tests.factories import PASSWORD
from tests.field_app.services_fixtures import camera_jpeg
from tests.integration.test_agreements_viewmodels import fill, mediating_case, sign
from tests.integration.test_viewmodels_access import _one_time_password
from tests.integration.test_viewmodels_cases import new_case
from tests.integration.test_viewmodels_correction import refused_party
from tests.integration.test_viewmodels_visits import add_subjects
from tests.integration.viewmodel_fixtures import (
    PIN,
    Phones,
    phones_fixture,  # noqa: F401  (the fixture)
    say,
)

WAIT_S = 60


class Held:
    """Stands in for the function an action writes through: counts its calls
    and holds the first one until ``released`` (the first tap still saving)."""

    def __init__(self, real: Callable[..., Any]) -> None:
        self.real = real
        self.calls = 0
        self.entered = threading.Event()
        self.released = threading.Event()
        self._lock = threading.Lock()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            self.calls += 1
            first = self.calls == 1
        if first:
            self.entered.set()
            if not self.released.wait(WAIT_S):
                raise AssertionError("the first call was never let go")
        return self.real(*args, **kwargs)


@pytest.fixture(name="hold")
def hold_fixture(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Any, str], Held]]:
    """``hold(owner, name)``: put a ``Held`` in place of ``owner.name``."""
    made: list[Held] = []

    def hold(owner: ModuleType | object, name: str) -> Held:
        held = Held(getattr(owner, name))
        monkeypatch.setattr(owner, name, held)
        made.append(held)
        return held

    yield hold
    for held in made:  # a failed test must not leave a thread waiting
        held.released.set()


def tap_twice_then_again(vm: Saving, action: Callable[[], bool], held: Held) -> None:
    """Two taps at once, then one after the first is done: one save."""
    first: list[bool] = []
    thread = threading.Thread(target=lambda: first.append(action()), daemon=True)
    thread.start()
    try:
        assert held.entered.wait(WAIT_S), "the first tap never reached the save"
        busy_meanwhile = vm.busy
        second = action()
    finally:
        held.released.set()
        thread.join(WAIT_S)
    third = action()
    assert (first, second, third, held.calls) == ([True], False, False, 1)
    assert busy_meanwhile  # the screen shows the spinner while the first one runs
    assert not vm.busy


# -- the field: cases, visits, check-ins ---------------------------------------------------


def test_saving_a_new_case(phones: Phones, hold: Callable[[Any, str], Held]) -> None:
    core = phones.signed_in("mediator.baijia")
    intake = CaseIntakeViewModel(core)
    intake.set("title", "煤棚损坏")
    intake.set("category", "neighbourhood")
    intake.set_party(0, "name", "王桂芳")
    tap_twice_then_again(intake, intake.save, hold(intake_module, "open_case"))
    assert intake.error is None
    assert [row.title for row in CaseListViewModel(core).rows] == ["煤棚损坏"]


def test_saving_a_visit(phones: Phones, hold: Callable[[Any, str], Held]) -> None:
    core = phones.signed_in("mediator.baijia")
    form = VisitFormViewModel(core, new_case(core, "楼道堆物"))
    form.set_notes("双方到场，同意清理")
    tap_twice_then_again(form, form.save, hold(visits_module, "record_visit"))
    assert form.error is None


def test_saving_a_checkin(phones: Phones, hold: Callable[[Any, str], Held]) -> None:
    core = phones.signed_in("officer.baijia")
    form = CheckinViewModel(core, add_subjects(phones, core)["张三"])
    form.set_notes("到所报到")
    tap_twice_then_again(form, form.save, hold(visits_module, "record_checkin"))


# -- agreements: draft, signatures, seal ----------------------------------------------------


def _read_back(core: Any, case_id: UUID) -> UUID:
    form = AgreementFormViewModel(core, case_id)
    fill(form)
    assert form.read_back(), say(form.error)
    return form.agreement_id


def test_reading_back_an_agreement_draft(phones: Phones, hold: Callable[[Any, str], Held]) -> None:
    core = phones.signed_in("mediator.baijia")
    form = AgreementFormViewModel(core, new_case(core, "煤棚损坏纠纷"))
    fill(form)
    tap_twice_then_again(form, form.read_back, hold(agreement_form_module, "save_terms"))
    assert form.error is None


def test_signing_on_the_pad(phones: Phones, hold: Callable[[Any, str], Held]) -> None:
    core = phones.signed_in("mediator.baijia")
    agreement_id = _read_back(core, new_case(core, "煤棚损坏纠纷"))
    pad = SignatureViewModel(core, agreement_id, 0)
    pad.begin(20, 80)
    for step in range(1, 30):
        pad.extend(20 + step * 9, 80 + (step % 4) * 12)
    held = hold(agreements_module, "add_signature")
    tap_twice_then_again(pad, pad.done, held)
    # Drawn, then a fingerprint tapped by mistake: the signer has signed once.
    assert not pad.add_fingerprint(camera_jpeg())
    assert held.calls == 1


def test_giving_a_fingerprint(phones: Phones, hold: Callable[[Any, str], Held]) -> None:
    core = phones.signed_in("mediator.baijia")
    agreement_id = _read_back(core, new_case(core, "煤棚损坏纠纷"))
    pad = SignatureViewModel(core, agreement_id, 1)  # a party
    photo = camera_jpeg()
    tap_twice_then_again(
        pad, lambda: pad.add_fingerprint(photo), hold(agreements_module, "add_signature")
    )


def test_sealing_an_agreement(phones: Phones, hold: Callable[[Any, str], Held]) -> None:
    core = phones.signed_in("mediator.baijia")
    agreement_id = _read_back(core, mediating_case(core, "煤棚损坏纠纷"))
    for index in range(3):
        sign(core, agreement_id, index)
    page = AgreementViewModel(core, agreement_id)
    tap_twice_then_again(page, page.seal, hold(agreements_module, "seal"))
    assert page.error is None  # not "this agreement is sealed" for the second tap
    assert page.sealed


# -- what the server refused -----------------------------------------------------------------


def test_sending_a_correction(phones: Phones, hold: Callable[[Any, str], Held]) -> None:
    core = phones.signed_in("mediator.baijia")
    refused_party(phones, core)
    [item] = HomeViewModel(core).attention
    assert item.mutation_id is not None
    form = CorrectionViewModel(core, item.mutation_id)
    form.set("phone", "13800138000")
    tap_twice_then_again(form, form.submit, hold(correction_module, "resend_corrected"))


def test_sending_a_refused_change_again(phones: Phones, hold: Callable[[Any, str], Held]) -> None:
    core = phones.signed_in("mediator.baijia")
    refused_party(phones, core)
    home = HomeViewModel(core)
    [item] = home.attention
    tap_twice_then_again(home, lambda: home.send_again(item), hold(home_module, "retry_change"))


def test_dropping_a_refused_change(phones: Phones, hold: Callable[[Any, str], Held]) -> None:
    core = phones.signed_in("mediator.baijia")
    refused_party(phones, core)
    home = HomeViewModel(core)
    [item] = home.attention
    tap_twice_then_again(home, lambda: home.give_up(item), hold(home_module, "discard_change"))


def test_uploading_a_refused_photo_again(phones: Phones, hold: Callable[[Any, str], Held]) -> None:
    core = phones.signed_in("mediator.baijia")
    sha256 = core.blobs.put(b"\xff\xd8 a photo", "image/jpeg")
    core.blobs.mark_refused(sha256, "over quota")
    home = HomeViewModel(core)
    [item] = home.attention
    tap_twice_then_again(home, lambda: home.send_again(item), hold(home_module, "retry_upload"))


# -- getting in: sign-in, new password, PIN ------------------------------------------------


def test_signing_in(phones: Phones, hold: Callable[[Any, str], Held]) -> None:
    core = phones.new()
    form = LoginForm(core)
    form.username, form.password = "mediator.baijia", PASSWORD
    tap_twice_then_again(form, form.submit, hold(core, "login"))
    assert form.error is None


def test_choosing_a_new_password(phones: Phones, hold: Callable[[Any, str], Held]) -> None:
    core = phones.new()
    login = LoginForm(core)
    login.username = "mediator.baijia"
    login.password = _one_time_password(phones, "mediator.baijia")
    assert login.submit(), say(login.error)
    form = PasswordForm(core, "mediator.baijia")
    form.password = form.confirm = "a-new-and-long-password"
    tap_twice_then_again(form, form.submit, hold(core, "change_password"))
    assert form.error is None


def test_choosing_a_pin(phones: Phones, hold: Callable[[Any, str], Held]) -> None:
    core = phones.new()
    login = LoginForm(core)
    login.username, login.password = "mediator.baijia", PASSWORD
    assert login.submit(), say(login.error)
    form = PinForm(core, PinMode.CHOOSE)
    form.pin = form.confirm = PIN
    tap_twice_then_again(form, form.submit, hold(core, "choose_pin"))
    assert form.error is None  # not "the two PINs differ" for the emptied form


def test_unlocking_with_the_pin(phones: Phones, hold: Callable[[Any, str], Held]) -> None:
    core = phones.signed_in("mediator.baijia")
    core.lock()
    form = PinForm(core, PinMode.UNLOCK)
    form.pin = PIN
    tap_twice_then_again(form, form.submit, hold(core, "unlock"))
    assert form.error is None  # not "enter your PIN" for the emptied field


# -- settings ---------------------------------------------------------------------------------


def test_changing_the_pin(phones: Phones, hold: Callable[[Any, str], Held]) -> None:
    core = phones.signed_in("mediator.baijia")
    settings = SettingsViewModel(core, Translator("en"))
    for name, value in (("old_pin", PIN), ("new_pin", "390571"), ("confirm_pin", "390571")):
        settings.edit(name, value)
    # A second change with the same old PIN would count as a wrong PIN.
    tap_twice_then_again(settings, settings.change_pin, hold(core, "change_pin"))
    assert say(settings.pin_message) == "PIN changed."


def test_saving_the_server_address(phones: Phones, hold: Callable[[Any, str], Held]) -> None:
    core = phones.signed_in("mediator.baijia")
    settings = SettingsViewModel(core, Translator("en"))
    settings.edit("server_url", "http://testserver/")
    held = hold(core, "set_server_url")
    tap_twice_then_again(settings, settings.save_server, held)
    settings.edit("server_url", "http://testserver")  # typed again: saved again
    assert settings.save_server()
    assert held.calls == 2


# -- the supervisor's desk ----------------------------------------------------------------------


def test_a_review_verdict(phones: Phones, hold: Callable[[Any, str], Held]) -> None:
    mediator = phones.signed_in("mediator.baijia")
    first, second = new_case(mediator, "楼道堆物纠纷"), new_case(mediator, "噪音扰民")
    mediator.sync_once()
    queue = ReviewQueueViewModel(phones.signed_in("supervisor.baijia"))
    queue.load()
    queue.open(next(i for i in queue.items if i.record_id == first))
    # The second tap must not approve the case the first one brings up next.
    tap_twice_then_again(queue, lambda: queue.approve(first), hold(queue.client, "review"))
    assert queue.selected is not None
    assert queue.selected.record_id == second


def test_restoring_a_conflict(phones: Phones, hold: Callable[[Any, str], Held]) -> None:
    from field_app.services.cases import update_case

    first = phones.signed_in("mediator.baijia", name="first phone")
    case_id = new_case(first, "宅基地边界")
    first.sync_once()
    second = phones.signed_in("mediator.baijia", name="second phone")
    update_case(first.store, case_id, {"description": "东墙以外一米"})
    update_case(second.store, case_id, {"description": "东墙以外两米"})
    first.sync_once()
    second.sync_once()
    conflicts = ConflictsViewModel(phones.signed_in("supervisor.baijia"))
    conflicts.load()
    [row] = conflicts.rows
    tap_twice_then_again(
        conflicts, lambda: conflicts.restore(row.id), hold(conflicts.client, "resolve")
    )
    assert conflicts.error is None


def test_revoking_a_device(phones: Phones, hold: Callable[[Any, str], Held]) -> None:
    phones.signed_in("mediator.baijia")
    devices = DevicesViewModel(phones.signed_in("admin"))
    devices.load()
    user = next(u for u in devices.users if u.username == "mediator.baijia")
    device_id = user.devices[0].device_id
    tap_twice_then_again(
        devices, lambda: devices.revoke(device_id), hold(devices.client, "revoke_device")
    )
    assert devices.error is None
