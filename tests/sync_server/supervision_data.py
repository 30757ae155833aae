"""Known data for the supervisor workspace tests: a Baijia and a Xiyuan
office whose every dashboard figure is worked out by hand below.

The calendar is pinned: today is 2026-11-28 in the district (UTC+8) and the
month is 2026-11. Times are written in district time, as a supervisor would
read them; several sit just either side of a day or month boundary, where
counting in UTC instead of district time would give a different figure.
"""

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

from sqlalchemy import Engine

from shared_models.domain.agreements import AgreementRecord, Obligation, PartySnapshot, SignatureRef
from shared_models.domain.cases import CaseRecord, CaseStatus
from shared_models.domain.subjects import SubjectRecord, SubjectStatus, SupervisionLevel
from shared_models.domain.visits import VisitKind, VisitRecord
from shared_models.integrity import agreement_hash
from shared_models.protocol.tables import TableName
from sync_server.core.db import write_session
from sync_server.services.supervision.district_calendar import Month
from sync_server.services.sync.seeding import load_records
from sync_server.tables import DeviceToken
from tests.factories import District, id_number

CST = timezone(timedelta(hours=8))
TODAY = date(2026, 11, 28)
NOW = datetime(2026, 11, 28, 10, 0, tzinfo=CST)
MONTH = Month.parse("2026-11")


def local(month: int, day: int, hour: int = 10, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CST)


def days_ago(days: int, hour: int = 10) -> datetime:
    day = TODAY - timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, tzinfo=CST)


@dataclass
class Known:
    """Ids of the records the expected figures talk about."""

    cases: dict[str, UUID] = field(default_factory=dict)
    subjects: dict[str, UUID] = field(default_factory=dict)
    agreements: dict[str, UUID] = field(default_factory=dict)
    devices: dict[str, str] = field(default_factory=dict)


def _case(unit: UUID, title: str, status: CaseStatus, opened: datetime, **extra: Any) -> CaseRecord:
    return CaseRecord(
        id=uuid.uuid4(),
        title=title,
        category="neighbourhood",
        source="walk_in",
        status=status,
        org_unit_id=unit,
        opened_at=opened,
        **extra,
    )


def _session(case_id: UUID, at: datetime, **extra: Any) -> VisitRecord:
    return VisitRecord(
        id=uuid.uuid4(),
        case_id=case_id,
        kind=VisitKind.MEDIATION_SESSION,
        started_at=at,
        **extra,
    )


def _checkin(
    subject_id: UUID, at: datetime, kind: VisitKind = VisitKind.CHECKIN, **extra: Any
) -> VisitRecord:
    return VisitRecord(id=uuid.uuid4(), subject_id=subject_id, kind=kind, started_at=at, **extra)


def signed_agreement(case_id: UUID, signed: datetime, **extra: Any) -> AgreementRecord:
    """A complete, sealed agreement (the seal is checked by the push path only)."""
    party_ids = [uuid.uuid4(), uuid.uuid4()]
    fields: dict[str, Any] = {
        "id": uuid.uuid4(),
        "case_id": case_id,
        "committee_name": "百家村人民调解委员会",
        "mediator_name": "调解员甲",
        "parties": [
            PartySnapshot(party_id=party_ids[0], role="applicant", name="李某"),
            PartySnapshot(party_id=party_ids[1], role="respondent", name="赵某"),
        ],
        "facts": "邻居翻修时损坏了煤棚",
        "obligations": [Obligation(obligor="赵某", action="赔偿修理费八百元")],
        "performance_deadline": signed.date() + timedelta(days=30),
        "signatures": [
            SignatureRef(
                signer_role="party" if pid else "mediator",
                signer_name=name,
                party_id=pid,
                attachment_id=uuid.uuid4(),
                sha256="ab" * 32,
                signed_at=signed,
            )
            for pid, name in [(party_ids[0], "李某"), (party_ids[1], "赵某"), (None, "调解员甲")]
        ],
        **extra,
    }
    draft = AgreementRecord(**fields)
    return AgreementRecord(
        **{**fields, "status": "signed", "signed_at": signed, "content_hash": agreement_hash(draft)}
    )


