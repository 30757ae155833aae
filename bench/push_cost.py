"""Pushes as the app makes them, and what one costs the server.

The app's sync engine encodes each batch of its outbox with
``field_app.sync.client.encode_push`` (the request model, compact JSON,
gzip level 6) while the previous batch is in flight, and sends it through
``SyncClient``, batches sized by ``AppSettings.next_push_batch`` (200, then
doubling up to 1000 while pushes are answered quickly). The bench does the same with the
same code, so what it measures is the push the app makes, not a cheaper one.

``sweep`` then pushes batches of several sizes and fits the server's cost of
a push as a fixed part plus a part per mutation (least squares over the
sizes): the fixed part is what a bigger batch saves.
"""

import statistics
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from field_app.config import AppSettings
from field_app.sync.client import SyncClient, encode_push
from shared_models.protocol.push import Mutation, PushRequest
from shared_models.protocol.version import PROTOCOL_VERSION

APP = AppSettings()
APP_BATCH = APP.push_batch_size
"""The batch the app sends first, and on a slow link (``field_app/config.py``)."""


def app_push_body(device_id: str, mutations: list[dict[str, Any]]) -> bytes:
    """One outbox batch as the app encodes it (``field_app.sync.mutations.encode_batch``)."""
    request = PushRequest(
        device_id=device_id,
        protocol=PROTOCOL_VERSION,
        app_version="bench",
        mutations=[Mutation.model_validate(m) for m in mutations],
    )
    return encode_push(request)


def push_like_the_app(
    client: SyncClient, device_id: str, mutations: list[dict[str, Any]], batch: int | None = None
) -> Iterator[str]:
    """Push ``mutations`` as ``SyncEngine._push`` does and yield each one's
    status: batches sized by the app's rule (``AppSettings.next_push_batch``:
    ``push_batch_size`` first, bigger after a quick answer), or all of
    ``batch`` when given; the next batch is encoded on a second thread while
    one is in flight, at the size it gets if this push is answered quickly,
    and encoded again if the answer was slow."""
    done = 0
    size = batch or APP.push_batch_size
    with ThreadPoolExecutor(max_workers=1) as encoder:
        first = mutations[:size]
        ahead = (len(first), encoder.submit(app_push_body, device_id, first))
        while done < len(mutations):
            current = mutations[done : done + size]
            encoded, future = ahead
            body = future.result() if encoded == len(current) else app_push_body(device_id, current)
            if_quick = size if batch is not None else APP.next_push_batch(0.0, size)
            following = mutations[done + len(current) : done + len(current) + if_quick]
            if following:
                ahead = (len(following), encoder.submit(app_push_body, device_id, following))
            started = time.monotonic()
            results = client.push_encoded(body).results
            if batch is None:
                size = APP.next_push_batch(time.monotonic() - started, size)
            done += len(current)
            for result in results:
                yield result.status.value


@dataclass
class SizePoint:
    """Pushes of one batch size: the server's CPU and the wall clock, per push."""

    size: int
    cpu_ms: float
    wall_ms: float


@dataclass
class PushCost:
    points: list[SizePoint]
    fixed_cpu_ms: float
    per_mutation_cpu_us: float
    fixed_wall_ms: float
    per_mutation_wall_us: float

    def cpu_for(self, mutations: int, batch: int) -> float:
        """Seconds of server CPU the fit predicts for ``mutations`` in batches of ``batch``."""
        pushes = -(-mutations // batch)
        return (pushes * self.fixed_cpu_ms + mutations * self.per_mutation_cpu_us / 1000) / 1000


def sweep(
    client: SyncClient,
    device_id: str,
    make: Callable[[int], list[dict[str, Any]]],
    cpu_seconds: Callable[[], float],
    sizes: list[int],
    pushes: int,
) -> PushCost:
    """``pushes`` pushes of each size in ``sizes`` (bodies encoded beforehand,
    so only the server and the wire are timed); ``make(n)`` gives ``n`` new
    mutations. Sizes are taken in turns, so a change in the machine's speed
    spreads over all of them instead of landing on one."""
    bodies = {size: [app_push_body(device_id, make(size)) for _ in range(pushes)] for size in sizes}
    cpu: dict[int, float] = dict.fromkeys(sizes, 0.0)
    wall: dict[int, list[float]] = {size: [] for size in sizes}
    for turn in range(pushes):
        for size in sizes:
            cpu0 = cpu_seconds()
            started = time.perf_counter()
            statuses = {r.status.value for r in client.push_encoded(bodies[size][turn]).results}
            wall[size].append(time.perf_counter() - started)
            cpu[size] += cpu_seconds() - cpu0
            if statuses != {"applied"}:
                raise RuntimeError(f"sweep push of {size} answered {statuses}")
    points = [
        SizePoint(size, cpu[size] / pushes * 1000, statistics.median(wall[size]) * 1000)
        for size in sizes
    ]
    fixed_cpu, per_cpu = _fit([(p.size, p.cpu_ms) for p in points])
    fixed_wall, per_wall = _fit([(p.size, p.wall_ms) for p in points])
    return PushCost(points, fixed_cpu, per_cpu * 1000, fixed_wall, per_wall * 1000)


def _fit(points: list[tuple[int, float]]) -> tuple[float, float]:
    """Least squares ``y = a + b·x``: (a, b)."""
    slope, intercept = statistics.linear_regression(
        [float(x) for x, _ in points], [y for _, y in points]
    )
    return intercept, slope
