"""The app's messages as the English screen shows them, for assertions."""

from typing import Any

from field_app.i18n import Translator

EN = Translator("en")


def say(message: Any) -> str:
    """A ``Msg`` as the English screen shows it."""
    return EN.render(message)
