"""The ``sohoa`` command: serve, worker, beat, ingest, search, ocr, reindex (records and register
commands come from sohoa/records_cli.py and sohoa/register_cli.py)."""
from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import click

from core.errors import Rejected
from core.settings import get_settings
from sohoa.cli_support import cli_actor, keyed_catalog, offline_services
from sohoa.records_cli import register as register_records


@click.group()
def main() -> None:
    """sohoa — số hoá hồ sơ, giấy tờ (digitization and archive service)."""
    os.umask(0o077)  # whatever a command creates under the data directory is the service's alone

    from core.logs import configure_logging

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1),
              help="API processes (more than one needs SOHOA_BROKER_URL: the in-process queue is one process's)")
def serve(host: str, port: int, workers: int) -> None:
    """Start the web service on embedded defaults (or the backends the SOHOA_* variables name)."""
    import uvicorn

    from sohoa.first_start import announce_setup_link

    # log_config=None: uvicorn's records go through core/logs.py's handler; access_log=False: a
    # raw path may carry an owner ID (the metrics count requests by route template instead).
    options = {"host": host, "port": port, "log_config": None, "access_log": False}
    announce_setup_link(get_settings(), host, port)
    if workers == 1:
        from sohoa.asgi import create_app

        uvicorn.run(create_app(), **options)
        return
    from sohoa.metrics_dir import prepare_multiprocess_metrics

    settings = get_settings()
    if not settings.broker_url:
        raise click.UsageError("--workers > 1 needs SOHOA_BROKER_URL=redis://… (the in-process queue is one process's)")
    prepare_multiprocess_metrics(settings.data_dir / "metrics")
    # uvicorn kills an API process that misses its 5 s ping; on a server busy with OCR a process
    # still importing and warming up can miss it and be killed again and again: give it 30 s.
    uvicorn.run("sohoa.asgi:create_app", factory=True, workers=workers, timeout_worker_healthcheck=30, **options)


@main.command()
@click.option("--concurrency", type=int, default=None,
              help="Documents at once (default SOHOA_DOCUMENT_WORKERS); their pages share one OCR pool")
@click.option("--queues", default="ocr,maintenance", show_default=True)
@click.option("--loglevel", default="INFO", show_default=True)
def worker(concurrency: int | None, queues: str, loglevel: str) -> None:
    """Run a Celery worker (SOHOA_BROKER_URL=redis://…): OCR documents and scheduled jobs."""
    from sohoa.worker import run_worker

    sys.exit(run_worker(get_settings(), concurrency=concurrency, queues=queues.split(","), loglevel=loglevel))


@main.command()
@click.option("--loglevel", default="INFO", show_default=True)
def beat(loglevel: str) -> None:
    """Send the scheduled jobs (recovery sweep, fixity, retention review) to the workers."""
    from sohoa.worker import run_beat

    run_beat(get_settings(), loglevel=loglevel)


@main.command()
@click.argument("role", type=click.Choice(["worker", "beat"]))
@click.option("--timeout", default=5.0, show_default=True)
def ping(role: str, timeout: float) -> None:
    """Exit 0 if a worker (or beat) on this host answers: the containers' health check."""
    from sohoa.worker import ping as ping_nodes

    nodes = ping_nodes(get_settings(), role, timeout)
    click.echo(", ".join(nodes) or f"no {role} answered")
    sys.exit(0 if nodes else 1)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--owner", required=True, help="Owner's personal ID (12 digits) or social-insurance code (10 digits)")
def ingest(files: tuple[Path, ...], owner: str) -> None:
    """Digitize FILES for an owner and wait until they are searchable."""
    from tqdm import tqdm

    from catalog.documents import get_document
    from catalog.owners import get_or_create_owner
    from ingest.intake import Upload, accept
    from sohoa.services import build_services

    services = build_services(get_settings())
    try:
        with services.db.session() as s:
            is_pid = len(owner) == 12
            owner_row = get_or_create_owner(s, owner if is_pid else None, None if is_pid else owner)
            owner_id = owner_row.id
        accepted = []
        for path in files:
            try:
                with path.open("rb") as stream:
                    accepted += accept(services, [Upload(stream, path.name)], owner_id, actor=cli_actor())
            except Rejected as exc:
                click.echo(f"{path}: {exc.code}: {exc.message}", err=True)
        total = sum(a.page_count for a in accepted)
        with tqdm(total=total, unit="page", desc="OCR") as bar:
            while True:
                with services.db.session() as s:
                    rows = [get_document(s, a.document_id) for a in accepted]
                    done = sum(r.page_count if r.status in ("ready", "failed") else r.pages_done for r in rows)
                    finished = all(r.status in ("ready", "failed") for r in rows)
                    states = [(r.id, r.filename, r.status, r.error_message) for r in rows]
                bar.update(done - bar.n)
                if finished:
                    break
                time.sleep(0.3)
        for doc_id, name, status, error in states:
            click.echo(f"{doc_id}  {status:<6}  {name}" + (f"  ({error})" if error else ""))
        if any(status == "failed" for *_, status, _ in states) or len(accepted) < len(files):
            sys.exit(1)
    finally:
        services.close()


