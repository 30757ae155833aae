"""No module of the four packages is past 450 lines: a module that long is
usually two, and the next capability copies whatever shape it finds
(docs/style.md, "Layout that shows the architecture"). Migration versions
(Alembic's, the server's and the device's) are generated, one per change,
and read once: they are left out."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("field_app", "sync_server", "shared_models", "shared_documents")
MAX_LINES = 450


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def too_long(root: Path) -> dict[str, int]:
    """Each module of the packages under ``root`` past ``MAX_LINES``, with its length."""
    found: dict[str, int] = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            if "versions" in path.parts and "migrations" in path.parts:
                continue
            if (length := _lines(path)) > MAX_LINES:
                found[str(path.relative_to(root))] = length
    return found


def test_no_module_is_past_the_limit() -> None:
    assert too_long(ROOT) == {}


def test_the_check_sees_a_long_module_and_skips_migration_versions(tmp_path: Path) -> None:
    long_module = "\n".join(f"x{n} = {n}" for n in range(MAX_LINES + 1))
    (tmp_path / "shared_models").mkdir()
    (tmp_path / "shared_models" / "big.py").write_text(long_module, encoding="utf-8")
    versions = tmp_path / "sync_server" / "migrations" / "versions"
    versions.mkdir(parents=True)
    (versions / "0001_initial.py").write_text(long_module, encoding="utf-8")
    assert too_long(tmp_path) == {"shared_models/big.py": MAX_LINES + 1}
