"""Rolling a release back: ``lastmile admin migrate --down-to`` undoes the
newest migrations and ``migrate`` applies them again (docs/deploy.md,
"Upgrading"), on SQLite and PostgreSQL."""

from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from lastmile_cli import app
from sync_server.core.migrate import MIGRATIONS


def _revision(url: str) -> str:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return str(connection.execute(text("SELECT version_num FROM alembic_version")).scalar())
    finally:
        engine.dispose()


def test_the_newest_migration_goes_down_and_up_again(empty_database: str) -> None:
    revisions = sorted(path.name[:4] for path in (MIGRATIONS / "versions").glob("[0-9]*.py"))
    head, previous = revisions[-1], revisions[-2]
    runner = CliRunner()
    assert runner.invoke(app, ["admin", "migrate", "--db", empty_database]).exit_code == 0
    assert _revision(empty_database) == head
    down = runner.invoke(app, ["admin", "migrate", "--db", empty_database, "--down-to", previous])
    assert down.exit_code == 0, down.output
    assert _revision(empty_database) == previous
    assert runner.invoke(app, ["admin", "migrate", "--db", empty_database]).exit_code == 0
    assert _revision(empty_database) == head
