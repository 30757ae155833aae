"""LastMile's sync side by side with a CouchDB-style peer, in one run.

    .venv/bin/python -m bench.peer_bench            # 10,000 visits, 3 interleaved rounds
    .venv/bin/python -m bench.peer_bench --quick    # 1,000 visits, 1 round

The peer is PouchDB 9 replicating to express-pouchdb on LevelDB
(``bench/peer/``; its node packages are installed with ``npm ci`` on first
use). Both get the same 10,000 visit records (``visits.py``) and both are
reached through the byte-counting proxy (``harness.py``); each server is one
process. A round of each side, taken in turns (LastMile first in even rounds,
the peer first in odd ones, so a change in the machine's speed falls on
both):

- push: every record from the device to a fresh server, at the app's first
  batch size (LastMile: the app's encoding and client, ``push_cost.py``; the
  peer: ``replicate`` with ``batch_size`` the same); then LastMile pushes as
  many more as the app now does (bigger batches while answers come quickly),
  shown against the same peer figure;
- pull: all of it into a fresh client, pages of the app's pull size;
- no-op sync: that client syncs again with nothing to do (LastMile: what the
  app sends then, one pull; the peer: a two-way ``sync``), ``--noops`` times.

The table gives each side's median over the rounds and the ratio (the
peer's time over LastMile's: above 1 means LastMile is faster).
"""

import argparse
import gc
import json
import os
import platform
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.harness import (
    CountingProxy,
    ServerProcess,
    free_port,
    fresh_postgres,
    running_server,
    wait_answering,
)
from bench.push_cost import APP, APP_BATCH, push_like_the_app
from bench.sync_bench import BenchDevice
from bench.visits import visit_mutations
from sync_server.core.db import make_engine
from sync_server.core.migrate import upgrade
from tests.factories import case_fields, load_district, mutation

PEER = Path(__file__).resolve().parent / "peer"
APP_PULL = APP.pull_page_size
ANSWER_DEADLINE_S = 600.0
TARGETS = {"push": 3.0, "pull": 8.0, "no-op sync": 3.0}
"""Issue 15: how many times faster than the peer LastMile is to be."""


@dataclass
class Side:
    """One side's measurements over the rounds (seconds, server CPU seconds, bytes)."""

    name: str
    push: list[tuple[float, float, float]] = field(default_factory=list)
    pull: list[tuple[float, float, float]] = field(default_factory=list)
    noop: list[tuple[float, float, float]] = field(default_factory=list)
    push_as_app: list[tuple[float, float, float]] = field(default_factory=list)
    """LastMile only: the push with the app's rule (bigger batches on a good link)."""

    def add(self, push: "Measure", pull: "Measure", noops: list["Measure"]) -> None:
        """One round: the no-op syncs as their median time, mean CPU and bytes."""
        self.push.append((push.seconds, push.cpu, push.bytes))
        self.pull.append((pull.seconds, pull.cpu, pull.bytes))
        self.noop.append(
            (
                statistics.median(noop.seconds for noop in noops),
                statistics.fmean(noop.cpu for noop in noops),
                statistics.fmean(noop.bytes for noop in noops),
            )
        )

    def median(self, phase: str, what: str) -> float:
        """The median over the rounds of ``what`` (seconds, cpu, bytes) of ``phase``."""
        rounds: list[tuple[float, float, float]] = {
            "push": self.push,
            "push as the app": self.push_as_app,
            "pull": self.pull,
            "no-op sync": self.noop,
        }[phase]
        index = ("seconds", "cpu", "bytes").index(what)
        return statistics.median(value[index] for value in rounds)


# -- the peer -----------------------------------------------------------------


def ensure_node_packages() -> None:
    """Install the peer's node packages from its lock when they are missing."""
    wanted = ("pouchdb", "express-pouchdb", "pouchdb-adapter-memory", "express")
    if all((PEER / "node_modules" / name).is_dir() for name in wanted):
        return
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("the peer needs Node.js and npm (bench/peer/package.json)")
    print("bench/peer: node packages missing, installing them: npm ci (once)", flush=True)
    subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=PEER, check=True)


