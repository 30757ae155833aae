"""Every test runs in exactly one environment (tests/sides.py): the three
selections ./scripts/test makes add up to the whole suite, with no test
in two and none in none."""

import tomllib
from pathlib import Path

import pytest

from tests import sides

ROOT = Path(__file__).resolve().parents[1]
SIDE_NAMES = [*sides.SIDES, sides.FULL]


def _test_files() -> list[Path]:
    """The files pytest collects under tests/ (its default ``python_files``,
    which pyproject.toml keeps)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "python_files" not in config["tool"]["pytest"]["ini_options"]
    found = {*sides.TESTS.rglob("test_*.py"), *sides.TESTS.rglob("*_test.py")}
    return sorted(path for path in found if "__pycache__" not in path.parts)


def _selected(path: Path, args: list[str]) -> bool:
    """Whether pytest, given ``args`` from the repository root, collects ``path``."""
    ignored = [ROOT / arg.removeprefix("--ignore=") for arg in args if arg.startswith("--ignore=")]
    chosen = [ROOT / arg for arg in args if not arg.startswith("-")]
    return any(path.is_relative_to(c) for c in chosen) and not any(
        path.is_relative_to(i) for i in ignored
    )


def sides_selecting(path: Path) -> list[str]:
    return [side for side in SIDE_NAMES if _selected(path, sides.pytest_args(side))]


def test_every_test_file_runs_in_exactly_its_own_environment() -> None:
    files = _test_files()
    assert len(files) > 100
    wrong = {
        str(path.relative_to(ROOT)): found
        for path in files
        if (found := sides_selecting(path)) != [sides.side_of(path)]
    }
    assert wrong == {}


BROKEN_FULL = ["tests", "--ignore=tests/field_app", "--ignore=tests/integration"]
"""A broken selection: the full run forgets to leave the server's folder out,
and leaves out the integration tests, which no side takes."""


def test_a_test_in_two_environments_or_in_none_is_caught(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server_test = ROOT / "tests" / "sync_server" / "test_push_pull.py"
    engine_test = ROOT / "tests" / "integration" / "test_sync_engine.py"
    original = sides.pytest_args
    monkeypatch.setattr(
        sides, "pytest_args", lambda side: BROKEN_FULL if side == sides.FULL else original(side)
    )
    assert sides_selecting(server_test) == ["server", "full"]
    assert sides_selecting(engine_test) == []


def test_the_test_command_selects_by_these_sides() -> None:
    script = (ROOT / "scripts" / "test").read_text(encoding="utf-8")
    for side in SIDE_NAMES:
        assert f"python -m tests.sides {side}" in script
    assert ".venv-app/bin/python -m pytest" in script
    assert ".venv-server/bin/python -m pytest" in script
