"""The correction team (矫正小组): what the enrolment screen warns about.
Warnings, not refusals: an office may not have a woman to put on the team
today, and the officer must still be able to enrol the subject."""

from enum import StrEnum

from shared_models.domain.people import Gender
from shared_models.domain.subjects import SubjectFields


class TeamWarning(StrEnum):
    NO_WOMAN_FOR_WOMAN = "no_woman_for_woman"
    """A woman subject's team has no woman (the law asks for one)."""
    EMPTY = "empty"
    """No team yet."""


def team_warnings(subject: SubjectFields) -> list[TeamWarning]:
    """What is missing from ``subject``'s team, in the order to show."""
    if not subject.team:
        return [TeamWarning.EMPTY]
    warnings: list[TeamWarning] = []
    if subject.gender is Gender.FEMALE and not any(
        member.gender is Gender.FEMALE for member in subject.team
    ):
        warnings.append(TeamWarning.NO_WOMAN_FOR_WOMAN)
    return warnings
