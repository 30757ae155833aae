"""The ``lastmile`` command: run the demo, the sync server, the field app,
and the administration tasks."""

import typer

app = typer.Typer(no_args_is_help=True, help="LastMile: offline-first field work for mediators and correction officers.")
