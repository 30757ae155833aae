"""What an operator sees: the probes, the request id, and the metrics a
scrape reads (counted by route template, mutations by outcome, blob bytes,
gauges from the database)."""

import shutil
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine

from sync_server.core.config import ServerSettings
from sync_server.main import create_app
from tests.factories import District, case_fields, mutation
from tests.sync_server.conftest import Device
from tests.sync_server.test_blobs import upload as upload_blob

METRICS_TOKEN = "scrape-token-0123456789abcdef"


@pytest.fixture
def watched(settings: ServerSettings, engine: Engine, district: District) -> Iterator[TestClient]:
    """The test district's server with metrics switched on."""
    enabled = settings.model_copy(update={"metrics_token": METRICS_TOKEN})
    with TestClient(create_app(enabled, engine)) as client:
        yield client


def scrape(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str
) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_the_probes_answer_and_readiness_names_the_part_that_is_down(
    client: TestClient, settings: ServerSettings
) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}
    shutil.rmtree(settings.blobs)
    down = client.get("/readyz")
    assert down.status_code == 503
    assert down.json()["error"]["details"] == {"database": "ok", "blobs": "unreachable"}
    assert client.get("/healthz").status_code == 200  # alive, only not ready


def test_readiness_with_the_database_down_is_a_503(tmp_path: object) -> None:
    settings = ServerSettings(
        db="postgresql+psycopg://postgres@127.0.0.1:9/absent?connect_timeout=2",
        blobs=f"{tmp_path}/blobs",  # type: ignore[arg-type]
    )
    with TestClient(create_app(settings)) as client:
        down = client.get("/readyz")
    assert down.status_code == 503
    assert down.json()["error"]["details"] == {"database": "unreachable", "blobs": "ok"}


def test_every_answer_carries_a_request_id_and_a_sane_one_is_kept(client: TestClient) -> None:
    made = client.get("/healthz").headers["x-request-id"]
    assert len(made) == 32
    assert (
        client.get("/healthz", headers={"X-Request-ID": "trace-0001-abcd"}).headers["x-request-id"]
        == "trace-0001-abcd"
    )
    hostile = client.get("/healthz", headers={"X-Request-ID": "x" * 500}).headers["x-request-id"]
    assert len(hostile) == 32


def test_a_scrape_counts_routes_mutations_blob_bytes_and_devices(
    watched: TestClient, district: District
) -> None:
    before = scrape(watched)
    mediator = Device(watched, "mediator.baijia", f"metrics-{uuid.uuid4().hex[:8]}")
    case_id = uuid.uuid4()
    mediator.push(
        [
            mutation("cases", case_id, case_fields(district.baijia_committee.id)),
            mutation("cases", uuid.uuid4(), {"title": ""}),  # rejected
        ]
    )
    mediator.pull()
    photo = b"\x89PNG" + bytes(range(256)) * 40
    upload_blob(watched, mediator, photo)
    watched.get(f"/api/v1/cases/{uuid.uuid4()}/nothing-here")
    watched.request("BREW", "/healthz")  # a made-up method adds no series of its own
    after = scrape(watched)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    push = {"route": "/api/v1/sync/push", "method": "POST", "status": "200"}
    assert grew("lastmile_http_requests_total", **push) == 1
    assert grew("lastmile_mutations_total", outcome="applied") == 1
    assert grew("lastmile_mutations_total", outcome="rejected") == 1
    assert grew("lastmile_sync_duration_seconds_count", kind="pull") >= 1
    assert grew("lastmile_blob_bytes_total", direction="in") == len(photo)
    unmatched = {"route": "<unmatched>", "method": "GET", "status": "404"}
    assert grew("lastmile_http_requests_total", **unmatched) == 1
    assert not any(dict(labels).get("method") == "BREW" for (_, labels) in after)
    assert grew("lastmile_http_requests_total", route="/healthz", method="OTHER", status="405")
    assert value(after, "lastmile_active_devices", window="1h") >= 1
    assert value(after, "lastmile_stored_blob_bytes") >= len(photo)
    assert value(after, "lastmile_open_conflicts") == 0
    templates = {dict(labels).get("route") for (_, labels) in after}
    assert not any(str(case_id) in str(route) for route in templates)
