"""A lost phone: its data folder copied and searched for the people in it.

Unique canaries go into every personal field the devices store (parties,
subjects, cases, visits with their GPS, captions, agreements with their
obligations and signatures, reviews, a conflict's overwritten value, a
field a newer server sent, drafts), written the way the app writes them:
a mediator's, an officer's and a supervisor's phone (the real
``FieldAppCore`` against the real server in-process). An agreement is
signed and sealed, a conflict is produced, searches run, the agreement is
printed. Then EVERY file under each phone's data folder (database, WAL,
SHM, blobs, keystore, preferences, anything else) is searched for every
canary as UTF-8, UTF-16 LE and BE, JSON ``\\u`` escapes (lower and upper
case hex) and, for coordinates, as the IEEE doubles SQLite stores. Each
canary × encoding × file is a try; a hit is a violation. The folders are
searched three times: with everything unsent in the outbox, after the
syncs, and after the app closed (the WAL checkpointed into the database).

A second test reads the database's columns directly: every column that
holds something about a person (by this file's own list, not the app's)
must be NULL or ciphertext, which also covers values too short to be a
canary (gender, a key-person flag, the kind of sentence).
"""

import io
import json
import random
import sqlite3
import string
import struct
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from PIL import Image

from field_app.core import FieldAppCore
from field_app.services import agreements, drafts, search, subjects, visits
from field_app.services.case_steps import record_step
from field_app.services.cases import CaseIntake, NewParty, case_detail, open_case, update_case
from field_app.services.visits import GpsFix
from field_app.storage.db import DATABASE_FILE
from shared_models.domain.agreements import Obligation
from shared_models.domain.case_forms import MediationSessionForm, RightsNoticeForm, SessionResult
from shared_models.domain.case_lifecycle import MediationSettings
from shared_models.domain.cases import CaseCategory, CaseSource, PartyRole
from shared_models.domain.visits import CheckinMethod, ObligationCheck, VisitKind
from shared_models.protocol.pull import Change
from shared_models.protocol.tables import TableName
from tests.attack.tally import Attack
from tests.factories import district_today, id_number, subject_fields
from tests.field_app.services_fixtures import camera_jpeg
from tests.integration.viewmodel_fixtures import Phones, phones_fixture

__all__ = ["phones_fixture"]

_LETTERS = "bcdfghjkmnpqrstvwxz"

SECRET_COLUMNS: dict[str, tuple[str, ...]] = {
    "parties": ("name", "phone", "id_number", "address"),
    "subjects": (
        "name",
        "id_number",
        "gender",
        "birth_date",
        "address",
        "phone",
        "correction_type",
        "term_start",
        "term_end",
        "key_person",
        "offence",
        "sentence",
        "court",
        "judgment_number",
        "decided_on",
        "team",
    ),
    "subject_events": ("content",),
    "cases": ("title", "description"),
    "visits": ("notes", "outcome", "lat", "lon", "obligation_checks"),
    "attachments": ("caption",),
    "agreements": ("parties", "facts", "obligations", "performance_method", "signatures"),
    "reviews": ("comment",),
    "conflicts": ("overwritten_value", "current_value"),
}
"""What a lost phone must not reveal about people, column by column
(docs/security.md, "Data at rest on the device", says why each is there)."""


@dataclass
class Canaries:
    """Every canary written, by where it was written (for the report)."""

    rng: random.Random
    texts: dict[str, str] = field(default_factory=dict)
    numbers: dict[str, float] = field(default_factory=dict)

    def word(self) -> str:
        return "".join(self.rng.choice(_LETTERS) for _ in range(12))

    def text(self, where: str, cjk: str = "鹊桥") -> str:
        """A unique text: CJK around a unique Latin word (indexed on its own)."""
        value = f"{cjk}{self.word()}{cjk[::-1]}"
        self.texts[where] = value
        return value

    def phone(self, where: str) -> str:
        value = "1" + "".join(self.rng.choice(string.digits) for _ in range(10))
        self.texts[where] = value
        return value

    def id_number(self, where: str) -> str:
        birth = date(1931, 1, 1) + timedelta(days=self.rng.randrange(20000))
        value = id_number(birth=birth, serial=f"{self.rng.randrange(1000):03d}")
        self.texts[where] = value
        return value

    def day(self, where: str) -> str:
        value = (date(1921, 1, 1) + timedelta(days=self.rng.randrange(40000))).isoformat()
        self.texts[where] = value
        return value

    def coordinate(self, where: str, base: float) -> float:
        value = round(base + self.rng.random() / 10, 7)
        self.numbers[where] = value
        return value


