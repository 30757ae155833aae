"""The lock (``requirements/lock.txt``) pins every dependency that
``pyproject.toml`` and ``requirements/build.in`` name, at a version their
ranges allow, with hashes. A dependency added or changed without
re-locking (``./scripts/lock``) fails here, before any install could float.
"""

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements" / "lock.txt"
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


def declared() -> list[Requirement]:
    """What the project asks for: its dependencies, the dev extra, the build
    backend and the installer."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    names = [
        *project["project"]["dependencies"],
        *project["project"]["optional-dependencies"]["dev"],
        *project["build-system"]["requires"],
    ]
    for line in BUILD_IN.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.append(line)
    return [Requirement(name) for name in names]


def unmet(lock_text: str) -> list[str]:
    """Each declared dependency the lock does not pin, or pins outside its range."""
    pinned: dict[NormalizedName, list[Version]] = {}
    for requirement, _ in lock_entries(lock_text):
        (specifier,) = requirement.specifier
        pinned.setdefault(canonicalize_name(requirement.name), []).append(
            Version(specifier.version)
        )
    problems = []
    for requirement in declared():
        versions = pinned.get(canonicalize_name(requirement.name))
        if not versions:
            problems.append(f"{requirement.name} is not in the lock")
        problems.extend(
            f"the lock pins {requirement.name}=={version}, outside {requirement}"
            for version in versions or []
            if not requirement.specifier.contains(version, prereleases=True)
        )
    return problems


def test_every_pin_is_exact_and_carries_hashes() -> None:
    entries = lock_entries(LOCK.read_text(encoding="utf-8"))
    assert len(entries) > 50
    for requirement, hashes in entries:
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", requirement
        assert hashes >= 1, f"{requirement} has no hash"


def test_every_declared_dependency_is_pinned_within_its_range() -> None:
    problems = unmet(LOCK.read_text(encoding="utf-8"))
    assert problems == [], "\n".join([*problems, "run ./scripts/lock and commit the lock"])


def test_a_dependency_added_without_relocking_is_caught() -> None:
    """The check can fail: the lock less pytest-timeout (as if pyproject.toml
    had gained it after the last ./scripts/lock) is refused."""
    text = LOCK.read_text(encoding="utf-8")
    without = re.sub(r"(?m)^pytest-timeout==.*(\n {4}.*)*\n", "", text)
    assert without != text
    assert unmet(without) == ["pytest-timeout is not in the lock"]


def test_the_install_uses_the_lock_with_hashes() -> None:
    bootstrap = (ROOT / "scripts" / "bootstrap.sh").read_text(encoding="utf-8")
    assert 'LOCK="$ROOT/requirements/lock.txt"' in bootstrap
    assert '--require-hashes -r "$LOCK"' in bootstrap
    assert "--no-deps --no-build-isolation -e" in bootstrap
