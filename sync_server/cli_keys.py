"""``lastmile admin keys create | rotate | list``: the district's keys, kept
outside the database in the key folder (``LASTMILE_KEY_DIR``, or where
``LASTMILE_SIGNING_KEY`` / ``LASTMILE_AUDIT_KEY`` point).

The folder is 0700 and every key file 0600, owned by the server's account;
``list`` says when one is not. Rotating moves the signing key into
``retired-signing-keys/`` (it keeps verifying what it signed: every
countersignature names its key id, every signed PDF carries its
certificate) and adds a new audit MAC key to the audit key file (older ones
stay, for the entries they keyed); the rotation is recorded in the audit
log. Running servers sign with the new key from their next signature on,
without a restart (``core/district_key.py``, ``core/audit_key.py``).
docs/operations.md, "Keys", is the procedure around these commands.
"""

import os
import stat
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from sync_server.cli import DbOption, database, settings_for
from sync_server.core.audit import append_audit
from sync_server.core.audit_key import audit_key_path, create_key_file, load_keyring
from sync_server.core.config import ServerSettings
from sync_server.core.db import write_session
from sync_server.core.district_key import (
    RETIRED_DIR,
    SigningKeyError,
    load_district_key,
    parse_key_file,
    retired_key_files,
    write_new_key_file,
)
from sync_server.core.district_key import key_path as signing_key_path

keys = typer.Typer(no_args_is_help=True, help="The district's signing and audit keys.")
KeyDirOption = Annotated[
    Path | None,
    typer.Option("--key-dir", help="the key folder (default: $LASTMILE_KEY_DIR)"),
]
BACKUP = (
    "BACK UP the key folder now (docs/operations.md, 'Keys'); servers on this machine take "
    "the new key up by themselves, other machines need a copy of the folder"
)


def _settings(db: str | None, key_dir: Path | None) -> ServerSettings:
    return settings_for(db, key_dir=key_dir)


def _private_folder(path: Path) -> None:
    """The key folder, made 0700 when this command creates it."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)


@keys.command("create")
def create(db: DbOption = None, key_dir: KeyDirOption = None) -> None:
    """Write the district's signing key and audit key file where the server
    will look for them; an existing key is never replaced (exit 1)."""
    settings = _settings(db, key_dir)
    signing, audit = signing_key_path(settings), audit_key_path(settings)
    if signing.exists():
        typer.echo(f"a signing key is already at {signing}; `keys rotate` replaces it", err=True)
        raise typer.Exit(code=1)
    _private_folder(signing.parent)
    write_new_key_file(signing)
    key = load_district_key(signing)
    typer.echo(f"signing key {key.key_id}: {signing}")
    _private_folder(audit.parent)
    if create_key_file(audit):
        typer.echo(f"audit key {load_keyring(audit).current_id}: {audit}")
    typer.echo(BACKUP)


@keys.command("rotate")
def rotate(db: DbOption = None, key_dir: KeyDirOption = None) -> None:
    """Retire the signing key (it keeps verifying what it signed) and sign
    with a new one; add a new audit MAC key. Recorded in the audit log."""
    settings = _settings(db, key_dir)
    signing = signing_key_path(settings)
    if not signing.exists():
        typer.echo(f"no signing key at {signing}: `keys create` writes the first", err=True)
        raise typer.Exit(code=1)
    try:
        old_id = parse_key_file(signing).key_id
    except SigningKeyError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(code=1) from None
    retired = signing.parent / RETIRED_DIR / f"{old_id}.pem"
    _private_folder(retired.parent)
    if not retired.exists():
        os.link(signing, retired)  # the old key is kept before the new one replaces it
    new_id = _replace_key(signing)
    audit = audit_key_path(settings)
    _private_folder(audit.parent)
    audit_id = load_keyring(audit).current_id if create_key_file(audit) else ""
    audit_id = audit_id or load_keyring(audit).rotate()
    with database(settings.db, settings) as engine, write_session(engine) as session:
        detail = {"retired_key_id": old_id, "key_id": new_id, "audit_key_id": audit_id}
        append_audit(session, "keys_rotated", datetime.now(UTC), detail=detail)
    typer.echo(f"signing key {new_id} replaces {old_id} (kept in {retired.parent})")
    typer.echo(f"audit key {audit_id} keys new audit entries")
    typer.echo(BACKUP)


def _replace_key(signing: Path) -> str:
    """Write a new key beside ``signing`` and move it into its place atomically."""
    handle, temporary = tempfile.mkstemp(dir=signing.parent, prefix=".new-key-")
    os.close(handle)
    os.unlink(temporary)
    try:
        write_new_key_file(Path(temporary))
        new_id = parse_key_file(Path(temporary)).key_id
        os.replace(temporary, signing)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return new_id


@keys.command("list")
def list_keys(db: DbOption = None, key_dir: KeyDirOption = None) -> None:
    """The signing keys (current, then retired), the audit keys, and any
    file or folder others may read."""
    settings = _settings(db, key_dir)
    signing, audit = signing_key_path(settings), audit_key_path(settings)
    loose = [path for path in (signing.parent, audit.parent) if _readable_by_others(path)]
    if signing.exists():
        typer.echo(f"signing (current)  {parse_key_file(signing).key_id}  {signing}")
        for old in retired_key_files(signing):
            typer.echo(f"signing (retired)  {parse_key_file(old).key_id}  {old}")
        files = (signing, *retired_key_files(signing))
        loose += [path for path in files if _readable_by_others(path)]
    else:
        typer.echo(f"no signing key at {signing}")
    if audit.exists():
        keyring = load_keyring(audit)
        typer.echo(f"audit (current)    {keyring.current_id}  {audit}")
        loose += [audit] if _readable_by_others(audit) else []
    for path in dict.fromkeys(loose):
        typer.echo(f"WARNING: {path} is readable by others: chmod go= {path}", err=True)
    if loose:
        raise typer.Exit(code=1)


def _readable_by_others(path: Path) -> bool:
    return path.exists() and bool(stat.S_IMODE(path.stat().st_mode) & 0o077)
