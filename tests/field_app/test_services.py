"""The domain services the screens call: cases, subjects and check-ins,
visits, search, what needs attention, drafts — on a real encrypted store."""

import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from field_app.errors import SaveRejectedError, StepRefusedError
from field_app.security.aead import DataKeyCipher
from field_app.services import attention, case_steps, cases, drafts, search, subjects, visits
from field_app.services.cases import CaseIntake, NewParty
from field_app.services.visits import GpsFix
from field_app.storage.blobs import LocalBlobStore
from field_app.storage.db import DATABASE_FILE
from field_app.storage.store import LocalStore
from shared_models.correction.settings import DEFAULT_SETTINGS, LevelIntervals
from shared_models.domain import CaseRecord, PartyRecord, VisitRecord
from shared_models.domain.case_forms import (
    CaseResult,
    Remedy,
    TerminationForm,
    TerminationReason,
)
from shared_models.domain.case_lifecycle import MediationSettings
from shared_models.domain.cases import CaseCategory, CaseSource, CaseStatus, PartyRole
from shared_models.domain.visits import CheckinMethod, VisitKind
from shared_models.protocol.errors import ErrorCode, MutationError
from shared_models.protocol.pull import Change
from shared_models.protocol.push import MutationResult, MutationStatus
from shared_models.protocol.tables import TABLES, TableName
from shared_models.wire import to_json_value
from tests.factories import id_number, subject_fields
from tests.field_app.lifecycle_steps import close
from tests.field_app.services_fixtures import camera_jpeg

CHINA = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 28, 10, 0, tzinfo=CHINA)
ME = uuid.uuid4()
DISTRICT, OFFICE, COMMITTEE, OTHER_OFFICE = (uuid.uuid4() for _ in range(4))


@pytest.fixture
def blobs(tmp_path: Path, cipher: DataKeyCipher, store: LocalStore) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "blobs", cipher, store)


_versions = iter(range(1, 1_000_000))


def pulled(store: LocalStore, table: TableName, **fields: Any) -> UUID:
    """A record as it arrives from the server (created by this device's user)."""
    record_id = fields.pop("id", None) or uuid.uuid4()
    given: dict[str, Any] = {
        "id": str(record_id),
        "version": next(_versions),
        "updated_at": "2026-11-27T00:00:00Z",
        "deleted": False,
        "created_by": str(ME),
        **{k: str(v) if isinstance(v, UUID | date) else v for k, v in fields.items()},
    }
    # Complete, as the server sends it: every field, defaults included.
    record = to_json_value(TABLES[table].record.model_validate(given))
    assert isinstance(record, dict)
    store.pulled.apply_page([Change(table=table, op="upsert", record=record)], cursor="c")
    return UUID(str(record_id))


@pytest.fixture
def office(store: LocalStore) -> LocalStore:
    """The org units a device holds: district → two offices → a committee."""
    units = [
        (DISTRICT, None, "district", "复兴区"),
        (OFFICE, DISTRICT, "office", "百家街道司法所"),
        (OTHER_OFFICE, DISTRICT, "office", "西苑街道司法所"),
        (COMMITTEE, OFFICE, "committee", "百家村调委会"),
    ]
    for unit_id, parent, kind, name in units:
        pulled(store, TableName.ORG_UNITS, id=unit_id, name=name, kind=kind, parent_id=parent)
    store.device.update(user={"id": str(ME), "username": "mediator.baijia"})
    return store


def intake(unit: UUID = COMMITTEE, **overrides: Any) -> CaseIntake:
    values: dict[str, Any] = {
        "title": "煤棚损坏纠纷",
        "category": CaseCategory.NEIGHBOURHOOD,
        "source": CaseSource.WALK_IN,
        "org_unit_id": unit,
        "description": "邻居翻修房屋时损坏了申请人的煤棚",
        "opened_at": datetime(2026, 11, 20, 9, 0, tzinfo=CHINA),
    }
    values.update(overrides)
    return CaseIntake(**values)


APPLICANT = NewParty(PartyRole.APPLICANT, "张三丰", phone="13800138000", id_number=id_number())
RESPONDENT = NewParty(PartyRole.RESPONDENT, "李四", address="百家村3号")


