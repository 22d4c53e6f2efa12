"""Report commands: ``sohoa report quarterly --year --quarter [--office] [--format] --out FILE``."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import click

from core.errors import Rejected
from core.settings import get_settings


@click.group()
def report() -> None:
    """Reports over the register."""


@report.command("quarterly")
@click.option("--year", type=int, default=None, help="Year of the quarter (with --quarter)")
@click.option("--quarter", type=click.IntRange(1, 4), default=None)
@click.option("--from", "first", type=click.DateTime(["%Y-%m-%d"]), default=None, help="First day instead of a quarter")
@click.option("--to", "last", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Last day, included")
@click.option("--office", "offices", multiple=True, help="Office to count (repeatable); every office by default")
@click.option("--format", "fmt", type=click.Choice(["json", "xlsx", "csv"]), default="xlsx", show_default=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def quarterly(year: int | None, quarter: int | None, first: datetime | None, last: datetime | None,
              offices: tuple[str, ...], fmt: str, out: Path) -> None:
    """Appendix II of the TTHC-control plan for a quarter (the plan's window) or from/to dates."""
    from catalog import report_files, reports
    from catalog.audit import record
    from catalog.catalogs import today_local
    from sohoa.cli_support import cli_actor, keyed_catalog

    settings = get_settings()
    db = keyed_catalog(settings)
    try:
        with db.session() as s:
            period = reports.choose_period(year=year, quarter=quarter, first_day=first and first.date(),
                                           last_day=last and last.date(), window_day=settings.report_window_day,
                                           today=today_local())
            found = reports.quarterly_report(s, period, offices=set(offices) or None,
                                             window_day=settings.report_window_day)
            record(s, cli_actor(), "report.quarterly", "report", period.label, None, format=fmt,
                   period=period.to_json(), offices=sorted(offices) or None)
    except Rejected as exc:
        raise click.ClickException(f"{exc.code}: {exc.message}") from exc
    finally:
        db.dispose()
    if fmt == "json":
        out.write_text(json.dumps(found.to_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    else:
        out.write_bytes(report_files.xlsx(found) if fmt == "xlsx" else report_files.csv_bytes(found))
    t = found.totals
    click.echo(f"{period.label}: {t.carried_over} chuyển qua + {t.received} tiếp nhận = {t.resolved} đã giải quyết "
               f"+ {t.outcomes['returned']} trả lại + {t.outcomes['withdrawn']} rút + {t.pending} đang giải quyết "
               f"→ {out}", err=True)


def register(main: click.Group) -> None:
    main.add_command(report)
