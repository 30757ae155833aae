"""The tally itself: a violation fails the test that recorded it, and the
closing table counts tests, tries and violations per category."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
def test_clean(attack):
    for _ in range(3):
        attack.check(True, "fine")


def test_leaky(attack):
    attack.check(True, "fine")
    attack.check(False, "GET /secret as mediator: 200")
"""


def test_a_violation_fails_its_test_and_the_table_counts_it(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(
        "from tests.attack.tally import attack, pytest_runtest_logreport, pytest_terminal_summary\n"
    )
    (tmp_path / "test_probe.py").write_text(PROBE)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", str(tmp_path)],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    out = result.stdout
    assert result.returncode == 1, out
    # A violation fails the teardown: the leaky test counts as passed and errored.
    assert "2 passed, 1 error" in out, out
    assert "GET /secret as mediator: 200" in out
    assert "LastMile attack suite" in out
    probe_row = next(line for line in out.splitlines() if line.startswith("probe "))
    assert probe_row.split() == ["probe", "2", "5", "1"]
