"""A lost phone whose finder guesses PINs through the app and rolls the
wrong-PIN counter back between guesses: by restoring a saved copy of
``keystore.json``, or by editing its count. Each guess is a try; every guess
past the allowed number without the data being wiped is a violation.

(Restoring the WHOLE data folder between guesses resets any counter the app
can keep without secure hardware; docs/security.md says so, and what the
argon2id cost and a longer passcode do against that attacker. It is not
counted here as if it were fixable in the app.)
"""

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from field_app.core import FieldAppCore
from field_app.security.keystore import KEYSTORE_FILE, DataWipedError, WrongPinError
from tests.attack.tally import Attack
from tests.field_app.viewmodel_fixtures import PIN, Phones, phones_fixture

__all__ = ["phones_fixture"]

ALLOWED = 4  # the phones' max_pin_attempts (viewmodel_fixtures)


def _restore(saved: Path) -> Callable[[Path], None]:
    def restore(folder: Path) -> None:
        shutil.copyfile(saved, folder / KEYSTORE_FILE)

    return restore


def _edit_count(folder: Path) -> None:
    path = folder / KEYSTORE_FILE
    state = json.loads(path.read_text("utf-8"))
    for name in ("failed_attempts", "failed"):
        if name in state:
            state[name] = 0
    path.write_text(json.dumps(state), "utf-8")


def _guesses_until_wiped(core: FieldAppCore, roll_back: Callable[[Path], None]) -> int:
    """Wrong PINs, rolling the counter back after each, until the data is wiped."""
    folder = core.settings.data_dir
    for guess in range(1, 3 * ALLOWED + 1):
        try:
            core.session.unlock(f"{900000 + guess}")
        except WrongPinError:
            roll_back(folder)
        except DataWipedError:
            return guess
    return 3 * ALLOWED + 1


@pytest.mark.parametrize("how", ["restore a saved keystore.json", "edit the count to 0"])
def test_rolling_the_counter_back_buys_no_extra_guesses(
    phones: Phones, attack: Attack, how: str, tmp_path: Path
) -> None:
    core = phones.signed_in("mediator.baijia")
    core.lock()
    saved = tmp_path / "keystore-copy.json"
    shutil.copyfile(core.settings.data_dir / KEYSTORE_FILE, saved)
    roll_back = _restore(saved) if how.startswith("restore") else _edit_count
    guesses = _guesses_until_wiped(core, roll_back)
    for guess in range(1, guesses + 1):
        attack.check(guess <= ALLOWED, f"{how}: wrong PIN {guess} of {ALLOWED} allowed, not wiped")
    assert not (core.settings.data_dir / KEYSTORE_FILE).exists() or guesses > ALLOWED


def test_a_rolled_back_counter_is_reported_at_the_next_unlock(
    phones: Phones, attack: Attack, tmp_path: Path
) -> None:
    core = phones.signed_in("mediator.baijia")
    core.lock()
    saved = tmp_path / "keystore-copy.json"
    shutil.copyfile(core.settings.data_dir / KEYSTORE_FILE, saved)
    for guess in range(2):
        with pytest.raises(WrongPinError):
            core.session.unlock(f"90000{guess}")
    shutil.copyfile(saved, core.settings.data_dir / KEYSTORE_FILE)
    core.session.unlock(PIN)
    report = getattr(core.session, "unlock_report", None)
    attack.check(
        report is not None and report.wrong_pins == 2,
        f"the 2 wrong PINs before the restore are not reported ({report})",
    )
    attack.check(
        report is not None and report.rolled_back,
        f"the restored keystore.json is not reported as a rollback ({report})",
    )
