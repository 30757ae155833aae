"""Every word of the app exists in both languages, with the same
placeholders, and every key the screens use is in the tables."""

import re
from pathlib import Path

import pytest

from field_app.i18n import LANGUAGES, TABLES, Translator, msg, placeholders
from field_app.sync.status import SyncPhase
from field_app.viewmodels.cases import StatusFilter
from shared_models.domain.agreements import AgreementStatus
from shared_models.domain.cases import CaseCategory, CaseSource, CaseStatus, PartyRole
from shared_models.domain.review import ReviewState
from shared_models.domain.subjects import CorrectionType
from shared_models.domain.visits import CheckinMethod, VisitKind
from shared_models.protocol.tables import TableName

APP = Path(__file__).resolve().parents[2] / "field_app"
LITERAL_KEY = re.compile(r"""\b(?:msg|t)\(\s*f?"([a-z_][a-z0-9_.]*)["{]""")
CJK = re.compile(r"[\u4e00-\u9fff]")

ENUM_KEYS = {
    "case.status": CaseStatus,
    "case.category": CaseCategory,
    "case.source": CaseSource,
    "party.role": PartyRole,
    "visit.kind": VisitKind,
    "checkin.method": CheckinMethod,
    "subject.type": CorrectionType,
    "agreement.status": AgreementStatus,
    "review.state": ReviewState,
    "table": TableName,
    "cases.filter": StatusFilter,
}


def used_keys() -> set[str]:
    """Keys written literally in the view-models and views."""
    found = set()
    for path in [*APP.glob("viewmodels/*.py"), *APP.glob("views/*.py")]:
        for key in LITERAL_KEY.findall(path.read_text("utf-8")):
            if not key.endswith("."):
                found.add(key)
    return found


def test_both_languages_have_the_same_keys_and_placeholders() -> None:
    english, chinese = TABLES["en"], TABLES["zh_CN"]
    assert set(english) == set(chinese)
    for key, text in english.items():
        assert placeholders(text) == placeholders(chinese[key]), key
        assert text.strip(), key
        assert chinese[key].strip(), key


def test_chinese_is_chinese() -> None:
    not_translated = [
        key
        for key, text in TABLES["zh_CN"].items()
        if not CJK.search(text)
        and not key.startswith(("format.", "gps.fix", "about."))
        and text not in ("{when}", "{day} {time}")
    ]
    assert not_translated == []


def test_every_key_the_screens_use_exists() -> None:
    keys = used_keys()
    assert len(keys) > 150  # the scan found the screens' words
    for prefix, enum in ENUM_KEYS.items():
        keys |= {f"{prefix}.{member.value}" for member in enum}
    keys |= {f"sync.{phase}" for phase in ("sending", "uploading", "receiving")}
    keys |= {f"sync.{phase}.count" for phase in ("sending", "uploading", "receiving")}
    keys |= {f"nav.{tab}" for tab in ("home", "cases", "subjects", "settings")}
    keys |= {f"attention.what_to_do.{kind}" for kind in ("rejected", "sent_back", "conflict")}
    keys |= {f"intake.step.{step}" for step in range(3)}
    missing = {lang: sorted(k for k in keys if k not in TABLES[lang]) for lang in LANGUAGES}
    assert missing == {"zh_CN": [], "en": []}
    assert {phase.value for phase in SyncPhase} == {"push", "upload", "pull"}


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_messages_render_with_their_values(language: str) -> None:
    translator = Translator(language)
    text = translator.render(msg("sync.up_to_date_at", when=msg("time.today", time="14:05")))
    assert "14:05" in text
    assert "{" not in text


def test_switching_tells_the_listeners_and_rejects_unknown_languages() -> None:
    translator = Translator("en")
    heard = []
    translator.subscribe(lambda: heard.append(translator.t("nav.home")))
    translator.set_language("zh_CN")
    translator.set_language("zh_CN")  # no change: nobody is told twice
    assert heard == ["首页"]
    with pytest.raises(ValueError, match="unknown language"):
        translator.set_language("fr")
    assert Translator("fr").language == "zh_CN"
