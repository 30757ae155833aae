"""The first of the README's two commands, as a person runs it: `lastmile
demo` (what `./scripts/demo` starts) prepares the district, starts the sync
server and the three web clients, prints where they are and who can sign in,
and stops cleanly on Ctrl-C."""

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from lastmile_cli import DEMO_PASSWORD

pytestmark = pytest.mark.xdist_group("browser")  # three app servers: keep them off the other worker
ROOT = Path(__file__).resolve().parents[1]
START_S = 240


def free_ports(count: int) -> list[int]:
    """``count`` consecutive free loopback ports (the demo numbers its apps)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            first = probe.getsockname()[1]
        ports = list(range(first, first + count))
        if all(_free(port) for port in ports):
            return ports
    raise RuntimeError("no run of free ports")


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.mark.timeout(START_S + 180)  # a start, a stop and their waits; never a hung check
def test_the_demo_starts_everything_and_prints_where_and_who(tmp_path: Path) -> None:
    server_port, *apps = free_ports(4)
    app_port = apps[0]
    command = [
        sys.executable,
        "-m",
        "lastmile_cli",
        "demo",
        "--data-dir",
        str(tmp_path / "demo"),
        "--port",
        str(server_port),
        "--app-port",
        str(app_port),
        "--size",
        "200",
    ]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        start_new_session=True,  # its server and apps in one group, to end together
    )
    printed: list[str] = []
    reader: threading.Thread | None = None
    try:
        assert process.stdout is not None
        lines: queue.Queue[str] = queue.Queue()
        stdout = process.stdout
        reader = threading.Thread(target=lambda: [lines.put(line) for line in stdout], daemon=True)
        reader.start()
        deadline = time.monotonic() + START_S
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                break
            printed.append(line)
            if "the desk is a supervisor's" in line:
                break
        text = "".join(printed)
        assert "LastMile demo is running" in text, text

        urls = re.findall(r"http://127\.0\.0\.1:\d+/", text)
        assert f"http://127.0.0.1:{server_port}/" not in urls[:3]
        apps = [f"http://127.0.0.1:{app_port + n}/" for n in range(3)]
        assert urls[:3] == apps
        for url in apps:
            assert httpx.get(url, timeout=30).status_code == 200
        for username in ("mediator.baijia", "officer.baijia", "supervisor.baijia"):
            assert username in text
        assert DEMO_PASSWORD in text
        login = httpx.post(
            f"http://127.0.0.1:{server_port}/api/v1/auth/login",
            json={
                "username": "supervisor.baijia",
                "password": DEMO_PASSWORD,
                "device_id": "demo-command-test",
                "device_name": "test",
            },
            timeout=30,
        )
        assert login.status_code == 200, login.text
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            # The whole group: a server or app left behind would hold the
            # output open, and the reader (and this test) would wait forever.
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise
        finally:
            if reader is not None:
                reader.join(timeout=10)  # it ends at the end of the output
            if process.stdout is not None and not (reader and reader.is_alive()):
                process.stdout.close()
    assert not _listening(server_port)
    assert not any(_listening(app_port + n) for n in range(3))


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0