# -- cases -------------------------------------------------------------------------


def test_open_case_saves_the_case_and_its_parties(office: LocalStore) -> None:
    case = cases.open_case(office, intake(), [APPLICANT, RESPONDENT])
    assert isinstance(case, CaseRecord)
    assert case.status is CaseStatus.ACCEPTED
    detail = cases.case_detail(office, case.id)
    assert detail is not None
    assert sorted(p.name for p in detail.parties) == ["张三丰", "李四"]
    assert all(isinstance(p, PartyRecord) for p in detail.parties)
    assert [(i.table, i.op) for i in office.outbox.items()] == [
        ("cases", "upsert"),
        ("parties", "upsert"),
        ("parties", "upsert"),
    ]


def test_a_bad_party_refuses_the_whole_intake_and_names_the_field(office: LocalStore) -> None:
    wrong = NewParty(PartyRole.RESPONDENT, "李四", id_number="130404197005171230")
    with pytest.raises(SaveRejectedError) as refused:
        cases.open_case(office, intake(), [APPLICANT, wrong])
    assert refused.value.field == "parties.1.id_number"
    assert "check digit" in refused.value.message
    assert office.outbox.items() == []
    assert cases.list_cases(office) == []


def test_a_closing_report_closes_the_case_and_lists_filter_by_status(
    office: LocalStore,
) -> None:
    open_one = cases.open_case(office, intake(title="噪音纠纷"), [])
    closing = cases.open_case(office, intake(), [])
    ended = TerminationForm(
        ended_on=date(2026, 11, 27),
        reason=TerminationReason.NO_AGREEMENT,
        remedies_told=[Remedy.LITIGATION],
    )
    case_steps.record_step(office, closing.id, ended, MediationSettings())
    assert [c.id for c in cases.list_cases(office, status=CaseStatus.FAILED)] == [closing.id]
    at = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
    report = close(office, closing.id, CaseResult.FAILED, at=at)
    assert report.kind == "closing_report"
    assert [c.id for c in cases.list_cases(office, status=CaseStatus.CLOSED)] == [closing.id]
    still_open = cases.list_cases(office, status=[CaseStatus.ACCEPTED, CaseStatus.MEDIATING])
    assert [c.id for c in still_open] == [open_one.id]
    with pytest.raises(SaveRejectedError, match="record the step"):
        cases.update_case(office, open_one.id, {"status": "closed"})
    with pytest.raises(StepRefusedError, match="closing_report"):
        close(office, open_one.id, CaseResult.FAILED)
    updated = cases.update_case(office, open_one.id, {"title": "楼上噪音"})
    assert (updated.title, updated.status) == ("楼上噪音", CaseStatus.ACCEPTED)


def test_list_cases_by_unit_includes_the_units_below(office: LocalStore) -> None:
    at_committee = cases.open_case(office, intake(COMMITTEE), [])
    at_office = cases.open_case(office, intake(OFFICE), [])
    elsewhere = cases.open_case(office, intake(OTHER_OFFICE), [])
    assert {c.id for c in cases.list_cases(office, org_unit=OFFICE)} == {
        at_committee.id,
        at_office.id,
    }
    assert [c.id for c in cases.list_cases(office, org_unit=COMMITTEE)] == [at_committee.id]
    assert len(cases.list_cases(office, org_unit=DISTRICT)) == 3
    assert [c.id for c in cases.list_cases(office, org_unit=OTHER_OFFICE)] == [elsewhere.id]


def test_list_cases_search_finds_by_title_party_name_and_visit_notes(
    office: LocalStore,
) -> None:
    coal = cases.open_case(office, intake(), [APPLICANT])
    noise = cases.open_case(office, intake(title="楼上噪音扰民", description=""), [RESPONDENT])
    visits.record_visit(
        office, None, kind=VisitKind.INVESTIGATION, case_id=noise.id, notes="夜间分贝测量"
    )
    assert [c.id for c in cases.list_cases(office, search="煤棚")] == [coal.id]
    assert [c.id for c in cases.list_cases(office, search="张三丰")] == [coal.id]
    assert [c.id for c in cases.list_cases(office, search="李四")] == [noise.id]
    assert [c.id for c in cases.list_cases(office, search="分贝")] == [noise.id]
    assert cases.list_cases(office, search="不存在的词") == []


