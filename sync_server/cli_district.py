"""``lastmile admin init | import | export | template | create-user``: a real
district's first day and its ledgers, from the command line. The work is
in ``services/administration/``, shared with the admin routes; the
command line acts as the operating-system account that runs it."""

import getpass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated
from uuid import uuid4

import typer
from sqlalchemy import select
from sqlmodel import col

from shared_models.district_time import DEFAULT_DISTRICT_TIME_ZONE
from shared_models.domain.org import Role, UserRecord
from shared_models.protocol.administration import ImportReport, SheetFormat, SheetKind
from shared_models.protocol.auth import MIN_PASSWORD_LENGTH, password_problem
from shared_models.protocol.tables import TableName
from sync_server.cli import (
    DbOption,
    _find_unit,
    _operator,
    database,
    prepare_database,
    settings_for,
)
from sync_server.core.audit import append_audit
from sync_server.core.db import write_session
from sync_server.core.security import hash_password
from sync_server.repositories.scope import scope_for
from sync_server.services.administration.district import DistrictNotReadyError, init_district
from sync_server.services.administration.exports import export_sheet
from sync_server.services.administration.imports import ImportLimits, run_import
from sync_server.services.administration.sheets import template
from sync_server.services.sync.seeding import load_records
from sync_server.tables import UserRow

KindArgument = Annotated[SheetKind, typer.Argument(help="org_units | staff | subjects | cases")]


def init(
    name: Annotated[str, typer.Option(help="the district's official name, e.g. 复兴区司法局")],
    short_name: Annotated[str, typer.Option(help="its short name, e.g. 复兴")],
    code: Annotated[str, typer.Option(help="its code (the offices' parent code in imports)")],
    db: DbOption = None,
    time_zone: Annotated[str, typer.Option(help="IANA time zone")] = DEFAULT_DISTRICT_TIME_ZONE,
    admin_username: Annotated[str, typer.Option(help="the first admin's username")] = "admin",
    admin_name: Annotated[str, typer.Option(help="the first admin's name")] = "管理员",
) -> None:
    """Create an empty district: its root unit, its clock, the first admin
    (one-time password, to change at the first sign-in) and the district
    signing key (written beside the blob store or at LASTMILE_SIGNING_KEY;
    an existing key file there is used). Runs once, on an empty database."""
    settings = settings_for(db, district_time_zone=time_zone)
    prepare_database(settings.db)
    with database(settings.db) as engine:
        try:
            with write_session(engine) as session:
                made = init_district(
                    session,
                    settings,
                    name=name,
                    short_name=short_name,
                    code=code,
                    time_zone=time_zone,
                    admin_username=admin_username,
                    admin_name=admin_name,
                    now=datetime.now(UTC),
                    operator=_operator(),
                )
        except (DistrictNotReadyError, ValueError) as refused:
            typer.echo(f"not initialised: {refused}", err=True)
            raise typer.Exit(code=1) from None
    verb = "wrote a new" if made.key_created else "uses the existing"
    typer.echo(f"district {name} ({code}) is ready on {settings.db}")
    typer.echo(f"signing key: {verb} key {made.key_id} at {made.key_file}")
    typer.echo(
        "  BACK IT UP now, with the audit key beside it: the server will not start without it"
    )
    typer.echo(f"first admin: {made.admin_username}, one-time password: {made.one_time_password}")
    typer.echo("  sign in on the desk with it and choose a new password (it works only for that)")
    typer.echo("next: `lastmile server`, then import offices, staff and subjects (docs/admin.md)")


def _print_report(report: ImportReport) -> None:
    if report.dry_run:
        verdict = "checked only (dry run): nothing written"
    elif report.written:
        verdict = "written"
    else:
        verdict = "NOTHING written"
    typer.echo(
        f"{report.kind.value}: {report.rows} rows, {report.created} new, "
        f"{report.unchanged} already there, {report.refused} refused — {verdict}"
    )
    for problem in report.problems:
        where = problem.sheet + (f" 第{problem.row}行" if problem.row else "")
        column = f"【{problem.column}】" if problem.column else ""
        typer.echo(f"  {where}{column} {problem.problem} → {problem.fix}")


