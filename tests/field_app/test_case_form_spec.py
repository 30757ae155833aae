"""What a lifecycle form records, read by one rule (each field by its kind,
repeated groups as lists of entries), and what the judicial-confirmation
form says of its window before it is filled."""

import uuid
from datetime import UTC, date, datetime

from pydantic import TypeAdapter

from field_app.i18n import msg
from field_app.viewmodels import case_forms_opening as opening
from field_app.viewmodels import case_forms_outcome as outcome
from field_app.viewmodels.case_form_spec import StepContext
from field_app.viewmodels.form_spec import FormInput
from shared_models.district_time import DEFAULT_ZONE
from shared_models.domain import CaseRecord
from shared_models.domain.case_forms import CaseForm
from shared_models.domain.judicial_window import JudicialWindow
from tests.factories import case_fields

FORM: TypeAdapter[CaseForm] = TypeAdapter(CaseForm)
CASE = CaseRecord.model_validate({**case_fields(uuid.uuid4()), "id": str(uuid.uuid4())})


def _context(today: date, window: JudicialWindow | None = None) -> StepContext:
    now = datetime(today.year, today.month, today.day, 10, 0, tzinfo=DEFAULT_ZONE)
    return StepContext(case=CASE, parties=[], user_name="王桂兰", now=now, judicial=window)


def _answers(values: dict[str, str]) -> FormInput:
    return FormInput(values=values, photos={}, signatures={}, zone=DEFAULT_ZONE)


def test_each_field_is_read_by_its_kind_and_a_group_as_its_entries() -> None:
    ctx = _context(date(2026, 11, 21))
    spec = opening.investigation(ctx)
    answers = {
        "investigated_at": "2026-11-21 09:30",
        "investigators": "王桂兰、李强",
        "statements.0.name": "赵大爷",
        "statements.0.statement": "听见争吵",
        "statements.1.name": "",
    }
    content = spec.content(_answers(answers), ctx)
    assert content == {
        "kind": "investigation",
        "investigated_at": datetime(2026, 11, 21, 1, 30, tzinfo=UTC).isoformat(),
        "place": "",
        "investigators": ["王桂兰", "李强"],
        "statements": [{"name": "赵大爷", "relation": "", "statement": "听见争吵"}],
        "findings": "",
    }
    assert FORM.validate_python(content).kind == "investigation"
    oral = outcome.oral_agreement(ctx)
    terms = {"agreed_on": "2026-11-21", "present": "李某", "terms": "赔偿800元"}
    obligation = {"obligations.0.obligor": "张某", "obligations.0.action": "赔偿800元"}
    read = oral.content(_answers({**terms, **obligation}), ctx)
    assert read["obligations"] == [{"obligor": "张某", "action": "赔偿800元", "method": ""}]
    assert "performance_deadline" not in read  # an empty day is left out
    assert FORM.validate_python(read).kind == "oral_agreement"


def test_the_judicial_form_says_the_window_and_past_it_that_the_court_decides() -> None:
    window = JudicialWindow(uuid.uuid4(), date(2026, 11, 28), date(2026, 12, 28), None)
    [within] = outcome.judicial_application(_context(date(2026, 12, 28), window)).steps
    assert within.note_msg == msg("form.judicial.window", day=date(2026, 12, 28), days=30)
    [late] = outcome.judicial_application(_context(date(2026, 12, 29), window)).steps
    assert late.note_msg == msg("form.judicial.window_closed", day=date(2026, 12, 28), days=30)
    [none] = outcome.judicial_application(_context(date(2026, 12, 29))).steps
    assert none.note_msg is None
