"""The demo's processes: one sync server and three web apps, kept together.

``lastmile demo`` starts them and then listens for a person's commands:
``o`` + Enter takes the sync server down (the phones go offline and keep
working) or brings it back; ``q`` + Enter, Ctrl-C, SIGTERM or SIGHUP stop
everything and free every port. A server that stops on its own leaves the
phones running, offline, until ``o`` starts it again.
"""

import queue
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import FrameType
from typing import TextIO

import httpx

Say = Callable[[str], None]
STOP_GRACE_S = 10.0
READY_S = 60.0
COMMANDS = "o + Enter: sync server down / up (offline / online)   q + Enter or Ctrl-C: stop"


class DemoFailedError(Exception):
    """A process did not start (its exit code, when it exited)."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Service:
    """One command line on one port, started and stopped as one."""

    name: str
    command: Sequence[str]
    ready_url: str
    env: dict[str, str] | None = None
    quiet: bool = False
    process: subprocess.Popen[bytes] | None = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        output = subprocess.DEVNULL if self.quiet else None
        self.process = subprocess.Popen(self.command, env=self.env, stdout=output)
        wait_ready(self.ready_url, self.process, READY_S)

    def stop(self) -> None:
        """SIGINT (uvicorn's orderly shutdown), then SIGKILL after a grace period."""
        stop_together([self])


def stop_together(services: Sequence[Service]) -> None:
    """Ask every one of ``services`` to stop at once (SIGINT), wait for them
    within one grace period, then kill what is left: a busy machine's slow
    shutdowns overlap instead of adding up (four in turn could take a
    minute)."""
    asked: list[subprocess.Popen[bytes]] = []
    for service in services:
        process, service.process = service.process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGINT)
            asked.append(process)
    deadline = time.monotonic() + STOP_GRACE_S
    for process in asked:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_GRACE_S)


def wait_ready(url: str, process: subprocess.Popen[bytes], deadline_s: float) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise DemoFailedError(f"{process.args!r} exited", process.returncode or 1)
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise DemoFailedError(f"nothing answered at {url} within {deadline_s:.0f} s")


@dataclass
class Demo:
    server: Service
    apps: list[Service]
    say: Say
    _commands: "queue.Queue[str]" = field(default_factory=queue.Queue)

    def start(self) -> None:
        self.server.start()
        for app in self.apps:
            app.start()

    def stop(self) -> None:
        """Everything: the apps first (they talk to the server), together."""
        stop_together(self.apps)
        self.server.stop()

    def toggle_server(self) -> None:
        """Offline and back: only the sync server stops or starts."""
        if self.server.running:
            self.server.stop()
            self.say("sync server stopped: the phones are offline (o + Enter brings it back)")
        else:
            self.say("starting the sync server…")
            self.server.start()
            self.say("sync server is back: tap sync on a phone, or wait for its next round")

    def serve(self, commands: TextIO) -> None:
        """Commands until ``q``. The end of the input (none, or a closed pipe)
        is not an end: a signal or Ctrl-C still stops the demo."""
        threading.Thread(target=self._read, args=(commands,), daemon=True).start()
        server_up = self.server.running
        while True:
            try:
                command = self._commands.get(timeout=1)
            except queue.Empty:
                command = ""
            if command in ("q", "quit"):
                return
            if command == "o":
                self.toggle_server()
                server_up = self.server.running
            elif command:
                self.say(COMMANDS)
            if server_up and not self.server.running:
                self.say(
                    "the sync server has stopped: the phones are offline (o + Enter restarts it)"
                )
                server_up = False
            for app in self.apps:
                if app.process is not None and not app.running:
                    raise DemoFailedError(f"{app.name} stopped", app.process.returncode or 1)

    def _read(self, commands: TextIO) -> None:
        for line in commands:
            self._commands.put(line.strip().lower())


def stop_on_signals() -> None:
    """SIGTERM (``kill``) and SIGHUP (the terminal closed) stop the demo as
    Ctrl-C does: the caller's ``finally`` stops every process. Only Ctrl-C
    reaches the children too (the terminal signals its whole process group);
    these reach the demo alone, which must then stop them itself."""

    def stop(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, stop)
