"""Register benchmark: worklists and transitions on a large register.

Fills a fresh catalog (SQLite by default, or SOHOA_DATABASE_URL) with N dossiers spread over
offices, states, handlers and due dates, then prints, each as a ratio against a baseline measured
in the same run on the same table:
* a worklist page (filters, sorted by due date, with counts per status) against the plainest page
  there is: 50 dossiers by primary key;
* the overdue list (what ``sohoa dossiers overdue`` runs) against the same baseline;
* the whole register "overdue first" (the late ones over all pages, then the others by due date),
  its first page and a page deep in it, next to the same pages by due date only;
* transitions per second (lock, version bump, history row, audit entry) against opening dossiers
  (counter, due date, insert) one transaction each.

    .venv/bin/python bench/register_worklist.py --dossiers 100000

Prints numbers; it is not a test.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, select  # noqa: E402

from bench.timing import timed  # noqa: E402
from catalog.audit import Actor  # noqa: E402
from catalog.catalogs import open_database  # noqa: E402
from catalog.dossiers import open_dossier  # noqa: E402
from catalog.models import Dossier, Owner  # noqa: E402
from catalog.owners import get_or_create_owner  # noqa: E402
from catalog.register import Request, transition  # noqa: E402
from catalog.users import Role, create_user, ensure_office  # noqa: E402
from catalog.worklist import Filters, worklist  # noqa: E402
from core.clock import utcnow  # noqa: E402
from core.settings import Settings  # noqa: E402

STATES = ["received", "in_progress", "in_progress", "supplement_requested", "resolved", "resolved", "returned"]
OFFICES = [f"PT{n:02d}" for n in range(1, 11)]
HANDLER = Actor("handler000", "handler", "PT01")  # a handler of the dossiers' office (catalog/assignees.py)


def populate(db, dossiers: int) -> None:
    now = utcnow()
    with db.session() as s:
        for office in OFFICES:
            ensure_office(s, office)
        for n in range(20):
            create_user(s, f"handler{n:03d}", "mat-khau-bench-0", Role.handler, OFFICES[n % len(OFFICES)])
        owner_ids = []
        for start in range(0, max(1, dossiers // 10), 5000):
            rows = [{"personal_id": f"{i:012d}", "full_name": "Nguyễn Văn A"}
                    for i in range(start, min(start + 5000, dossiers // 10 or 1))]
            s.execute(insert(Owner), rows)
        owner_ids = list(s.scalars(select(Owner.id)))
        for start in range(0, dossiers, 5000):
            s.execute(insert(Dossier), [{
                "code": f"BENCH-{i:08d}", "procedure_code": "1.000456", "owner_id": owner_ids[i % len(owner_ids)],
                "channel": "counter", "office_code": OFFICES[i % len(OFFICES)], "status": STATES[i % len(STATES)],
                "received_at": now - timedelta(days=i % 60), "due_at": now + timedelta(hours=(i * 7919) % 2000 - 1000),
                "assignee": f"handler{i % 20:03d}", "version": 1,
            } for i in range(start, min(start + 5000, dossiers))])




def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dossiers", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--transitions", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = Settings().database_url or f"sqlite:///{Path(tmp) / 'catalog.sqlite3'}"
        db = open_database(url)
        t = time.perf_counter()
        populate(db, args.dossiers)
        print(f"populated {args.dossiers:,} dossiers in {time.perf_counter() - t:.1f}s ({db.engine.dialect.name})")

        def baseline() -> None:
            with db.session() as s:
                list(s.scalars(select(Dossier).order_by(Dossier.id).limit(50)))

        def page() -> None:
            with db.session() as s:
                worklist(s, Filters(office="PT03", status="in_progress"), size=50)

        def overdue() -> None:
            with db.session() as s:
                worklist(s, Filters(overdue=True), size=200)

        def whole(sort: str, number: int):
            def run() -> None:
                with db.session() as s:
                    worklist(s, Filters(sort=sort), page=number, size=50)
            return run

        deep = max(1, args.dossiers // 100)
        base = timed(baseline, args.rounds)
        for name, fn in (("worklist page (office, status, by due date, counts)", page),
                         ("overdue list (200)", overdue),
                         ("whole register by due date, page 1", whole("due", 1)),
                         ("whole register overdue first, page 1", whole("overdue_first", 1)),
                         (f"whole register by due date, page {deep}", whole("due", deep)),
                         (f"whole register overdue first, page {deep}", whole("overdue_first", deep))):
            took = timed(fn, args.rounds)
            print(f"{name}: {took * 1000:.1f} ms; baseline 50 by id {base * 1000:.2f} ms; ratio {took / base:.1f}x")

        with db.session() as s:
            owner = get_or_create_owner(s, "001203004567")
        codes = []
        t = time.perf_counter()
        for _ in range(args.transitions):
            with db.session() as s:
                codes.append(open_dossier(s, "BHXH", "1.000456", s.get(Owner, owner.id), "counter",
                                          office_code="PT01").code)
        opened = args.transitions / (time.perf_counter() - t)
        t = time.perf_counter()
        for code in codes:
            with db.session() as s:
                transition(s, code, Request("start", assignee="handler000"), HANDLER, cutoff=Settings().receipt_cutoff)
        moved = args.transitions / (time.perf_counter() - t)
        print(f"transitions: {moved:.0f}/s; baseline dossiers opened {opened:.0f}/s; ratio {moved / opened:.2f}")
        db.dispose()


if __name__ == "__main__":
    main()
