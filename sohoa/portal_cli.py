"""``sohoa portal sync [--once]``: drain the outbox of sync records to the national portal."""
from __future__ import annotations

import sys
import time

import click


@click.group()
def portal() -> None:
    """The national public-service portal (Cổng Dịch vụ công quốc gia)."""


@portal.command("sync")
@click.option("--once", is_flag=True, help="Deliver what is due now, then stop (otherwise keep draining)")
@click.option("--every", default=30.0, show_default=True, type=click.FloatRange(0.1),
              help="Seconds between passes when not --once")
def sync(once: bool, every: float) -> None:
    """Deliver the sync records waiting in the outbox; exit 1 with --once if any are dead."""
    from catalog import outbox
    from ingest.portal import drain
    from sohoa.cli_support import offline_services

    with offline_services() as services:
        if services.portal is None:
            with services.db.session() as s:
                waiting = outbox.backlog(s)
            click.echo(f"SOHOA_PORTAL_URL chưa được cấu hình: {waiting} bản ghi đồng bộ đang chờ", err=True)
            sys.exit(2)
        while True:
            run = drain(services)
            with services.db.session() as s:
                counts = outbox.counts(s)
            click.echo(f"gửi {run.sent}, thử lại sau {run.failed}, dừng gửi {run.dead} — trong hàng đợi: "
                       + ", ".join(f"{k} {v}" for k, v in counts.items()))
            if once:
                sys.exit(1 if counts["dead"] else 0)
            time.sleep(every)


def register(main: click.Group) -> None:
    main.add_command(portal)
