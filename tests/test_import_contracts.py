"""The import contracts ([tool.importlinter] in pyproject.toml) hold, and a
wrong arrow breaks them: the contract package made to import the server
fails ``lint-imports``, naming the contract it broke."""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("shared_models", "shared_documents", "sync_server", "field_app")
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": str(LINT_IMPORTS.parent)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_every_wall_the_docs_name_has_a_contract() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    forbidden = {
        (source, target)
        for contract in contracts
        if contract["type"] == "forbidden"
        for source in contract["source_modules"]
        for target in contract["forbidden_modules"]
    }
    assert {
        ("shared_models", "sync_server"),
        ("shared_models", "field_app"),
        ("shared_documents", "sync_server"),
        ("shared_documents", "field_app"),
        ("field_app.viewmodels", "field_app.storage"),
        ("sync_server.api.routes", "sync_server.tables"),
        ("sync_server.core", "sync_server.services"),
        ("sync_server.core", "sync_server.api"),
        ("sync_server.services", "sync_server.api"),
    } <= forbidden
    independent = [c["modules"] for c in contracts if c["type"] == "independence"]
    assert ["sync_server", "field_app"] in independent
    layers = [c["layers"] for c in contracts if c["type"] == "layers"]
    assert any(
        layer[:4]
        == ["field_app.views", "field_app.viewmodels", "field_app.services", "field_app.sync"]
        for layer in layers
    )


def test_a_wrong_arrow_fails_the_check(tmp_path: Path) -> None:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package)
    shutil.copyfile(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    contract = tmp_path / "shared_models" / "__init__.py"
    contract.write_text(contract.read_text(encoding="utf-8") + "\nimport sync_server.tables\n")
    result = _lint(tmp_path)
    assert result.returncode != 0, result.stdout
    assert "The contract imports neither side, nor the documents built on it BROKEN" in (
        " ".join(result.stdout.split())
    )
    assert "shared_models -> sync_server.tables" in result.stdout
