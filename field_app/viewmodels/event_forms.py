"""What the officer fills in for each kind of subject event, as data.

One form screen records every kind (``event_form.py``): this table says
which fields it shows, of which type, in which order. The contract
(``shared_models.domain.event_content``) checks the values when the event
is saved and names the field it refuses, so a field's name here is the
content model's own; a test holds the two together.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from shared_models.domain.event_content import (
    AnnouncementItem,
    ConversationMethod,
    EventKind,
    HealthReportType,
    LeaveReason,
    Measure,
)
from shared_models.domain.subjects import SupervisionLevel


class FieldType(StrEnum):
    TEXT = "text"  # one line
    LONG = "long"  # several lines
    DAY = "day"  # YYYY-MM-DD, with a calendar
    HOURS = "hours"  # a number of hours
    CHOICE = "choice"  # one of ``options``
    ITEMS = "items"  # several of ``options``
    LINES = "lines"  # a list of short texts, one a line
    YES_NO = "yes_no"
    UNIT = "unit"  # an office of the district (chosen from the synced org tree)
    PHONE = "phone"


@dataclass(frozen=True)
class FormField:
    name: str
    type: FieldType
    options: tuple[str, ...] = ()
    """Values of a choice (translated as ``{option_key}.{value}``)."""
    option_key: str = ""
    required: bool = False

    @property
    def label(self) -> str:
        return f"corr.field.{self.name}"


def _choice(name: str, enum: type[StrEnum], key: str, required: bool = True) -> FormField:
    return FormField(name, FieldType.CHOICE, tuple(enum), key, required)


ENTRY_ITEMS: Final = (
    AnnouncementItem.JUDGMENT,
    AnnouncementItem.TERM,
    AnnouncementItem.RULES,
    AnnouncementItem.RIGHTS,
    AnnouncementItem.TEAM,
    AnnouncementItem.CONSEQUENCES,
)
RELEASE_ITEMS: Final = (AnnouncementItem.ASSESSMENT, AnnouncementItem.CERTIFICATE)

_ITEMS_ENTRY = FormField("items_read", FieldType.ITEMS, tuple(ENTRY_ITEMS), "corr.item")
_ITEMS_RELEASE = FormField("items_read", FieldType.ITEMS, tuple(RELEASE_ITEMS), "corr.item")
_LEVELS = tuple(SupervisionLevel)

FORMS: Final[dict[EventKind, tuple[FormField, ...]]] = {
    EventKind.ENTRY_ANNOUNCEMENT: (
        FormField("place", FieldType.TEXT, required=True),
        FormField("present", FieldType.LINES),
        _ITEMS_ENTRY,
        FormField("notes", FieldType.LONG),
    ),
    EventKind.LEVEL_CHANGE: (
        FormField("to_level", FieldType.CHOICE, _LEVELS, "corr.level", True),
        FormField("reason", FieldType.LONG, required=True),
    ),
    EventKind.CORRECTION_PLAN: (
        FormField("text", FieldType.LONG, required=True),
        FormField("measures", FieldType.LINES),
        FormField("education_hours_per_month", FieldType.HOURS),
        FormField("service_hours_per_month", FieldType.HOURS),
    ),
    EventKind.PLAN_REVIEW: (
        FormField("assessment", FieldType.LONG, required=True),
        FormField("changes", FieldType.LONG),
    ),
    EventKind.CONVERSATION: (
        _choice("method", ConversationMethod, "corr.conversation"),
        FormField("topic", FieldType.TEXT),
        FormField("summary", FieldType.LONG, required=True),
    ),
    EventKind.HEALTH_REPORT: (
        _choice("report_type", HealthReportType, "corr.health"),
        FormField("hospital", FieldType.TEXT),
        FormField("findings", FieldType.LONG),
        FormField("still_qualifies", FieldType.YES_NO),
    ),
    EventKind.EDUCATION: (
        FormField("topic", FieldType.TEXT, required=True),
        FormField("hours", FieldType.HOURS, required=True),
        FormField("place", FieldType.TEXT),
    ),
    EventKind.COMMUNITY_SERVICE: (
        FormField("activity", FieldType.TEXT, required=True),
        FormField("hours", FieldType.HOURS, required=True),
        FormField("place", FieldType.TEXT),
    ),
    EventKind.LEAVE_REQUEST: (
        FormField("start", FieldType.DAY, required=True),
        FormField("end", FieldType.DAY, required=True),
        FormField("destination", FieldType.TEXT, required=True),
        _choice("reason", LeaveReason, "corr.leave_reason"),
        FormField("reason_text", FieldType.LONG),
        FormField("guarantor", FieldType.TEXT, required=True),
        FormField("guarantor_phone", FieldType.PHONE),
    ),
    EventKind.LEAVE_DEPARTURE: (FormField("notes", FieldType.LONG),),
    EventKind.LEAVE_RETURN: (FormField("notes", FieldType.LONG),),
    EventKind.RESIDENCE_CHANGE: (
        FormField("new_address", FieldType.TEXT, required=True),
        FormField("new_unit_id", FieldType.UNIT, required=True),
        FormField("move_on", FieldType.DAY, required=True),
        FormField("reason", FieldType.LONG, required=True),
    ),
    EventKind.EXIT_ENTRY_FILING: (
        FormField("filed_with", FieldType.TEXT, required=True),
        FormField("reference", FieldType.TEXT),
        FormField("notes", FieldType.LONG),
    ),
    EventKind.REWARD_SANCTION: (
        _choice("measure", Measure, "corr.measure"),
        FormField("facts", FieldType.LONG, required=True),
        FormField("acknowledged_on", FieldType.DAY),
    ),
    EventKind.RELEASE_ANNOUNCEMENT: (
        FormField("place", FieldType.TEXT, required=True),
        FormField("present", FieldType.LINES),
        _ITEMS_RELEASE,
        FormField("certificate_number", FieldType.TEXT),
        FormField("assessment", FieldType.LONG),
        FormField("to_resettlement", FieldType.YES_NO),
    ),
}
"""The form of each kind an officer records (a decision is the desk's)."""

SIGNED_KINDS: Final = frozenset(
    {
        EventKind.ENTRY_ANNOUNCEMENT,
        EventKind.LEAVE_REQUEST,
        EventKind.REWARD_SANCTION,
        EventKind.RELEASE_ANNOUNCEMENT,
    }
)
"""Kinds the subject signs on the screen once saved: the announcements
(that they heard them), a leave request (that they ask and know the
rules), a reward or sanction (that they were told)."""

PRINTED_KINDS: Final = frozenset({EventKind.ENTRY_ANNOUNCEMENT, EventKind.RELEASE_ANNOUNCEMENT})
"""Kinds with a printed record."""

RECORDED_ON_THE_PAGE: Final = (
    EventKind.CONVERSATION,
    EventKind.EDUCATION,
    EventKind.COMMUNITY_SERVICE,
    EventKind.HEALTH_REPORT,
    EventKind.LEAVE_REQUEST,
    EventKind.REWARD_SANCTION,
    EventKind.EXIT_ENTRY_FILING,
    EventKind.LEVEL_CHANGE,
    EventKind.CORRECTION_PLAN,
    EventKind.RESIDENCE_CHANGE,
)
"""What the subject's page offers to record, in the order of how often."""