def _encodings(text: str) -> dict[str, bytes]:
    found = {
        "utf-8": text.encode("utf-8"),
        "utf-16-le": text.encode("utf-16-le"),
        "utf-16-be": text.encode("utf-16-be"),
    }
    escaped = json.dumps(text)[1:-1]
    if escaped != text:
        found["json \\u (lower)"] = escaped.encode("ascii")
        found["json \\u (upper)"] = "".join(
            part[:2] + part[2:6].upper() + part[6:] if part.startswith("\\u") else part
            for part in escaped.replace("\\u", "\x00\\u").split("\x00")
        ).encode("ascii")
    # The unique Latin word inside a text is what a plain search index holds.
    for word in {w for w in text.split() if w} | _latin_words(text):
        if word != text:
            found[f"word {word[:4]}… utf-8"] = word.encode("utf-8")
    return found


def _latin_words(text: str) -> set[str]:
    words, current = set(), ""
    for char in text:
        if char in _LETTERS:
            current += char
        else:
            if len(current) >= 12:
                words.add(current)
            current = ""
    if len(current) >= 12:
        words.add(current)
    return words


def _number_encodings(value: float) -> dict[str, bytes]:
    text = repr(value)
    return {
        "utf-8": text.encode("utf-8"),
        "utf-16-le": text.encode("utf-16-le"),
        "double big-endian (SQLite REAL)": struct.pack(">d", value),
        "double little-endian": struct.pack("<d", value),
    }


def scan(attack: Attack, folders: list[Path], canaries: Canaries, moment: str) -> None:
    """Every file under ``folders`` × every canary × every encoding."""
    probes: list[tuple[str, str, bytes]] = []
    for where, text in canaries.texts.items():
        probes += [(where, how, raw) for how, raw in _encodings(text).items()]
    for where, number in canaries.numbers.items():
        probes += [(where, how, raw) for how, raw in _number_encodings(number).items()]
    files = [path for folder in folders for path in sorted(folder.rglob("*")) if path.is_file()]
    assert any(p.name == f"{DATABASE_FILE}-wal" for p in files) or moment == "closed"
    for path in files:
        content = path.read_bytes()
        for where, how, raw in probes:
            attack.check(
                raw not in content,
                f"{moment}: {where} readable as {how} in {path.parent.name}/{path.name}",
            )


def _png(seed: int) -> bytes:
    image = Image.new("L", (240, 96), 255)
    for x in range(0, 240, 7):
        image.putpixel((x, (x * seed) % 96), 0)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _fill_mediator(core: FieldAppCore, canaries: Canaries) -> dict[str, Any]:
    store, blobs = core.data.store, core.data.blobs
    user = core.user
    assert user is not None
    c = canaries
    parties = [
        NewParty(
            role,
            c.text(f"{tag}.name", "欧阳"),
            phone=c.phone(f"{tag}.phone"),
            id_number=c.id_number(f"{tag}.id_number"),
            address=c.text(f"{tag}.address", "巷口"),
        )
        for tag, role in (("party1", PartyRole.APPLICANT), ("party2", PartyRole.RESPONDENT))
    ]
    intake = CaseIntake(
        c.text("case.title", "界址"),
        CaseCategory.LAND,
        CaseSource.WALK_IN,
        user.org_unit_id,
        description=c.text("case.description", "争议"),
    )
    case = open_case(store, intake, parties)
    detail = case_detail(store, case.id)
    assert detail is not None
    for party in detail.parties:
        notice = RightsNoticeForm(
            party_id=party.id, party_name=party.name, notified_on=district_today()
        )
        record_step(store, case.id, notice, MediationSettings())
    session = MediationSessionForm(
        held_at=datetime.now(UTC),
        place=c.text("document.place", "调解室"),
        present=[c.text("document.present", "张某")],
        account=c.text("document.account", "双方陈述"),
        result=SessionResult.AGREED,
    )
    record_step(store, case.id, session, MediationSettings())
    visits.record_visit(
        store,
        blobs,
        kind=VisitKind.MEDIATION_SESSION,
        case_id=case.id,
        fix=GpsFix(c.coordinate("visit.lat", 36.5), c.coordinate("visit.lon", 114.4), 8.0),
        notes=c.text("visit.notes", "调解"),
        outcome=c.text("visit.outcome", "和解"),
        photos=[camera_jpeg((800, 600))],
        caption=c.text("visit.caption", "照片"),
    )
    terms = agreements.prefill_from_case(store, case.id, user)
    terms.facts = c.text("agreement.facts", "事实")
    terms.performance_method = c.text("agreement.performance_method", "转账")
    terms.performance_deadline = date(2027, 3, 1)
    terms.obligations = [
        Obligation(
            obligor=terms.parties[1].name,
            action=c.text("agreement.obligation.action", "修缮"),
            method=c.text("agreement.obligation.method", "现金"),
        )
    ]
    agreement_id = uuid.uuid4()
    agreements.save_terms(store, agreement_id, terms)
    for index in range(len(agreements.signers(terms))):
        agreements.add_signature(store, blobs, agreement_id, index, _png(index + 3))
    agreements.seal(store, agreement_id)
    visits.record_visit(
        store,
        None,
        kind=VisitKind.FOLLOW_UP,
        case_id=case.id,
        agreement_id=agreement_id,
        obligation_checks=[
            ObligationCheck(
                obligation_index=0, honoured=True, note=c.text("follow_up.note", "回访")
            )
        ],
    )
    drafts.save_draft(
        store,
        f"visit:new:{case.id}",
        {"notes": c.text("draft.notes", "草稿"), "party": c.text("draft.party", "某某")},
    )
    return {"case_id": case.id, "party_id": _party_ids(core, case.id)[0], "agreement": agreement_id}


