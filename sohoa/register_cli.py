"""Register commands: ``sohoa dossiers overdue`` and ``sohoa calendar import|export``."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from core.errors import Rejected
from core.settings import get_settings


def _db():
    from catalog.catalogs import open_database

    return open_database(get_settings().resolved_database_url())


def _actor():
    from sohoa.cli import cli_actor

    return cli_actor()


@click.group()
def dossiers() -> None:
    """The dossier register."""


@dossiers.command("overdue")
@click.option("--office", default=None, help="Only this office's dossiers")
@click.option("--limit", default=200, show_default=True, type=click.IntRange(1, 200))
def dossiers_overdue(office: str | None, limit: int) -> None:
    """List dossiers past their due date and not closed, the longest overdue first; exit 1 if any."""
    from catalog.audit import record
    from catalog.deadlines import local_day
    from catalog.worklist import Filters, worklist

    db = _db()
    try:
        with db.session() as s:
            page = worklist(s, Filters(overdue=True, office=office), size=limit)
            record(s, _actor(), "dossier.list", "dossier", None, None, shown=len(page.dossiers),
                   filters={"overdue": True, "office": office})
            for d in page.dossiers:
                click.echo(f"{d.code}\t{d.status}\t{d.procedure_code}\thạn {local_day(d.due_at):%d/%m/%Y}\t"
                           f"{d.office_code or '-'}\t{d.assignee or '-'}")
            total = page.total
    finally:
        db.dispose()
    click.echo(f"{total} hồ sơ quá hạn", err=True)
    sys.exit(1 if total else 0)


@click.group()
def calendar() -> None:
    """The holiday calendar (ngày nghỉ lễ, Tết, nghỉ bù, làm bù) due dates are counted with."""


@calendar.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and show the changes; write nothing")
def calendar_import(path: Path, dry_run: bool) -> None:
    """Import a year's calendar (or several): each year given is replaced whole."""
    from catalog.holidays import CalendarRejected, import_calendar

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise click.ClickException(f"{path}: không đọc được JSON ({exc})") from exc
    db = _db()
    try:
        with db.session() as s:
            report = import_calendar(s, data, actor=_actor(), source="cli", dry_run=dry_run)
    except CalendarRejected as exc:
        report = exc.report
    except Rejected as exc:
        raise click.ClickException(f"{exc.code}: {exc.message}") from exc
    finally:
        db.dispose()
    click.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    sys.exit(0 if report.valid else 1)


@calendar.command("export")
@click.option("--year", "years", multiple=True, type=int, help="Year to export (repeatable); all by default")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
def calendar_export(years: tuple[int, ...], output: Path | None) -> None:
    """Write the calendar in the import format."""
    from catalog.holidays import export

    db = _db()
    try:
        with db.session() as s:
            data = export(s, list(years) or None)
    finally:
        db.dispose()
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"{len(data['years'])} năm → {output}", err=True)


def register(main: click.Group) -> None:
    for group in (dossiers, calendar):
        main.add_command(group)
