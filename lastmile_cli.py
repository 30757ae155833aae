"""The ``lastmile`` command: the demo, the sync server and its administration."""

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from lastmile_demo import COMMANDS, Demo, DemoFailedError, Service, stop_on_signals
from sync_server import cli_correction, cli_district
from sync_server.cli import admin
from sync_server.cli_server import server
from sync_server.cli_verify import verify
from sync_server.core.audit_key import DEFAULT_FILE as AUDIT_KEY_FILE

DEMO_PASSWORD = "demo-2026"  # noqa: S105  (the demo district only; printed on start)
DEMO_LOGINS = [
    ("mediator.baijia", "mediator, 百家 Baijia office"),
    ("officer.baijia", "correction officer, 百家 Baijia office"),
    ("supervisor.baijia", "supervisor, 百家 Baijia office"),
    ("mediator.xiyuan", "mediator, 西苑 Xiyuan office"),
    ("supervisor.fuxing", "district supervisor, 复兴区 Fuxing District"),
    ("admin", "administrator"),
]

app = typer.Typer(
    no_args_is_help=True,
    help="LastMile: offline-first field work for people's mediators and correction officers.",
)
app.command(help="Run the sync server (applies pending migrations first).")(server)
cli_district.register(admin)
cli_correction.register(admin)
app.add_typer(admin, name="admin")
app.command()(verify)


@app.command("app")
def field_app_command(
    host: Annotated[str, typer.Option(help="address to serve the app on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to serve the app on")] = 8550,
    data_dir: Annotated[
        Path | None, typer.Option(help="the device's data folder (default: LASTMILE_APP_DATA_DIR)")
    ] = None,
    server_url: Annotated[
        str | None, typer.Option(help="sync server address offered at the first sign-in")
    ] = None,
) -> None:
    """Serve the field app to a browser (web mode; no CDN, fonts bundled).
    The browser is the phone: one data folder is one device."""
    from field_app.config import AppSettings
    from field_app.main import serve

    overrides: dict[str, object] = {}
    if data_dir is not None:
        overrides["data_dir"] = data_dir.resolve()
    if server_url is not None:
        overrides["server_url"] = server_url
    settings = AppSettings(**overrides)  # type: ignore[arg-type]
    typer.echo(f"LastMile field app on http://{host}:{port}/  (data: {settings.data_dir})")
    serve(settings, host, port)


@app.command()
def demo(
    data_dir: Annotated[Path, typer.Option(help="where the demo database and blobs live")] = Path(
        "var/demo"
    ),
    port: Annotated[int, typer.Option(help="sync server port")] = 8700,
    size: Annotated[int, typer.Option(help="synthetic records in the demo district")] = 3000,
    reset: Annotated[bool, typer.Option(help="start again from fresh demo data")] = False,
    app_port: Annotated[
        int,
        typer.Option(help="first demo phone's port (the second phone and the desk use the next)"),
    ] = 8550,
) -> None:
    """Start LastMile on embedded defaults: the sync server on SQLite with the
    demo district and the field app in web mode, both on 127.0.0.1. While it
    runs, o + Enter takes the sync server down or brings it back (offline);
    q + Enter, Ctrl-C or SIGTERM stops everything."""
    database = data_dir / "lastmile.db"
    phone_dir = data_dir / "phone"
    if reset and data_dir.exists():
        # The audit key file records where keying began in the old database.
        for pattern in ("lastmile.db*", f"{AUDIT_KEY_FILE}*"):
            for path in data_dir.glob(pattern):
                path.unlink()
        shutil.rmtree(phone_dir, ignore_errors=True)
    data_dir.mkdir(parents=True, exist_ok=True)
    db_url = f"sqlite:///{database.resolve()}"
    cli = [sys.executable, "-m", "lastmile_cli"]
    env = {**os.environ, "LASTMILE_BLOBS": str((data_dir / "blobs").resolve())}
    if not database.exists():
        typer.echo("preparing the demo district (first start only)…")
        subprocess.run(
            [
                *cli,
                "admin",
                "seed-demo",
                "--db",
                db_url,
                "--password",
                DEMO_PASSWORD,
                "--size",
                str(size),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            env=env,
        )
    base = f"http://127.0.0.1:{port}"
    server_command = [*cli, "server", "--db", db_url, "--host", "127.0.0.1", "--port", str(port)]
    phones = [
        ("phone 1", phone_dir / "1", app_port, "mediator.baijia"),
        ("phone 2", phone_dir / "2", app_port + 1, "officer.baijia"),
        ("desk", phone_dir / "desk", app_port + 2, "supervisor.baijia"),
    ]
    apps = [
        Service(
            name,
            [
                *cli,
                *("app", "--port", str(phone_port), "--data-dir", str(folder.resolve())),
                *("--server-url", base),
            ],
            f"http://127.0.0.1:{phone_port}/",
            quiet=True,
        )
        for name, folder, phone_port, _ in phones
    ]
    running = Demo(Service("sync server", server_command, f"{base}/readyz", env), apps, typer.echo)
    stop_on_signals()
    try:
        running.start()
        typer.echo("")
        typer.echo("LastMile demo is running (Ctrl-C or q + Enter stops it)")
        for name, _, phone_port, username in phones:
            url = f"http://127.0.0.1:{phone_port}/"
            typer.echo(f"  {name:<13} {url}   (e.g. sign in as {username})")
        typer.echo(f"  sync server   {base}   (API reference: {base}/docs)")
        typer.echo(f"  database      {database}")
        typer.echo(f"  demo logins   password for every user: {DEMO_PASSWORD}")
        for username, what in DEMO_LOGINS:
            typer.echo(f"      {username:<20} {what}")
        typer.echo("  each phone holds one user's data: open it in a browser (phone-sized window);")
        typer.echo("  the desk is a supervisor's: open it in a wide window")
        typer.echo(f"  offline: {COMMANDS}")
        running.serve(sys.stdin)
    except KeyboardInterrupt:
        pass
    except DemoFailedError as failed:
        typer.echo(f"the demo stopped: {failed}", err=True)
        raise typer.Exit(code=failed.code) from None
    finally:
        running.stop()


if __name__ == "__main__":
    app()
