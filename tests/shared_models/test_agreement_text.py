"""Pure rules of sealed agreements: sealing a draft, what the district
countersigns, the customary layout of the printed agreement, and the
follow-up marks on its obligations."""

import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from shared_models.agreement_text import (
    TITLE,
    agreement_document,
    agreement_reference,
    parse_agreement_reference,
)
from shared_models.domain.agreements import AgreementFields, AgreementStatus
from shared_models.domain.visits import (
    VisitFields,
    latest_obligation_marks,
    obligation_check_problems,
)
from shared_models.integrity import agreement_hash, seal_is_intact
from shared_models.sealing import (
    NotReadyToSealError,
    countersignature_message,
    format_countersignature,
    parse_countersignature,
    seal_agreement,
)

CASE = uuid.UUID("0b5c6f7e-3a41-4d1a-9d3c-5f1e2a7b8c90")
AGREEMENT = uuid.UUID("5b0d3c1e-1f1a-4a53-9a0e-0f5e2a7c9d11")
PARTY = uuid.UUID("7d2a4a8e-95d5-4f3e-8d61-3c2b1a0f9e87")
SHA = "ab" * 32
BEIJING = timezone(timedelta(hours=8))


def signature(role: str, name: str, **extra: Any) -> dict[str, Any]:
    return {
        "signer_role": role,
        "signer_name": name,
        "attachment_id": str(uuid.uuid4()),
        "sha256": SHA,
        "signed_at": "2026-11-28T09:00:00Z",
        **extra,
    }


def draft(**overrides: Any) -> AgreementFields:
    values: dict[str, Any] = {
        "case_id": str(CASE),
        "committee_name": "百家村人民调解委员会",
        "mediator_name": "王桂兰",
        "parties": [
            {
                "party_id": str(PARTY),
                "role": "applicant",
                "name": "李某",
                "phone": "13800138000",
                "address": "百家村3号",
            },
            {"role": "respondent", "kind": "organisation", "name": "某物业公司", "address": "x"},
        ],
        "facts": "邻居翻修时损坏了煤棚。\n\n双方就赔偿数额发生争议",
        "obligations": [
            {"obligor": "某物业公司", "action": "赔偿煤棚修理费800元。", "due": "2026-12-15"},
            {"obligor": "李某", "action": "不再追究", "method": "书面确认"},
        ],
        "performance_method": "当面交付现金",
        "performance_deadline": "2026-12-31",
        "signatures": [
            signature("party", "李某", party_id=str(PARTY)),
            signature("party", "某物业公司", kind="fingerprint"),
            signature("mediator", "王桂兰"),
        ],
    }
    values.update(overrides)
    return AgreementFields.model_validate(values)


# --- sealing ------------------------------------------------------------------------


def test_sealing_a_complete_draft_signs_and_hashes_it() -> None:
    sealed = seal_agreement(draft(), datetime(2026, 11, 28, 17, 30, tzinfo=BEIJING))

    assert sealed.status is AgreementStatus.SIGNED
    assert sealed.signed_at == datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
    assert sealed.content_hash == agreement_hash(sealed)
    assert seal_is_intact(sealed)
    # What a device pushes is what the server validates and re-hashes.
    assert AgreementFields.model_validate(sealed.model_dump(mode="json")) == sealed


def test_the_same_instant_in_any_time_zone_gives_the_same_seal() -> None:
    unsigned = draft()
    in_beijing = seal_agreement(unsigned, datetime(2026, 11, 28, 17, 30, tzinfo=BEIJING))
    in_utc = seal_agreement(unsigned, datetime(2026, 11, 28, 9, 30, tzinfo=UTC))

    assert in_beijing.content_hash == in_utc.content_hash


def test_a_draft_missing_a_signature_is_not_sealed() -> None:
    incomplete = draft(signatures=[signature("party", "李某", party_id=str(PARTY))])

    with pytest.raises(NotReadyToSealError) as refused:
        seal_agreement(incomplete, datetime(2026, 11, 28, tzinfo=UTC))

    assert refused.value.problems == [
        "signatures: 某物业公司 has not signed",
        "signatures: the mediator has not signed",
    ]


