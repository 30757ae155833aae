"""English: the window for judicial confirmation (case page, application form)."""
# ruff: noqa: E501  (sentences are easier to translate on one line)

STRINGS: dict[str, str] = {
    "home.judicial_closing": "{count} agreement(s) near the end of the window for judicial confirmation",
    "form.judicial.window_closed": "The window closed on {day} ({days} days after the agreement took effect). A late application may still be recorded; the court decides whether to hear it.",
    "progress.judicial.open": "The parties may jointly apply for judicial confirmation until {day} ({left} days left)",
    "progress.judicial.closed": "The window for judicial confirmation closed on {day}; nobody applied",
    "progress.judicial.late": "Judicial confirmation applied for on {applied}, after the window closed on {day}: the court decides whether to hear it",
}
