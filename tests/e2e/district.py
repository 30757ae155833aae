"""Work already in the demo office before the test phone signs in, and a
look at what the server holds afterwards — both through the sync protocol,
as another device would (no reaching into the server's database).

A small seeded demo district has only a few records per office; the tests
and their screenshots want a realistic day: subjects due, overdue and not
yet due (one a key person), open cases with parties and a visit.
"""

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from shared_models.correction.settings import DEFAULT_SETTINGS
from tests import case_forms as forms
from tests.factories import (
    case_fields,
    district_today,
    id_number,
    mutation,
    party_fields,
    subject_fields,
)

API = "/api/v1"


@dataclass
class ServerClient:
    """One (test) device of ``username`` talking to the running server."""

    base_url: str
    username: str
    password: str
    device_id: str = field(default_factory=lambda: f"e2e-{uuid.uuid4().hex[:16]}")
    token: str = ""
    user: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        response = httpx.post(
            f"{self.base_url}{API}/auth/login",
            json={
                "username": self.username,
                "password": self.password,
                "device_id": self.device_id,
                "device_name": "e2e seeder",
            },
            timeout=30,
        )
        response.raise_for_status()
        body = response.json()
        self.token, self.user = body["token"], body["user"]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def push(
        self, mutations: list[dict[str, Any]], expect: tuple[str, ...] = ("applied", "duplicate")
    ) -> list[dict[str, Any]]:
        """Push as a device would; every mutation must end as ``expect`` says:
        applied, unless the test makes a conflict on purpose (an unintended
        one is the set-up's own mistake, e.g. an edit without its base
        version, and would show on the phones of the tests that follow)."""
        body = {
            "device_id": self.device_id,
            "protocol": 1,
            "app_version": "e2e",
            "mutations": mutations,
        }
        response = httpx.post(
            f"{self.base_url}{API}/sync/push", json=body, headers=self.headers, timeout=60
        )
        response.raise_for_status()
        results: list[dict[str, Any]] = response.json()["results"]
        refused = [r for r in results if r["status"] not in expect]
        assert not refused, refused
        return results

    def pull_all(self) -> dict[str, dict[str, dict[str, Any]]]:
        """Every record the user may see: ``{table: {id: record}}``."""
        tables: dict[str, dict[str, dict[str, Any]]] = {}
        cursor = None
        while True:
            params: dict[str, Any] = {"limit": 5000}
            if cursor:
                params["cursor"] = cursor
            response = httpx.get(
                f"{self.base_url}{API}/sync/pull", params=params, headers=self.headers, timeout=60
            )
            response.raise_for_status()
            page = response.json()
            for change in page["changes"]:
                tables.setdefault(change["table"], {})[change["record"]["id"]] = change["record"]
            cursor = page["cursor"]
            if not page["more"]:
                return tables

    def blob(self, sha256: str) -> bytes:
        response = httpx.get(
            f"{self.base_url}{API}/blobs/{sha256}", headers=self.headers, timeout=60
        )
        response.raise_for_status()
        return response.content


SUBJECTS = [
    # name, days since term start, days since the last check-in (None: never), key person;
    # each 严管 (strict): a check-in every 7 days by the default settings
    ("张建国", 200, 12, True),
    ("李秀英", 90, 9, False),
    ("王志强", 150, 7, False),
    ("刘海燕", 40, 3, False),
    ("陈明", 5, None, False),
    ("赵丽华", 300, 1, True),
]

CASES = [
    ("楼道堆放杂物纠纷", "neighbourhood", "walk_in", "三楼住户在楼道堆放杂物，邻居出行不便", 2),
    ("老旧小区加装电梯意见不一", "property_management", "wechat", "一楼住户反对加装电梯", 5),
    ("拖欠装修工钱", "labour", "phone", "装修工人称房主拖欠工钱八千元", 1),
    ("宅基地边界争议", "land", "patrol", "两户对院墙位置有争议", 9),
]


def add_field_work(base_url: str, password: str) -> None:
    """Subjects for officer.baijia and cases for mediator.baijia, as of today."""
    now = datetime.now(UTC)
    officer = ServerClient(base_url, "officer.baijia", password)
    unit = uuid.UUID(officer.user["org_unit_id"])
    officer_id = uuid.UUID(officer.user["id"])
    mutations = []
    for index, (name, started, last, key) in enumerate(SUBJECTS):
        subject_id = uuid.uuid4()
        start = district_today() - timedelta(days=started)
        mutations.append(
            mutation(
                "subjects",
                subject_id,
                subject_fields(
                    unit,
                    officer_id,
                    name=name,
                    id_number=id_number(serial=f"{index + 1:03d}"),
                    term_start=start.isoformat(),
                    term_end=(start + timedelta(days=730)).isoformat(),
                    key_person=key,
                    supervision_level="strict",
                    checkin_interval_days=DEFAULT_SETTINGS.strict.checkin_days,
                    address=f"百家街道{index + 3}号院",
                ),
            )
        )
        if last is not None:
            mutations.append(
                mutation(
                    "visits",
                    uuid.uuid4(),
                    {
                        "subject_id": str(subject_id),
                        "kind": "checkin",
                        "method": "office",
                        "started_at": (now - timedelta(days=last)).isoformat(),
                        "notes": "到所报到，汇报近期情况",
                    },
                )
            )
    officer.push(mutations)

    mediator = ServerClient(base_url, "mediator.baijia", password)
    unit = uuid.UUID(mediator.user["org_unit_id"])
    mutations = []
    for title, category, source, description, age in CASES:
        case_id = uuid.uuid4()
        opened = now - timedelta(days=age)
        mutations.append(
            mutation(
                "cases",
                case_id,
                case_fields(
                    unit,
                    title=title,
                    category=category,
                    source=source,
                    description=description,
                    opened_at=opened.isoformat(),
                    mediator_id=mediator.user["id"],
                ),
            )
        )
        applicant, respondent = uuid.uuid4(), uuid.uuid4()
        mutations.append(mutation("parties", applicant, party_fields(case_id, name="孙立平")))
        mutations.append(
            mutation(
                "parties",
                respondent,
                party_fields(case_id, role="respondent", name="周桂兰", id_number=None, phone=None),
            )
        )
        if age > 3:
            mutations.append(
                mutation(
                    "visits",
                    uuid.uuid4(),
                    {
                        "case_id": str(case_id),
                        "kind": "investigation",
                        "started_at": (opened + timedelta(days=1)).isoformat(),
                        "notes": "到现场查看，分别听取双方意见",
                    },
                )
            )
        if age != 2:
            # In mediation: both parties acknowledged the notice, a session was
            # held (every case but one: the agreement tests each need one).
            for party_id, name in ((applicant, "孙立平"), (respondent, "周桂兰")):
                form = forms.notice(party_id, name)
                mutations.append(
                    mutation("case_documents", uuid.uuid4(), forms.document(case_id, form))
                )
            mutations.append(
                mutation("case_documents", uuid.uuid4(), forms.document(case_id, forms.session()))
            )
        if age == 9:
            # Agreed by word; its first follow-up (30 days after the deadline) was due yesterday.
            deadline = (district_today() - timedelta(days=31)).isoformat()
            agreed = forms.oral_agreement(performance_deadline=deadline)
            mutations.append(
                mutation("case_documents", uuid.uuid4(), forms.document(case_id, agreed))
            )
    mediator.push(mutations)