@contextmanager
def peer_server() -> Iterator[ServerProcess]:
    """``node server.js`` on a fresh LevelDB folder and a free loopback port."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="lastmile-peer-") as scratch:
        log = Path(scratch) / "server.log"
        with log.open("wb") as sink:
            process = subprocess.Popen(
                ["node", str(PEER / "server.js"), scratch, str(port)],
                cwd=PEER,
                stdout=sink,
                stderr=sink,
            )
        server = ServerProcess(process, port, log)
        try:
            wait_answering(server, f"http://127.0.0.1:{port}/", "the peer server")
            yield server
        finally:
            process.terminate()
            process.wait(timeout=15)


class PeerClient:
    """``node client.js``: one JSON command a line in, one answer a line out."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            ["node", str(PEER / "client.js")],
            cwd=PEER,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def ask(self, **command: Any) -> dict[str, Any]:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        ready, _, _ = select.select([self.process.stdout], [], [], ANSWER_DEADLINE_S)
        if not ready:
            raise RuntimeError(f"the peer client did not answer {command['cmd']}")
        answer: dict[str, Any] = json.loads(self.process.stdout.readline())
        if not answer.get("ok"):
            raise RuntimeError(f"the peer client failed {command['cmd']}: {answer}")
        return answer

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def peer_round(args: argparse.Namespace, docs_file: Path, side: Side) -> None:
    with peer_server() as server, CountingProxy(server.port) as proxy:
        client = PeerClient()
        try:
            remote = f"http://127.0.0.1:{proxy.port}/visits"
            assert client.ask(cmd="load", file=str(docs_file))["docs"] == args.records

            def ask(**command: Any) -> Measure:
                """The client times itself: the pipe to it is not the peer's cost."""
                measure = measured(proxy, server, lambda: client.ask(remote=remote, **command))
                measure.seconds = measure.result["seconds"]
                return measure

            push = ask(cmd="push", batch=APP_BATCH)
            pull = ask(cmd="pull", batch=APP_PULL)
            for moved in (push, pull):
                if moved.result["written"] != args.records:
                    raise RuntimeError(f"the peer moved {moved.result['written']} records")
            client.ask(cmd="warm", remote=remote)
            noops = [ask(cmd="noop") for _ in range(args.noops)]
            if any(noop.result["written"] for noop in noops):
                raise RuntimeError("a peer no-op sync moved documents")
            side.add(push, pull, noops)
        finally:
            client.close()


# -- LastMile -------------------------------------------------------------------


def lastmile_round(
    args: argparse.Namespace,
    mutations: list[dict[str, Any]],
    more: list[dict[str, Any]],
    side: Side,
) -> None:
    """Push ``mutations`` at the peer's batch size, pull, no-op syncs; then
    push ``more`` (other visits of the same case) as the app does now."""
    with fresh_postgres() as url:
        upgrade(url)
        engine = make_engine(url)
        district = load_district(engine)
        try:
            with running_server(url, 1) as server, CountingProxy(server.port) as proxy:
                base = f"http://127.0.0.1:{proxy.port}"
                author = BenchDevice(base, "mediator.baijia")
                reader = BenchDevice(base, "supervisor.baijia")
                case_id = uuid.UUID(mutations[0]["fields"]["case_id"])
                fields = case_fields(district.baijia_committee.id)
                [created] = author.push([mutation("cases", case_id, fields)])
                assert created["status"] == "applied", created
                client, device_id = author.client, author.device_id
                push = measured(
                    proxy,
                    server,
                    lambda: set(push_like_the_app(client, device_id, mutations, APP_BATCH)),
                )
                if push.result != {"applied"}:
                    raise RuntimeError(f"LastMile answered {push.result}")
                pull = measured(proxy, server, lambda: _pull_all(reader))
                if pull.result < args.records:
                    raise RuntimeError(f"LastMile pulled {pull.result} of {args.records}")
                _pull_all(reader)  # as the peer's untimed first two-way sync
                # The app's sync with an empty outbox and no blobs is one pull.
                noops = [
                    measured(proxy, server, lambda: reader.pull_page(APP_PULL))
                    for _ in range(args.noops)
                ]
                if any(noop.result[0]["changes"] for noop in noops):
                    raise RuntimeError("a LastMile no-op sync received changes")
                side.add(push, pull, noops)
                as_app = measured(
                    proxy, server, lambda: set(push_like_the_app(client, device_id, more))
                )
                if as_app.result != {"applied"}:
                    raise RuntimeError(f"LastMile answered {as_app.result}")
                side.push_as_app.append((as_app.seconds, as_app.cpu, as_app.bytes))
                author.close()
                reader.close()
        finally:
            engine.dispose()


def _pull_all(device: BenchDevice) -> int:
    """Pull until nothing is left; the number of changes received."""
    received = 0
    while True:
        page, _ = device.pull_page(APP_PULL)
        received += len(page["changes"])
        if not page["more"]:
            return received


# -- both -------------------------------------------------------------------------


@dataclass
class Measure:
    """One action: wall-clock seconds, the server's CPU seconds, bytes both ways."""

    seconds: float
    cpu: float
    bytes: int
    result: Any


