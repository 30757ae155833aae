"""What a conflict card on Home says: the field in the user's language and
the values as a person reads them, never a raw structure with ids and hashes."""

from field_app.i18n import Translator
from field_app.viewmodels.home import _field_label, _value_text

SIGNATURE = {
    "signer_role": "party",
    "signer_name": "李某",
    "party_id": "c1ccda93-6d9e-417f-9a6c-af26f346ae5e",
    "kind": "signature",
    "attachment_id": "678b42bd-d651-41a8-9cc2-6d87ed083b47",
    "sha256": "3e1a887171d744e930262b141034f73716476a5fc197d6f9f275be2d25dd59bb",
}


def test_a_list_of_signatures_reads_as_the_signers_names() -> None:
    text = _value_text([SIGNATURE, {**SIGNATURE, "signer_name": "王桂兰"}])
    assert text == "李某、王桂兰"
    assert _value_text([]) == "—"
    assert _value_text(None) == "—"


def test_no_id_or_hash_of_a_structure_is_shown() -> None:
    text = _value_text({"sha256": SIGNATURE["sha256"], "party_id": SIGNATURE["party_id"]})
    assert SIGNATURE["sha256"] not in text
    assert SIGNATURE["party_id"] not in text


def test_long_text_is_cut_short_and_control_characters_hidden() -> None:
    text = _value_text("调解" * 100 + "\x00")
    assert len(text) == 80
    assert text.endswith("…")
    assert "\x00" not in _value_text("a\x00b")


def test_the_field_is_named_in_the_users_language() -> None:
    translator = Translator("zh_CN")
    assert translator.render(_field_label("signatures")) == "签名"
    assert translator.render(_field_label("parties.1.phone")) == "电话"
    assert translator.render(_field_label("performance_deadline")) == "performance_deadline"
