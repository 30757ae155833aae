"""A rotation of the district key seen from a phone: an agreement sealed
and countersigned before ``lastmile admin keys rotate``, one after, the
server never restarted. The phone shows each with the key that signed it,
and both verify with the keys the server publishes (what the phone, a court
or a party checks them with); the server's own verifier agrees."""

from typing import Any

from typer.testing import CliRunner

from field_app.core import FieldAppCore
from field_app.services.agreements import sealed_fields
from field_app.viewmodels.agreements import AgreementViewModel
from lastmile_cli import app as lastmile
from tests.factories import PASSWORD
from tests.integration.test_agreements_viewmodels import mediating_case, signed_agreement
from tests.integration.viewmodel_fixtures import (
    Phones,
    phones_fixture,  # noqa: F401  (the fixture)
    say,
)
from tests.published_keys import verifying_key_id


def _signed_and_synced(core: FieldAppCore, title: str) -> AgreementViewModel:
    agreement_id = signed_agreement(core, mediating_case(core, title))
    core.sync_once()
    page = AgreementViewModel(core, agreement_id)
    assert page.record is not None
    assert page.record.countersignature, "countersigned"
    return page


def _key_id(page: AgreementViewModel) -> str:
    assert page.record is not None
    assert page.record.countersignature is not None
    return page.record.countersignature.partition(":")[0]


def test_what_a_phone_holds_verifies_before_and_after_a_rotation(phones: Phones) -> None:
    core = phones.signed_in("mediator.baijia")
    before = _signed_and_synced(core, "煤棚损坏纠纷")
    old_id = _key_id(before)
    key_dir = phones.server.settings.blobs.parent  # the test district's key folder

    rotated = CliRunner().invoke(
        lastmile,
        ["admin", "keys", "rotate", "--db", phones.server.settings.db, "--key-dir", str(key_dir)],
    )
    assert rotated.exit_code == 0, rotated.output

    after = _signed_and_synced(core, "院墙渗水纠纷")
    new_id = _key_id(after)
    assert new_id != old_id, "the running server signs with the new key"
    core.sync_once()
    before.load()
    assert say(before.countersignature) == f"Countersigned by the district (key {old_id})."
    assert say(after.countersignature) == f"Countersigned by the district (key {new_id})."

    published: dict[str, Any] = phones.server.http.get("/api/v1/keys/district").json()
    assert published["key_id"] == new_id
    for page, key_id in ((before, old_id), (after, new_id)):
        assert page.record is not None
        assert page.record.countersignature is not None
        fields = sealed_fields(page.record)
        assert (
            verifying_key_id(published, page.agreement_id, fields, page.record.countersignature)
            == key_id
        )
    signed_in = phones.server.http.post(
        "/api/v1/auth/login",
        json={
            "username": "supervisor.baijia",
            "password": PASSWORD,
            "device_id": "desk-rotation",
            "device_name": "desk",
        },
    )
    assert signed_in.status_code == 200, signed_in.text
    desk = {"Authorization": f"Bearer {signed_in.json()['token']}"}
    for page, key_id in ((before, old_id), (after, new_id)):
        answer = phones.server.http.get(
            f"/api/v1/agreements/{page.agreement_id}/verify", headers=desk
        )
        report = answer.json()
        assert report["ok"] is True, report
        assert report["key_id"] == key_id
