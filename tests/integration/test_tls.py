"""The app syncing with a real ``lastmile server`` over HTTPS.

A throw-away CA (``trustme``) issues the server's certificate; the server
runs as the command an operator starts (two workers, ``--tls-cert`` and
``--tls-key``), and the app trusts the district's CA bundle and pins the
server's public key. A wrong pin connects to nothing (the server never
sees the sign-in), and a plain-HTTP address that is not loopback or a
private network is refused before any connection. The two workers' metrics
add up behind the metrics token, over the same TLS. One server per backend
serves the module's tests, each with devices of its own.
"""

import os
import socket
import ssl
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import trustme
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from field_app.config import AppSettings
from field_app.core import FieldAppCore
from field_app.errors import Offline
from field_app.sync.status import SyncState
from field_app.sync.transport import InsecureServerUrlError, certificate_pins
from lastmile_cli import app as lastmile
from sync_server.core.audit import bind_audit_keyring
from sync_server.core.audit_key import DEFAULT_FILE, load_keyring
from sync_server.core.db import make_engine
from sync_server.tables import DeviceToken
from tests.district_db import fresh_database_url
from tests.factories import PASSWORD, load_district
from tests.integration.test_session import CHEAP_KDF

# One worker runs the module, so each backend's server starts once (xdist).
pytestmark = pytest.mark.xdist_group("tls")

LASTMILE = Path(sys.executable).with_name("lastmile")
METRICS_TOKEN = "tls-test-metrics-token-0123456789"
START_DEADLINE_S = 90.0


@dataclass
class District:
    url: str
    ca_bundle: Path
    pins: list[str]
    engine: Engine


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def https_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[District]:
    """One server per backend for the module's tests: starting two TLS
    workers costs seconds of CPU, and each test brings a phone (or desk) of
    its own, with names of its own, so none sees another's traces."""
    folder = tmp_path_factory.mktemp("https-district")
    database = contextmanager(fresh_database_url)(request, request.param, folder)
    with database as db_url:
        engine = make_engine(db_url)
        # The server keys its audit entries with the key beside its blobs.
        bind_audit_keyring(engine, load_keyring(folder / DEFAULT_FILE, generate=True))
        try:
            load_district(engine)
            yield from _serve_https(db_url, engine, folder)
        finally:
            engine.dispose()


def _serve_https(db_url: str, engine: Engine, folder: Path) -> Iterator[District]:
    """``lastmile server`` over TLS (two workers), a throw-away CA behind it."""
    ca = trustme.CA()
    issued = ca.issue_cert("127.0.0.1", "localhost")
    cert, key, bundle = folder / "cert.pem", folder / "key.pem", folder / "district-ca.pem"
    issued.cert_chain_pems[0].write_to_path(str(cert))
    issued.private_key_pem.write_to_path(str(key))
    ca.cert_pem.write_to_path(str(bundle))
    der = ssl.PEM_cert_to_DER_cert(issued.cert_chain_pems[0].bytes().decode())
    port = _free_port()
    url = f"https://127.0.0.1:{port}"
    env = {name: value for name, value in os.environ.items() if not name.startswith("LASTMILE_")}
    env["LASTMILE_METRICS_TOKEN"] = METRICS_TOKEN
    command = [str(LASTMILE), "server", "--workers", "2", "--port", str(port), "--db", db_url]
    command += ["--blobs", str(folder / "blobs"), "--tls-cert", str(cert), "--tls-key", str(key)]
    log = folder / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(command, env=env, stdout=sink, stderr=sink)
    try:
        _wait_ready(process, url, bundle, log)
        yield District(url, bundle, sorted(certificate_pins(der)), engine)
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_ready(process: "subprocess.Popen[bytes]", url: str, bundle: Path, log: Path) -> None:
    deadline = time.monotonic() + START_DEADLINE_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"lastmile server exited:\n{log.read_text(errors='replace')}")
        try:
            if httpx.get(f"{url}/readyz", verify=_trusting(bundle), timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"lastmile server was not ready:\n{log.read_text(errors='replace')}")


def _trusting(bundle: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(bundle))


def _phone(tmp_path: Path, name: str, **settings: object) -> FieldAppCore:
    return FieldAppCore(
        AppSettings(data_dir=tmp_path / name, **settings),  # type: ignore[arg-type]
        kdf=CHEAP_KDF,
        device_name=name,
        background_sync=False,
    )


