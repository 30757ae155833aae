"""``lastmile admin blobs move``, and the blob-store options that ``lastmile
server`` shares (credentials only from the environment: a command line is
visible to every account on the machine)."""

from typing import Annotated

import typer
from botocore.exceptions import BotoCoreError, ClientError

from sync_server.blobs.open import StoreUnusableError, store_at, usable_store
from sync_server.blobs.s3_problems import error_code
from sync_server.cli import DbOption, settings_for
from sync_server.services.blobs.move import MoveReport, move_blobs

BlobStoreOption = Annotated[
    str | None,
    typer.Option("--blob-store", help="files (the folder, default) or s3 (object storage)"),
]
S3EndpointOption = Annotated[
    str | None, typer.Option("--s3-endpoint", help="object store URL (MinIO, a cloud's S3)")
]
S3BucketOption = Annotated[str | None, typer.Option("--s3-bucket", help="bucket of the blobs")]
S3RegionOption = Annotated[str | None, typer.Option("--s3-region", help="region of the bucket")]
S3PrefixOption = Annotated[
    str | None, typer.Option("--s3-prefix", help="key prefix (ends with /) in a shared bucket")
]

blobs_admin = typer.Typer(no_args_is_help=True, help="Administer the blob store.")


def blob_store_values(
    blob_store: str | None,
    s3_endpoint: str | None,
    s3_bucket: str | None,
    s3_region: str | None,
    s3_prefix: str | None,
) -> dict[str, object]:
    """The blob-store options given on a command line, as settings."""
    if blob_store not in (None, "files", "s3"):
        raise typer.BadParameter("files or s3", param_hint="--blob-store")
    return {
        "blob_store": blob_store,
        "s3_endpoint": s3_endpoint,
        "s3_bucket": s3_bucket,
        "s3_region": s3_region,
        "s3_prefix": s3_prefix,
    }


def _failure(error: BotoCoreError | ClientError) -> str:
    return error_code(error) if isinstance(error, ClientError) else type(error).__name__


def _counts(report: MoveReport) -> str:
    return (
        f"{report.copied} copied ({report.copied_bytes} bytes), "
        f"{report.present} already there and verified, {len(report.failed)} failed"
    )


@blobs_admin.command("move")
def move_command(
    source: Annotated[
        str,
        typer.Option("--from", help="a folder, or s3://bucket/prefix/ (endpoint and keys: env)"),
    ],
    target: Annotated[str, typer.Option("--to", help="a folder, or s3://bucket/prefix/")],
    max_blobs: Annotated[
        int | None, typer.Option(min=1, help="copy at most this many this run (resume later)")
    ] = None,
    db: DbOption = None,
) -> None:
    """Copy every blob from one store to the other, verifying every hash in
    the target. Safe to interrupt and run again: what the target already
    serves correctly is skipped, a blob cut off half-way resumes. Exit 1 if
    a blob failed, 3 if --max-blobs stopped the run early."""
    settings = settings_for(db)
    if source.rstrip("/") == target.rstrip("/"):
        raise typer.BadParameter("the source and the target are the same store")
    try:
        source_store = usable_store(lambda: store_at(source, settings))
        target_store = usable_store(lambda: store_at(target, settings))
    except ValueError as wrong:
        typer.echo(f"not a store location: {wrong}", err=True)
        raise typer.Exit(code=2) from None
    except StoreUnusableError as problem:
        typer.echo(f"nothing moved: {problem}", err=True)
        raise typer.Exit(code=1) from None
    try:
        report = move_blobs(source_store, target_store, max_blobs)
    except (BotoCoreError, ClientError) as error:  # the store failed half-way
        typer.echo(
            f"the move stopped: the object store failed ({_failure(error)}); what was copied "
            "is kept and verified: run the command again to continue",
            err=True,
        )
        raise typer.Exit(code=1) from None
    for sha256, reason in sorted(report.failed.items()):
        typer.echo(f"FAILED {sha256}: {reason}", err=True)
    typer.echo(f"blobs: {_counts(report)}")
    if report.failed:
        raise typer.Exit(code=1)
    if report.unfinished:
        typer.echo("stopped at --max-blobs: run the command again to continue")
        raise typer.Exit(code=3)


def register(admin: typer.Typer) -> None:
    """Add ``lastmile admin blobs …``."""
    admin.add_typer(blobs_admin, name="blobs")
