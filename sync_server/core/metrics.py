"""The server's Prometheus metrics (prometheus_client), one process or many.

Counted in the process that served the request: requests by route template
and status, their durations (push and pull are routes among them, and have
a histogram of their own for the sync round's two halves), the mutations
pushed by outcome, the blob bytes received and sent. Read from the database
at each scrape instead (``services/operations/gauges.py``): active devices
and the queues.

Labels are route templates, methods, statuses and outcomes: nothing names a
person, a record or a device, so a scrape can leak no personal data.

``lastmile server --workers N`` runs N processes that count separately;
prometheus_client's multiprocess mode adds them up. It is switched on by
``PROMETHEUS_MULTIPROC_DIR`` in the environment before prometheus_client is
first imported (``cli_server`` sets it and empties the folder at start;
docs/operations.md, "Metrics"). Every metric here is a counter or a
histogram, which that mode adds up without further configuration.
"""

import os
from collections.abc import Iterable
from typing import Final

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

MULTIPROCESS_ENV: Final = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE: Final = CONTENT_TYPE_LATEST
_ROUND_BUCKETS: Final = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUESTS = Counter(
    "lastmile_http_requests",
    "HTTP requests answered, by route template, method and status",
    ("route", "method", "status"),
)
REQUEST_SECONDS = Histogram(
    "lastmile_http_request_duration_seconds",
    "time from a request's arrival to the end of its answer, by route template",
    ("route", "method"),
    buckets=_ROUND_BUCKETS,
)
SYNC_SECONDS = Histogram(
    "lastmile_sync_duration_seconds",
    "time to answer a push or a pull page (the two halves of a sync round)",
    ("kind",),
    buckets=_ROUND_BUCKETS,
)
MUTATIONS = Counter(
    "lastmile_mutations",
    "pushed mutations by outcome: applied, merged, conflict, duplicate, rejected",
    ("outcome",),
)
BLOB_BYTES = Counter(
    "lastmile_blob_bytes",
    "blob bytes received (upload chunks) and sent (downloads)",
    ("direction",),
)
SYNC_ROUTES: Final = {"/api/v1/sync/push": "push", "/api/v1/sync/pull": "pull"}
BLOB_ROUTE: Final = "/api/v1/blobs/{sha256}"


def multiprocess() -> bool:
    return bool(os.environ.get(MULTIPROCESS_ENV))


def exposition(*extra: Collector) -> bytes:
    """The text a scrape reads: this process's metrics, or every worker's
    in multiprocess mode, and those of ``extra`` collectors."""
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess():
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(_ThisProcess())
    for collector in extra:
        registry.register(collector)
    return generate_latest(registry)


class _ThisProcess(Collector):
    """The default registry (this process's metrics), inside a scrape's registry."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()