def _party_ids(core: FieldAppCore, case_id: uuid.UUID) -> list[uuid.UUID]:
    from field_app.services.cases import case_detail

    detail = case_detail(core.data.store, case_id)
    assert detail is not None
    return [party.id for party in detail.parties]


def _fill_officer(core: FieldAppCore, canaries: Canaries) -> uuid.UUID:
    store, blobs = core.data.store, core.data.blobs
    user = core.user
    assert user is not None
    c = canaries
    subject_id = uuid.uuid4()
    store.records.save(
        TableName.SUBJECTS,
        subject_id,
        subject_fields(
            user.org_unit_id,
            user.id,
            name=c.text("subject.name", "司马"),
            id_number=c.id_number("subject.id_number"),
            birth_date=c.day("subject.birth_date"),
            address=c.text("subject.address", "东街"),
            phone=c.phone("subject.phone"),
            gender="female",
            key_person=True,
            correction_type="parole",
            term_start=c.day("subject.term_start"),
            term_end="2099-12-31",
            offence=c.text("subject.offence", "盗窃"),
            sentence=c.text("subject.sentence", "缓刑"),
            court=c.text("subject.court", "法院"),
            judgment_number=c.text("subject.judgment_number", "刑初"),
            decided_on=c.day("subject.decided_on"),
            team=[{"name": c.text("team.name", "欧阳"), "role": "family"}],
        ),
    )
    store.records.save(
        TableName.SUBJECT_EVENTS,
        uuid.uuid4(),
        {
            "subject_id": str(subject_id),
            "kind": "conversation",
            "occurred_on": "2026-11-28",
            "content": {"kind": "conversation", "summary": c.text("event.summary", "谈话")},
        },
    )
    subjects.record_checkin(
        store,
        blobs,
        subject_id,
        CheckinMethod.HOME_VISIT,
        fix=GpsFix(c.coordinate("checkin.lat", 36.6), c.coordinate("checkin.lon", 114.5), 5.0),
        notes=c.text("checkin.notes", "报到"),
        outcome=c.text("checkin.outcome", "良好"),
    )
    return subject_id


def _newer_server_field(core: FieldAppCore, canaries: Canaries, case_id: uuid.UUID) -> None:
    """A field this app version does not know, in a pulled record (``extra``)."""
    store = core.data.store
    record = store.records.get(TableName.CASES, case_id)
    assert record is not None
    record = {**record, "version": 10_000_000, "guardian_name": canaries.text("extra", "监护")}
    state = store.device.read()
    store.pulled.apply_page(
        [Change(table=TableName.CASES, op="upsert", record=record)], state.cursor or ""
    )