@main.command()
@click.argument("query")
@click.option("--owner", default=None)
@click.option("--limit", default=10, show_default=True)
def search(query: str, owner: str | None, limit: int) -> None:
    """Search digitized documents (with or without diacritics)."""
    from search import SearchQuery, open_index

    settings = get_settings()
    index = open_index(settings.search_url, default_dir=settings.data_dir / "index")
    try:
        results = index.search(SearchQuery(text=query, owner=owner, limit=limit))
    finally:
        index.close()
    click.echo(f"{results.total} results ({results.took_ms:.1f} ms)")
    for hit in results.hits:
        click.echo(f"{hit.id}  {hit.score:6.2f}  {hit.title}")
        for snippet in hit.highlights[:1]:
            click.echo(f"    {snippet}")


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object with pages, text and confidence")
@click.option("--pdf", "pdf_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the searchable PDF here")
def ocr(file: Path, as_json: bool, pdf_out: Path | None) -> None:
    """OCR one file with the same code the service runs, and print its text."""
    from sohoa.warmup import Background, load_classifier, load_engine

    settings = get_settings()
    # Tesseract's model loads while this process imports and checks the file; the workers are then
    # forked from it with the model loaded (when no other thread runs; a host that has threads, such as
    # a test runner, gets the fork server), and for --json the classifier loads while they read.
    engine = Background(load_engine, settings.ocr_lang)
    from ingest.validate import Limits, receive
    from ocr import PagePool, digitize
    from ocr.errors import OcrError

    with tempfile.TemporaryDirectory() as tmp:
        try:
            with file.open("rb") as stream:
                checked = receive(stream, file.name, Limits.of(settings), Path(tmp))
        except Rejected as exc:
            raise click.ClickException(f"{exc.code}: {exc.message}") from exc
        out = pdf_out or Path(tmp) / "searchable.pdf"
        try:
            engine.result()
            # Someone waits for this command as for a plain tesseract: its workers run at its own
            # priority (the service's yield to its API requests).
            with PagePool(min(settings.ocr_workers, checked.page_count), lang=settings.ocr_lang,
                          dpi=settings.ocr_dpi, max_image_pixels=settings.max_image_pixels, niceness=0,
                          start_method="fork" if threading.active_count() == 1 else "forkserver") as pool:
                pool.start()
                classifier = Background(load_classifier, settings) if as_json else None
                result = digitize(checked.path, checked.media_type, out, pool)
        except OcrError as exc:
            raise click.ClickException(f"{exc.code}: {exc.message}") from exc
    if classifier is not None:
        from sohoa.describe import describe

        classifier.result()
        click.echo(json.dumps({**result.to_json(), **describe(settings, result.pages)}, ensure_ascii=False))
    else:
        click.echo(result.text)


@main.group()
def users() -> None:
    """Manage user accounts."""


@users.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(["counter", "handler", "archivist", "admin"]))
@click.option("--office", "office_code", required=True, help="Office (đơn vị) code, e.g. PT01")
@click.option("--full-name", default=None)
@click.password_option(help="Asked for when not given (at least 12 characters)")
def create_user_command(username: str, role: str, office_code: str, full_name: str | None, password: str) -> None:
    """Create a user; the first admin is bootstrapped this way."""
    from catalog.audit import record
    from catalog.users import Role, create_user

    db = keyed_catalog(get_settings())
    db.migrate()
    try:
        with db.session() as s:
            user = create_user(s, username, password, Role(role), office_code, full_name)
            record(s, cli_actor(), "user.create", "user", user.username, role=role, office=office_code)
    except Rejected as exc:
        raise click.ClickException(exc.message) from exc
    finally:
        db.dispose()
    click.echo(f"created {role} '{username}' in office {office_code}")


@main.command()
def reindex() -> None:
    """Rebuild the search index from the catalog (the catalog is the source of truth); an index of
    an older schema is replaced by one of the current schema first. On the embedded engine a
    reindex that fails midway leaves the index as it was."""
    from catalog.indexing import iter_ready

    with offline_services(rebuild_index=True) as services:
        count = 0

        def ready(s):  # one stream: the embedded index writes it in one commit
            nonlocal count
            for batch in iter_ready(s):
                count += len(batch)
                yield from batch

        with services.db.session() as s:
            services.index.replace_all(ready(s))
        click.echo(f"reindexed {count} documents")


register_records(main)

from sohoa.register_cli import register as _register_register  # noqa: E402  (dossiers, calendar)

_register_register(main)

from sohoa.keys_cli import register as _register_keys  # noqa: E402  (keys init-dev, show)

_register_keys(main)

from sohoa.sign_cli import register as _register_sign  # noqa: E402  (sign pending)

_register_sign(main)

from sohoa.ops_cli import register as _register_ops  # noqa: E402  (backup, restore)

_register_ops(main)

from sohoa.portal_cli import register as _register_portal  # noqa: E402  (portal sync)

_register_portal(main)
from sohoa.report_cli import register as _register_report  # noqa: E402  (report quarterly)

_register_report(main)


if __name__ == "__main__":
    main()