def _device_names(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.scalars(select(DeviceToken.device_name)))  # type: ignore[call-overload]


def test_the_app_syncs_over_https_with_the_districts_ca_and_pin(
    https_server: District, tmp_path: Path
) -> None:
    before = _sign_ins(https_server)
    core = _phone(
        tmp_path,
        "pinned",
        server_url=https_server.url,
        server_ca_bundle=https_server.ca_bundle,
        server_pins=[https_server.pins[0]],
    )
    try:
        core.login("mediator.baijia", PASSWORD)
        core.choose_pin("258036")
        core.sync_once()
        assert core.status.state is SyncState.UP_TO_DATE, core.status
    finally:
        core.close()
    assert any("pinned" in name for name in _device_names(https_server.engine))
    # Counted by one of the two workers, reported by whichever answered.
    assert _sign_ins(https_server) == before + 1


def _sign_ins(server: District) -> float:
    """The successful sign-ins the server's metrics count (both workers'),
    scraped over its TLS behind the metrics token."""
    with httpx.Client(base_url=server.url, verify=_trusting(server.ca_bundle)) as http:
        scrape = http.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert scrape.status_code == 200, scrape.text
    return sum(
        sample.value
        for family in text_string_to_metric_families(scrape.text)
        for sample in family.samples
        if sample.name == "lastmile_http_requests_total"
        and sample.labels["route"] == "/api/v1/auth/login"
        and sample.labels["status"] == "200"
    )


def test_lastmile_verify_trusts_the_districts_ca_when_told(
    https_server: District, tmp_path: Path
) -> None:
    with httpx.Client(base_url=https_server.url, verify=_trusting(https_server.ca_bundle)) as http:
        body = {"username": "supervisor.baijia", "password": PASSWORD}
        body |= {"device_id": "verify-desk-01", "device_name": "desk"}
        token = http.post("/api/v1/auth/login", json=body).json()["token"]
    command = ["verify", str(uuid.uuid4()), "--server", https_server.url, "--token", token]
    unknown_ca = CliRunner().invoke(lastmile, command)
    assert unknown_ca.exit_code == 2
    assert "cannot reach" in unknown_ca.output
    trusted = CliRunner().invoke(lastmile, [*command, "--ca-bundle", str(https_server.ca_bundle)])
    assert "cannot reach" not in trusted.output
    assert "the server answered 404" in trusted.output  # reached, over the district's TLS


def test_a_wrong_pin_or_an_unknown_ca_reaches_nothing(
    https_server: District, tmp_path: Path
) -> None:
    wrong_pin = _phone(
        tmp_path,
        "wrong-pin",
        server_url=https_server.url,
        server_ca_bundle=https_server.ca_bundle,
        server_pins=["ab" * 32],
    )
    no_ca = _phone(tmp_path, "system-cas-only", server_url=https_server.url)
    for core in (wrong_pin, no_ca):
        try:
            with pytest.raises(Offline):
                core.login("mediator.baijia", PASSWORD)
        finally:
            core.close()
    names = _device_names(https_server.engine)
    assert not any("wrong-pin" in name or "system-cas" in name for name in names)


def test_plain_http_to_a_public_address_is_refused_before_any_connection(tmp_path: Path) -> None:
    core = _phone(tmp_path, "typed")
    try:
        with pytest.raises(InsecureServerUrlError):
            core.set_server_url("http://8.8.4.4:8700")
        with pytest.raises(InsecureServerUrlError):
            core.set_server_url("http://lastmile.example.org")
        core.set_server_url("http://192.168.1.20:8700")  # a private network: allowed
        core.set_server_url("https://lastmile.example.org")
    finally:
        core.close()
    # An address that reached the device some other way is refused under the request.
    stored = _phone(tmp_path, "provisioned", server_url="http://8.8.4.4:8700")
    try:
        with pytest.raises(Offline):
            stored.login("mediator.baijia", PASSWORD)
    finally:
        stored.close()
    allowed = _phone(
        tmp_path, "test-network", server_url="http://8.8.4.4:8700", allow_plain_http=True
    )
    try:
        assert allowed.server_url_allowed("http://8.8.4.4:8700")
    finally:
        allowed.close()
