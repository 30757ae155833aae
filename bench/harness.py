"""The bench's moving parts: a throw-away database, the real server in its own
process, and a loopback TCP proxy that counts every byte between them.

The proxy sits between the client and uvicorn so that what is counted is what
a phone's radio would carry: request and response headers plus the bodies as
sent (compressed when they were compressed), not the payload sizes an
in-process client would report.
"""

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import httpx
import psycopg
from psycopg import sql

PG_ADMIN_DSN = os.environ.get("LASTMILE_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REPO = Path(__file__).resolve().parent.parent


@contextmanager
def fresh_postgres() -> Iterator[str]:
    """A new, empty PostgreSQL database for one run; dropped afterwards."""
    info = psycopg.conninfo.conninfo_to_dict(PG_ADMIN_DSN)
    name = f"lastmile_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        host, port = info.get("host", "127.0.0.1"), info.get("port", "5432")
        yield f"postgresql+psycopg://{info.get('user', 'postgres')}@{host}:{port}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class ServerProcess:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def cpu_seconds(self) -> float:
        """User + system CPU time the server's processes have used so far."""
        ticks = 0
        for pid in _process_tree(self.process.pid):
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    def peak_rss_mb(self) -> float:
        """Peak resident memory (VmHWM) of the server and its worker processes."""
        peak_kb = 0
        for pid in _process_tree(self.process.pid):
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    peak_kb = max(peak_kb, int(line.split()[1]))
        return peak_kb / 1024


def _process_tree(root: int) -> list[int]:
    found = [root]
    index = 0
    while index < len(found):
        pid = found[index]
        index += 1
        for task in Path(f"/proc/{pid}/task").glob("*/children"):
            try:
                found.extend(int(child) for child in task.read_text().split())
            except OSError:
                continue
    return found


@contextmanager
def running_server(db_url: str, workers: int) -> Iterator[ServerProcess]:
    """uvicorn serving the server process as deployed (``app_from_env``) on a
    free loopback port, stopped on exit."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="lastmile-bench-") as scratch:
        env = {
            **os.environ,
            "LASTMILE_DB": db_url,
            "LASTMILE_BLOBS": str(Path(scratch) / "blobs"),
        }
        log = Path(scratch) / "server.log"
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "sync_server.main:app_from_env",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-access-log",
        ]
        with log.open("wb") as sink:
            process = subprocess.Popen(command, cwd=REPO, env=env, stdout=sink, stderr=sink)
        server = ServerProcess(process, port, log)
        try:
            _wait_ready(server)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def running_cli_server(db_url: str, workers: int) -> Iterator[ServerProcess]:
    """``lastmile server --workers N`` as an operator starts it: from an empty
    folder, with no LASTMILE_* in its environment, every setting an option."""
    port = free_port()
    lastmile = Path(sys.executable).with_name("lastmile")
    with tempfile.TemporaryDirectory(prefix="lastmile-bench-") as scratch:
        folder = Path(scratch) / "cwd"
        folder.mkdir()
        env = {key: value for key, value in os.environ.items() if not key.startswith("LASTMILE_")}
        log = Path(scratch) / "server.log"
        command = [str(lastmile), "server", "--db", db_url, "--blobs", f"{scratch}/blobs"]
        command += ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
        with log.open("wb") as sink:
            process = subprocess.Popen(command, cwd=folder, env=env, stdout=sink, stderr=sink)
        server = ServerProcess(process, port, log)
        try:
            _wait_ready(server, deadline_s=180.0)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_ready(server: ServerProcess, deadline_s: float = 60.0) -> None:
    wait_answering(server, f"http://127.0.0.1:{server.port}/readyz", "the server", deadline_s)


def wait_answering(server: ServerProcess, url: str, name: str, deadline_s: float = 60.0) -> None:
    """Until ``url`` answers 200; fails with the process's log when it exits
    or the deadline passes (a bench must never wait for ever)."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{name} exited:\n{server.log.read_text()}")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{name} did not answer:\n{server.log.read_text()}")


class ByteCounter:
    """Bytes the proxy carried upstream (client → server) and downstream."""

    def __init__(self) -> None:
        self.up = 0
        self.down = 0

    def snapshot(self) -> tuple[int, int]:
        return self.up, self.down


class LoopbackProxy:
    """A TCP proxy on 127.0.0.1 to ``target_port``, on its own event loop
    thread; ``port`` is where to connect. A subclass says what it does with a
    connection (``_accept``)."""

    name = "loopback-proxy"
    start_s = 10.0

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._server: asyncio.Server | None = None

    def __enter__(self) -> Self:
        self._thread.start()
        if not self._ready.wait(timeout=self.start_s):
            raise RuntimeError(f"the {self.name} did not start")
        return self

    def __exit__(self, *_exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(timeout=self.start_s)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=self.start_s)

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        others = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._connection, "127.0.0.1", 0)
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()
        self._loop.close()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """A connection until it ends, or until the proxy stops: a connection
        still open then ends quietly (asyncio prints a cancelled connection's
        traceback, which in a bench's output reads like a failure)."""
        try:
            await self._accept(reader, writer)
        except asyncio.CancelledError:
            writer.close()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise NotImplementedError


class CountingProxy(LoopbackProxy):
    """A loopback proxy that counts the bytes it carries each way."""

    name = "byte-counting proxy"

    def __init__(self, target_port: int) -> None:
        super().__init__(target_port)
        self.counter = ByteCounter()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        await asyncio.gather(
            self._pump(reader, up_writer, upstream=True),
            self._pump(up_reader, writer, upstream=False),
        )

    async def _pump(
        self, source: asyncio.StreamReader, sink: asyncio.StreamWriter, *, upstream: bool
    ) -> None:
        try:
            while chunk := await source.read(65536):
                if upstream:
                    self.counter.up += len(chunk)
                else:
                    self.counter.down += len(chunk)
                sink.write(chunk)
                await sink.drain()
        except ConnectionError:
            pass
        finally:
            sink.close()
