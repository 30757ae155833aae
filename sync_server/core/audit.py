"""The audit log: every write appends an entry holding ids, counts and the
action (never personal data or secrets). Each entry carries the hash of the
one before it and the counter row names the newest, so an edited, deleted,
reordered or truncated log is detected by ``verify_audit``.

Hashes alone stop only accidents: whoever can write the database and has
read this module can rewrite an entry and recompute every hash after it. So
each entry's hash is also keyed with an HMAC-SHA-256 under the audit key,
and so is the head (seq and hash of the newest entry); the key lives in a
file outside the database (``sync_server/core/audit_key.py``, bound to
the engine by whoever builds the app or runs a command). A rewrite then
fails the MAC of every entry it touched, a truncation fails the head's MAC,
and a log replaced by entries claiming to predate the key contradicts the
key file's record of where keying began.

Entries are written pending and chained by a short step after the write
(``core/audit_chain.py``; docs/security.md, "Chained after the write",
says why this keeps every guarantee): the chain is one chain in the order
the step finds the entries, and pushes no longer queue on its tail. Until an
entry is chained its own MAC covers it; ``check_audit`` checks those too."""

import logging
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session

from sync_server.core.audit_chain import (
    CHAIN_LAG_LIMIT,
    INSERT_PENDING,
    LOG,
    PENDING,
    STATE,
    ChainStep,
    chain_visible,
    engine_of,
    entry_hash,
    entry_message,
    head_message,
    keyed_pending,
    keyring_of,
    new_entry,
    pending_message,
)
from sync_server.core.audit_chain import GENESIS as GENESIS
from sync_server.core.audit_chain import bind_audit_keyring as bind_audit_keyring
from sync_server.core.audit_key import AuditAnchor, AuditKeyring

log = logging.getLogger(__name__)

_OWN = "lastmile_audit_own_entries"
"""Entries a session's transaction wrote, chained or written pending as it commits."""
_PENDING_LEFT = "lastmile_audit_pending_left"
"""The session's transaction left its entries pending: chain them once committed."""


def bound_keyring(session: Session) -> AuditKeyring:
    """The keyring of the session's engine (``bind_audit_keyring``)."""
    return keyring_of(engine_of(session))


