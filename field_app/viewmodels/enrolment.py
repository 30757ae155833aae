"""入矫登记 on the officer's phone, offline: the subject from the court's
decision (identity with the ID number's check digit, offence, sentence
type and term, the deciding court), the supervision level, the correction
team (members and their roles; a warning — never a refusal — when a woman
subject has no woman on it) and the court's documents photographed.

The form is a draft from the first keystroke (``enrol:new``). A valid ID
number fills the birth date and the sex it encodes (both still editable).
"""

from datetime import date
from typing import Any
from uuid import UUID

from pydantic import JsonValue

from field_app.core import FieldAppCore
from field_app.errors import SaveRejectedError
from field_app.i18n import Msg, msg
from field_app.services.correction_settings import district_settings
from field_app.services.drafts import delete_draft, load_draft, save_draft
from field_app.services.enrolment import enrol_subject
from field_app.services.photos import PhotoRejectedError, prepare_photo
from field_app.viewmodels.base import Saving, field_name, saves_once
from field_app.viewmodels.visits import PhotoItem
from shared_models.correction.team import team_warnings
from shared_models.domain import SubjectFields
from shared_models.domain.people import Gender, resident_id_check_char
from shared_models.domain.subjects import CorrectionType, SupervisionLevel, TeamMember, TeamRole

ENROL_DRAFT = "enrol:new"
MAX_DOCUMENTS = 8
TEXT_FIELDS = (
    "name",
    "id_number",
    "address",
    "phone",
    "offence",
    "sentence",
    "court",
    "judgment_number",
    "decided_on",
    "term_start",
    "term_end",
    "birth_date",
)
OPTIONAL = frozenset({"address", "phone", "judgment_number", "decided_on", "birth_date"})


def id_facts(number: str) -> tuple[date, Gender] | None:
    """The birth date and sex a valid resident ID number encodes (GB 11643:
    digits 7–14 the birth date, digit 17 odd for a man); ``None`` when the
    number is not valid yet."""
    value = number.strip().upper()
    if len(value) != 18 or not value[:17].isdigit() or not value.isascii():
        return None
    if resident_id_check_char(value[:17]) != value[17]:
        return None
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None
    return born, Gender.MALE if int(value[16]) % 2 else Gender.FEMALE