@pytest.mark.parametrize(
    ("agreement", "signed_at", "problem"),
    [
        (None, datetime(2026, 11, 28), "signed_at: give the signing time with its time zone"),
        ("signed", datetime(2026, 11, 28, tzinfo=UTC), "status: a signed agreement cannot"),
        ("void", datetime(2026, 11, 28, tzinfo=UTC), "status: a void agreement cannot"),
    ],
)
def test_only_a_draft_is_sealed_and_only_at_a_definite_time(
    agreement: str | None, signed_at: datetime, problem: str
) -> None:
    source = draft()
    if agreement == "signed":
        source = seal_agreement(source, signed_at)
    elif agreement == "void":
        source = draft(status="void")

    with pytest.raises(NotReadyToSealError, match=problem):
        seal_agreement(source, signed_at)


def test_the_countersigned_message_is_exactly_the_documented_bytes() -> None:
    sealed = seal_agreement(draft(), datetime(2026, 11, 28, 9, 30, tzinfo=UTC))

    message = countersignature_message(AGREEMENT, sealed, "1f17e02b1945b106")

    assert (
        message
        == (
            '{"agreement_id":"5b0d3c1e-1f1a-4a53-9a0e-0f5e2a7c9d11",'
            f'"content_hash":"{sealed.content_hash}",'
            '"key_id":"1f17e02b1945b106","signed_at":"2026-11-28T09:30:00Z"}'
        ).encode()
    )
    with pytest.raises(ValueError, match="only a sealed agreement"):
        countersignature_message(AGREEMENT, draft(), "1f17e02b1945b106")


def test_a_countersignature_names_its_key() -> None:
    value = format_countersignature("1f17e02b1945b106", "c2lnbmF0dXJl")

    assert parse_countersignature(value) == ("1f17e02b1945b106", "c2lnbmF0dXJl")
    for malformed in ("c2lnbmF0dXJl", ":c2ln", "key:"):
        with pytest.raises(ValueError, match="countersignature reads"):
            parse_countersignature(malformed)


# --- the printed layout -----------------------------------------------------------


def test_a_signed_agreement_is_laid_out_in_the_customary_order() -> None:
    # 23:30 on the 28th in UTC is already the 29th in Beijing: the date printed.
    sealed = seal_agreement(draft(), datetime(2026, 11, 28, 23, 30, tzinfo=UTC))

    document = agreement_document(AGREEMENT, sealed)

    assert document.title == TITLE == "人民调解协议书"
    assert document.number_line == "编号：5B0D3C1E"  # a case not numbered yet
    assert document.notices == ()
    numbered = agreement_document(AGREEMENT, sealed, case_number="（2026）百家人调字第3号")
    assert numbered.number_line == "编号：（2026）百家人调字第3号"
    provisional = agreement_document(AGREEMENT, sealed, case_number="（2026）百家人调字第待定号")
    assert provisional.number == "5B0D3C1E"
    assert [f"{s.number}、{s.heading}" for s in document.sections] == [
        "一、当事人基本情况",
        "二、纠纷主要事实、争议事项",
        "三、经调解，各方当事人自愿达成如下协议",
        "四、履行协议的方式、地点、期限",
    ]
    parties, facts, obligations, performance = (s.paragraphs for s in document.sections)
    assert parties == (
        "申请人：李某，联系电话：13800138000，住址：百家村3号。",
        "被申请人：某物业公司（单位），住所：x。",
    )
    assert facts == ("邻居翻修时损坏了煤棚。", "双方就赔偿数额发生争议")
    assert obligations == (
        "1. 某物业公司于2026年12月15日前赔偿煤棚修理费800元。",
        "2. 李某不再追究（履行方式：书面确认）。",
    )
    assert performance == ("履行方式：当面交付现金。", "履行期限：2026年12月31日前。")
    assert document.closing.startswith("本协议一式3份")
    assert document.date_line == "签署日期：2026年11月29日"
    assert document.committee_line == "百家村人民调解委员会（印）"
    assert document.content_hash == sealed.content_hash
    assert document.seal_lines == (
        f"协议编号：{AGREEMENT}",
        f"内容哈希（SHA-256）：{sealed.content_hash}",
    )


