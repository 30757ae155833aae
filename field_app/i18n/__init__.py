"""Every word the field app shows, in 简体中文 and English.

Screens never hold literal text: view-models hand out ``Msg`` values (a key
and its parameters) and the views render them through the ``Translator``,
so switching the language at run time only re-renders, and a test can check
that every key used anywhere exists in both tables with the same
placeholders.

Times are formatted here and only here, on the district's clock (the zone
the translator is given, ``shared_models.district_time``): a view passes the
stored UTC time as it is, never a time converted to the host's zone.
"""

import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo

from field_app.i18n import (
    admin_en,
    admin_zh_cn,
    casefile_en,
    casefile_zh_cn,
    correction_en,
    correction_zh_cn,
    en,
    judicial_en,
    judicial_zh_cn,
    lifecycle_en,
    lifecycle_zh_cn,
    mediation_en,
    mediation_zh_cn,
    supervision_en,
    supervision_zh_cn,
    transport_en,
    transport_zh_cn,
    zh_cn,
)
from shared_models.district_time import DEFAULT_ZONE, district_day, wall_clock

TABLES: dict[str, Mapping[str, str]] = {
    "zh_CN": {
        **zh_cn.STRINGS,
        **supervision_zh_cn.STRINGS,
        **admin_zh_cn.STRINGS,
        **lifecycle_zh_cn.STRINGS,
        **casefile_zh_cn.STRINGS,
        **mediation_zh_cn.STRINGS,
        **transport_zh_cn.STRINGS,
        **correction_zh_cn.STRINGS,
        **judicial_zh_cn.STRINGS,
    },
    "en": {
        **en.STRINGS,
        **supervision_en.STRINGS,
        **admin_en.STRINGS,
        **lifecycle_en.STRINGS,
        **casefile_en.STRINGS,
        **mediation_en.STRINGS,
        **transport_en.STRINGS,
        **correction_en.STRINGS,
        **judicial_en.STRINGS,
    },
}
LANGUAGES: dict[str, str] = {"zh_CN": "简体中文", "en": "English"}
"""Language code → its own name (a language is always offered in itself)."""
DEFAULT_LANGUAGE = "zh_CN"


@dataclass(frozen=True)
class Msg:
    """Text to show, not yet in any language."""

    key: str
    params: Mapping[str, object] = field(default_factory=dict)


def msg(key: str, **params: object) -> Msg:
    return Msg(key, params)


def placeholders(text: str) -> set[str]:
    """The ``{name}`` fields of a string (what both languages must agree on)."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


class Translator:
    """The current language; listeners hear when it changes."""

    def __init__(
        self, language: str = DEFAULT_LANGUAGE, zone: Callable[[], tzinfo] = lambda: DEFAULT_ZONE
    ) -> None:
        self.language = language if language in TABLES else DEFAULT_LANGUAGE
        self.zone = zone
        """The district's time zone, asked at each use (a sign-in may change it)."""
        self._listeners: list[Callable[[], None]] = []

    def set_language(self, language: str) -> None:
        if language not in TABLES:
            raise ValueError(f"unknown language {language!r}")
        if language != self.language:
            self.language = language
            for listener in list(self._listeners):
                listener()

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def t(self, key: str, **params: object) -> str:
        """The text of ``key``; an unknown key shows itself (and a test fails)."""
        text = TABLES[self.language].get(key) or TABLES["en"].get(key) or key
        if not params:
            return text
        return text.format(**{name: self._value(value) for name, value in params.items()})

    def day(self, at: datetime) -> date:
        """The district's calendar day of the instant ``at``."""
        return district_day(at, self.zone())

    def render(self, message: Msg | str | None) -> str:
        if message is None:
            return ""
        if isinstance(message, str):
            return message
        return self.t(message.key, **message.params)

    def _value(self, value: object) -> object:
        if isinstance(value, Msg):
            return self.render(value)
        if isinstance(value, datetime):
            return wall_clock(value, self.zone()).strftime(self.t("format.datetime"))
        if isinstance(value, date):
            return value.strftime(self.t("format.date"))
        return value
