"""Rules both sides apply: the org tree's "this unit and those below it"
(the server's jurisdiction, the app's unit filters) and how a validation
problem is named (the server's rejected mutation, the app's form). Broken,
a supervisor would see records of another township, or a refusal would
land under the wrong field."""

import uuid

import pytest
from pydantic import ValidationError

from shared_models.domain import CaseFields, PartyFields
from shared_models.domain.org import units_below
from shared_models.problems import field_and_message, first_problem


def test_units_below_is_the_unit_and_everything_under_it_only() -> None:
    district, office, other_office, committee, far = (uuid.uuid4() for _ in range(5))
    edges = [
        (district, None),
        (office, district),
        (other_office, district),
        (committee, office),
        (far, other_office),
    ]
    assert units_below(edges, office) == {office, committee}
    assert units_below(edges, district) == {district, office, other_office, committee, far}
    assert units_below(edges, committee) == {committee}


def test_units_below_ends_on_a_cycle_and_knows_an_unknown_root() -> None:
    a, b, stranger = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    assert units_below([(a, b), (b, a)], a) == {a, b}
    assert units_below([(a, None)], stranger) == {stranger}


def test_a_field_problem_names_its_path_without_pydantic_noise() -> None:
    with pytest.raises(ValidationError) as raised:
        PartyFields.model_validate(
            {"case_id": str(uuid.uuid4()), "role": "applicant", "name": "李某\x00"}
        )
    field, message = first_problem(raised.value)
    assert field == "name"
    assert "control character" in message
    assert not message.startswith("Value error")


def test_a_model_rule_names_the_field_its_message_starts_with() -> None:
    item = {"loc": (), "msg": "Value error, signed_at: must come after the session"}
    assert field_and_message(item) == ("signed_at", "must come after the session")
    assert field_and_message({"loc": (), "msg": "no field here"}) == (None, "no field here")


def test_the_request_body_prefix_is_skipped() -> None:
    item = {"loc": ("body", "mutations", 3, "client_time"), "msg": "Input should be a datetime"}
    assert field_and_message(item, skip=1) == ("mutations.3.client_time", item["msg"])


def test_a_case_without_a_title_is_named_by_the_shared_rule() -> None:
    with pytest.raises(ValidationError) as raised:
        CaseFields.model_validate({})
    field, _ = first_problem(raised.value)
    assert field in CaseFields.model_fields
