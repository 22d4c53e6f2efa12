"""``sohoa sign pending``: sign the approved papers and issued results left unsigned (records/signing_backlog.py)."""
from __future__ import annotations

import sys

import click

from sohoa.cli_support import cli_actor, offline_services


@click.group()
def sign() -> None:
    """Signed copies of approved papers and issued results."""


@sign.command("pending")
@click.option("--dry-run", is_flag=True, help="Only list what would be signed")
@click.option("--kind", type=click.Choice(["all", "result", "component"]), default="all", show_default=True,
              help="Issued results, approved papers of dossiers, or both")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most this many, oldest decision first")
def pending(dry_run: bool, kind: str, limit: int | None) -> None:
    """Sign every approved, ready paper that has no signed copy; exit 1 if any could not be signed."""
    from records.signing_backlog import KINDS, sign_pending

    kinds = KINDS if kind == "all" else (kind,)
    with offline_services() as services:
        if services.signing_key is None and not dry_run:
            raise click.ClickException("no signing key configured (SOHOA_SIGNING_PKCS12 or SOHOA_SIGNING_PKCS11_MODULE)")
        report = sign_pending(services, cli_actor(), kinds=kinds, dry_run=dry_run, limit=limit)
    for item in report.pending:
        outcome = ("would sign" if dry_run else "signed" if item.document_id in report.signed
                   else f"FAILED {report.failed[item.document_id]}" if item.document_id in report.failed
                   else "skipped (changed meanwhile)")
        approved = f"{item.reviewed_at:%Y-%m-%d %H:%M}" if item.reviewed_at else "-"
        click.echo(f"{item.document_id}  {item.kind:<9} approved {approved}  {outcome}")
    click.echo(f"{len(report.pending)} pending" + ("" if dry_run else
                                                   f", {len(report.signed)} signed, {len(report.failed)} failed"))
    if report.failed:
        sys.exit(1)


def register(main: click.Group) -> None:
    main.add_command(sign)