def test_case_detail_has_the_timeline_attachments_and_reviews(
    office: LocalStore, blobs: LocalBlobStore
) -> None:
    case = cases.open_case(office, intake(), [APPLICANT, RESPONDENT])
    later = visits.record_visit(
        office,
        blobs,
        kind=VisitKind.MEDIATION_SESSION,
        case_id=case.id,
        started_at=datetime(2026, 11, 26, 9, 0, tzinfo=CHINA),
        notes="双方到场调解",
        photos=[camera_jpeg()],
    )
    earlier = visits.record_visit(
        office,
        blobs,
        kind=VisitKind.INVESTIGATION,
        case_id=case.id,
        started_at=datetime(2026, 11, 21, 9, 0, tzinfo=CHINA),
        notes="现场查看煤棚",
    )
    review = pulled(
        office,
        TableName.REVIEWS,
        target_table="cases",
        target_id=case.id,
        state="needs_changes",
        comment="请补充申请人地址",
    )
    detail = cases.case_detail(office, case.id)
    assert detail is not None
    assert [v.id for v in detail.visits] == [earlier.visit.id, later.visit.id]
    assert [a.id for a in detail.attachments] == [later.photos[0].attachment_id]
    assert [r.id for r in detail.reviews] == [review]
    assert cases.case_detail(office, uuid.uuid4()) is None


# -- subjects and check-ins ----------------------------------------------------------


def subject(store: LocalStore, name: str, **overrides: Any) -> UUID:
    fields = subject_fields(
        OFFICE, ME, name=name, id_number=id_number(serial=f"{len(name)}{len(overrides)}7")
    )
    fields.update(overrides)
    return pulled(store, TableName.SUBJECTS, **fields)


def checkin(store: LocalStore, subject_id: UUID, days_ago: int) -> None:
    visits.record_visit(
        store,
        None,
        kind=VisitKind.CHECKIN,
        subject_id=subject_id,
        method=CheckinMethod.OFFICE,
        started_at=NOW - timedelta(days=days_ago),
    )


def test_subjects_are_sorted_by_checkin_due_with_overdue_first(office: LocalStore) -> None:
    late = subject(office, "迟到者", supervision_level="strict")
    checkin(office, late, days_ago=10)  # 严管: every 7 days, due 3 days ago
    never = subject(office, "新入矫", term_start="2026-11-26")  # due on the first day
    soon = subject(office, "按时者", supervision_level="strict")
    checkin(office, soon, days_ago=2)  # due in 5 days
    key = subject(office, "重点对象", supervision_level="strict", key_person=True)
    checkin(office, key, days_ago=2)  # same day as "soon", but a key person
    released = subject(office, "已解矫", status="released")
    rows = subjects.list_subjects(office, now=NOW, settings=DEFAULT_SETTINGS)
    assert [row.subject.id for row in rows] == [late, never, key, soon]
    assert [row.overdue for row in rows] == [True, True, False, False]
    assert rows[0].due_on == date(2026, 11, 25)
    assert rows[2].key_person
    assert not rows[3].key_person
    assert rows[3].last_checkin_at == NOW - timedelta(days=2)
    listed = subjects.list_subjects(office, now=NOW, settings=DEFAULT_SETTINGS, include_ended=True)
    assert released in {r.subject.id for r in listed}


