"""Verifying a sealed agreement: from its id, or from a PDF of it.

Each check answers one question and names what does not match, so that a
changed character in the text, a replaced signature image, a forged
countersignature and an edited PDF are each reported as exactly that:

- ``record_sealed``: the agreement exists (in the caller's jurisdiction) and is signed;
- ``content_hash``: its content still hashes to the hash recorded at signing;
- ``countersignature``: the district signed that hash (key published);
- ``signature_images``: each signature image is stored and is the one sealed;
- ``supersession_chain``: what it corrects exists, is sealed and intact, no loops;
- ``pdf_unaltered`` / ``pdf_matches_record``: the PDF is the district's,
  unchanged, and names this agreement at this hash.

``scope=None`` verifies across the whole district (the ``lastmile verify
--db`` command run by an administrator on the server).
"""

import hashlib
from dataclasses import dataclass
from uuid import UUID

from pydantic import ValidationError
from sqlalchemy import select
from sqlmodel import Session, col

from shared_models.domain.agreements import AgreementFields, AgreementStatus, SignatureRef
from shared_models.integrity import (
    SEALED_AGREEMENT_FIELDS,
    agreement_hash,
    content_hash,
    seal_is_intact,
)
from shared_models.problems import problem_message
from shared_models.protocol.tables import TableName
from shared_models.protocol.verify import CheckName, VerifyCheck, VerifyReport
from sync_server.blobs.store import BlobStore
from sync_server.core.district_key import DistrictKey
from sync_server.repositories.scope import JurisdictionScope, NotInScopeError
from sync_server.services.agreements.countersign import agreement_fields, countersignature_problem
from sync_server.services.agreements.pades import inspect_pdf
from sync_server.services.blobs.claims import signature_image_readable
from sync_server.services.sync.records import row_to_wire
from sync_server.tables import AgreementRow, AttachmentRow

MAX_CHAIN = 1000
"""Corrections followed before a chain counts as broken (a loop the walk missed)."""
_READ_BYTES = 1024 * 1024


def _check(name: CheckName, problems: list[str], ok_detail: str) -> VerifyCheck:
    if problems:
        return VerifyCheck(name=name, ok=False, detail="; ".join(problems))
    return VerifyCheck(name=name, ok=True, detail=ok_detail)


