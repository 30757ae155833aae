"""``lastmile server --workers N``: every worker runs on the command's settings.

Workers are fresh interpreters that build the app themselves; they used to
read LASTMILE_* and fall back to ./var/lastmile.db, so from any folder but
the one the defaults point at every request failed (or, worse, another
database was served). Here the real command starts two workers from an
empty folder with nothing in the environment, and a device syncs through it.
"""

import gzip
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

from shared_models.protocol.version import PROTOCOL_VERSION
from sync_server.core.config import (
    WORKER_SETTINGS_ENV,
    ServerSettings,
    hand_to_workers,
    worker_settings,
)
from tests.factories import PASSWORD, District, case_fields, mutation

LASTMILE = Path(sys.executable).with_name("lastmile")
START_DEADLINE_S = 90.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_ready(process: "subprocess.Popen[bytes]", base_url: str, log: Path) -> None:
    deadline = time.monotonic() + START_DEADLINE_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"lastmile server exited:\n{log.read_text(errors='replace')}")
        try:
            if httpx.get(f"{base_url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"lastmile server was not ready:\n{log.read_text(errors='replace')}")


def _sign_in(http: httpx.Client, username: str) -> tuple[str, dict[str, str]]:
    device_id = f"workers-{uuid.uuid4().hex[:12]}"
    response = http.post(
        "/api/v1/auth/login",
        json={
            "username": username,
            "password": PASSWORD,
            "device_id": device_id,
            "device_name": "phone",
        },
    )
    assert response.status_code == 200, response.text
    return device_id, {"Authorization": f"Bearer {response.json()['token']}"}


def test_workers_sync_the_database_the_command_names_from_an_empty_folder(
    db_url: str, district: District, tmp_path: Path
) -> None:
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {key: value for key, value in os.environ.items() if not key.startswith("LASTMILE_")}
    log = tmp_path / "server.log"
    command = [str(LASTMILE), "server", "--workers", "2", "--port", str(port)]
    command += ["--db", db_url, "--blobs", str(tmp_path / "blobs")]
    with log.open("wb") as sink:
        process = subprocess.Popen(command, cwd=empty, env=env, stdout=sink, stderr=sink)
    try:
        _wait_ready(process, base_url, log)
        # Many requests on fresh connections, so both workers answer some.
        with httpx.Client(base_url=base_url, timeout=30) as http:
            device_id, mediator = _sign_in(http, "mediator.baijia")
            cases = [
                mutation("cases", uuid.uuid4(), case_fields(district.baijia_committee.id))
                for _ in range(6)
            ]
            for case in cases:
                body = {
                    "device_id": device_id,
                    "protocol": PROTOCOL_VERSION,
                    "app_version": "test",
                    "mutations": [case],
                }
                pushed = httpx.post(
                    f"{base_url}/api/v1/sync/push",
                    content=gzip.compress(json.dumps(body).encode()),
                    headers={
                        **mediator,
                        "Content-Type": "application/json",
                        "Content-Encoding": "gzip",
                    },
                    timeout=30,
                )
                assert pushed.status_code == 200, pushed.text
                assert pushed.json()["results"][0]["status"] == "applied"
            _, supervisor = _sign_in(http, "supervisor.baijia")
            page = http.get("/api/v1/sync/pull", params={"limit": 5000}, headers=supervisor)
            assert page.status_code == 200, page.text
            pulled = {c["record"]["id"] for c in page.json()["changes"] if c["table"] == "cases"}
            assert {case["record_id"] for case in cases} <= pulled
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert list(empty.iterdir()) == [], "the workers made a database of their own"
    assert (tmp_path / "blobs").is_dir()


def test_workers_get_every_setting_not_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    given = ServerSettings(
        db="sqlite:////nowhere/given.db",
        blobs=tmp_path / "given-blobs",
        port=8123,
        trusted_proxies=["10.0.0.5"],
        district_time_zone="Asia/Urumqi",
        token_idle_days=7,
        signing_key=tmp_path / "key.pem",
    )
    monkeypatch.delenv(WORKER_SETTINGS_ENV, raising=False)
    monkeypatch.setenv("LASTMILE_DB", "sqlite:////elsewhere/env.db")
    monkeypatch.setenv("LASTMILE_TOKEN_IDLE_DAYS", "3")
    assert worker_settings().db == "sqlite:////elsewhere/env.db"
    try:
        hand_to_workers(given)
        assert worker_settings() == given
    finally:  # later tests start servers with this process's environment
        os.environ.pop(WORKER_SETTINGS_ENV, None)
