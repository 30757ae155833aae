"""Recording a visit of a case (session, investigation, home visit,
follow-up) or a subject's check-in (报到): notes, outcome, the phone's GPS
fix with its accuracy, and photos from the camera or the gallery.

Photos are re-encoded the moment they are added (so the draft holds the
small JPEG, never the camera's original with its EXIF), and the form is a
draft from the first keystroke: leaving the screen, a rotation or a killed
app loses nothing. A photo's own GPS position is used when the phone could
not get a fix.
"""

import base64
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from pydantic import JsonValue

from field_app.core import FieldAppCore
from field_app.errors import SaveRejectedError
from field_app.i18n import Msg, msg
from field_app.services.agreements import agreement_in_effect
from field_app.services.cases import case_title
from field_app.services.drafts import delete_draft, load_draft, save_draft
from field_app.services.photos import PhotoRejectedError, prepare_photo
from field_app.services.subjects import record_checkin, subject_of
from field_app.services.visits import GpsFix, record_visit
from field_app.viewmodels.base import Saving, rejected_message, saves_once
from field_app.viewmodels.cases import location_text
from shared_models.domain.visits import CheckinMethod, ObligationCheck, VisitKind

MAX_PHOTOS = 6
GOOD_ACCURACY_M = 50.0
"""A fix worse than this is kept but flagged (indoors, a weak GPS)."""


@dataclass(frozen=True)
class ObligationLine:
    index: int
    obligor: str
    action: str
    due: date | None
    method: str
    honoured: bool | None
    """This visit's mark: honoured, not honoured, or not marked yet."""


@dataclass(frozen=True)
class PhotoItem:
    jpeg: bytes
    thumbnail: bytes


class FieldContactForm(Saving):
    """What a visit and a check-in share: notes, location, photos, the draft."""

    max_photos = MAX_PHOTOS

    def __init__(self, core: FieldAppCore, draft_key: str) -> None:
        super().__init__()
        self.core = core
        self.draft_key = draft_key
        self.notes = ""
        self.outcome = ""
        self.fix: GpsFix | None = None
        self.fix_from_photo = False
        self.locating = False
        self.location_error: Msg | None = None
        self.photos: list[PhotoItem] = []
        self.error: Msg | None = None
        self.saved_id: UUID | None = None

    # -- editing --------------------------------------------------------------------

    def set_notes(self, text: str) -> None:
        self.notes = text
        self._keep()

    def set_outcome(self, text: str) -> None:
        self.outcome = text
        self._keep()

    def start_locating(self) -> None:
        self.locating = True
        self.location_error = None
        self.notify()

    def set_fix(self, lat: float, lon: float, accuracy_m: float | None) -> None:
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            self.location_failed(msg("gps.error.invalid"))
            return
        self.fix = GpsFix(round(lat, 7), round(lon, 7), accuracy_m)
        self.fix_from_photo = False
        self.locating = False
        self.location_error = None
        self._keep()
        self.notify()

    def location_failed(self, reason: Msg) -> None:
        self.locating = False
        self.location_error = reason
        self.notify()

    @property
    def location(self) -> Msg | None:
        if self.fix is None:
            return None
        return location_text(self.fix.lat, self.fix.lon, self.fix.accuracy_m)

    @property
    def location_is_rough(self) -> bool:
        return bool(self.fix and (self.fix.accuracy_m or 0) > GOOD_ACCURACY_M)

    def add_photo(self, raw: bytes) -> bool:
        """Re-encode now (the slow, fallible part); views run it off the UI thread."""
        if len(self.photos) >= self.max_photos:
            self.error = msg("photo.error.too_many", count=self.max_photos)
            self.notify()
            return False
        try:
            prepared = prepare_photo(raw, self.core.zone)
        except PhotoRejectedError:
            self.error = msg("photo.error.unreadable")
            self.notify()
            return False
        self.photos.append(PhotoItem(prepared.jpeg, prepared.thumbnail))
        if self.fix is None and prepared.gps is not None:
            self.fix = GpsFix(prepared.gps[0], prepared.gps[1], None)
            self.fix_from_photo = True
        self.error = None
        self._keep()
        self.notify()
        return True

    def remove_photo(self, index: int) -> None:
        del self.photos[index]
        self._keep()
        self.notify()

    def discard(self) -> None:
        delete_draft(self.core.store, self.draft_key)

    # -- saving ----------------------------------------------------------------------

    @saves_once
    def save(self) -> bool:
        if not self._ready():
            self.notify()
            return False
        try:
            self.saved_id = self._record()
        except (SaveRejectedError, PhotoRejectedError) as refused:
            self.error = (
                rejected_message(refused)
                if isinstance(refused, SaveRejectedError)
                else msg("photo.error.unreadable")
            )
            self.notify()
            return False
        delete_draft(self.core.store, self.draft_key)
        self.error = None
        self.core.changed()
        self.notify()
        return True

    def _ready(self) -> bool:
        return True

    def _record(self) -> UUID:
        raise NotImplementedError

    # -- the draft ---------------------------------------------------------------------

    def _payload(self) -> dict[str, JsonValue]:
        photos: list[JsonValue] = [
            {
                "jpeg": base64.b64encode(p.jpeg).decode("ascii"),
                "thumbnail": base64.b64encode(p.thumbnail).decode("ascii"),
            }
            for p in self.photos
        ]
        fix: JsonValue = (
            None
            if self.fix is None
            else {"lat": self.fix.lat, "lon": self.fix.lon, "accuracy_m": self.fix.accuracy_m}
        )
        return {"notes": self.notes, "outcome": self.outcome, "fix": fix, "photos": photos}

    def _keep(self) -> None:
        if self.saved_id is None:
            save_draft(self.core.store, self.draft_key, self._payload())

    def _restore(self) -> dict[str, Any] | None:
        draft: dict[str, Any] | None = load_draft(self.core.store, self.draft_key)
        if not draft:
            return None
        self.notes = str(draft.get("notes", ""))
        self.outcome = str(draft.get("outcome", ""))
        fix = draft.get("fix")
        if isinstance(fix, dict):
            self.fix = GpsFix(float(fix["lat"]), float(fix["lon"]), fix.get("accuracy_m"))
        for photo in draft.get("photos") or []:
            self.photos.append(
                PhotoItem(base64.b64decode(photo["jpeg"]), base64.b64decode(photo["thumbnail"]))
            )
        return draft