@dataclass(frozen=True)
class AgreementVerifier:
    session: Session
    scope: JurisdictionScope | None
    key: DistrictKey
    blobs: BlobStore

    def visible(self, agreement_id: UUID) -> AgreementRow | None:
        """The agreement, if it exists and the caller may see it (else ``None``:
        out of scope looks exactly like missing). No scope: the district's
        own command line, which sees every agreement."""
        if self.scope is None:
            return self.session.get(AgreementRow, agreement_id)
        return self.scope.find(self.session, AgreementRow, agreement_id)

    def reachable(self, agreement_id: UUID, live: bool = False) -> AgreementRow:
        """``visible`` (and, with ``live``, not deleted), else ``NotInScopeError``."""
        row = self.visible(agreement_id)
        if row is None or (live and row.deleted):
            raise NotInScopeError("agreement")
        return row

    def verify_id(self, agreement_id: UUID) -> VerifyReport:
        checks, values = self._record_checks(agreement_id)
        return VerifyReport.of(checks, key_id=self._signer_id(agreement_id), **values)

    def _signer_id(self, agreement_id: UUID) -> str:
        """The district key (current or retired) the agreement's
        countersignature names; the current key when it names none of them."""
        row = self.visible(agreement_id)
        named = ((row.countersignature or "") if row is not None else "").partition(":")[0]
        signer = self.key.by_id(named) if named else None
        return (signer or self.key).key_id

    def verify_pdf(self, pdf: bytes) -> VerifyReport:
        inspection = inspect_pdf(pdf, self.key)
        checks = [inspection.unaltered]
        if inspection.reference is None:
            checks.append(
                VerifyCheck(
                    name=CheckName.PDF_MATCHES_RECORD,
                    ok=False,
                    detail="the PDF names no LastMile agreement (no reference in its keywords)",
                )
            )
            return VerifyReport.of(checks, key_id=self.key.key_id)
        agreement_id, pdf_hash = inspection.reference
        record_checks, values = self._record_checks(agreement_id)
        row = self.visible(agreement_id)
        if row is not None and row.content_hash is not None:
            problems = []
            if row.content_hash != pdf_hash:
                problems.append(
                    f"the PDF shows content hash {pdf_hash}, the record {row.content_hash}"
                )
            checks.append(
                _check(
                    CheckName.PDF_MATCHES_RECORD,
                    problems,
                    "the PDF names this agreement at its recorded content hash",
                )
            )
        values.setdefault("content_hash", pdf_hash)
        return VerifyReport.of(
            [*checks, *record_checks],
            key_id=self._signer_id(agreement_id),
            **{"agreement_id": agreement_id, **values},
        )

    def _record_checks(self, agreement_id: UUID) -> tuple[list[VerifyCheck], dict[str, object]]:
        values: dict[str, object] = {"agreement_id": agreement_id}
        row = self.visible(agreement_id)
        if row is None or row.deleted:
            what = "no such agreement in your jurisdiction" if row is None else "it was deleted"
            return [VerifyCheck(name=CheckName.RECORD_SEALED, ok=False, detail=what)], values
        values["content_hash"] = row.content_hash
        if row.status != AgreementStatus.SIGNED:
            detail = f"the agreement is {row.status}, not signed: nothing is sealed"
            return [VerifyCheck(name=CheckName.RECORD_SEALED, ok=False, detail=detail)], values
        checks = [VerifyCheck(name=CheckName.RECORD_SEALED, ok=True, detail="signed and sealed")]
        try:
            fields = agreement_fields(row)
        except ValidationError as error:
            checks.append(_invalid_record(row, error))
            return checks, values
        checks.append(self._content_hash(fields))
        problem = countersignature_problem(row.id, fields, row.countersignature, self.key)
        signer = (row.countersignature or "").partition(":")[0]  # current or retired
        checks.append(
            _check(
                CheckName.COUNTERSIGNATURE,
                [] if problem is None else [problem],
                f"countersigned by the district key {signer}",
            )
        )
        checks.append(self._signature_images(row.id, fields.signatures))
        chain_check, chain = self._chain(row, fields)
        checks.append(chain_check)
        values["supersedes"] = chain
        values["superseded_by"] = self._superseded_by(row.id)
        return checks, values

    def _content_hash(self, fields: AgreementFields) -> VerifyCheck:
        actual = agreement_hash(fields)
        problems = []
        if actual != fields.content_hash:
            problems.append(_changed_detail(actual, fields.content_hash))
        return _check(CheckName.CONTENT_HASH, problems, "the content matches its recorded hash")

    def _signature_images(self, agreement_id: UUID, signatures: list[SignatureRef]) -> VerifyCheck:
        problems: list[str] = []
        for ref in signatures:
            who = f"{ref.signer_name}'s {ref.kind}"
            attachment = self.session.get(AttachmentRow, ref.attachment_id)
            if attachment is None or attachment.deleted:
                problems.append(f"{who}: its attachment record is missing")
            elif attachment.sha256 != ref.sha256:
                problems.append(f"{who}: the attachment now names another image than was sealed")
            readable = signature_image_readable(self.session, ref.attachment_id, ref.sha256)
            actual = self._blob_hash(ref.sha256) if readable else None
            if actual is None:
                problems.append(f"{who}: the image has not reached the server")
            elif actual != ref.sha256:
                problems.append(f"{who}: the stored image is not the one sealed")
        return _check(
            CheckName.SIGNATURE_IMAGES,
            problems,
            f"{len(signatures)} signature images stored, each the one sealed",
        )

    def _blob_hash(self, sha256: str) -> str | None:
        """The SHA-256 of the stored bytes (re-read: a file changed on disk
        must not pass because of its name)."""
        content = self.blobs.open(sha256)
        if content is None:
            return None
        digest = hashlib.sha256()
        with content.stream as stream:
            while chunk := stream.read(_READ_BYTES):
                digest.update(chunk)
        return digest.hexdigest()

    def _chain(self, row: AgreementRow, fields: AgreementFields) -> tuple[VerifyCheck, list[UUID]]:
        problems: list[str] = []
        chain: list[UUID] = []
        seen = {row.id}
        current = fields.supersedes_id
        while current is not None:
            if current in seen or len(chain) >= MAX_CHAIN:
                problems.append(f"the chain of corrections loops back to {current}")
                break
            seen.add(current)
            chain.append(current)
            previous = self.visible(current)
            if previous is None or previous.deleted:
                problems.append(f"it corrects {current}, which is not in your jurisdiction")
                break
            if previous.status != AgreementStatus.SIGNED:
                problems.append(f"it corrects {current}, which is {previous.status}, not sealed")
            elif not _intact(previous):
                problems.append(f"it corrects {current}, whose content no longer matches its hash")
            if previous.case_id != row.case_id:
                problems.append(f"it corrects {current}, which belongs to another case")
            current = previous.supersedes_id
        if not chain:
            detail = "an original agreement: it corrects no earlier one"
        else:
            detail = f"corrects {len(chain)} earlier agreements, each sealed and intact"
        return _check(CheckName.SUPERSESSION_CHAIN, problems, detail), chain

    def _superseded_by(self, agreement_id: UUID) -> list[UUID]:
        query = select(col(AgreementRow.id)).where(
            col(AgreementRow.supersedes_id) == agreement_id, col(AgreementRow.deleted).is_(False)
        )
        if self.scope is not None:
            query = query.where(self.scope.row_filter(TableName.AGREEMENTS, AgreementRow))
        return sorted(self.session.scalars(query))


def _changed_detail(actual: str, recorded: str | None) -> str:
    return (
        "the agreement's text, parties or signatures were changed after signing: "
        f"they hash to {actual}, the recorded hash is {recorded}"
    )


def _invalid_record(row: AgreementRow, error: ValidationError) -> VerifyCheck:
    """A stored record that is no longer even a complete signed agreement
    (a party renamed so its signature matches no one, say) was changed after
    signing: its stored values, hashed as they are, show it."""
    reason = problem_message(error.errors()[0])
    wire = row_to_wire(TableName.AGREEMENTS, row)
    actual = content_hash({name: wire[name] for name in SEALED_AGREEMENT_FIELDS})
    problems = [] if actual == row.content_hash else [_changed_detail(actual, row.content_hash)]
    problems.append(f"the record is no longer a complete signed agreement: {reason}")
    return VerifyCheck(name=CheckName.CONTENT_HASH, ok=False, detail="; ".join(problems))


def _intact(row: AgreementRow) -> bool:
    try:
        return seal_is_intact(agreement_fields(row))
    except ValidationError:
        return False