def test_the_checkin_interval_is_the_levels_in_the_district_settings(office: LocalStore) -> None:
    """The stored ``checkin_interval_days`` is not the rule: the level's
    interval in the district's settings is, as on the officer's list and the
    desk (``shared_models.correction.due.checkin_due``); supervision starts
    at the entry announcement."""
    normal = subject(office, "普管", supervision_level="normal", checkin_interval_days=7)
    checkin(office, normal, days_ago=10)
    lenient = subject(office, "宽管", supervision_level="lenient", checkin_interval_days=7)
    checkin(office, lenient, days_ago=10)
    enrolled = subject(office, "已宣告", term_start="2026-11-20", enrolled_on="2026-11-30")
    by_id = {r.subject.id: r for r in subjects.list_subjects(office, NOW, DEFAULT_SETTINGS)}
    assert by_id[normal].due_on == date(2026, 12, 3)  # 18 November + 15 days
    assert by_id[lenient].due_on == date(2026, 12, 18)  # + 30 days
    assert by_id[enrolled].due_on == date(2026, 11, 30)
    assert not any(row.overdue for row in by_id.values())
    district = DEFAULT_SETTINGS.model_copy(
        update={"normal": LevelIntervals(checkin_days=9, visit_days=60)}
    )
    [first, *_] = subjects.list_subjects(office, NOW, district)
    assert (first.subject.id, first.due_on, first.overdue) == (normal, date(2026, 11, 27), True)


def test_record_checkin_with_fix_and_photo_in_one_call(
    office: LocalStore, blobs: LocalBlobStore
) -> None:
    late = subject(office, "迟到者")
    checkin(office, late, days_ago=20)  # 普管: every 15 days
    assert subjects.list_subjects(office, NOW, DEFAULT_SETTINGS)[0].overdue
    saved = subjects.record_checkin(
        office,
        blobs,
        late,
        CheckinMethod.HOME_VISIT,
        fix=GpsFix(36.6, 114.4, 8.0),
        notes="在家，状态稳定",
        photo=camera_jpeg(),
        at=NOW,
    )
    assert isinstance(saved.visit, VisitRecord)
    assert (saved.visit.kind, saved.visit.method) == (VisitKind.CHECKIN, CheckinMethod.HOME_VISIT)
    assert (saved.visit.lat, saved.visit.lon, saved.visit.accuracy_m) == (36.6, 114.4, 8.0)
    [photo] = saved.photos
    attachment = office.records.get("attachments", photo.attachment_id)
    assert attachment is not None
    assert attachment["owner_id"] == str(saved.visit.id)
    [row] = subjects.list_subjects(office, NOW, DEFAULT_SETTINGS)
    assert not row.overdue
    assert row.due_on == date(2026, 12, 13)  # 普管: every 15 days


def test_checkin_without_a_fix_takes_the_photos_position(
    office: LocalStore, blobs: LocalBlobStore
) -> None:
    someone = subject(office, "王某")
    saved = subjects.record_checkin(
        office, blobs, someone, CheckinMethod.OFFICE, photo=camera_jpeg()
    )
    assert (saved.visit.lat, saved.visit.lon) == pytest.approx((36.605, 114.435))
    assert saved.visit.accuracy_m is None


# -- search ------------------------------------------------------------------------


def test_search_finds_chinese_text_by_substring_and_parties_by_encrypted_name(
    office: LocalStore, tmp_path: Path
) -> None:
    case = cases.open_case(office, intake(), [APPLICANT, RESPONDENT])
    hits = search.search(office, "翻修房屋")
    assert [(h.table, h.record_id) for h in hits] == [(TableName.CASES, case.id)]
    assert isinstance(hits[0].record, CaseRecord)
    [party] = search.search(office, "三丰")
    assert party.table is TableName.PARTIES
    assert isinstance(party.record, PartyRecord)
    assert party.record.name == "张三丰"
    assert party.record.case_id == case.id
    assert search.search(office, "张三丰 煤棚") == []  # a party's name is not in the case's text
    assert search.search(office, "  ，。 ") == []
    [quoted] = search.search(office, '"煤棚"*(:')  # FTS syntax in a query is just text
    assert quoted.record_id == case.id
    files = [tmp_path / DATABASE_FILE, tmp_path / f"{DATABASE_FILE}-wal"]
    stored = b"".join(path.read_bytes() for path in files if path.exists())
    assert b"neighbourhood" in stored  # the scan sees what is plain...
    for secret in ("张三丰", "三丰", "煤棚", "翻修"):  # ...and neither names nor words are there
        assert secret.encode() not in stored


