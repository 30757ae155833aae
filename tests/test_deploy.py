"""The deployment files in ``deploy/`` are what docs/deploy.md says they are.

The systemd units pass ``systemd-analyze verify`` (where systemd is there)
with the command they start pointed at this checkout's ``lastmile``, with
no warning either (an unknown key is only a warning to systemd, and a unit
that silently ignores its hardening is worse than one that fails). The
example environment names only settings the server has; the container
installs exactly the server's lock.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sync_server.core.config import ServerSettings

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
INSTALLED = "/opt/lastmile/.venv/bin/lastmile"
ENV_FILE = "/etc/lastmile/lastmile.env"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_the_systemd_units_verify_without_a_warning(tmp_path: Path) -> None:
    env_file = tmp_path / "lastmile.env"
    env_file.write_text((DEPLOY / "lastmile.env.example").read_text("utf-8"), "utf-8")
    lastmile = str(Path(sys.executable).with_name("lastmile"))
    units = sorted(DEPLOY.glob("*.service")) + sorted(DEPLOY.glob("*.timer"))
    assert {unit.name for unit in units} >= {
        "lastmile-server@.service",
        "lastmile-collect-blobs.service",
        "lastmile-collect-blobs.timer",
        "lastmile-archive-released.service",
        "lastmile-archive-released.timer",
    }
    for unit in units:
        text = unit.read_text("utf-8")
        assert INSTALLED in text or unit.suffix == ".timer", unit.name
        text = text.replace(INSTALLED, lastmile).replace(ENV_FILE, str(env_file))
        (tmp_path / unit.name).write_text(text, "utf-8")
    (tmp_path / "lastmile-server@8701.service").symlink_to(tmp_path / "lastmile-server@.service")
    names = [name.name for name in units if not name.name.endswith("@.service")]
    checked = subprocess.run(
        ["systemd-analyze", "verify", "lastmile-server@8701.service", *names],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    assert checked.stderr.strip() == "", checked.stderr


def test_the_example_environment_is_a_valid_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every name is a setting, and the values read as the server reads them
    (no quotes: systemd, a shell and ``docker --env-file`` agree on them)."""
    known = {f"LASTMILE_{name.upper()}" for name in ServerSettings.model_fields}
    pairs = re.findall(
        r"^(LASTMILE_[A-Z_]+)=(.*)$", (DEPLOY / "lastmile.env.example").read_text(), re.M
    )
    assert pairs
    assert {name for name, _ in pairs} <= known, {name for name, _ in pairs} - known
    for name, value in pairs:
        assert not re.search(r"[\s'\"]", value), f"{name}: quotes or spaces read differently"
        monkeypatch.setenv(name, value)
    settings = ServerSettings()
    assert settings.trusted_proxies == ["10.20.0.5"]
    assert settings.key_dir == Path("/var/lib/lastmile/keys")


def test_the_container_installs_the_servers_lock_by_hash() -> None:
    text = (DEPLOY / "Containerfile").read_text("utf-8")
    assert "--require-hashes -r requirements/lock-server.txt" in text
    assert "--no-deps" in text


def test_the_proxy_overwrites_the_forwarded_headers_and_hides_the_metrics() -> None:
    text = (DEPLOY / "nginx" / "lastmile.conf").read_text("utf-8")
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in text
    assert "proxy_set_header X-Forwarded-Proto https;" in text
    assert re.search(r"location = /metrics \{\s*#[^\n]*\n(\s*#[^\n]*\n)*\s*return 404;", text)
