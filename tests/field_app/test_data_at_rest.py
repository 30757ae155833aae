"""Invariant 9: personal data is unreadable on the device's disk.

Records with known names, ID numbers, phones and addresses, a photo and a
signature are saved the way the app saves them (outbox, search index,
drafts included); then every byte of the database, its WAL and the blob
folder is scanned for each of those strings, in UTF-8 and UTF-16, and for
pieces of the photo. None may be there, while the kinds and statuses the
app queries by must be (or the scan proves nothing). The attack suite's
``tests/attack/test_device_canaries.py`` does the same for every field.
"""

import io
import os
import uuid
from pathlib import Path

from PIL import Image

from field_app.security.aead import DataKeyCipher
from field_app.security.keystore import KdfParams, Keystore
from field_app.services import drafts, subjects, visits
from field_app.services.cases import CaseIntake, NewParty, open_case
from field_app.services.photos import prepare_photo
from field_app.services.session import OpenData, open_local_data
from field_app.storage.blobs import BLOB_FOLDER
from field_app.storage.db import DATABASE_FILE
from shared_models.domain.cases import CaseCategory, CaseSource, PartyRole
from shared_models.domain.visits import CheckinMethod, VisitKind
from shared_models.protocol.tables import TableName
from tests.factories import id_number, subject_fields
from tests.field_app.services_fixtures import camera_jpeg

UNIT = uuid.uuid4()
APPLICANT = ("欧阳娜娜", id_number(serial="481"), "13912345678", "百家村幸福巷17号")
RESPONDENT = ("Jonathan Quill", id_number(serial="593"), "0310-5551234", "西苑社区梧桐苑9号楼")
SUBJECT = ("司马相如", id_number(serial="715"), "13698765432", "彭家寨村东大街88号")
CASE_TITLE = "宅基地界址纠纷调解"
CHECKIN_NOTE = "本人按时到所报到情况良好"


def _personal_strings() -> list[str]:
    strings = [*APPLICANT, *RESPONDENT, *SUBJECT]
    for name in (APPLICANT[0], SUBJECT[0]):  # a CJK name is indexed by its pairs
        strings += [name[i : i + 2] for i in range(len(name) - 1)]
    strings += ["jonathan", "quill"]  # Latin names are indexed lower-cased
    return strings


def _encodings(text: str) -> list[bytes]:
    return [text.encode(codec) for codec in ("utf-8", "utf-16-le", "utf-16-be")]


def _disk_bytes(folder: Path) -> dict[str, bytes]:
    """Every file the app keeps: the database and its journals, the blobs."""
    found: dict[str, bytes] = {}
    for path in [*folder.glob(f"{DATABASE_FILE}*"), *(folder / BLOB_FOLDER).rglob("*")]:
        if path.is_file():
            found[str(path.relative_to(folder))] = path.read_bytes()
    return found


def _fill(data: OpenData, photos: list[bytes], signature_png: bytes) -> None:
    store, blobs = data.store, data.blobs
    parties = [
        NewParty(PartyRole.APPLICANT, name, phone=phone, id_number=number, address=address)
        for name, number, phone, address in (APPLICANT, RESPONDENT)
    ]
    intake = CaseIntake(CASE_TITLE, CaseCategory.LAND, CaseSource.WALK_IN, UNIT)
    case = open_case(store, intake, parties)
    name, number, phone, address = SUBJECT
    subject_id = uuid.uuid4()
    store.records.save(
        TableName.SUBJECTS,
        subject_id,
        subject_fields(UNIT, None, name=name, id_number=number, phone=phone, address=address),
    )
    subjects.record_checkin(
        store, blobs, subject_id, CheckinMethod.OFFICE, notes=CHECKIN_NOTE, photo=photos[0]
    )
    visits.record_visit(
        store, blobs, kind=VisitKind.MEDIATION_SESSION, case_id=case.id, photos=[photos[1]]
    )
    sha256 = blobs.put(signature_png, "image/png")
    store.records.save(
        TableName.ATTACHMENTS,
        uuid.uuid4(),
        {
            "owner_table": "cases",
            "owner_id": str(case.id),
            "kind": "signature",
            "sha256": sha256,
            "size": len(signature_png),
            "mime": "image/png",
        },
    )
    store.records.save(
        TableName.AGREEMENTS,
        uuid.uuid4(),
        {
            "case_id": str(case.id),
            "parties": [
                {"role": "applicant", "name": APPLICANT[0], "id_number": APPLICANT[1]},
                {"role": "respondent", "name": RESPONDENT[0], "phone": RESPONDENT[2]},
            ],
            "facts": "双方就宅基地界址发生争议",
        },
    )
    drafts.save_draft(store, "agreement:new", {"party": APPLICANT[0], "address": APPLICANT[3]})


def _leaks(files: dict[str, bytes], secrets: list[bytes]) -> list[str]:
    return [
        f"{secret[:24]!r} in {name}"
        for name, content in files.items()
        for secret in secrets
        if secret in content
    ]


def _pieces(data: bytes, count: int = 8) -> list[bytes]:
    """Windows from the whole of a file (past the header), to find any copy of it.
    A small thumbnail can be under 700 bytes: its windows then start earlier."""
    header = min(600, len(data) // 4)
    step = max(1, (len(data) - header - 48) // count)
    return [data[start : start + 48] for start in range(header, len(data) - 48, step)]


def test_no_personal_string_or_photo_byte_is_readable_on_disk(tmp_path: Path) -> None:
    folder = tmp_path / "phone"
    keystore = Keystore(folder, kdf=KdfParams(time_cost=1, memory_cost_kib=8, parallelism=1))
    data = open_local_data(folder, DataKeyCipher(keystore.create("258147")))
    photos = [camera_jpeg((2400, 1800)), camera_jpeg((2000, 1500), orientation=6)]
    signature = io.BytesIO()
    Image.new("L", (400, 160), 255).save(signature, "PNG")
    signature_png = signature.getvalue() + os.urandom(64)  # unique bytes to look for
    _fill(data, photos, signature_png)
    secrets = [encoded for text in _personal_strings() for encoded in _encodings(text)]
    for raw in photos:
        prepared = prepare_photo(raw)
        secrets += _pieces(raw) + _pieces(prepared.jpeg) + _pieces(prepared.thumbnail, 3)
    secrets.append(signature_png[-64:])

    while_open = _disk_bytes(folder)
    assert f"{DATABASE_FILE}-wal" in while_open, "the scan must see the WAL while it holds data"
    assert _leaks(while_open, secrets) == []
    data.store.engine.dispose()
    after_close = _disk_bytes(folder)
    assert _leaks(after_close, secrets) == []

    # The scan does find what is not personal, and would find a leak:
    everything = b"".join(after_close.values()) + b"".join(while_open.values())
    assert CASE_TITLE.encode() not in everything  # titles and notes are encrypted too
    assert CHECKIN_NOTE.encode() not in everything
    assert b"suspended_sentence" not in everything  # and a subject's kind of sentence
    assert b"mediation_session" in everything  # what the app queries by is plain
    assert any(name.startswith(BLOB_FOLDER) for name in after_close)
    blob_files = [content for name, content in after_close.items() if name.startswith(BLOB_FOLDER)]
    assert len(blob_files) == 5  # two photos, two thumbnails, a signature
    assert _leaks({"probe": b"xx" + photos[0] + b"yy"}, secrets) != []
    assert _leaks({"probe": "户主欧阳娜娜".encode("utf-16-le")}, secrets) != []
