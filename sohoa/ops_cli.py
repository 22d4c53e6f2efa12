"""Operations commands: ``sohoa backup --out DIR`` and ``sohoa restore DIR`` (records/backup.py)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from core.errors import Rejected
from core.settings import Settings, get_settings
from sohoa.cli_support import cli_actor, keyed_catalog

if TYPE_CHECKING:  # imported where used, so that every other command starts without them
    from catalog.db import Database
    from storage import ObjectStore

PG_BIN_HELP = "Directory of pg_dump/pg_restore (default: the PATH's); use the server's version or newer"


@dataclass
class _Archive:
    settings: Settings
    db: Database
    store: ObjectStore


def _store(settings: Settings) -> ObjectStore:
    from storage import open_storage

    return open_storage(settings.storage_url, default_dir=settings.data_dir / "objects")


@click.command()
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="A new or empty directory")
@click.option("--pg-bin", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None, help=PG_BIN_HELP)
def backup(out: Path, pg_bin: Path | None) -> None:
    """Back up the catalog, every stored object, the index settings and the secrets into OUT."""
    from catalog.audit import record
    from records.backup import backup as write_backup

    settings = get_settings()
    db = keyed_catalog(settings)
    try:
        report = write_backup(_Archive(settings, db, _store(settings)), out, pg_bin=pg_bin)
        with db.session() as s:
            record(s, cli_actor(), "backup.create", "archive", out.name[:64], None, path=str(out),
                   catalog=report.catalog, objects=report.objects, bytes=report.object_bytes)
    except Rejected as exc:
        raise click.ClickException(f"{exc.code}: {exc.message}") from exc
    finally:
        db.dispose()
    click.echo(f"{out}: catalog ({report.catalog}), {report.objects} objects ({report.object_bytes:,} bytes)")
    if report.sensitive:
        click.echo(f"SENSITIVE: {', '.join(report.sensitive)} — keep this backup as safe as the server", err=True)


@click.command()
@click.argument("source", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--pg-bin", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None, help=PG_BIN_HELP)
def restore(source: Path, pg_bin: Path | None) -> None:
    """Restore the backup SOURCE into an empty data directory (and empty catalog and store)."""
    from catalog.audit import record
    from records.backup import restore as bring_back

    settings = get_settings()
    try:
        report = bring_back(source, settings, lambda: _store(settings), pg_bin=pg_bin)
    except Rejected as exc:
        raise click.ClickException(f"{exc.code}: {exc.message}") from exc
    db = keyed_catalog(settings)
    try:
        with db.session() as s:
            record(s, cli_actor(), "backup.restore", "archive", source.name[:64], None, path=str(source),
                   catalog=report.catalog,
                   objects=report.objects, bytes=report.object_bytes)
    finally:
        db.dispose()
    click.echo(f"restored catalog ({report.catalog}) and {report.objects} objects ({report.object_bytes:,} bytes)")
    click.echo("next: `sohoa reindex` (rebuild search), then `sohoa fixity check`")


def register(main: click.Group) -> None:
    main.add_command(backup)
    main.add_command(restore)
