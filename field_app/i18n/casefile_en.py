"""English: the case file (调解卷宗) on the case page and the statistics on the desk."""
# ruff: noqa: E501  (sentences are easier to translate on one line)

STRINGS: dict[str, str] = {
    "casefile.title": "Case file",
    "casefile.complete": "The case file is complete.",
    "casefile.nothing_missing": "Nothing required is missing so far.",
    "casefile.missing": "The case file lacks {count} item(s):",
    "casefile.print": "Print case file",
    "casefile.printed": "Saved {name}",
    "casefile.gap.application": "No application or acceptance registration",
    "casefile.gap.application_unsigned": "The application is not signed by the applicant",
    "casefile.gap.notice": "{who}: no rights and duties notice",
    "casefile.gap.notice_unsigned": "{who}: the rights and duties notice is not signed",
    "casefile.gap.identity": "{who}: identity proof neither checked nor recorded",
    "casefile.gap.session": "No mediation record",
    "casefile.gap.session_unsigned": "A mediation record is not signed by the parties",
    "casefile.gap.oral_unsigned": "The oral agreement registration is not signed by the parties",
    "casefile.gap.follow_up_overdue": "Follow-up overdue (due {due})",
    "casefile.gap.follow_up": "Agreed, but closed without a follow-up visit",
    "casefile.gap.judicial_ruling": "Judicial confirmation applied for; the court's ruling is not filed",
    "casefile.gap.closing_report": "No closing report",
}
