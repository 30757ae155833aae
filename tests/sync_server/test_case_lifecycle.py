"""The mediation lifecycle on the server: every pushed step checked against
the case, the case moved and numbered by the steps it accepts, each refusal
rejecting its own mutation only. On both databases."""

import uuid
from typing import Any
from uuid import UUID

from tests.case_forms import (
    acceptance,
    archival,
    closing,
    document,
    follow_up,
    notice,
    oral_agreement,
    refusal,
    session,
    termination,
    to_mediation,
)
from tests.factories import District, case_fields, mutation, party_fields
from tests.sync_server.agreement_data import push_signed


def _doc(case_id: UUID, form: dict[str, Any]) -> dict[str, Any]:
    return mutation("case_documents", uuid.uuid4(), document(case_id, form))


def _case(device: Any, district: District, **overrides: Any) -> UUID:
    case_id = uuid.uuid4()
    fields = case_fields(district.baijia_committee.id, **overrides)
    [result] = device.push([mutation("cases", case_id, fields)])
    assert result["status"] == "applied", result
    return case_id


def _pulled_case(device: Any, case_id: UUID) -> dict[str, Any]:
    device.pull()
    record: dict[str, Any] = device.records[("cases", str(case_id))]
    return record


def _error(result: dict[str, Any]) -> tuple[str, str]:
    assert result["status"] == "rejected", result
    return result["error"]["code"], result["error"]["field"]


def test_a_case_from_acceptance_to_archive(device_for: Any, district: District) -> None:
    mediator = device_for("mediator.baijia")
    case_id = _case(mediator, district)
    [accepted] = mediator.push([_doc(case_id, acceptance())])
    assert accepted["status"] == "applied"
    case = _pulled_case(mediator, case_id)
    assert (case["status"], case["case_number"]) == ("accepted", "（2026）百家村调委会人调字第1号")

    party = uuid.uuid4()
    first = [mutation("parties", party, party_fields(case_id, id_number=None))]
    skipped = mediator.push([*first, _doc(case_id, session())])
    assert skipped[0]["status"] == "applied"
    assert _error(skipped[1]) == ("LIFECYCLE_STEP_MISSING", "rights_notice")
    results = mediator.push([_doc(case_id, notice(party)), _doc(case_id, session())])
    assert [r["status"] for r in results] == ["applied", "applied"]
    assert _pulled_case(mediator, case_id)["status"] == "mediating"

    [agreed] = mediator.push([_doc(case_id, oral_agreement())])
    assert agreed["status"] == "applied"
    case = _pulled_case(mediator, case_id)
    assert (case["status"], case["follow_up_due"]) == ("agreed", "2027-01-14")  # deadline + 30

    late_party = mutation("parties", uuid.uuid4(), party_fields(case_id, name="王某"))
    [fixed, early_close] = mediator.push([late_party, _doc(case_id, closing())])
    assert _error(fixed) == ("CASE_PARTIES_FIXED", "case_id")
    assert _error(early_close) == ("LIFECYCLE_STEP_MISSING", "follow_up")

    visit = follow_up(next_follow_up="2027-02-01")
    [visited] = mediator.push([_doc(case_id, visit)])
    assert visited["status"] == "applied"
    case = _pulled_case(mediator, case_id)
    assert (case["status"], case["follow_up_due"]) == ("follow_up", "2027-02-01")

    [closed, archived] = mediator.push([_doc(case_id, closing()), _doc(case_id, archival())])
    assert (closed["status"], archived["status"]) == ("applied", "applied")
    case = _pulled_case(mediator, case_id)
    assert case["status"] == "archived"
    assert case["closed_at"] is not None
    assert case["follow_up_due"] is None

    [edit] = mediator.push([mutation("cases", case_id, {"title": "改名"}, base_version=1)])
    assert _error(edit) == ("CASE_ARCHIVED", "record_id")


def test_numbers_follow_acceptance_per_unit_and_year(device_for: Any, district: District) -> None:
    mediator = device_for("mediator.baijia")
    cases = [_case(mediator, district) for _ in range(3)]
    results = mediator.push(
        [
            _doc(cases[2], acceptance()),
            _doc(cases[0], acceptance(accepted_on="2027-01-02")),
            _doc(cases[1], acceptance()),
        ]
    )
    assert all(r["status"] == "applied" for r in results)
    mediator.pull()
    numbers = [mediator.records[("cases", str(c))]["case_number"] for c in cases]
    assert numbers == [
        "（2027）百家村调委会人调字第1号",
        "（2026）百家村调委会人调字第2号",
        "（2026）百家村调委会人调字第1号",
    ]
    [again] = mediator.push([_doc(cases[0], acceptance())])
    assert _error(again) == ("LIFECYCLE_STEP_NOT_ALLOWED", "kind")
    [deleted] = mediator.push([mutation("cases", cases[0], op="delete", base_version=1)])
    assert _error(deleted) == ("LIFECYCLE_STEP_NOT_ALLOWED", "record_id")