def import_command(
    kind: KindArgument,
    file: Annotated[Path, typer.Argument(help="an .xlsx workbook or a .csv file")],
    db: DbOption = None,
    only_valid: Annotated[
        bool, typer.Option(help="write the valid rows even if others fail")
    ] = False,
    dry_run: Annotated[bool, typer.Option(help="check only; write nothing")] = False,
    accounts_out: Annotated[
        Path | None, typer.Option(help="staff: write the one-time passwords to this CSV file")
    ] = None,
) -> None:
    """Import a ledger: every row is checked first, and nothing is written
    if any fails (unless --only-valid). Rows already there are left alone,
    so importing the same file again changes nothing. Exit 1 when nothing
    could be written."""
    settings = settings_for(db)
    limits = ImportLimits.of(settings)
    if not file.is_file() or file.stat().st_size > limits.max_bytes:
        typer.echo(f"{file}: no such file, or larger than {limits.max_bytes} bytes", err=True)
        raise typer.Exit(code=1)
    data = file.read_bytes()
    with database(settings.db) as engine, write_session(engine) as session:
        report = run_import(
            session,
            None,
            kind,
            data,
            only_valid=only_valid,
            dry_run=dry_run,
            now=datetime.now(UTC),
            actor=_operator(),
            limits=limits,
            time_zone=settings.district_time_zone,
        )
    _print_report(report)
    if report.accounts:
        lines = [f"{a.username},{a.display_name},{a.one_time_password}" for a in report.accounts]
        if accounts_out is not None:
            accounts_out.write_text(
                "用户名,姓名,一次性密码\n" + "\n".join(lines) + "\n", "utf-8-sig"
            )
            accounts_out.chmod(0o600)
            typer.echo(f"one-time passwords of {len(lines)} new accounts: {accounts_out}")
        else:
            typer.echo("one-time passwords (hand each over in person; shown once):")
            for line in lines:
                typer.echo(f"  {line}")
    if not report.written and not (report.dry_run and not report.problems):
        raise typer.Exit(code=1)


def export_command(
    kind: KindArgument,
    file: Annotated[Path, typer.Argument(help="where to write the sheet")],
    db: DbOption = None,
    by: Annotated[str, typer.Option(help="export as this admin or supervisor")] = "admin",
    file_format: Annotated[SheetFormat, typer.Option("--format")] = SheetFormat.XLSX,
) -> None:
    """Write a ledger out: the same sheet an import reads, within the
    jurisdiction of --by. Audited."""
    settings = settings_for(db)
    with database(settings.db) as engine, write_session(engine) as session:
        user = session.scalars(select(UserRow).where(col(UserRow.username) == by)).first()
        if user is None:
            typer.echo(f"no user named {by}", err=True)
            raise typer.Exit(code=1)
        data = export_sheet(
            session,
            scope_for(session, user),
            kind,
            file_format,
            datetime.now(UTC),
            _operator(),
            settings.district_time_zone,
        )
    file.write_bytes(data)
    typer.echo(f"wrote {file}")


def template_command(
    kind: KindArgument,
    file: Annotated[Path, typer.Argument(help="where to write the empty sheet")],
    file_format: Annotated[SheetFormat, typer.Option("--format")] = SheetFormat.XLSX,
) -> None:
    """Write an empty sheet to fill in (Chinese column headers)."""
    file.write_bytes(template(kind, file_format))
    typer.echo(f"wrote {file}")


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
        problem = password_problem(secret, username)
        if problem is not None:
            typer.echo(
                f"choose another password ({problem.replace('_', ' ')}): at least "
                f"{MIN_PASSWORD_LENGTH} characters, not the username, not one repeated",
                err=True,
            )
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


def register(admin: typer.Typer) -> None:
    """Add these commands to ``lastmile admin``."""
    admin.command("init")(init)
    admin.command("import")(import_command)
    admin.command("export")(export_command)
    admin.command("template")(template_command)
    admin.command("create-user")(create_user)