def measured(proxy: CountingProxy, server: ServerProcess, action: Callable[[], Any]) -> Measure:
    up0, down0 = proxy.counter.snapshot()
    cpu0 = server.cpu_seconds()
    started = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - started
    cpu = server.cpu_seconds() - cpu0
    up1, down1 = proxy.counter.snapshot()
    return Measure(seconds, cpu, (up1 - up0) + (down1 - down0), result)


def visit_docs(mutations: list[dict[str, Any]], folder: Path) -> Path:
    """The same visits as the peer's documents: id, table and the same fields."""
    docs = [{"_id": m["record_id"], "table": "visits", **m["fields"]} for m in mutations]
    path = folder / "visits.json"
    path.write_text(json.dumps(docs, ensure_ascii=False))
    return path


def run(args: argparse.Namespace) -> tuple[Side, Side]:
    ensure_node_packages()
    # The bench process holds the harness's objects; a device holds none (as in sync_bench).
    gc.collect()
    gc.freeze()
    case_id = uuid.uuid4()
    mutations = visit_mutations(args.records, case_id)
    more = visit_mutations(args.records, case_id, seed=7)
    lastmile, peer = Side("LastMile"), Side("peer")
    with tempfile.TemporaryDirectory(prefix="lastmile-peer-docs-") as scratch:
        docs_file = visit_docs(mutations, Path(scratch))
        for number in range(args.rounds):
            turns: list[Callable[[], None]] = [
                lambda: lastmile_round(args, mutations, more, lastmile),
                lambda: peer_round(args, docs_file, peer),
            ]
            for turn in turns if number % 2 == 0 else reversed(turns):
                turn()
            print(f"  round {number + 1} of {args.rounds} done", flush=True)
    return lastmile, peer


def report(lastmile: Side, peer: Side, args: argparse.Namespace) -> bool:
    """The table; ``True`` when every ratio meets its target."""
    rows: list[tuple[str, ...]] = []
    ok = True
    for phase, label in (
        ("push", f"push {args.records:,}, {APP_BATCH} a batch"),
        ("push as the app", f"  as the app (to {APP.push_batch_size_good_link} a batch if quick)"),
        ("pull", f"pull {args.records:,} into a fresh client"),
        ("no-op sync", f"no-op sync (median of {args.noops})"),
    ):
        compared = "push" if phase == "push as the app" else phase
        ours, theirs = lastmile.median(phase, "seconds"), peer.median(compared, "seconds")
        ratio = theirs / ours
        target = TARGETS[compared]
        ok = ok and ratio >= target
        rows.append(
            (
                label,
                _duration(ours),
                _duration(theirs),
                f"{ratio:.1f}×",
                f"≥ {target:.0f}×",
                "PASS" if ratio >= target else "MISS",
            )
        )
        rows.append(
            (
                "  server CPU",
                _duration(lastmile.median(phase, "cpu")),
                _duration(peer.median(compared, "cpu")),
                f"{peer.median(compared, 'cpu') / max(lastmile.median(phase, 'cpu'), 1e-9):.1f}×",
                "",
                "",
            )
        )
        ours_b, theirs_b = lastmile.median(phase, "bytes"), peer.median(compared, "bytes")
        rows.append(
            (
                "  bytes on the wire",
                f"{ours_b:,.0f} B",
                f"{theirs_b:,.0f} B",
                f"{theirs_b / ours_b:.1f}×",
                "",
                "",
            )
        )
    header = ("measured (median of rounds)", "LastMile", "peer", "ratio", "target", "result")
    widths = [max(len(row[i]) for row in [*rows, header]) for i in range(len(header))]
    for line in [header, tuple("-" * w for w in widths), *rows]:
        print("| " + " | ".join(f"{c:<{w}}" for c, w in zip(line, widths, strict=True)) + " |")
    return ok


def _duration(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds >= 1 else f"{seconds * 1000:.1f} ms"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.peer_bench", description=__doc__)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each side, in turns")
    parser.add_argument("--noops", type=int, default=20, help="no-op syncs per round")
    parser.add_argument("--quick", action="store_true", help="1,000 records, 1 round")
    args = parser.parse_args(argv)
    if args.quick:
        args.records, args.rounds, args.noops = 1000, 1, 5
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"LastMile vs the peer (PouchDB 9 -> express-pouchdb on LevelDB): {os.cpu_count()} "
        f"cores, {platform.machine()}, Python {platform.python_version()}, "
        f"one server process each, push batches of {APP_BATCH}, pull pages of {APP_PULL}; "
        f"load average at start {load}",
        flush=True,
    )
    lastmile, peer = run(args)
    ok = report(lastmile, peer, args)
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\n(load average at the end {load}; whole run {time.perf_counter() - started:.0f} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