def load_known_data(engine: Engine, district: District) -> Known:
    """Baijia and Xiyuan records with hand-counted figures (see the EXPECTED_* tables)."""
    known = Known()
    committee, office = district.baijia_committee.id, district.baijia.id
    x_committee, x_office = district.xiyuan_committee.id, district.xiyuan.id
    c = known.cases
    cases = [
        # Baijia: open cases by age (today is 2026-11-28).
        ("b_intake", _case(committee, "两天前受理", CaseStatus.ACCEPTED, days_ago(2))),
        # Opened at 00:30 district time seven days ago: still 7 days old (UTC says the 20th).
        ("b_seven", _case(committee, "七天整", CaseStatus.MEDIATING, local(11, 21, 0, 30))),
        ("b_eight", _case(committee, "八天", CaseStatus.INVESTIGATING, days_ago(8))),
        (
            "b_agreed",
            _case(
                committee, "三十天已达成协议", CaseStatus.AGREED, days_ago(30), follow_up_due=TODAY
            ),
        ),
        (
            "b_follow_up",
            _case(
                committee,
                "三十一天回访中",
                CaseStatus.FOLLOW_UP,
                days_ago(31),
                follow_up_due=date(2026, 12, 5),
            ),
        ),
        (
            "b_old",
            _case(
                committee,
                "九十一天",
                CaseStatus.MEDIATING,
                days_ago(91),
                follow_up_due=date(2026, 11, 1),
            ),
        ),
        ("b_office", _case(office, "司法所直接受理", CaseStatus.AGREED, days_ago(100))),
        (
            "b_closed_agreed",
            _case(
                committee,
                "协议履行后结案",
                CaseStatus.CLOSED,
                local(10, 1),
                closed_at=local(11, 15),
                follow_up_due=date(2026, 10, 30),
            ),
        ),
        ("b_failed", _case(committee, "调解不成", CaseStatus.FAILED, local(10, 20))),
        (
            # Closed at 00:10 on 1 November district time: this month (UTC says October).
            "b_closed_failed",
            _case(
                committee,
                "调解不成后结案",
                CaseStatus.CLOSED,
                local(10, 5),
                closed_at=local(11, 1, 0, 10),
            ),
        ),
        (
            "b_closed_october",
            _case(
                committee,
                "上月结案",
                CaseStatus.CLOSED,
                local(10, 2),
                closed_at=local(10, 31, 23, 50),
            ),
        ),
        (
            "b_closed_signed",
            _case(
                committee,
                "签协议后结案",
                CaseStatus.CLOSED,
                local(10, 3),
                closed_at=local(10, 28),
            ),
        ),
        ("b_deleted", _case(committee, "已删除", CaseStatus.ACCEPTED, days_ago(1), deleted=True)),
        # Xiyuan.
        ("x_intake", _case(x_committee, "西苑新案", CaseStatus.ACCEPTED, days_ago(1))),
        (
            "x_closed",
            _case(
                x_committee,
                "西苑结案",
                CaseStatus.CLOSED,
                local(10, 1),
                closed_at=local(11, 10),
                follow_up_due=date(2026, 11, 20),
            ),
        ),
        ("x_failed", _case(x_office, "西苑调解不成", CaseStatus.FAILED, local(10, 1))),
    ]
    for key, record in cases:
        c[key] = record.id
    visits = [
        _session(c["b_agreed"], local(10, 15)),
        _session(c["b_agreed"], local(11, 10)),
        _session(c["b_follow_up"], local(10, 20)),
        _session(c["b_seven"], local(11, 25)),  # still mediating: not concluded
        _session(c["b_office"], local(11, 5)),
        _session(c["b_closed_agreed"], local(11, 2)),
        _session(c["b_failed"], local(11, 20)),
        # 23:30 on 31 October district time: concluded in October.
        _session(c["b_closed_failed"], local(10, 31, 23, 30)),
        _session(c["b_closed_signed"], local(11, 12)),
        _session(c["b_closed_signed"], local(11, 26), deleted=True),
        _session(c["x_closed"], local(11, 9)),
        _session(c["x_failed"], local(11, 5)),
        VisitRecord(
            id=uuid.uuid4(),
            case_id=c["b_failed"],
            kind=VisitKind.INVESTIGATION,
            started_at=local(11, 27),
        ),
    ]
    a = known.agreements
    office_signed = signed_agreement(c["b_office"], local(11, 6))
    october_signed = signed_agreement(c["b_closed_signed"], local(10, 25))
    correction = signed_agreement(
        c["b_closed_signed"], local(11, 7), supersedes_id=october_signed.id
    )
    draft = AgreementRecord(id=uuid.uuid4(), case_id=c["b_agreed"], facts="草稿")
    x_signed = signed_agreement(c["x_closed"], local(11, 9))
    a.update(
        b_signed=office_signed.id,
        b_october=october_signed.id,
        b_correction=correction.id,
        b_draft=draft.id,
        x_signed=x_signed.id,
    )

    s = known.subjects
    officer = district.user("officer.baijia").id
    x_officer = district.user("officer.xiyuan").id

    def subject(key: str, unit: UUID, officer_id: UUID, serial: str, **extra: Any) -> SubjectRecord:
        record = SubjectRecord(
            id=uuid.uuid4(),
            name=f"对象{key}",
            id_number=id_number(serial=serial),
            correction_type="suspended_sentence",
            term_start=extra.pop("term_start", date(2026, 1, 1)),
            term_end=date(2027, 12, 31),
            org_unit_id=unit,
            officer_id=officer_id,
            **extra,
        )
        s[key] = record.id
        return record

    # Check-in intervals are the levels' (default settings): 严管 7 days,
    # 普管 15, 宽管 30; the first check-in is due the day supervision starts.
    strict, lenient = SupervisionLevel.STRICT, SupervisionLevel.LENIENT
    subjects = [
        subject("b1", office, officer, "101", supervision_level=strict),
        subject("b2", office, officer, "102", supervision_level=strict),
        subject(
            "b3",
            office,
            officer,
            "103",
            key_person=True,
            term_start=date(2026, 11, 1),
            enrolled_on=date(2026, 11, 15),  # never checked in: due since the announcement
        ),
        subject("b4", office, officer, "104", supervision_level=lenient),
        subject("b5", office, officer, "105", status=SubjectStatus.RELEASED),
        subject("b6", office, officer, "106", deleted=True),
        subject("b7", office, officer, "107"),
        # Enrolled today: the first check-in is due today, not overdue.
        subject(
            "x1",
            x_office,
            x_officer,
            "201",
            term_start=date(2026, 11, 25),
            enrolled_on=date(2026, 11, 28),
        ),
        subject("x2", x_office, x_officer, "202"),
    ]
    visits += [
        _checkin(s["b1"], local(11, 13)),
        _checkin(s["b1"], local(11, 20, 9)),  # due 11-27: one day overdue
        # 00:30 on the 21st district time: due on the 28th, not overdue (UTC says the 20th).
        _checkin(s["b2"], local(11, 21, 0, 30)),
        _checkin(s["b4"], local(10, 1)),  # due 10-31: 28 days overdue
        _checkin(s["b4"], local(11, 20), deleted=True),
        _checkin(s["b4"], local(11, 25), kind=VisitKind.HOME_VISIT),
        _checkin(s["b6"], local(9, 1)),
        _checkin(s["b7"], local(11, 27, 23, 30)),
        _checkin(s["x2"], local(11, 1)),  # due 11-16: 12 days overdue
    ]
    with write_session(engine) as session:
        load_records(session, TableName.CASES, [record for _, record in cases])
        load_records(session, TableName.SUBJECTS, subjects)
        load_records(session, TableName.VISITS, visits)
        load_records(
            session,
            TableName.AGREEMENTS,
            [office_signed, october_signed, correction, draft, x_signed],
        )
        _tokens(session, district, known)
    return known


