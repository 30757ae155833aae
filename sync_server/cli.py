"""``lastmile server`` and ``lastmile admin …``: running and administering the sync server."""

import getpass
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated
from uuid import UUID, uuid4

import typer
import uvicorn
from sqlalchemy import Engine, delete, func, select
from sqlmodel import Session, SQLModel, col

from shared_models.domain.org import Role, UserRecord
from shared_models.protocol.tables import TableName
from sync_server.core.audit import append_audit, verify_audit
from sync_server.core.config import ServerSettings
from sync_server.core.db import make_engine, read_session, write_session
from sync_server.core.migrate import upgrade
from sync_server.core.runtime import tune_garbage_collection
from sync_server.core.security import hash_password
from sync_server.services.devices import UnknownDeviceError, revoke_device
from sync_server.services.records import ROWS
from sync_server.services.seeding import load_records, shared_password_hashes
from sync_server.tables import OrgUnitRow, ScopeExit, SyncState, UserRow

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="database URL (default: $LASTMILE_DB or ./var/lastmile.db)"),
]

admin = typer.Typer(no_args_is_help=True, help="Administer the district database.")


def settings_for(db: str | None, **overrides: object) -> ServerSettings:
    values = {key: value for key, value in overrides.items() if value is not None}
    if db:
        values["db"] = db
    return ServerSettings(**values)  # type: ignore[arg-type]


@contextmanager
def database(url: str) -> Iterator[Engine]:
    """An engine for one command, closed when it is done."""
    engine = make_engine(url)
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


def server(
    db: DbOption = None,
    host: Annotated[str | None, typer.Option(help="address to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="port to listen on")] = None,
    blobs: Annotated[Path | None, typer.Option(help="folder of the blob store")] = None,
    workers: Annotated[int, typer.Option(help="worker processes")] = 1,
) -> None:
    """Run the sync server. Pending migrations are applied first, so a new
    release starts on an up-to-date schema (``lastmile admin migrate`` does
    the same without starting)."""
    settings = settings_for(db, host=host, port=port, blobs=blobs)
    prepare_database(settings.db)
    settings.blobs.mkdir(parents=True, exist_ok=True)
    if workers > 1:
        uvicorn.run(
            "sync_server.main:app_from_env",
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=workers,
            env_file=None,
        )
        return
    from sync_server.main import create_app

    app = create_app(settings)
    tune_garbage_collection()
    uvicorn.run(app, host=settings.host, port=settings.port)


@admin.command()
def migrate(db: DbOption = None) -> None:
    """Apply pending schema migrations."""
    settings = settings_for(db)
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
            ]
            for table, records in tables:
                load_records(session, table, records)
            append_audit(
                session, "seed_demo", datetime.now(UTC), detail={"records": demo.record_count()}
            )
        typer.echo(f"loaded the demo district: {demo.record_count()} records, {len(users)} users")
        for user in users:
            typer.echo(f"  {user.username:<24} {user.role:<11} {user.display_name}")


@admin.command("create-user")
def create_user(
    username: Annotated[str, typer.Option()],
    display_name: Annotated[str, typer.Option()],
    role: Annotated[Role, typer.Option()],
    unit: Annotated[str, typer.Option(help="org unit: its id, code or exact name")],
    db: DbOption = None,
    password: Annotated[str | None, typer.Option(help="omit to be asked (not echoed)")] = None,
) -> None:
    """Add a user to an org unit."""
    settings = settings_for(db)
    with database(settings.db) as engine:
        secret = password or getpass.getpass("password for the new user: ")
        if len(secret) < 8:
            typer.echo("choose a password of at least 8 characters", err=True)
            raise typer.Exit(code=2)
        with write_session(engine) as session:
            org_unit = _find_unit(session, unit)
            if session.scalar(select(col(UserRow.id)).where(col(UserRow.username) == username)):
                typer.echo(f"a user named {username} already exists", err=True)
                raise typer.Exit(code=1)
            record = UserRecord(
                id=uuid4(),
                username=username,
                display_name=display_name,
                role=role,
                org_unit_id=org_unit.id,
            )
            load_records(
                session,
                TableName.USERS,
                [record],
                password_hashes={record.id: hash_password(secret)},
            )
            append_audit(
                session, "create_user", datetime.now(UTC), detail={"user_id": str(record.id)}
            )
        typer.echo(f"created {username} ({role}) in {org_unit.name}")


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


@admin.command("verify-audit")
def verify_audit_command(db: DbOption = None) -> None:
    """Check the audit log's hash chain; exit 1 and say where it breaks."""
    with database(settings_for(db).db) as engine:
        with read_session(engine) as session:
            problems = verify_audit(session)
            entries = session.scalar(select(col(SyncState.audit_seq))) or 0
        if problems:
            for problem in problems:
                typer.echo(f"BROKEN: {problem}", err=True)
            raise typer.Exit(code=1)
        typer.echo(f"audit log intact: {entries} entries")


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
    from sync_server.blobs.store import FileBlobStore
    from sync_server.services.blob_collection import collect_blobs

    settings = settings_for(db, blobs=blobs)
    with database(settings.db) as engine:
        done = collect_blobs(engine, FileBlobStore(settings.blobs), settings, datetime.now(UTC))
    typer.echo(
        f"expired {done.expired_uploads} unfinished uploads ({done.expired_bytes} bytes), "
        f"released {done.released_claims} claims, deleted {len(done.deleted)} blobs "
        f"({done.deleted_bytes} bytes)"
    )
