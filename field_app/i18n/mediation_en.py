"""English: a mediation case from application to archive (step forms, the case's progress)."""
# ruff: noqa: E501  (sentences are easier to translate on one line)

STRINGS: dict[str, str] = {
    "screen.case_edit": "Edit case",
    "screen.party_new": "Add a party",
    "screen.party_edit": "Edit party",
    # -- step forms
    "form.step": "Step {step} of {total}: {name}",
    "form.save": "Save",
    "form.saved": "Saved on this phone",
    "form.error.required": "Fill in: {field}",
    "form.error.date": "{field}: write the date like 2026-11-28",
    "form.error.signature": "Sign on the pad, or give a fingerprint photo",
    "form.error.number": "{field}: write a number",
    "form.yes": "Yes",
    "form.no": "No",
    "form.repeat": "{name} {n}",
    "form.names_hint": "One person a line (or separated by commas or 、).",
    "form.add_another": "Add another",
    "form.error.parties_sealed": "The agreement is sealed: its parties can no longer change.",
    "form.fingerprint_given": "Fingerprint photo given (signing on the pad replaces it).",
    "form.party.who": "Who",
    "form.party.contact": "Contact and ID",
    "form.party.kind": "Person or organisation",
    "party.kind.person": "Person",
    "party.kind.organisation": "Organisation",
    # -- the case page
    "case.edit": "Edit case",
    "case.party_add": "Add a party",
    "case.party_edit": "Edit {name}",
    "case.parties_sealed": "The agreement is sealed: the parties stay as it names them.",
}
