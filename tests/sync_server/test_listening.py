"""``lastmile server`` refuses plain HTTP where a network could read it:
on any address but loopback, unless TLS is served, a trusted proxy ends
TLS in front of it, or ``--insecure-http`` says so (with a loud warning)."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from lastmile_cli import app
from sync_server.cli_server import listening_refusal
from sync_server.core.config import ServerSettings

EVERYWHERE = "0.0.0.0"  # noqa: S104  (the address refused)


def settings(tmp_path: Path, **values: object) -> ServerSettings:
    return ServerSettings(db=f"sqlite:///{tmp_path / 'never.db'}", **values)  # type: ignore[arg-type]


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_loopback_may_speak_plain_http(tmp_path: Path, host: str) -> None:
    assert listening_refusal(settings(tmp_path, host=host)) is None


@pytest.mark.parametrize("host", [EVERYWHERE, "::", "192.168.1.20", "10.0.0.8", "lastmile.example"])
def test_any_other_address_refuses_plain_http(tmp_path: Path, host: str) -> None:
    refusal = listening_refusal(settings(tmp_path, host=host))
    assert refusal is not None
    assert "--tls-cert" in refusal
    assert "--trusted-proxy" in refusal


def test_tls_a_trusted_proxy_or_an_explicit_insecure_flag_allow_it(tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.write_text("x")
    key.write_text("x")
    public = {"host": EVERYWHERE}
    assert listening_refusal(settings(tmp_path, **public, tls_cert=cert, tls_key=key)) is None
    assert listening_refusal(settings(tmp_path, **public, trusted_proxies=["10.0.0.5"])) is None
    assert listening_refusal(settings(tmp_path, **public, insecure_http=True)) is None


def test_tls_needs_both_files_and_both_must_exist(tmp_path: Path) -> None:
    cert = tmp_path / "cert.pem"
    cert.write_text("x")
    half = listening_refusal(settings(tmp_path, tls_cert=cert))
    assert half is not None
    assert "together" in half
    missing = listening_refusal(settings(tmp_path, tls_cert=cert, tls_key=tmp_path / "no.pem"))
    assert missing is not None
    assert "no TLS file" in missing


def test_the_command_refuses_before_it_touches_the_database(tmp_path: Path) -> None:
    db = tmp_path / "untouched.db"
    result = CliRunner().invoke(app, ["server", "--db", f"sqlite:///{db}", "--host", EVERYWHERE])
    assert result.exit_code == 1
    assert "plain HTTP on 0.0.0.0" in result.output
    assert not db.exists()


def test_insecure_http_warns_loudly(tmp_path: Path) -> None:
    """The warning comes first; this database holds no district, so the
    command then stops without serving."""
    db = tmp_path / "empty.db"
    result = CliRunner().invoke(
        app,
        ["server", "--db", f"sqlite:///{db}", "--host", EVERYWHERE, "--insecure-http"],
    )
    assert result.exit_code == 1
    assert "WARNING: serving plain HTTP on 0.0.0.0" in result.output
    assert "holds no district" in result.output