def _tokens(session: Any, district: District, known: Known) -> None:
    """Signed-in devices: one live, one silent, one exactly at the limit, one revoked."""
    now = NOW.astimezone(UTC)
    tokens = [
        ("phone-med-b", "mediator.baijia", now - timedelta(hours=1), None),
        ("phone-med-b", "mediator.baijia", now - timedelta(days=9), None),
        ("phone-off-b", "officer.baijia", now - timedelta(days=4), None),
        ("tablet-sup-b", "supervisor.baijia", now - timedelta(days=3), None),
        ("phone-off2-b", "officer2.baijia", now - timedelta(hours=2), now - timedelta(hours=1)),
        ("phone-med-x", "mediator.xiyuan", now - timedelta(days=8), None),
        ("tablet-fuxing", "supervisor.fuxing", now - timedelta(minutes=5), None),
    ]
    for number, (device_id, username, seen, revoked) in enumerate(tokens):
        session.add(
            DeviceToken(
                token_hash=f"{number:064x}",
                user_id=district.user(username).id,
                device_id=device_id,
                device_name=f"{device_id} name",
                created_at=seen - timedelta(days=30),
                last_seen_at=seen,
                revoked_at=revoked,
            )
        )
        known.devices[device_id] = username


EXPECTED_BAIJIA: dict[str, Any] = {
    "open_cases": {"days_0_7": 2, "days_8_30": 2, "days_31_90": 1, "over_90": 2},
    "open_cases_total": 7,
    "closed_this_month": 2,  # b_closed_agreed (11-15), b_closed_failed (11-01 00:10)
    "agreements_signed_this_month": 1,  # b_signed; not October's, the correction, the draft
    # agreed: b_agreed, b_office, b_closed_agreed (follow-up date), b_closed_signed (agreement)
    "mediations_agreed": 4,
    "mediations_failed": 1,  # b_failed; b_closed_failed concluded in October
    "success_rate": 0.8,
    "follow_ups_due": 2,  # b_agreed (today), b_old (11-01); not b_closed_agreed, b_follow_up
    "subjects_under_supervision": 5,  # b1 b2 b3 b4 b7
    "checkins_overdue": 3,  # b4 (28 days), b3 (13), b1 (1)
    "devices": 3,  # phone-med-b, phone-off-b, tablet-sup-b; the revoked phone not
    "devices_silent": 1,  # phone-off-b (4 days); tablet-sup-b is exactly at 3 days
}
EXPECTED_BAIJIA_OVERDUE = [
    ("b4", 28, date(2026, 10, 31)),
    ("b3", 13, date(2026, 11, 15)),
    ("b1", 1, date(2026, 11, 27)),
]