def test_a_refused_application_takes_no_later_step(device_for: Any, district: District) -> None:
    mediator = device_for("mediator.baijia")
    case_id = _case(mediator, district, status="applied")
    results = mediator.push(
        [_doc(case_id, refusal()), _doc(case_id, acceptance()), _doc(case_id, session())]
    )
    assert results[0]["status"] == "applied"
    assert _error(results[1]) == ("LIFECYCLE_STEP_NOT_ALLOWED", "kind")
    assert _error(results[2]) == ("LIFECYCLE_STEP_NOT_ALLOWED", "kind")
    case = _pulled_case(mediator, case_id)
    assert (case["status"], case["case_number"]) == ("refused", None)
    [closed] = mediator.push([_doc(case_id, closing("refused"))])
    assert closed["status"] == "applied"
    assert _pulled_case(mediator, case_id)["status"] == "closed"


def test_failed_mediation_closes_without_follow_up(device_for: Any, district: District) -> None:
    mediator = device_for("mediator.baijia")
    case_id = _case(mediator, district)
    results = mediator.push([*to_mediation(case_id), _doc(case_id, termination())])
    assert all(r["status"] == "applied" for r in results), results
    assert _pulled_case(mediator, case_id)["status"] == "failed"
    [closed] = mediator.push([_doc(case_id, closing("failed"))])
    assert closed["status"] == "applied"


def test_status_and_server_fields_are_not_a_devices(device_for: Any, district: District) -> None:
    mediator = device_for("mediator.baijia")
    case_id = _case(mediator, district)
    results = mediator.push(
        [
            mutation("cases", case_id, {"status": "mediating"}, base_version=1),
            mutation("cases", case_id, {"case_number": "（2026）百家人调字第9号"}, base_version=1),
            mutation(
                "cases", uuid.uuid4(), case_fields(district.baijia_committee.id, status="agreed")
            ),
            mutation("cases", case_id, {"title": "新标题"}, base_version=1),
        ]
    )
    assert _error(results[0]) == ("LIFECYCLE_STEP_NOT_ALLOWED", "status")
    assert _error(results[1]) == ("VALIDATION_FAILED", "case_number")
    assert _error(results[2]) == ("LIFECYCLE_STEP_NOT_ALLOWED", "status")
    assert results[3]["status"] != "rejected"


def test_documents_are_kept_and_checked_against_their_case(
    device_for: Any, district: District
) -> None:
    mediator = device_for("mediator.baijia")
    case_id = _case(mediator, district)
    document_id = uuid.uuid4()
    made = mutation("case_documents", document_id, document(case_id, acceptance()))
    stranger = notice(uuid.uuid4())
    wrong_kind = {"kind": "refusal", "content": refusal()}
    results = mediator.push(
        [
            made,
            mutation("case_documents", document_id, op="delete", base_version=None),
            _doc(case_id, stranger),
            mutation("case_documents", document_id, wrong_kind, base_version=None),
            mutation("case_documents", document_id, {"content": acceptance(registrar="赵某")}),
        ]
    )
    assert results[0]["status"] == "applied"
    assert _error(results[1]) == ("LIFECYCLE_STEP_NOT_ALLOWED", "record_id")
    assert _error(results[2]) == ("VALIDATION_FAILED", "content.party_id")
    assert _error(results[3]) == ("LIFECYCLE_STEP_NOT_ALLOWED", "kind")
    assert results[4]["status"] != "rejected"


def test_officers_neither_read_nor_write_case_documents(
    device_for: Any, district: District
) -> None:
    mediator = device_for("mediator.baijia")
    case_id = _case(mediator, district)
    mediator.push([_doc(case_id, acceptance())])
    officer = device_for("officer.baijia")
    [refused] = officer.push([_doc(case_id, acceptance())])
    assert _error(refused)[0] == "FORBIDDEN"
    officer.pull()
    assert not officer.ids("case_documents")
    supervisor = device_for("supervisor.baijia")
    supervisor.pull()
    assert len(supervisor.ids("case_documents")) == 1
    other = device_for("mediator.xiyuan")
    other.pull()
    assert not other.ids("case_documents")


def test_a_sealed_agreement_schedules_the_follow_up_and_may_go_to_court(
    client: Any, device_for: Any, district: District
) -> None:
    mediator = device_for("mediator.baijia")
    signed = push_signed(client, mediator, district)
    case = _pulled_case(mediator, signed.case_id)
    # Performance deadline 2026-12-31, plus the district's 30 days.
    assert (case["status"], case["follow_up_due"]) == ("agreed", "2027-01-30")
    agreement = str(signed.agreement_id)
    application = {
        "kind": "judicial_application",
        "agreement_id": agreement,
        "applied_on": "2026-12-05",
        "court": "复兴区人民法院",
        "applicants": ["李某", "张某"],
    }
    ruling = {
        "kind": "judicial_ruling",
        "agreement_id": agreement,
        "ruled_on": "2026-12-12",
        "court": "复兴区人民法院",
        "outcome": "confirmed",
    }
    early, applied, ruled = mediator.push(
        [
            _doc(signed.case_id, ruling),
            _doc(signed.case_id, application),
            _doc(signed.case_id, ruling),
        ]
    )
    assert _error(early) == ("LIFECYCLE_STEP_MISSING", "judicial_application")
    assert (applied["status"], ruled["status"]) == ("applied", "applied")
    assert _pulled_case(mediator, signed.case_id)["status"] == "judicial_confirmation"
    [visited] = mediator.push([_doc(signed.case_id, follow_up(signed.agreement_id))])
    assert visited["status"] == "applied"
    case = _pulled_case(mediator, signed.case_id)
    assert (case["status"], case["follow_up_due"]) == ("follow_up", None)
