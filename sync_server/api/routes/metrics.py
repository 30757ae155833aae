"""``GET /metrics``: Prometheus's scrape, for the holder of the metrics token.

The figures name no person and no record (``core/metrics.py``), yet how
many devices sync, when and how much is an operational picture of the
bureau that the network at large need not have, and every scrape costs a
few counting queries. So the route answers only a bearer of
``LASTMILE_METRICS_TOKEN`` (compared in constant time; a device's token is
not one) and does not exist (404) when no token is configured.
docs/operations.md, "Metrics", shows Prometheus's side.
"""

import hmac
from collections.abc import Iterator
from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine

from shared_models.protocol.errors import ErrorCode, ErrorEnvelope
from sync_server.api.deps import EngineDep, SettingsDep
from sync_server.core.db import read_session
from sync_server.core.errors import ApiError
from sync_server.core.metrics import CONTENT_TYPE, exposition
from sync_server.services.operations.gauges import district_gauges

router = APIRouter(tags=["operations"])


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {"content": {CONTENT_TYPE: {}}, "description": "Prometheus text format"},
        401: {"model": ErrorEnvelope},
        404: {"model": ErrorEnvelope, "description": "no metrics token configured"},
    },
)
def metrics(request: Request, settings: SettingsDep, engine: EngineDep) -> Response:
    """Every server process's counters (or this one's) and the district's gauges."""
    expected = settings.metrics_token
    if expected is None:
        raise ApiError(404, ErrorCode.NOT_FOUND, "metrics are not enabled on this server")
    scheme, _, offered = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        offered.strip().encode("utf-8", "replace"), expected.encode("utf-8")
    ):
        raise ApiError(
            401,
            ErrorCode.TOKEN_MISSING,
            "send Authorization: Bearer <the metrics token>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return Response(exposition(_DistrictCollector(engine)), media_type=CONTENT_TYPE)


class _DistrictCollector(Collector):
    """The gauges read from the database at this scrape."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        with read_session(self.engine) as session:
            gauges = district_gauges(session, datetime.now(UTC))
        devices = GaugeMetricFamily(
            "lastmile_active_devices",
            "devices whose token was used within the window",
            labels=("window",),
        )
        for window, count in gauges.active_devices.items():
            devices.add_metric((window,), count)
        yield devices
        yield GaugeMetricFamily(
            "lastmile_open_conflicts", "conflicts waiting for a supervisor", gauges.open_conflicts
        )
        yield GaugeMetricFamily(
            "lastmile_unfinished_uploads",
            "blob uploads begun and not finished (resumable; expired by collect-blobs)",
            gauges.unfinished_uploads,
        )
        yield GaugeMetricFamily(
            "lastmile_unfinished_upload_bytes",
            "bytes unfinished uploads will be",
            gauges.unfinished_upload_bytes,
        )
        yield GaugeMetricFamily(
            "lastmile_stored_blob_bytes", "bytes of complete blobs", gauges.stored_blob_bytes
        )
