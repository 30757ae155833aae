"""What the bench pushes and what it loads behind the API's back.

Visits are the bulk of a field day's work, so the bench uses them: each one
about 300 bytes of JSON with the variety real notes have (mixed phrases,
coordinates, times), so compression ratios are not flattered by repetition.
The million-row load goes straight into the table with one set-based
statement, taking its versions from the counter like any other write.
"""

import json
import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Engine, text

from shared_models.domain.visits import VisitFields
from shared_models.protocol.version import PROTOCOL_VERSION
from sync_server.core.db import write_session
from sync_server.core.versions import VersionBlock

_PLACES = ["村委会", "司法所", "当事人家中", "田间地头", "社区服务站", "调解室", "镇政府"]
_PHRASES = [
    "双方就宅基地边界问题各自陈述意见",
    "调解员释明相关法律规定",
    "当事人情绪稳定，配合调查",
    "约定下周再次见面协商赔偿数额",
    "邻居证实损坏发生在上月中旬",
    "现场查看了受损的围墙和排水沟",
    "申请人同意降低赔偿要求",
    "被申请人表示愿意承担修缮费用",
    "已告知双方可申请司法确认",
    "村干部协助联系了第三方",
]
_OUTCOMES = ["达成初步共识", "继续调解", "需补充材料", "双方和解", ""]


def visit_fields(rng: random.Random, case_id: UUID, day: datetime) -> dict[str, Any]:
    """One visit's fields as a device sends them (about 300 bytes of JSON)."""
    started = day + timedelta(minutes=rng.randrange(8 * 60, 18 * 60))
    notes = "，".join(rng.sample(_PHRASES, rng.choice((1, 2)))) + f"。地点：{rng.choice(_PLACES)}。"
    return {
        "case_id": str(case_id),
        "kind": rng.choice(["mediation_session", "investigation", "home_visit"]),
        "started_at": started.isoformat(),
        "ended_at": (started + timedelta(minutes=rng.randrange(15, 120))).isoformat(),
        "lat": round(36.55 + rng.random() * 0.2, 6),
        "lon": round(114.40 + rng.random() * 0.2, 6),
        "accuracy_m": round(rng.uniform(3, 40), 1),
        "notes": notes,
        "outcome": rng.choice(_OUTCOMES),
    }


def visit_mutations(count: int, case_id: UUID, seed: int = 2026) -> list[dict[str, Any]]:
    """``count`` new-visit mutations, as an outbox would hold them."""
    rng = random.Random(seed)
    first_day = datetime(2026, 3, 2, tzinfo=UTC)
    mutations = []
    for index in range(count):
        day = first_day + timedelta(days=index // 40)
        mutations.append(
            {
                "mutation_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "table": "visits",
                "record_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "op": "upsert",
                "base_version": None,
                "fields": visit_fields(rng, case_id, day),
                "client_time": (day + timedelta(hours=20)).isoformat(),
            }
        )
    return mutations


def push_body(device_id: str, mutations: list[dict[str, Any]]) -> bytes:
    """A push request body as the app encodes it (compact UTF-8 JSON)."""
    envelope = {
        "device_id": device_id,
        "protocol": PROTOCOL_VERSION,
        "app_version": "bench",
        "mutations": mutations,
    }
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()


_VISIT_FIELDS = tuple(VisitFields.model_fields)
_VERSIONS = ", ".join(f"'{name}', :base + g" for name in _VISIT_FIELDS)
"""Every field's version is the row's version, as for a record created by a push."""


def insert_visits_directly(
    engine: Engine, count: int, case_id: UUID, scope_unit_id: UUID, created_by: UUID
) -> int:
    """Add ``count`` visits of one case with one statement, bypassing the API.

    The versions are taken as every writer takes them (``VersionBlock``), in
    the same transaction, so the database stays a valid sync state. Nothing
    else writes while the bench loads, so they are consecutive. Returns the
    highest version written.
    """
    if count <= 0:
        return 0
    with write_session(engine) as session:
        versions = VersionBlock(session)
        versions.reserve(count)
        drawn = [versions.next() for _ in range(count)]
        base, last = drawn[0] - 1, drawn[-1]
        if last - base != count:
            raise RuntimeError("another writer drew versions while the bench loaded visits")
        connection = session.connection()
        if engine.dialect.name == "postgresql":
            _insert_postgres(connection, count, base, case_id, scope_unit_id, created_by)
        else:
            _insert_sqlite(connection, count, base, case_id, scope_unit_id, created_by)
    # Vacuumed as well as analysed, as a table that grew over months would be:
    # otherwise autovacuum catches up on a million new rows while the next
    # measurements run, on the same two cores.
    statement = "VACUUM (ANALYZE) visits" if engine.dialect.name == "postgresql" else "ANALYZE"
    with engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(text(statement))
    return last


def _insert_postgres(
    connection: Any, count: int, base: int, case_id: UUID, unit: UUID, creator: UUID
) -> None:
    connection.execute(
        text(  # the only text put in is _VERSIONS, built from constant column names
            "INSERT INTO visits (id, version, updated_at, deleted, created_by, scope_unit_id,"  # noqa: S608
            " scope_officer_id, scope_work, field_versions, case_id, subject_id, kind, method,"
            " started_at, ended_at, lat, lon, accuracy_m, notes, outcome)"
            " SELECT gen_random_uuid(), :base + g, now(), false, :creator, :unit, NULL,"
            " 'mediation',"
            f" json_build_object({_VERSIONS}), :case_id, NULL, 'home_visit', NULL,"
            " timestamptz '2025-01-01 08:00+00' + g * interval '1 minute', NULL,"
            " 36.6 + (g % 1000) * 0.0001, 114.5 + (g % 997) * 0.0001, 10.0,"
            " '入户走访，了解家庭情况，第' || g || '次', ''"
            " FROM generate_series(1, :n) AS g"
        ),
        {"base": base, "n": count, "creator": creator, "unit": unit, "case_id": case_id},
    )


def _insert_sqlite(
    connection: Any, count: int, base: int, case_id: UUID, unit: UUID, creator: UUID
) -> None:
    connection.execute(
        text(  # the only text put in is _VERSIONS, built from constant column names
            "INSERT INTO visits (id, version, updated_at, deleted, created_by, scope_unit_id,"  # noqa: S608
            " scope_officer_id, scope_work, field_versions, case_id, subject_id, kind, method,"
            " started_at, ended_at, lat, lon, accuracy_m, notes, outcome)"
            " WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < :n)"
            " SELECT lower(hex(randomblob(16))), :base + g, :now, 0, :creator, :unit, NULL,"
            " 'mediation',"
            f" json_object({_VERSIONS}), :case_id, NULL, 'home_visit', NULL,"
            " strftime('%Y-%m-%d %H:%M:%S.000000', '2025-01-01 08:00:00', '+' || g || ' minutes'),"
            " NULL, 36.6 + (g % 1000) * 0.0001, 114.5 + (g % 997) * 0.0001, 10.0,"
            " '入户走访，了解家庭情况，第' || g || '次', '' FROM s"
        ),
        {
            "base": base,
            "n": count,
            "now": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f"),
            "creator": creator.hex,
            "unit": unit.hex,
            "case_id": case_id.hex,
        },
    )
