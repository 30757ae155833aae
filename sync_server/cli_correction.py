"""``lastmile admin archive-released``: the daily retention job of
community correction (``services/correction/archive.py``)."""

from datetime import UTC, datetime

import typer

from sync_server.cli import DbOption, database, settings_for
from sync_server.core.db import write_session
from sync_server.services.correction.archive import archive_released
from sync_server.services.correction.settings import district_settings


def archive_released_command(db: DbOption = None) -> None:
    """Move released subjects past the district's retention period to the
    district's archive: the offices' devices drop them at their next pull.
    Safe to run while the server runs, e.g. nightly."""
    settings = settings_for(db)
    now = datetime.now(UTC)
    with database(settings.db) as engine, write_session(engine) as session:
        count = archive_released(session, district_settings(session), now)
    typer.echo(f"archived {count} released subjects")


def register(admin: typer.Typer) -> None:
    admin.command("archive-released")(archive_released_command)
