"""A photo the server refused (over quota) is on the home screen with the
server's reason and "Send again", and is not counted as merely waiting."""

from field_app.i18n import Translator
from field_app.viewmodels.home import HomeViewModel
from tests.integration.viewmodel_fixtures import (
    Phones,
    phones_fixture,  # noqa: F401  (the fixture)
)

REASON = "upload quota reached: this device holds 64.0 MiB of uploads no record uses"


def test_a_refused_upload_is_shown_and_can_be_sent_again(phones: Phones) -> None:
    core = phones.signed_in("mediator.baijia")
    blobs = core.data.blobs
    sha256 = blobs.put(b"\xff\xd8 a photo", "image/jpeg")
    blobs.mark_refused(sha256, REASON)

    [item] = HomeViewModel(core).attention
    assert item.kind == "upload_refused"
    assert item.sha256 == sha256
    assert item.detail == REASON
    assert Translator("en").render(item.title) == "A photo or document was not uploaded"
    assert blobs.pending() == []

    HomeViewModel(core).send_again(item)
    assert HomeViewModel(core).attention == []
    assert [sha for sha, _, _ in blobs.pending()] == [sha256]
