"""Which environment runs which tests: the one place that decides it.

``./scripts/test`` runs the suite in three environments (docs/architecture.md,
"Dependency sets"), each test in exactly one:

- ``app``: ``.venv-app``, the phone's packages only (``requirements/lock-app.txt``:
  no FastAPI, uvicorn, psycopg or pyHanko, not even Flet's web server). The
  app's own tests, and the contract's and the shared documents', whose
  packages both sides carry.
- ``server``: ``.venv-server``, the server's packages only
  (``requirements/lock-server.txt``: no Flet).
- ``full``: ``.venv``, everything; the tests that need both sides (the app
  syncing with a real server, the attack suite, the reliability and browser
  tests), the app in web mode, and the checks of the repository itself.

A folder belongs to one side; a test file that needs the other side's
packages does not belong in ``app`` or ``server`` folders (it fails to
import there, loudly). Every test gets its side as a marker, so
``pytest -m app`` in ``.venv`` runs the app's subset too; ``full`` is
everything not in the other two, so no test can fall between them
(``tests/test_sides.py`` checks the three collections add up to the suite).
"""

import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
SIDES: dict[str, tuple[str, ...]] = {
    "app": ("field_app", "shared_models", "shared_documents"),
    "server": ("sync_server",),
}
"""Folders of ``tests/`` per side; everything else is ``full``."""
FULL = "full"


def side_of(path: Path) -> str:
    """The side a test file runs on, by its folder below ``tests/``."""
    relative = path.resolve().relative_to(TESTS)
    for side, folders in SIDES.items():
        if relative.parts[0] in folders:
            return side
    return FULL


def pytest_args(side: str) -> list[str]:
    """The pytest arguments (paths, ignores) that select ``side``'s tests,
    relative to the repository root."""
    if side in SIDES:
        return [f"tests/{folder}" for folder in SIDES[side]]
    if side != FULL:
        raise ValueError(f"no such side: {side}")
    others = [folder for folders in SIDES.values() for folder in folders]
    return ["tests", *(f"--ignore=tests/{folder}" for folder in others)]


@pytest.hookimpl(tryfirst=True)  # before ``-m`` deselects by these markers
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test with its side (``-m app``, ``-m server``, ``-m full``)."""
    for item in items:
        item.add_marker(side_of(item.path))


if __name__ == "__main__":
    # scripts/test: `python -m tests.sides app` prints the arguments, one a line.
    print("\n".join(pytest_args(sys.argv[1])))
