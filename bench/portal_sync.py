"""Portal sync benchmark: what the outbox costs a dossier change, and how fast the sender drains.

On a fresh catalog (SQLite by default, or SOHOA_DATABASE_URL), prints, each as a ratio against a
baseline measured in the same run:
* a register transition writing its sync record in the same transaction, against the same
  transition with the outbox write left out (the record's overhead on every change);
* the sender draining N records to a loopback HTTP server (claim, POST, settle one by one),
  against POSTing the same N records to the same server with no catalog at all.

    .venv/bin/python bench/portal_sync.py --dossiers 2000

Prints numbers; it is not a test.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402
from sqlalchemy import select  # noqa: E402

import catalog.register  # noqa: E402
from catalog.audit import Actor  # noqa: E402
from catalog.catalogs import open_database  # noqa: E402
from catalog.dossiers import open_dossier  # noqa: E402
from catalog.outbox import enqueue  # noqa: E402
from catalog.owners import get_or_create_owner  # noqa: E402
from catalog.portal_models import SyncOutbox  # noqa: E402
from catalog.register import Request, transition  # noqa: E402
from catalog.users import ensure_office  # noqa: E402
from core.settings import Settings  # noqa: E402
from ingest.portal import HttpPortalClient, drain  # noqa: E402

HANDLER = Actor("handler001", "handler", "PT01")


class Accepting(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def open_many(db, n: int) -> list[str]:
    codes = []
    with db.session() as s:
        ensure_office(s, "PT01")
    for i in range(n):
        with db.session() as s:
            owner = get_or_create_owner(s, f"{i:012d}", None, "Nguyễn Văn A")
            codes.append(open_dossier(s, "BHXH", "1.000456", owner, "counter", office_code="PT01").code)
    return codes


def transitions(db, codes: list[str]) -> float:
    """Seconds per 'start' transition, one transaction each."""
    started = time.perf_counter()
    for code in codes:
        with db.session() as s:
            transition(s, code, Request("start"), HANDLER, cutoff=Settings().receipt_cutoff)
    return (time.perf_counter() - started) / len(codes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dossiers", type=int, default=2000)
    args = parser.parse_args()
    settings = Settings()
    with tempfile.TemporaryDirectory() as tmp:
        url = settings.database_url or f"sqlite:///{Path(tmp) / 'catalog.sqlite3'}"
        db = open_database(url)
        half = args.dossiers // 2
        codes = open_many(db, 2 * half)
        with_record = transitions(db, codes[:half])
        catalog.register.outbox.enqueue = lambda *a, **k: None  # the baseline: the same change, no record
        try:
            without = transitions(db, codes[half:])
        finally:
            catalog.register.outbox.enqueue = enqueue
        print(f"transition with its sync record: {with_record * 1000:.2f} ms, without: {without * 1000:.2f} ms "
              f"(ratio {with_record / without:.2f})")

        server = ThreadingHTTPServer(("127.0.0.1", 0), Accepting)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        portal_url = f"http://127.0.0.1:{server.server_address[1]}/sync"
        with db.session() as s:
            payloads = [(r.idempotency_key, r.payload) for r in s.scalars(select(SyncOutbox))]
        plain = httpx.Client()
        started = time.perf_counter()
        for key, payload in payloads:
            plain.post(portal_url, json=payload, headers={"Idempotency-Key": key}).raise_for_status()
        baseline = time.perf_counter() - started
        plain.close()
        client = HttpPortalClient(portal_url)
        services = SimpleNamespace(db=db, portal=client, stopping=threading.Event(),
                                   settings=settings.model_copy(update={"portal_url": portal_url}))
        started = time.perf_counter()
        run = drain(services)
        drained = time.perf_counter() - started
        client.close()
        server.shutdown()
        assert run.sent == len(payloads), run
        print(f"sender: {len(payloads)} records in {drained:.2f} s ({len(payloads) / drained:.0f}/s); plain POSTs: "
              f"{baseline:.2f} s ({len(payloads) / baseline:.0f}/s) (ratio {drained / baseline:.2f})")
        db.dispose()


if __name__ == "__main__":
    main()
