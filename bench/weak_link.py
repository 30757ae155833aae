"""A weak mobile link on loopback: a TCP proxy that delays, throttles and drops.

Every connection through it behaves like a phone's link on a poor day
(issue #20: about 300 ms of latency, 50 KB/s, dropped now and then):

- ``round_trip_s``: half of it is added to every chunk in each direction, so
  a request and its answer take at least one round trip;
- ``bytes_per_s``: each direction of a connection carries at most this much,
  chunks queue behind each other as on a narrow link;
- ``drop_every_s``: a connection lives a random while (exponential, this
  mean) and is then cut, both ways, the way a phone loses its signal; the
  client sees a reset and tries again on a new connection (one more round
  trip to open it).

It counts connections, drops and bytes. It listens on 127.0.0.1 only, runs
on its own event loop thread, and every wait in it is bounded.
"""

import asyncio
import random
from dataclasses import dataclass
from typing import Any

from bench.harness import LoopbackProxy


@dataclass(frozen=True)
class LinkShape:
    round_trip_s: float = 0.3
    bytes_per_s: int = 50_000
    drop_every_s: float = 60.0
    """Mean life of a connection before the link cuts it; 0: never."""
    seed: int = 2026


@dataclass
class LinkStats:
    connections: int = 0
    drops: int = 0
    up: int = 0
    down: int = 0


_CHUNK = 4096
"""Bytes read at a time: small enough that throttling is smooth."""
_START_S = 10.0


def _consume(future: "asyncio.Future[Any]") -> None:
    """A cut connection's pumps end cancelled; that is expected, not to be logged."""
    if not future.cancelled():
        future.exception()


class WeakLink(LoopbackProxy):
    """The proxy to ``127.0.0.1:target_port``; ``port`` is where to connect."""

    name = "weak-link proxy"
    start_s = _START_S

    def __init__(self, target_port: int, shape: LinkShape | None = None) -> None:
        super().__init__(target_port)
        self.shape = shape or LinkShape()
        self.stats = LinkStats()
        self._rng = random.Random(self.shape.seed)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.stats.connections += 1
        try:
            # Opening a connection costs a round trip on a real link.
            await asyncio.sleep(self.shape.round_trip_s)
            up_reader, up_writer = await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", self.target_port), timeout=_START_S
            )
        except (OSError, TimeoutError, asyncio.CancelledError):
            writer.transport.abort()
            return
        mean = self.shape.drop_every_s
        life = self._rng.expovariate(1 / mean) if mean > 0 else None
        pumps = asyncio.gather(
            self._pump(reader, up_writer, upstream=True),
            self._pump(up_reader, writer, upstream=False),
        )
        pumps.add_done_callback(_consume)
        try:
            await asyncio.wait_for(pumps, timeout=life)
        except TimeoutError:
            self.stats.drops += 1
        except asyncio.CancelledError:
            pass  # the proxy is stopping; asyncio would log a cancelled handler
        finally:
            writer.transport.abort()
            up_writer.transport.abort()

    async def _pump(
        self, source: asyncio.StreamReader, sink: asyncio.StreamWriter, *, upstream: bool
    ) -> None:
        """Carry one direction: each chunk leaves once the link has had time to
        send it (``bytes_per_s``) and arrives half a round trip later."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[float, bytes] | None] = asyncio.Queue()
        delivery = asyncio.create_task(self._deliver(queue, sink))
        free_at = loop.time()
        try:
            while chunk := await source.read(_CHUNK):
                if upstream:
                    self.stats.up += len(chunk)
                else:
                    self.stats.down += len(chunk)
                free_at = max(free_at, loop.time()) + len(chunk) / self.shape.bytes_per_s
                queue.put_nowait((free_at + self.shape.round_trip_s / 2, chunk))
        except ConnectionError:
            pass
        except asyncio.CancelledError:  # the link was cut: what is queued is lost
            delivery.cancel()
            raise
        queue.put_nowait(None)
        await delivery

    async def _deliver(
        self, queue: "asyncio.Queue[tuple[float, bytes] | None]", sink: asyncio.StreamWriter
    ) -> None:
        loop = asyncio.get_running_loop()
        try:
            while (item := await queue.get()) is not None:
                due, chunk = item
                await asyncio.sleep(max(0.0, due - loop.time()))
                sink.write(chunk)
                await sink.drain()
            if sink.can_write_eof():
                sink.write_eof()
        except (OSError, RuntimeError):
            pass  # the other side hung up first (ENOTCONN at the end of a cut)