def _conflict_and_review(
    phones: Phones,
    mediator: FieldAppCore,
    supervisor: FieldAppCore,
    ids: dict[str, Any],
    c: Canaries,
) -> None:
    """The mediator's account of the case is overwritten by the supervisor's
    later edit: the server keeps it in a conflict that both phones pull.
    Then the supervisor sends the case back with a comment."""
    # The parties of an agreed case are fixed: the two edit the case's account.
    case_id = ids["case_id"]
    mediator.sync_once()
    supervisor.sync_once()
    mediator.data.store.records.save(
        TableName.CASES, case_id, {"description": c.text("conflict.overwritten", "甲说")}
    )
    supervisor.data.store.records.save(
        TableName.CASES, case_id, {"description": c.text("conflict.current", "乙说")}
    )
    mediator.sync_once()
    supervisor.sync_once()
    token = phones.server.login("supervisor.baijia", "review-desk")["token"]
    answer = phones.server.http.post(
        "/api/v1/reviews",
        json={
            "target_table": "cases",
            "target_id": str(ids["case_id"]),
            "state": "needs_changes",
            "comment": c.text("review.comment", "补充"),
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 201, answer.text
    update_case(
        mediator.data.store, ids["case_id"], {"description": c.text("case.amended", "补充")}
    )
    mediator.sync_once()
    supervisor.sync_once()
    conflicts = mediator.data.store.engine.connect()
    try:
        found = conflicts.exec_driver_sql("SELECT count(*) FROM conflicts").scalar()
    finally:
        conflicts.close()
    assert found, "the scenario must produce a conflict on the mediator's phone"


def test_no_canary_is_readable_in_any_file_of_a_phone(phones: Phones, attack: Attack) -> None:
    canaries = Canaries(random.Random())
    mediator = phones.signed_in("mediator.baijia")
    officer = phones.signed_in("officer.baijia")
    supervisor = phones.signed_in("supervisor.baijia")
    folders = [core.settings.data_dir for core in (mediator, officer, supervisor)]

    ids = _fill_mediator(mediator, canaries)
    _fill_officer(officer, canaries)
    _newer_server_field(mediator, canaries, ids["case_id"])
    scan(attack, folders, canaries, "unsent")

    officer.sync_once()
    _conflict_and_review(phones, mediator, supervisor, ids, canaries)
    store = mediator.data.store
    for where in ("party1.name", "party2.name", "case.title", "visit.notes"):
        assert search.search(store, canaries.texts[where]), f"search must still find {where}"
    pdf = agreements.agreement_pdf(store, mediator.data.blobs, ids["agreement"])
    assert pdf.startswith(b"%PDF")
    drafts.save_draft(store, "agreement:new", {"facts": canaries.text("draft.facts", "协议")})
    scan(attack, folders, canaries, "synced")

    for core in (mediator, officer, supervisor):
        core.close()
    scan(attack, folders, canaries, "closed")


def test_every_column_about_a_person_holds_ciphertext(phones: Phones, attack: Attack) -> None:
    canaries = Canaries(random.Random())
    mediator = phones.signed_in("mediator.baijia")
    officer = phones.signed_in("officer.baijia")
    supervisor = phones.signed_in("supervisor.baijia")
    ids = _fill_mediator(mediator, canaries)
    _fill_officer(officer, canaries)
    officer.sync_once()
    _conflict_and_review(phones, mediator, supervisor, ids, canaries)
    filled: set[tuple[str, str]] = set()
    for core in (mediator, officer, supervisor):
        path = core.settings.data_dir / DATABASE_FILE
        core.close()
        with sqlite3.connect(path) as db:
            for table, columns in SECRET_COLUMNS.items():
                for column in columns:
                    rows = db.execute(f'SELECT "{column}" FROM "{table}"').fetchall()  # noqa: S608
                    for (value,) in rows:
                        if value is not None:
                            filled.add((table, column))
                        sealed = value is None or (isinstance(value, str) and _ciphertext(value))
                        attack.check(
                            sealed,
                            f"{core.settings.data_dir.name}: {table}.{column} holds "
                            f"{type(value).__name__} {str(value)[:20]!r}",
                        )
    # The scenario does fill every one of them somewhere (or the check proves nothing).
    assert filled == {(t, c) for t, columns in SECRET_COLUMNS.items() for c in columns}


def _ciphertext(value: str) -> bool:
    """A text column's ciphertext, or a JSON column's (a JSON string of it)."""
    return value.startswith("e1.") or value.startswith('"e1.')