EXPECTED_XIYUAN: dict[str, Any] = {
    "open_cases": {"days_0_7": 1, "days_8_30": 0, "days_31_90": 0, "over_90": 0},
    "open_cases_total": 1,
    "closed_this_month": 1,
    "agreements_signed_this_month": 1,
    "mediations_agreed": 1,
    "mediations_failed": 1,
    "success_rate": 0.5,
    "follow_ups_due": 0,
    "subjects_under_supervision": 2,
    "checkins_overdue": 1,
    "devices": 1,
    "devices_silent": 1,
}
EXPECTED_XIYUAN_OVERDUE = [("x2", 12, date(2026, 11, 16))]

EXPECTED_DISTRICT_LEVEL: dict[str, Any] = {
    **dict.fromkeys(EXPECTED_BAIJIA, 0),
    "open_cases": {"days_0_7": 0, "days_8_30": 0, "days_31_90": 0, "over_90": 0},
    "success_rate": None,
    "devices": 1,  # the district supervisor's tablet
}


def figures_of(row: Any) -> dict[str, Any]:
    """The figures of a dashboard row (a model or its JSON), without the lists and names."""
    data = row if isinstance(row, dict) else row.model_dump(mode="json")
    return {name: data[name] for name in EXPECTED_BAIJIA}