def append_audit(
    session: Session,
    action: str,
    at: datetime,
    actor_id: UUID | None = None,
    device_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Add one entry to the caller's transaction, written as it commits."""
    bound_keyring(session)  # an engine without a key writes nothing
    entry = new_entry(action, at, actor_id, device_id, detail)
    session.info.setdefault(_OWN, []).append(entry)


@event.listens_for(OrmSession, "before_commit")
def _chain_as_it_commits(session: OrmSession) -> None:
    """The last statements of a transaction that wrote entries: chain them
    if no other transaction holds the head (held then through the commit),
    or else write them pending, to be chained once this one has committed.
    No transaction waits for the head."""
    own = session.info.pop(_OWN, None)
    if not own:
        return
    keyring = keyring_of(engine_of(session))  # type: ignore[arg-type]
    connection = session.connection()
    if chain_visible(connection, keyring, skip_locked=True, own=own) is None:
        connection.execute(INSERT_PENDING, [keyed_pending(keyring, entry) for entry in own])
        session.info[_PENDING_LEFT] = True


@event.listens_for(OrmSession, "after_commit")
def _chain_after_commit(session: OrmSession) -> None:
    """Once committed, the process's chainer is asked for a chain step
    (``ChainStep``): the write's answer does not wait for it."""
    if session.info.pop(_PENDING_LEFT, False):
        ChainStep.of(engine_of(session)).request()  # type: ignore[arg-type]


@event.listens_for(OrmSession, "after_rollback")
def _forget_rolled_back(session: OrmSession) -> None:
    session.info.pop(_OWN, None)
    session.info.pop(_PENDING_LEFT, None)


@dataclass
class AuditReport:
    """What ``check_audit`` checked and what it found; intact when no problems."""

    entries: int = 0
    last_seq: int = 0
    legacy: int = 0
    """Entries written before the audit key existed (hash chain only)."""
    keyed_by: Counter[str] = field(default_factory=Counter)
    """Entries whose MAC verified, per key id."""
    anchor: AuditAnchor | None = None
    head_key_id: str | None = None
    pending: int = 0
    """Entries written and not yet chained (``core/audit_chain.py``)."""
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def verify_audit(session: Session) -> list[str]:
    """Every break in the chain, as a sentence; an empty list means intact.
    Checks with the keyring bound to the session's engine."""
    return check_audit(session, bound_keyring(session)).problems


def check_audit(session: Session, keyring: AuditKeyring) -> AuditReport:
    """Walk the whole log: the hash chain, every entry's MAC, where keying
    began (the key file's anchor), the head's MAC, and the entries still
    waiting to be chained (``_check_pending``). Reads the counter row
    from the database, not the session's identity map, which
    ``append_audit``'s Core statements do not update."""
    if not session.in_transaction() and session.get_bind().dialect.name == "postgresql":
        # One snapshot for the log, the head and the pending entries: a chain
        # step committing between two of the reads must not look like a break.
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    report = AuditReport(anchor=keyring.anchor)
    problems = report.problems
    keyed_from = keyring.anchor.keyed_from if keyring.anchor else None
    # Failures that a rewrite repeats on every entry after it are gathered
    # per kind and reported as ranges.
    runs: defaultdict[str, list[int]] = defaultdict(list)
    first_keyed: int | None = None
    expected_prev = GENESIS
    expected_seq = 1
    for entry in session.execute(select(LOG).order_by(LOG.c.seq)).mappings():
        seq = entry["seq"]
        report.entries += 1
        if seq != expected_seq:
            problems.append(f"entry {expected_seq} is missing (next entry is {seq})")
        if entry["prev_hash"] != expected_prev:
            problems.append(f"entry {seq} does not follow the entry before it")
        if entry_hash(entry) != entry["entry_hash"]:
            problems.append(f"entry {seq} was changed after it was written")
        _check_entry_mac(entry, keyring, keyed_from, first_keyed, runs, report)
        if entry["mac"] is not None and first_keyed is None:
            first_keyed = seq
        anchor = keyring.anchor
        if anchor and seq == anchor.keyed_from - 1 and entry["entry_hash"] != anchor.legacy_head:
            problems.append(
                f"entry {seq}, the last written before the audit key, is not the one "
                "the key file recorded"
            )
        expected_prev = entry["entry_hash"]
        expected_seq = seq + 1
    report.last_seq = expected_seq - 1
    problems.extend(_ranges(runs))
    state = session.execute(
        select(
            STATE.c.audit_seq,
            STATE.c.audit_head,
            STATE.c.audit_head_key_id,
            STATE.c.audit_head_mac,
            STATE.c.epoch,
        ).where(STATE.c.id == 1)
    ).one_or_none()
    if keyring.anchor is not None:
        if state is not None and str(state.epoch) != keyring.anchor.epoch:
            problems.append(
                f"the key file anchors another database (epoch {keyring.anchor.epoch}, "
                f"this one is {state.epoch})"
            )
        if report.last_seq < keyring.anchor.keyed_from:
            problems.append(
                f"keying began at entry {keyring.anchor.keyed_from} (so the key file says) "
                f"but the log ends at entry {report.last_seq}"
            )
    elif first_keyed is not None:
        problems.append(
            f"entries are keyed from entry {first_keyed} on but the key file does not record "
            "where keying began (is it an older copy?)"
        )
    _check_pending(session, keyring, report)
    if state is None:
        return report
    if state.audit_seq != report.last_seq:
        problems.append(
            f"the log ends at entry {report.last_seq} but {state.audit_seq} were written"
        )
    elif state.audit_head != expected_prev:
        problems.append("the newest entry is not the one last written")
    _check_head_mac(state, keyring, first_keyed, report)
    return report


_PENDING_WITH_CHAINED = (
    select(PENDING, LOG.c.seq.label("chained_as"))
    .outerjoin(LOG, LOG.c.entry_id == PENDING.c.entry_id)
    .order_by(PENDING.c.id)
)
_REPEATED_IDS = (
    select(LOG.c.entry_id, func.min(LOG.c.seq), func.max(LOG.c.seq))
    .where(LOG.c.entry_id.is_not(None))
    .group_by(LOG.c.entry_id)
    .having(func.count() > 1)
)


def _check_pending(session: Session, keyring: AuditKeyring, report: AuditReport) -> None:
    """Entries written and not chained yet: each must carry its MAC, must not
    repeat an entry already chained (a copy written again), and must not have
    waited longer than ``CHAIN_LAG_LIMIT`` (a chain step should have run
    within milliseconds of its write). A chained entry id twice in the log
    means the unique index was dropped to let a copy in."""
    now = datetime.now(UTC)
    waiting: list[datetime] = []
    for pending in session.execute(_PENDING_WITH_CHAINED).mappings():
        report.pending += 1
        number = pending["id"]
        verdict = keyring.check(pending["key_id"], pending_message(pending), pending["mac"])
        if verdict is None:
            report.problems.append(
                f"pending entry {number} is keyed with key {pending['key_id']}, "
                "which the key file does not hold"
            )
        elif not verdict:
            report.problems.append(
                f"pending entry {number}: MAC fails: changed, or written without the audit key"
            )
        elif pending["chained_as"] is not None:
            report.problems.append(
                f"pending entry {number} repeats entry {pending['chained_as']} "
                "(a copy written again)"
            )
        else:
            at = pending["at"] if pending["at"].tzinfo else pending["at"].replace(tzinfo=UTC)
            waiting.append(at)
    if waiting and now - min(waiting) > CHAIN_LAG_LIMIT:
        report.problems.append(
            f"{len(waiting)} entries wait to be chained, the oldest since "
            f"{min(waiting).isoformat(timespec='seconds')}: a server stopped between a write "
            "and its chain step, or chaining fails (its log says why); the next write chains them"
        )
    elif waiting:
        many = len(waiting) > 1
        report.notes.append(
            f"{len(waiting)} {'entries' if many else 'entry'} written just now "
            f"{'wait' if many else 'waits'} to be chained"
        )
    for entry_id, first, last in session.execute(_REPEATED_IDS):
        report.problems.append(f"entries {first} and {last} were written as one ({entry_id})")


def _check_entry_mac(
    entry: Mapping[Any, Any],
    keyring: AuditKeyring,
    keyed_from: int | None,
    first_keyed: int | None,
    runs: defaultdict[str, list[int]],
    report: AuditReport,
) -> None:
    seq, mac, key_id = entry["seq"], entry["mac"], entry["key_id"]
    if mac is None:
        if keyed_from is not None and seq >= keyed_from:
            runs[f"no MAC, though keying began at entry {keyed_from}"].append(seq)
        elif first_keyed is not None:
            runs["no MAC, though keyed entries come before"].append(seq)
        else:
            report.legacy += 1
        return
    verdict = keyring.check(key_id, entry_message(seq, entry["entry_hash"]), mac)
    if verdict is None:
        runs[f"keyed with key {key_id}, which the key file does not hold"].append(seq)
    elif not verdict:
        runs["MAC fails: rewritten, or re-chained after a rewrite before it"].append(seq)
    else:
        report.keyed_by[key_id] += 1


def _check_head_mac(
    state: Any, keyring: AuditKeyring, first_keyed: int | None, report: AuditReport
) -> None:
    if state.audit_head_mac is None:
        if keyring.anchor is not None or first_keyed is not None:
            report.problems.append(
                "the head (newest entry named in sync_state) carries no MAC: "
                "the log was truncated, replaced or its head moved"
            )
        elif report.entries:
            report.notes.append(
                f"no entry was written since the audit key was introduced: entries 1–"
                f"{report.last_seq} are covered by their hash chain only, until the next "
                "entry keys them"
            )
        return
    message = head_message(state.audit_seq, state.audit_head)
    verdict = keyring.check(state.audit_head_key_id, message, state.audit_head_mac)
    if verdict is None:
        report.problems.append(
            f"the head is keyed with key {state.audit_head_key_id}, "
            "which the key file does not hold"
        )
    elif not verdict:
        report.problems.append(
            f"the head (entry {state.audit_seq}) fails its MAC: the log was truncated, "
            "replaced or its head moved"
        )
    else:
        report.head_key_id = state.audit_head_key_id


def _ranges(runs: Mapping[str, list[int]]) -> list[str]:
    """``entries 3–6: MAC fails…`` rather than one sentence per entry."""
    sentences = []
    for what, seqs in runs.items():
        spans: list[list[int]] = []
        for seq in seqs:
            if spans and seq == spans[-1][1] + 1:
                spans[-1][1] = seq
            else:
                spans.append([seq, seq])
        named = ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in spans)
        noun = "entry" if len(seqs) == 1 else "entries"
        sentences.append(f"{noun} {named}: {what}")
    return sentences
