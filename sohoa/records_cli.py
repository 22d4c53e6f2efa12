"""Records-management commands: ``sohoa audit verify``, ``sohoa fixity check``, ``sohoa retention …``,
``sohoa disposal …``, ``sohoa transfer export``. Each exits non-zero when it finds a problem."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from core.settings import get_settings
from sohoa.cli_support import cli_actor, offline_services


@click.group()
def audit() -> None:
    """The hash-chained audit log."""


@audit.command("verify")
def audit_verify() -> None:
    """Walk the audit chain; exit 1 if any entry was edited, inserted or deleted."""
    from catalog.audit import record, verify
    from catalog.db import Database

    db = Database(get_settings().resolved_database_url())
    db.migrate()
    try:
        with db.session() as s:
            report = verify(s)
        with db.session() as s:
            record(s, cli_actor(), "audit.verify", "audit", None, None, ok=report.ok, entries=report.entries,
                   broken_at=report.broken_at)
    finally:
        db.dispose()
    if report.ok:
        click.echo(f"audit chain intact: {report.entries} entries")
        return
    click.echo(f"audit chain BROKEN at entry {report.broken_at}: {report.reason} "
               f"({report.entries} entries verified before it)", err=True)
    sys.exit(1)


@click.group()
def fixity() -> None:
    """Fixity checks of the object store against the catalog."""


@fixity.command("check")
@click.option("--show", default=50, show_default=True, help="How many problems to list")
def fixity_check(show: int) -> None:
    """Re-hash every stored object; exit 1 if any is missing, altered, unreadable or orphaned."""
    from records.fixity import run_fixity_check, run_issues

    with offline_services() as services:
        run = run_fixity_check(services, "cli", cli_actor().username)
        with services.db.session() as s:
            issues = run_issues(s, run.id, limit=show)
    click.echo(f"fixity run {run.id}: {run.state}; {run.objects_checked} objects, {run.bytes_checked:,} bytes "
               f"checked, {run.baselines_recorded} baselines recorded")
    click.echo(f"missing {run.missing}, altered {run.altered}, orphans {run.orphans}, unreadable {run.unreadable}")
    for issue in issues:
        document = f"  (document {issue.document_id})" if issue.document_id else ""
        click.echo(f"  {issue.problem:<10} {issue.key}{document}")
    if run.problems or run.state != "completed":
        sys.exit(1)


@click.group()
def retention() -> None:
    """Retention schedules and documents past retention."""


@retention.command("due")
@click.option("--type", "document_type", default=None, help="Only this document-type code")
@click.option("--held/--no-held", default=False, help="Also list due documents under a legal hold")
@click.option("--limit", default=100, show_default=True)
def retention_due(document_type: str | None, held: bool, limit: int) -> None:
    """List documents past their retention term."""
    from catalog.owners import owner_ref
    from records.retention import iter_due

    with offline_services() as services, services.db.session() as s:
        for n, a in enumerate(iter_due(s, document_type=document_type, include_held=held)):
            if n == limit:
                break
            click.echo(f"{a.document.id}  {a.document.document_type_code}  {owner_ref(a.document.owner) or '-'}  "
                       f"due {a.due_on:%d/%m/%Y} ({a.rule.years} y from {a.rule.event} {a.event_date:%d/%m/%Y})"
                       + (f"  HELD by {a.holds}" if a.holds else ""))


@retention.command("review")
def retention_review() -> None:
    """Count documents past retention per type (what the scheduled job does) and keep the result."""
    from records.retention import review_retention

    with offline_services() as services:
        review = review_retention(services, "cli")
    click.echo(f"{review.due} documents due for disposal, {review.held} more due but held")
    for code, counts in review.by_type.items():
        click.echo(f"  {code}: {counts['due']} due, {counts['held']} held")


@click.group()
def disposal() -> None:
    """Disposal batches."""


@disposal.command("list")
def disposal_list() -> None:
    from records.disposal import list_batches

    with offline_services() as services, services.db.session() as s:
        for b in list_batches(s, limit=200):
            click.echo(f"{b.id:>5}  {b.code}  {b.state:<10} proposed by {b.proposed_by}"
                       + (f", decided by {b.decided_by}" if b.decided_by else ""))


@disposal.command("execute")
@click.argument("batch_id", type=int)
def disposal_execute(batch_id: int) -> None:
    """Execute an approved batch, or finish one a crash cut short (safe to repeat)."""
    from records.disposal import batch_items, execute_batch, get_batch

    with offline_services() as services:
        execute_batch(services, batch_id, cli_actor())
        with services.db.session() as s:
            batch = get_batch(s, batch_id)
            states = [i.state for i in batch_items(s, batch_id)]
    click.echo(f"{batch.code}: {batch.state}; destroyed {states.count('destroyed')}, "
               f"withheld {states.count('withheld')}; certificate {batch.certificate_pdf_key}")


@click.group()
def transfer() -> None:
    """Transfer export for the archive centre."""


@transfer.command("export")
@click.option("--dossier", default=None, help="Dossier code")
@click.option("--owner", default=None, help="Owner's personal ID or social-insurance code")
@click.option("--format", "fmt", type=click.Choice(["dir", "zip", "tar"]), default="zip", show_default=True)
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path), help="Bag directory or archive file")
def transfer_export(dossier: str | None, owner: str | None, fmt: str, output: Path) -> None:
    """Write a dossier's or an owner's documents as a BagIt package."""
    import shutil

    from records.transfer import build_bag, write_archive

    if output.exists():
        raise click.ClickException(f"{output} already exists")
    with offline_services() as services:
        dest = output if fmt == "dir" else services.tmp_dir / f"bag-{output.stem}"
        bag = build_bag(services, dest, cli_actor(), dossier=dossier, owner=owner)
        if fmt != "dir":
            try:
                write_archive(bag, fmt, output)
            finally:
                shutil.rmtree(dest, ignore_errors=True)
    click.echo(f"{output}: {bag.documents} documents ({bag.payload_bytes:,} bytes), {bag.disposed} disposed")


def register(main: click.Group) -> None:
    for group in (audit, fixity, retention, disposal, transfer):
        main.add_command(group)