class EnrolmentViewModel(Saving):
    def __init__(self, core: FieldAppCore) -> None:
        super().__init__()
        self.core = core
        self.values: dict[str, str] = dict.fromkeys(TEXT_FIELDS, "")
        self.gender = Gender.UNSPECIFIED
        self.correction_type = CorrectionType.SUSPENDED_SENTENCE
        self.level = SupervisionLevel.NORMAL
        self.key_person = False
        self.team: list[TeamMember] = []
        self.member_name = ""
        self.member_role = TeamRole.OFFICER
        self.member_gender = Gender.UNSPECIFIED
        self.documents: list[PhotoItem] = []
        self.error: Msg | None = None
        self.error_field: str | None = None
        self.saved_id: UUID | None = None
        self.resumed = self._restore()

    # -- editing -----------------------------------------------------------------------

    def set(self, name: str, text: str) -> None:
        if name not in self.values:
            return
        self.values[name] = text
        if name == "id_number":
            facts = id_facts(text)
            if facts is not None:
                born, sex = facts
                self.values["birth_date"] = born.isoformat()
                self.gender = sex
        if self.error_field == name:
            self.error, self.error_field = None, None
        self.saves.reopen()
        self._keep()

    @property
    def id_checked(self) -> bool:
        return id_facts(self.values["id_number"]) is not None

    def choose_gender(self, value: str) -> None:
        self.gender = Gender(value)
        self._changed()

    def choose_type(self, value: str) -> None:
        self.correction_type = CorrectionType(value)
        self._changed()

    def choose_level(self, value: str) -> None:
        self.level = SupervisionLevel(value)
        self._changed()

    def set_key_person(self, value: bool) -> None:
        self.key_person = value
        self._changed()

    def set_member_name(self, text: str) -> None:
        self.member_name = text

    def choose_member_role(self, value: str) -> None:
        self.member_role = TeamRole(value)
        self.notify()

    def choose_member_gender(self, value: str) -> None:
        self.member_gender = Gender(value)
        self.notify()

    def add_member(self) -> bool:
        name = self.member_name.strip()
        if not name:
            self.error, self.error_field = msg("corr.enrol.member_needs_name"), "member"
            self.notify()
            return False
        self.team.append(TeamMember(name=name, role=self.member_role, gender=self.member_gender))
        self.member_name = ""
        self.member_gender = Gender.UNSPECIFIED
        self.error, self.error_field = None, None
        self._changed()
        return True

    def remove_member(self, index: int) -> None:
        if 0 <= index < len(self.team):
            del self.team[index]
            self._changed()

    def add_document(self, raw: bytes) -> bool:
        """Re-encode now (off the UI thread: the view runs it as work)."""
        if len(self.documents) >= MAX_DOCUMENTS:
            self.error = msg("photo.error.too_many", count=MAX_DOCUMENTS)
            self.notify()
            return False
        try:
            photo = prepare_photo(raw)
        except PhotoRejectedError:
            self.error = msg("photo.error.unreadable")
            self.notify()
            return False
        self.documents.append(PhotoItem(photo.jpeg, photo.thumbnail))
        self._changed()
        return True

    def remove_document(self, index: int) -> None:
        if 0 <= index < len(self.documents):
            del self.documents[index]
            self._changed()

    def _changed(self) -> None:
        self.saves.reopen()
        self._keep()
        self.notify()

    # -- what the form says ----------------------------------------------------------------

    @property
    def warnings(self) -> list[Msg]:
        """The team's gaps (a woman subject with no woman on the team)."""
        # The rule reads the sex and the team only; the rest is not typed in yet.
        known: dict[str, Any] = {"gender": self.gender, "team": self.team}
        shaped = SubjectFields.model_construct(**known)
        return [msg(f"corr.team.{warning.value}") for warning in team_warnings(shaped)]

    def field_error(self, name: str) -> Msg | None:
        return self.error if self.error_field == name else None

    def fields(self) -> dict[str, JsonValue]:
        out: dict[str, JsonValue] = {
            name: self.values[name].strip()
            for name in TEXT_FIELDS
            if self.values[name].strip() or name not in OPTIONAL
        }
        out.update(
            gender=self.gender.value,
            correction_type=self.correction_type.value,
            supervision_level=self.level.value,
            key_person=self.key_person,
            team=[member.model_dump(mode="json") for member in self.team],
        )
        return out

    # -- saving ------------------------------------------------------------------------

    @saves_once
    def save(self) -> bool:
        user = self.core.user
        if user is None:
            return False
        try:
            enrolled = enrol_subject(
                self.core.store,
                self.core.blobs,
                self.fields(),
                org_unit_id=user.org_unit_id,
                officer_id=user.id,
                settings=district_settings(self.core.store),
                documents=[item.jpeg for item in self.documents],
            )
        except SaveRejectedError as refused:
            self.error_field = field_name(refused.field)
            self.error = msg("error.check_form", detail=f"{refused.field}: {refused.message}")
            self.notify()
            return False
        self.saved_id = enrolled.subject.id
        delete_draft(self.core.store, ENROL_DRAFT)
        self.core.changed()
        self.notify()
        return True

    # -- the draft ---------------------------------------------------------------------

    def _keep(self) -> None:
        payload: dict[str, JsonValue] = {
            **self.values,
            "gender": self.gender.value,
            "correction_type": self.correction_type.value,
            "supervision_level": self.level.value,
            "key_person": self.key_person,
            "team": [member.model_dump(mode="json") for member in self.team],
        }
        save_draft(self.core.store, ENROL_DRAFT, payload)

    def _restore(self) -> bool:
        draft = load_draft(self.core.store, ENROL_DRAFT)
        if not draft:
            return False
        for name in TEXT_FIELDS:
            value = draft.get(name)
            if isinstance(value, str):
                self.values[name] = value
        try:
            self.gender = Gender(str(draft.get("gender", self.gender.value)))
            self.correction_type = CorrectionType(
                str(draft.get("correction_type", self.correction_type.value))
            )
            self.level = SupervisionLevel(str(draft.get("supervision_level", self.level.value)))
            team = draft.get("team")
            if isinstance(team, list):
                self.team = [TeamMember.model_validate(member) for member in team]
        except ValueError:
            pass  # a draft of an older form: what could be read is kept
        self.key_person = draft.get("key_person") is True
        return True
