"""The locks pin every dependency of their sets, at a version the ranges
allow, with hashes: ``requirements/lock.txt`` every set (the development
environment), ``lock-app.txt`` the base, the app's set and the test tools
(the phone's packages), ``lock-server.txt`` the base, the server's set and
the test tools; each with the installer and the build backend
(``requirements/build.in``). A dependency added or changed without re-locking
(``./scripts/lock``) fails here, before any install could float; a side lock
that carried the other side's packages fails too.
"""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
LOCK = ROOT / "requirements" / "lock.txt"
LOCKS = {
    "lock.txt": sorted(PROJECT["optional-dependencies"]),
    "lock-app.txt": ["app", "test"],
    "lock-server.txt": ["server", "test"],
}
"""Each lock and the extras it pins (with the base)."""
BUILD_IN = ROOT / "requirements" / "build.in"
HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}")


def lock_entries(text: str) -> list[tuple[Requirement, int]]:
    """Each pin of the lock with its number of hashes (a pin may appear
    twice, under different environment markers)."""
    logical = re.sub(r"\\\n", " ", text)
    entries = []
    for line in logical.splitlines():
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        requirement = line.split("--hash", 1)[0].strip()
        entries.append((Requirement(requirement), len(HASH.findall(line))))
    return entries


def declared(extras: list[str]) -> list[Requirement]:
    """What a set asks for: the base dependencies, the ``extras``, the build
    backend and the installer."""
    build = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["build-system"]
    names = [
        *PROJECT["dependencies"],
        *(line for extra in extras for line in PROJECT["optional-dependencies"][extra]),
        *build["requires"],
    ]
    for line in BUILD_IN.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.append(line)
    return [Requirement(name) for name in names]


def pins(lock_text: str) -> dict[NormalizedName, list[Version]]:
    """Each package the lock pins, with its versions."""
    pinned: dict[NormalizedName, list[Version]] = {}
    for requirement, _ in lock_entries(lock_text):
        (specifier,) = requirement.specifier
        pinned.setdefault(canonicalize_name(requirement.name), []).append(
            Version(specifier.version)
        )
    return pinned


def unmet(lock_text: str, extras: list[str]) -> list[str]:
    """Each dependency of the set the lock does not pin, or pins outside its range."""
    pinned = pins(lock_text)
    problems = []
    for requirement in declared(extras):
        versions = pinned.get(canonicalize_name(requirement.name))
        if not versions:
            problems.append(f"{requirement.name} is not in the lock")
        problems.extend(
            f"the lock pins {requirement.name}=={version}, outside {requirement}"
            for version in versions or []
            if not requirement.specifier.contains(version, prereleases=True)
        )
    return problems


@pytest.mark.parametrize("lock", sorted(LOCKS))
def test_every_pin_is_exact_and_carries_hashes(lock: str) -> None:
    entries = lock_entries((ROOT / "requirements" / lock).read_text(encoding="utf-8"))
    assert len(entries) > 50
    for requirement, hashes in entries:
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", requirement
        assert hashes >= 1, f"{requirement} has no hash"


@pytest.mark.parametrize("lock", sorted(LOCKS))
def test_every_declared_dependency_is_pinned_within_its_range(lock: str) -> None:
    problems = unmet((ROOT / "requirements" / lock).read_text(encoding="utf-8"), LOCKS[lock])
    assert problems == [], "\n".join([*problems, "run ./scripts/lock and commit the locks"])


@pytest.mark.parametrize("lock", ["lock-app.txt", "lock-server.txt"])
def test_a_side_lock_pins_the_versions_the_full_lock_pins(lock: str) -> None:
    """Each environment runs the versions the full one is tested with."""
    full = pins(LOCK.read_text(encoding="utf-8"))
    side = pins((ROOT / "requirements" / lock).read_text(encoding="utf-8"))
    assert {name: versions for name, versions in side.items() if full.get(name) != versions} == {}


SERVER_ONLY = {"fastapi", "starlette", "uvicorn", "psycopg", "psycopg-binary", "pyhanko", "typer"}
APP_ONLY = {"flet", "flet-web", "flet-charts", "flet-geolocator"}


def test_each_side_lock_leaves_the_other_side_out() -> None:
    app = set(pins((ROOT / "requirements" / "lock-app.txt").read_text(encoding="utf-8")))
    server = set(pins((ROOT / "requirements" / "lock-server.txt").read_text(encoding="utf-8")))
    assert app & SERVER_ONLY == set()
    assert server & APP_ONLY == set()
    assert {"flet", "cryptography", "pillow", "httpx", "sqlmodel"} <= app
    assert {"fastapi", "uvicorn", "psycopg", "pyhanko"} <= server


def test_a_dependency_added_without_relocking_is_caught() -> None:
    """The check can fail: the lock less pytest-timeout (as if pyproject.toml
    had gained it after the last ./scripts/lock) is refused."""
    text = LOCK.read_text(encoding="utf-8")
    without = re.sub(r"(?m)^pytest-timeout==.*(\n {4}.*)*\n", "", text)
    assert without != text
    assert unmet(without, LOCKS["lock.txt"]) == ["pytest-timeout is not in the lock"]


def test_the_install_uses_the_locks_with_hashes() -> None:
    bootstrap = (ROOT / "scripts" / "bootstrap.sh").read_text(encoding="utf-8")
    assert 'LOCK="$ROOT/requirements/lock.txt"' in bootstrap
    assert 'lock="$ROOT/requirements/lock-$side.txt"' in bootstrap
    # uv itself comes hash-checked from the full lock; it installs every lock
    # with the same checks (and compiles it to bytecode).
    assert "pip install -q --require-hashes -r <(" in bootstrap
    sync = 'uv" pip sync -q --require-hashes --compile-bytecode --python "$venv/bin/python" "$lock"'
    assert sync in bootstrap
    assert "--no-deps --no-build-isolation --python" in bootstrap