def test_search_drops_deleted_records(office: LocalStore) -> None:
    case = cases.open_case(office, intake(), [])
    office.records.delete(TableName.CASES, case.id)
    assert search.search(office, "煤棚") == []


def test_rebuilding_the_index_finds_the_same(office: LocalStore) -> None:
    cases.open_case(office, intake(), [APPLICANT])
    before = [(h.table, h.record_id) for h in search.search(office, "三丰")]
    assert office.search_index.rebuild() >= 2
    assert [(h.table, h.record_id) for h in search.search(office, "三丰")] == before


# -- attention -----------------------------------------------------------------------


def test_attention_lists_pending_rejected_conflicts_and_reviews(
    office: LocalStore, blobs: LocalBlobStore
) -> None:
    good = cases.open_case(office, intake(), [])
    bad = cases.open_case(office, intake(title="越权案件"), [])
    blobs.put(b"signature", "image/png")
    pending = attention.pending_uploads(office)
    assert (len(pending.changes), len(pending.blobs), pending.count) == (2, 1, 3)
    sent = office.outbox.items()
    office.outbox.mark_sent(sent)
    assert attention.pending_uploads(office).count == 3  # sent is not yet acknowledged
    office.outbox.apply_results(
        [
            MutationResult(
                mutation_id=sent[0].mutation_id, status=MutationStatus.APPLIED, version=5
            ),
            MutationResult(
                mutation_id=sent[1].mutation_id,
                status=MutationStatus.REJECTED,
                error=MutationError(
                    code=ErrorCode.OUT_OF_SCOPE, message="not your office", field="org_unit_id"
                ),
            ),
        ]
    )
    [rejected] = attention.rejected_changes(office)
    assert (rejected.record_id, rejected.code, rejected.message, rejected.field) == (
        bad.id,
        "OUT_OF_SCOPE",
        "not your office",
        "org_unit_id",
    )
    assert rejected.fields["title"] == "越权案件"
    conflict = pulled(
        office,
        TableName.CONFLICTS,
        table_name="cases",
        record_id=good.id,
        field="title",
        overwritten_value="旧标题",
        current_value="煤棚损坏纠纷",
        overwritten_version=3,
    )
    pulled(office, TableName.CASES, id=good.id, **_case_wire(good))
    pulled(
        office, TableName.REVIEWS, target_table="cases", target_id=good.id, state="needs_changes"
    )
    needs = pulled(
        office,
        TableName.REVIEWS,
        target_table="cases",
        target_id=good.id,
        state="needs_changes",
        comment="请补充证据",
    )
    summary = attention.attention(office)
    assert [c.id for c in summary.conflicts] == [conflict]
    assert [r.id for r in summary.needs_changes] == [needs]
    assert summary.count == 3
    pulled(office, TableName.REVIEWS, target_table="cases", target_id=good.id, state="approved")
    assert attention.reviews_needing_changes(office) == []


def _case_wire(case: CaseRecord) -> dict[str, Any]:
    return case.model_dump(
        mode="json", exclude={"id", "version", "updated_at", "deleted", "created_by"}
    )


# -- drafts --------------------------------------------------------------------------


def test_drafts_save_load_replace_list_and_delete_encrypted(
    store: LocalStore, tmp_path: Path
) -> None:
    key = f"visit:new:{uuid.uuid4()}"
    drafts.save_draft(store, key, {"notes": "申请人王秀英说", "parties": ["王秀英"]})
    drafts.save_draft(store, key, {"notes": "申请人王秀英说：煤棚", "parties": ["王秀英"]})
    drafts.save_draft(store, "agreement:other", {"facts": ""})
    assert drafts.load_draft(store, key) == {"notes": "申请人王秀英说：煤棚", "parties": ["王秀英"]}
    assert [d.key for d in drafts.list_drafts(store, prefix="visit:")] == [key]
    stored = b"".join(
        p.read_bytes() for p in tmp_path.glob(f"{DATABASE_FILE}*") if not p.name.endswith("-shm")
    )
    assert "王秀英".encode() not in stored
    drafts.delete_draft(store, key)
    drafts.delete_draft(store, key)
    assert drafts.load_draft(store, key) is None
    assert store.outbox.items() == []  # drafts never sync
