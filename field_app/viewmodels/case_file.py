"""The case file on the case page: what the file still lacks, and printing
it (offline, on the phone). The case page (``viewmodels/cases.py``) holds
one of these and shows it with ``views/case_file.case_file_section``."""

from uuid import UUID

from field_app.core import FieldAppCore
from field_app.errors import SaveRejectedError
from field_app.i18n import Msg, msg
from field_app.services.case_file import (
    case_file_gaps,
    case_file_pdf,
    case_file_sources,
    images_not_here,
)
from field_app.services.photo_fetch import fetch_photos
from field_app.viewmodels.base import Observable
from shared_models.case_file_check import FileGap, GapKind, is_complete
from shared_models.case_file_text import CaseFileSources


def gap_msg(gap: FileGap) -> Msg:
    """A gap as the screen words it (``casefile.gap.<kind>``)."""
    if gap.kind is GapKind.FOLLOW_UP_OVERDUE and gap.due is not None:
        return msg(f"casefile.gap.{gap.kind.value}", due=gap.due)
    return msg(f"casefile.gap.{gap.kind.value}", who=gap.who)


class CaseFileViewModel(Observable):
    """The file of ``case_id``, under the district's mediation rules as the
    last sign-in told them (``core.mediation``)."""

    def __init__(self, core: FieldAppCore, case_id: UUID) -> None:
        super().__init__()
        self.core = core
        self.case_id = case_id
        self.gaps: list[Msg] = []
        self.complete = False
        self.number = ""

    def _sources(self) -> CaseFileSources:
        today = self.core.now().date()
        return case_file_sources(
            self.core.store, self.case_id, today, self.core.zone, self.core.mediation
        )

    def load(self) -> None:
        try:
            sources = self._sources()
        except SaveRejectedError:
            self.gaps, self.complete, self.number = [], False, ""
        else:
            found = case_file_gaps(sources)
            self.gaps = [gap_msg(gap) for gap in found]
            self.complete = is_complete(sources.case, found)
            self.number = sources.case.case_number or sources.case.title
        self.notify()

    def pdf(self) -> bytes:
        """The case file's PDF, made here (blocking: views run it off the UI).
        Images another device took are fetched first when the server can be
        reached; offline, each prints as a note in its place."""
        sources = self._sources()
        wanted = images_not_here(self.core.blobs, sources)
        if wanted:
            fetch_photos(self.core.blobs, self.core.session.client, wanted)
        return case_file_pdf(self.core.blobs, self.case_id, sources)

    @property
    def file_name(self) -> str:
        return f"调解卷宗-{self.number or self.case_id}.pdf"
