"""``lastmile admin …``: administering the district database (``cli_server.py`` runs the
server, ``cli_verify.py`` checks agreements; both share the options and helpers here)."""

import getpass
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated
from uuid import UUID

import typer
from pydantic import ValidationError
from sqlalchemy import Engine, delete, func, select
from sqlmodel import Session, SQLModel, col

from shared_models.protocol.tables import TableName
from shared_models.protocol.transfers import TransferCreate, TransferTable
from sync_server.core.audit import AuditReport, append_audit, bind_audit_keyring, check_audit
from sync_server.core.audit_key import (
    AuditKeyError,
    audit_key_path,
    audit_keyring,
    create_key_file,
    load_keyring,
)
from sync_server.core.config import ServerSettings, settings_problems
from sync_server.core.db import make_engine, read_session, write_session
from sync_server.core.errors import ApiError
from sync_server.core.migrate import downgrade, upgrade
from sync_server.repositories.scope import scope_for
from sync_server.services.accounts.actions import Actor, reset_password, set_active
from sync_server.services.accounts.devices import UnknownDeviceError, revoke_device
from sync_server.services.accounts.transfers import transfer
from sync_server.services.administration.district import mark_demo
from sync_server.services.sync.case_numbers import continue_from
from sync_server.services.sync.records import ROWS
from sync_server.services.sync.seeding import load_records, shared_password_hashes
from sync_server.tables import OrgUnitRow, ScopeExit, SyncState, UserRow

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="database URL (default: $LASTMILE_DB or ./var/lastmile.db)"),
]

admin = typer.Typer(no_args_is_help=True, help="Administer the district database.")


def settings_for(db: str | None, **overrides: object) -> ServerSettings:
    """The settings of LASTMILE_* and the command's options; a wrong one
    stops the command with a line naming it (exit 2), not a traceback."""
    values = {key: value for key, value in overrides.items() if value is not None}
    if db:
        values["db"] = db
    try:
        return ServerSettings(**values)  # type: ignore[arg-type]
    except ValidationError as wrong:
        for line in settings_problems(wrong):
            typer.echo(f"wrong setting: {line}", err=True)
        raise typer.Exit(code=2) from None


@contextmanager
def database(url: str, settings: ServerSettings | None = None) -> Iterator[Engine]:
    """An engine for one command, closed when it is done. The audit entries
    it writes are keyed with the audit key of the same settings as the
    server's: the command's own ``settings`` when it has more than a
    database (the server's blob folder places the generated keys)."""
    engine = make_engine(url)
    bind_audit_keyring(engine, audit_keyring(settings or settings_for(url)))
    try:
        yield engine
    finally:
        engine.dispose()


