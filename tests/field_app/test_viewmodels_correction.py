"""Correcting a change the server refused: the values as sent, the field the
server named first, checked before anything is queued, sent again, and on
the server afterwards. A newer server that checks more than this app version
is the realistic cause; the test's network plays that server's answer."""

import gzip
import json
import uuid
from collections.abc import Callable

import httpx

from field_app.core import FieldAppCore
from field_app.i18n import Translator
from field_app.viewmodels.app import AppViewModel
from field_app.viewmodels.correction import CorrectionViewModel
from field_app.viewmodels.home import HomeViewModel
from field_app.viewmodels.nav import Route, Screen
from shared_models.protocol.tables import TableName
from tests.factories import case_fields, id_number, party_fields
from tests.field_app.viewmodel_fixtures import (
    Phones,
    phones_fixture,  # noqa: F401  (the fixture)
    say,
)

STRICTER_RULE = "a mobile number of 11 digits starting with 1 is required"


def refuse_phone_numbers(phones: Phones) -> Callable[[], None]:
    """From now on the "server" refuses every party's phone field once,
    the way a newer server with a stricter rule would; returns the undo."""

    def after(request: httpx.Request, response: httpx.Response) -> None:
        if request.url.path != "/api/v1/sync/push":
            return
        body = request.content
        if request.headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        sent = json.loads(body)["mutations"]
        answer = json.loads(response.read())
        for mutation, result in zip(sent, answer["results"], strict=True):
            if mutation["table"] == "parties" and "phone" in mutation["fields"]:
                result.update(
                    status="rejected",
                    version=None,
                    error={"code": "VALIDATION_FAILED", "message": STRICTER_RULE, "field": "phone"},
                )
        response._content = json.dumps(answer).encode()

    phones.link.after = after

    def undo() -> None:
        phones.link.after = None

    return undo


def refused_party(phones: Phones, core: FieldAppCore) -> uuid.UUID:
    store = core.data.store
    case_id, party_id = uuid.uuid4(), uuid.uuid4()
    store.records.save(TableName.CASES, case_id, case_fields(phones.server.district.baijia.id))
    core.sync_once()
    undo = refuse_phone_numbers(phones)
    store.records.save(
        TableName.PARTIES,
        party_id,
        party_fields(case_id, name="赵某", phone="0310-1234567", id_number=id_number(serial="789")),
    )
    core.sync_once()
    undo()
    return party_id


def test_a_refused_change_opens_as_a_form_and_reaches_the_server_corrected(
    phones: Phones,
) -> None:
    core = phones.signed_in("mediator.baijia")
    party_id = refused_party(phones, core)
    [item] = HomeViewModel(core).attention
    assert item.kind == "rejected"
    assert item.mutation_id is not None
    # Home says which record: the party, by the name it was sent with.
    assert Translator("en").render(item.title) == "The server refused a change (party “赵某”)"
    assert item.detail == STRICTER_RULE
    app = AppViewModel(core, Translator("en"))
    app.nav.push(Route.to(Screen.CORRECTION, mutation=str(item.mutation_id)))
    form = app.screen_model(app.nav.current)
    assert isinstance(form, CorrectionViewModel)

    assert form.fields[0] == "phone"  # the field the server named comes first
    assert form.server_says("phone") == STRICTER_RULE
    assert form.server_says("name") is None
    assert form.values["phone"] == "0310-1234567"  # exactly what was typed
    assert form.values["name"] == "赵某"

    form.set("phone", "13912345678")
    assert form.submit(), say(form.error)
    core.sync_once()

    assert HomeViewModel(core).attention == []
    assert core.data.store.records.get(TableName.PARTIES, party_id)["phone"] == "13912345678"  # type: ignore[index]
    on_server = phones.server.rows(TableName.PARTIES)[party_id]
    assert on_server["phone"] == "13912345678"
    assert on_server["name"] == "赵某"


def test_a_correction_that_is_still_wrong_is_refused_on_the_phone_and_kept(
    phones: Phones,
) -> None:
    core = phones.signed_in("mediator.baijia")
    refused_party(phones, core)
    [item] = HomeViewModel(core).attention
    assert item.mutation_id is not None
    form = CorrectionViewModel(core, item.mutation_id)

    form.set("id_number", form.values["id_number"][:-1] + "0")  # wrong check digit
    assert not form.submit()

    assert "ID number" in say(form.error)
    again = CorrectionViewModel(core, item.mutation_id)
    assert again.change is not None  # still waiting, nothing queued
    assert again.values["phone"] == "0310-1234567"
    assert core.data.store.outbox.items() == []


def test_a_change_no_longer_refused_says_so(phones: Phones) -> None:
    core = phones.signed_in("mediator.baijia")
    form = CorrectionViewModel(core, uuid.uuid4())

    assert form.change is None
    assert not form.submit()
    assert say(form.error) == "This change is no longer waiting for a correction."
