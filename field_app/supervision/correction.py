"""The desk's community-correction calls (``/api/v1/correction/…``): the
requests waiting for this supervisor's decision, the decision itself, and a
subject's timeline as the server holds it.

Like the rest of the workspace the desk asks the server and keeps nothing:
a decision is a ``subject_events`` record the server writes, and the
officer's phone pulls it like any other.
"""

from uuid import UUID

from field_app.supervision.client import SupervisionClient, read_answer
from shared_models.domain.event_content import DecisionOutcome
from shared_models.protocol.correction import DecisionCreate, DecisionDone, Timeline, WaitingList


class CorrectionClient(SupervisionClient):
    """The correction calls of the desk; blocking, run off the UI loop."""

    def waiting_requests(self) -> WaitingList:
        """Leave, level changes, residence changes and sanctions waiting for
        the caller (an office head: their office's; the district: those the
        office approved), oldest first."""
        return read_answer(self._send("GET", "/correction/requests/waiting"), WaitingList)

    def decide(self, request_id: UUID, outcome: DecisionOutcome, comment: str) -> DecisionDone:
        """Approve or refuse ``request_id`` at the level it waits for (a
        refusal says why: the contract refuses one without a comment)."""
        body = DecisionCreate(outcome=outcome, comment=comment).model_dump(mode="json")
        response = self._send(
            "POST", f"/correction/requests/{request_id}/decision", json=body, expected=(200, 201)
        )
        return read_answer(response, DecisionDone)

    def subject_timeline(self, subject_id: UUID) -> Timeline:
        response = self._send("GET", f"/correction/subjects/{subject_id}/timeline")
        return read_answer(response, Timeline)