def prepare_database(url: str) -> None:
    """Create the SQLite folder if needed and apply pending migrations."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
    upgrade(url)


@admin.command()
def migrate(
    db: DbOption = None,
    down_to: Annotated[
        str | None,
        typer.Option(help="undo the migrations after this revision (rolling back; docs/deploy.md)"),
    ] = None,
) -> None:
    """Apply pending schema migrations (or, with --down-to, undo the newest)."""
    settings = settings_for(db)
    if down_to is not None:
        downgrade(settings.db, down_to)
        typer.echo(f"database is at revision {down_to}: start the release that expects it")
        return
    prepare_database(settings.db)
    typer.echo(f"database is up to date: {settings.db}")


@admin.command("seed-demo")
def seed_demo(
    password: Annotated[str, typer.Option(help="password of every demo user")],
    db: DbOption = None,
    size: Annotated[
        int, typer.Option(help="about this many cases, parties, subjects, visits")
    ] = 3000,
    seed: Annotated[int, typer.Option(help="random seed; the same seed gives the same data")] = 1,
) -> None:
    """Load the demo district (Fuxing District, clearly marked demo) and its users."""
    from sync_server.demo import generate_district

    settings = settings_for(db)
    prepare_database(settings.db)
    with database(settings.db) as engine:
        with read_session(engine) as session:
            if session.scalar(select(func.count()).select_from(OrgUnitRow)):
                typer.echo("this database already has org units; seed a fresh database", err=True)
                raise typer.Exit(code=1)
        demo = generate_district(size=size, seed=seed)
        users = [user.record for user in demo.users]
        with write_session(engine) as session:
            load_records(session, TableName.ORG_UNITS, demo.org_units)
            load_records(
                session,
                TableName.USERS,
                users,
                password_hashes=shared_password_hashes(users, password),
            )
            tables: list[tuple[TableName, Sequence[SQLModel]]] = [
                (TableName.CASES, demo.cases),
                (TableName.PARTIES, demo.parties),
                (TableName.SUBJECTS, demo.subjects),
                (TableName.VISITS, demo.visits),
                (TableName.CASE_DOCUMENTS, demo.case_documents),
                (TableName.SUBJECT_EVENTS, demo.subject_events),
            ]
            for table, records in tables:
                load_records(session, table, records)
            continue_from(session, demo.case_numbers)
            append_audit(
                session, "seed_demo", datetime.now(UTC), detail={"records": demo.record_count()}
            )
            mark_demo(session, settings.district_time_zone, datetime.now(UTC))
        typer.echo(f"loaded the demo district: {demo.record_count()} records, {len(users)} users")
        for user in users:
            typer.echo(f"  {user.username:<24} {user.role:<11} {user.display_name}")


def _find_unit(session: Session, key: str) -> OrgUnitRow:
    try:
        found = session.get(OrgUnitRow, UUID(key))
    except ValueError:
        found = session.scalars(
            select(OrgUnitRow).where((OrgUnitRow.code == key) | (OrgUnitRow.name == key))  # type: ignore[arg-type]
        ).first()
    if found is None:
        typer.echo(f"no org unit with id, code or name {key!r}", err=True)
        raise typer.Exit(code=1)
    return found


@admin.command("revoke-device")
def revoke_device_command(device_id: str, db: DbOption = None) -> None:
    """Revoke every sign-in of a device; it fails from its next request on."""
    with database(settings_for(db).db) as engine:
        try:
            with write_session(engine) as session:
                count = revoke_device(session, device_id, datetime.now(UTC))
        except UnknownDeviceError:
            typer.echo(f"no device {device_id} ever signed in here", err=True)
            raise typer.Exit(code=1) from None
        if not count:
            typer.echo(f"no active sign-in for device {device_id}", err=True)
            raise typer.Exit(code=1)
        typer.echo(f"revoked {count} sign-in(s) of device {device_id}")


ReasonOption = Annotated[
    str, typer.Option("--reason", help="why (kept in the audit log; no personal data)")
]


def _user_id(session: Session, username: str) -> UUID:
    found = session.scalar(select(col(UserRow.id)).where(col(UserRow.username) == username))
    if found is None:
        typer.echo(f"no user named {username}", err=True)
        raise typer.Exit(code=1)
    return found


def _operator() -> Actor:
    """The command line acts as nobody in the district: the audit names the
    account on this machine that ran it."""
    return Actor(operator=getpass.getuser())


def _account_action(db: str | None, username: str, act: Callable[[Session, UUID], str]) -> str:
    """Run ``act`` on the user in one transaction; an API refusal exits 1."""
    with database(settings_for(db).db) as engine:
        try:
            with write_session(engine) as session:
                return act(session, _user_id(session, username))
        except ApiError as refused:
            typer.echo(refused.message, err=True)
            raise typer.Exit(code=1) from None


@admin.command("reset-password")
def reset_password_command(username: str, reason: ReasonOption, db: DbOption = None) -> None:
    """Give a user a one-time password (printed once) to change at the next
    sign-in; every device of theirs is signed out."""
    one_time = _account_action(
        db,
        username,
        lambda session, user_id: reset_password(
            session, user_id, reason, datetime.now(UTC), _operator()
        ),
    )
    typer.echo(f"one-time password for {username}: {one_time}")
    typer.echo("hand it over in person; the first sign-in with it must choose a new password")


@admin.command("deactivate-user")
def deactivate_user_command(username: str, reason: ReasonOption, db: DbOption = None) -> None:
    """Switch a user off: signing in is refused and every token ends now."""
    ended = _account_action(
        db,
        username,
        lambda session, user_id: str(
            set_active(session, user_id, False, reason, datetime.now(UTC), _operator())
        ),
    )
    typer.echo(f"deactivated {username}; {ended} sign-in(s) ended")


@admin.command("reactivate-user")
def reactivate_user_command(username: str, reason: ReasonOption, db: DbOption = None) -> None:
    """Let a deactivated user sign in again (their old sign-ins stay ended)."""
    _account_action(
        db,
        username,
        lambda session, user_id: str(
            set_active(session, user_id, True, reason, datetime.now(UTC), _operator())
        ),
    )
    typer.echo(f"reactivated {username}; they sign in with their password")


@admin.command("transfer")
def transfer_command(
    table: Annotated[TransferTable, typer.Argument(help="cases or subjects")],
    record_id: Annotated[UUID, typer.Argument(help="the case's or subject's id")],
    to: Annotated[str, typer.Option(help="the new org unit: its id, code or exact name")],
    reason: Annotated[str, typer.Option(help="why (audited; no personal data)")],
    by: Annotated[str, typer.Option(help="the deciding admin or district supervisor")],
    person: Annotated[
        str | None, typer.Option(help="username of the new mediator (case) or officer (subject)")
    ] = None,
    db: DbOption = None,
) -> None:
    """Move a case or a subject, with what hangs off it, to another unit and
    mediator or officer (``POST /api/v1/transfers`` does the same)."""
    with database(settings_for(db).db) as engine, write_session(engine) as session:
        unit = _find_unit(session, to)
        users = {row.username: row for row in session.scalars(select(UserRow))}
        if by not in users or (person is not None and person not in users):
            typer.echo(f"no user named {by if by not in users else person}", err=True)
            raise typer.Exit(code=1)
        person_id = None if person is None else users[person].id
        field = "officer_id" if table is TransferTable.SUBJECTS else "mediator_id"
        try:
            request = TransferCreate.model_validate(
                {
                    "table": table.value,
                    "record_id": record_id,
                    "org_unit_id": unit.id,
                    field: person_id,
                    "reason": reason,
                },
                strict=False,
            )
            done = transfer(
                session, scope_for(session, users[by]), request, datetime.now(UTC), None
            )
        except (ApiError, ValidationError) as refused:
            typer.echo(f"not transferred: {refused}", err=True)
            raise typer.Exit(code=1) from None
    typer.echo(f"moved {table.value} {record_id} to {unit.name} ({done.moved} records with it)")


@admin.command("verify-audit")
def verify_audit_command(db: DbOption = None) -> None:
    """Check the audit log: its hash chain, every entry's MAC under the audit
    key, where keying began and the head. Exit 1 and say what is wrong."""
    settings = settings_for(db)
    try:
        keyring = load_keyring(audit_key_path(settings))
    except AuditKeyError as error:
        typer.echo(f"BROKEN: {error}", err=True)
        raise typer.Exit(code=1) from None
    with database(settings.db) as engine, read_session(engine) as session:
        report = check_audit(session, keyring)
    for line in _describe(report, keyring.path):
        typer.echo(line)
    if report.problems:
        for problem in report.problems:
            typer.echo(f"BROKEN: {problem}", err=True)
        raise typer.Exit(code=1)
    typer.echo(f"audit log intact: {report.entries} entries")


def _describe(report: AuditReport, key_file: Path) -> list[str]:
    """What ``verify-audit`` checked, in the order it checked it."""
    lines = [f"audit log: {report.entries} entries; key file {key_file}"]
    anchor = report.anchor
    if anchor is not None and anchor.keyed_from > 1:
        lines.append(
            f"  entries 1–{anchor.keyed_from - 1}: written before the audit key; "
            f"covered by the hash chain that entry {anchor.keyed_from} extends "
            "(the key file records that point)"
        )
    keyed = sum(report.keyed_by.values())
    if keyed:
        keys = ", ".join(f"{key_id} ({count})" for key_id, count in report.keyed_by.items())
        lines.append(f"  {keyed} entries keyed (HMAC-SHA-256), MAC verified, by key {keys}")
    if report.head_key_id:
        lines.append(f"  head: entry {report.last_seq}, MAC verified (key {report.head_key_id})")
    lines.extend(f"  note: {note}" for note in report.notes)
    return lines


@admin.command("rotate-audit-key")
def rotate_audit_key(db: DbOption = None) -> None:
    """Add a new audit MAC key (or create the key file): new entries are keyed
    with it (running servers take it up by themselves), older ones keep
    verifying with theirs."""
    path = audit_key_path(settings_for(db))
    if create_key_file(path):
        typer.echo(f"created the audit key file {path}: back it up")
        return
    new_id = load_keyring(path).rotate()
    typer.echo(f"new audit key {new_id} in {path}: back it up")


@admin.command("purge-tombstones")
def purge_tombstones(
    db: DbOption = None,
    older_than_days: Annotated[
        int | None, typer.Option(help="default: the retention setting")
    ] = None,
) -> None:
    """Delete tombstones and scope exits older than the retention period.
    Devices whose cursor is older are told to resync instead of missing deletes."""
    settings = settings_for(db)
    days = older_than_days or settings.tombstone_retention_days
    cutoff = datetime.now(UTC) - timedelta(days=days)
    with database(settings.db) as engine:
        purged = 0
        with write_session(engine) as session:
            through = 0
            for table in TableName:
                model = ROWS[table]
                where = (model.deleted.is_(True), model.updated_at < cutoff)  # type: ignore[attr-defined]
                high = session.scalar(select(func.max(model.version)).where(*where))  # type: ignore[attr-defined]
                through = max(through, int(high or 0))
                purged += session.execute(delete(model).where(*where)).rowcount  # type: ignore[attr-defined]
            state = session.get(SyncState, 1)
            if through and state is not None and through > state.purged_through:
                session.execute(delete(ScopeExit).where(ScopeExit.version <= through))  # type: ignore[arg-type]
                state.purged_through = through
            append_audit(session, "purge_tombstones", datetime.now(UTC), detail={"rows": purged})
        typer.echo(f"purged {purged} tombstones older than {days} days")


@admin.command("collect-blobs")
def collect_blobs_command(
    db: DbOption = None,
    blobs: Annotated[Path | None, typer.Option(help="folder of the blob store")] = None,
) -> None:
    """Remove uploads left unfinished and blobs no record needs (after the
    grace period); audited. Safe to run while the server runs, e.g. nightly."""
    from sync_server.blobs.open import open_blob_store
    from sync_server.services.blobs.collection import collect_blobs

    settings = settings_for(db, blobs=blobs)
    with database(settings.db) as engine:
        done = collect_blobs(engine, open_blob_store(settings), settings, datetime.now(UTC))
    typer.echo(
        f"expired {done.expired_uploads} unfinished uploads ({done.expired_bytes} bytes), "
        f"released {done.released_claims} claims, deleted {len(done.deleted)} blobs "
        f"({done.deleted_bytes} bytes)"
    )