class VisitFormViewModel(FieldContactForm):
    """A visit of a case; ``kind`` starts as a mediation session or a follow-up."""

    def __init__(
        self, core: FieldAppCore, case_id: UUID, kind: VisitKind = VisitKind.MEDIATION_SESSION
    ) -> None:
        super().__init__(core, f"visit:{case_id}")
        self.case_id = case_id
        self.kind = kind
        self.case_title = case_title(core.store, case_id)
        self.agreement = agreement_in_effect(core.store, case_id)
        self.marks: dict[int, bool] = {}
        draft = self._restore()
        self.resumed = draft is not None
        if draft and draft.get("kind") in VisitKind.__members__.values():
            self.kind = VisitKind(draft["kind"])
        if draft and self.agreement is not None:
            count = len(self.agreement.obligations)
            marks = draft.get("marks") or {}
            self.marks = {int(i): bool(v) for i, v in marks.items() if 0 <= int(i) < count}

    kinds = (
        VisitKind.MEDIATION_SESSION,
        VisitKind.INVESTIGATION,
        VisitKind.HOME_VISIT,
        VisitKind.FOLLOW_UP,
    )

    def set_kind(self, kind: VisitKind) -> None:
        if kind is VisitKind.CHECKIN:
            raise ValueError("check-ins are recorded for subjects")
        self.kind = kind
        self._keep()
        self.notify()

    # -- a follow-up checks the agreement's obligations (回访) ------------------------

    @property
    def checks_obligations(self) -> bool:
        return self.kind is VisitKind.FOLLOW_UP and self.agreement is not None

    @property
    def obligations(self) -> list[ObligationLine]:
        """The obligations of the agreement in effect, with this visit's marks."""
        if self.agreement is None:
            return []
        return [
            ObligationLine(index, o.obligor, o.action, o.due, o.method, self.marks.get(index))
            for index, o in enumerate(self.agreement.obligations)
        ]

    def set_mark(self, index: int, honoured: bool) -> None:
        """Obligation ``index`` is honoured (履行) or not (未履行)."""
        if self.agreement is None or not 0 <= index < len(self.agreement.obligations):
            raise IndexError(index)
        self.marks[index] = honoured
        self._keep()
        self.notify()

    def _ready(self) -> bool:
        marked = self.checks_obligations and bool(self.marks)
        if not self.notes.strip() and not self.outcome.strip() and not self.photos and not marked:
            self.error = msg("visit.error.empty")
            return False
        return True

    def _record(self) -> UUID:
        follow_up = self.checks_obligations and self.agreement is not None
        saved = record_visit(
            self.core.store,
            self.core.blobs,
            kind=self.kind,
            case_id=self.case_id,
            fix=self.fix,
            notes=self.notes.strip(),
            outcome=self.outcome.strip(),
            photos=[p.jpeg for p in self.photos],
            agreement_id=self.agreement.id if follow_up and self.agreement else None,
            obligation_checks=[
                ObligationCheck(obligation_index=index, honoured=honoured)
                for index, honoured in sorted(self.marks.items())
            ]
            if follow_up
            else (),
        )
        return saved.visit.id

    def _payload(self) -> dict[str, JsonValue]:
        marks: dict[str, JsonValue] = {str(i): v for i, v in self.marks.items()}
        return {**super()._payload(), "kind": self.kind.value, "marks": marks}


class CheckinViewModel(FieldContactForm):
    """报到: method (office by default), the GPS fix, one photo, notes."""

    max_photos = 1

    def __init__(self, core: FieldAppCore, subject_id: UUID) -> None:
        super().__init__(core, f"checkin:{subject_id}")
        self.subject_id = subject_id
        subject = subject_of(core.store, subject_id)
        self.subject_name = subject.name if subject else ""
        self.key_person = bool(subject and subject.key_person)
        self.method = CheckinMethod.OFFICE
        draft = self._restore()
        self.resumed = draft is not None
        if draft and draft.get("method") in CheckinMethod.__members__.values():
            self.method = CheckinMethod(draft["method"])

    methods = tuple(CheckinMethod)

    def set_method(self, method: CheckinMethod) -> None:
        self.method = method
        self._keep()
        self.notify()

    def _record(self) -> UUID:
        saved = record_checkin(
            self.core.store,
            self.core.blobs,
            self.subject_id,
            self.method,
            fix=self.fix,
            notes=self.notes.strip(),
            photo=self.photos[0].jpeg if self.photos else None,
        )
        return saved.visit.id

    def _payload(self) -> dict[str, JsonValue]:
        return {**super()._payload(), "method": self.method.value}
