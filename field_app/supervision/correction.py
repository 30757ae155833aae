"""The desk's community-correction calls (``/api/v1/correction/…``): the
requests waiting for this supervisor's decision, the decision, a
subject's timeline and its printed records, the district's settings. Online, like the rest of the
desk; ``SupervisionClient`` has them all."""

from uuid import UUID

from field_app.supervision.answers import read_answer
from field_app.sync.client import SyncClient
from shared_models.correction.settings import CorrectionSettings
from shared_models.domain.event_content import DecisionOutcome
from shared_models.protocol.correction import DecisionCreate, DecisionDone, Timeline, WaitingList


class CorrectionCalls(SyncClient):
    def waiting_requests(self, office_id: UUID | None = None) -> WaitingList:
        """Requests (leave, level changes, residence, rewards and sanctions)
        waiting for the caller's level, oldest first."""
        params = {} if office_id is None else {"office_id": str(office_id)}
        response = self._send("GET", "/correction/requests/waiting", params=params)
        return read_answer(response, WaitingList)

    def decide(self, request_id: UUID, outcome: DecisionOutcome, comment: str = "") -> DecisionDone:
        """Approve or refuse (a refusal gives its reason) at the caller's level."""
        body = DecisionCreate(outcome=outcome, comment=comment).model_dump(mode="json")
        response = self._send(
            "POST", f"/correction/requests/{request_id}/decision", json=body, expected=(201,)
        )
        return read_answer(response, DecisionDone)

    def subject_timeline(self, subject_id: UUID) -> Timeline:
        response = self._send("GET", f"/correction/subjects/{subject_id}/timeline")
        return read_answer(response, Timeline)

    def announcement_pdf(self, event_id: UUID) -> bytes:
        """The record of an entry or release announcement, printed by the server."""
        return self._send("GET", f"/correction/events/{event_id}/record.pdf").content

    def release_certificate_pdf(self, event_id: UUID) -> bytes:
        """The release certificate of a release announcement, printed by the server."""
        return self._send("GET", f"/correction/events/{event_id}/certificate.pdf").content

    def put_correction_settings(self, settings: CorrectionSettings) -> CorrectionSettings:
        """Change the district's settings (admins and district supervisors)."""
        body = settings.model_dump(mode="json")
        response = self._send("PUT", "/correction/settings", json=body)
        return read_answer(response, CorrectionSettings)