def test_each_party_signs_in_their_own_place() -> None:
    document = agreement_document(AGREEMENT, seal_agreement(draft(), datetime.now(UTC)))

    assert [(s.label, s.signer_name, s.instruction) for s in document.party_slots] == [
        ("申请人", "李某", "（签名）"),
        ("被申请人", "某物业公司", "（按指印）"),
    ]
    assert [(s.label, s.signer_name) for s in document.mediator_slots] == [("人民调解员", "王桂兰")]
    assert all(s.sha256 == SHA for s in (*document.party_slots, *document.mediator_slots))
    assert document.party_slots[0].signed_at == "2026年11月28日 17:00"


def test_a_draft_prints_as_a_draft_with_empty_places_to_sign() -> None:
    unsigned = draft(signatures=[], supersedes_id=str(AGREEMENT))

    document = agreement_document(uuid.uuid4(), unsigned)

    assert document.notices == (
        "草稿：尚未签署，不发生效力",
        f"本协议更正并取代编号为 {AGREEMENT} 的调解协议书",
    )
    assert document.content_hash is None
    assert document.reference is None
    assert all(slot.sha256 is None for slot in document.party_slots)
    assert document.mediator_slots[0].signer_name == "王桂兰"
    assert document.date_line == "签署日期：________年_____月_____日"


def test_the_reference_carries_the_id_and_the_hash() -> None:
    reference = agreement_reference(AGREEMENT, SHA)

    assert reference == f"lastmile-agreement:{AGREEMENT}?sha256={SHA}"
    assert parse_agreement_reference(reference) == (AGREEMENT, SHA)
    for broken in ("https://example.org", f"lastmile-agreement:{AGREEMENT}", reference[:-1]):
        with pytest.raises(ValueError, match=r"agreement reference|LastMile"):
            parse_agreement_reference(broken)


# --- follow-ups (回访) ----------------------------------------------------------------


def follow_up(**overrides: Any) -> VisitFields:
    values: dict[str, Any] = {
        "case_id": str(CASE),
        "kind": "follow_up",
        "started_at": "2026-12-20T10:00:00+08:00",
        "agreement_id": str(AGREEMENT),
        "obligation_checks": [
            {"obligation_index": 0, "honoured": True, "note": "已付清"},
            {"obligation_index": 1, "honoured": False},
        ],
    }
    values.update(overrides)
    return VisitFields.model_validate(values)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"kind": "home_visit"}, "only a follow-up visit refers to an agreement"),
        (
            {"case_id": None, "subject_id": str(uuid.uuid4())},
            "a follow-up of an agreement belongs to its case",
        ),
        ({"agreement_id": None}, "name the agreement"),
        (
            {"obligation_checks": [{"obligation_index": 0, "honoured": True}] * 2},
            "obligation 1 is marked twice",
        ),
        ({"obligation_checks": [{"obligation_index": -1, "honoured": True}]}, "greater than"),
        ({"obligation_checks": [{"obligation_index": 0, "honoured": "yes"}]}, "boolean"),
    ],
)
def test_obligation_marks_belong_to_a_follow_up_of_an_agreement(
    overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        follow_up(**overrides)


def test_marks_must_fit_the_agreement_they_follow_up() -> None:
    sealed = seal_agreement(draft(), datetime.now(UTC))
    visit = follow_up(obligation_checks=[{"obligation_index": 2, "honoured": True}])

    assert obligation_check_problems(follow_up(), sealed) == []
    assert obligation_check_problems(visit, sealed) == [
        "obligation_checks: the agreement has 2 obligations, not 3"
    ]
    assert obligation_check_problems(follow_up(), draft(case_id=str(uuid.uuid4()))) == [
        "agreement_id: the agreement belongs to another case",
        "agreement_id: only a signed agreement's obligations are followed up",
    ]


def test_the_latest_follow_up_tells_how_each_obligation_stands() -> None:
    first = follow_up(started_at="2026-12-20T10:00:00+08:00")
    later = follow_up(
        started_at="2027-01-05T10:00:00+08:00",
        obligation_checks=[{"obligation_index": 1, "honoured": True, "note": "已书面确认"}],
    )
    unrelated = follow_up(agreement_id=str(uuid.uuid4()), started_at="2027-02-01T10:00:00Z")

    marks = latest_obligation_marks([later, unrelated, first], AGREEMENT)

    assert {
        index: (visit.started_at.date(), mark.honoured) for index, (visit, mark) in marks.items()
    } == {
        0: (date(2026, 12, 20), True),
        1: (date(2027, 1, 5), True),
    }
