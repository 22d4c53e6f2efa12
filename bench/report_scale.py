"""Quarterly-report benchmark: one quarter's report over a register of 1,000,000 dossiers on a real
PostgreSQL, against a plain ``COUNT(*)`` over the same table in the same run.

Starts a throw-away PostgreSQL on loopback (tests/servers.py), migrates a catalog into it, loads
N dossiers over five years (ten offices, four channels, four procedures) with their history —
most started and closed (resolved, a few late with an apology letter, returned, withdrawn), the
recent ones still open — by COPY, then prints the median time of:
* ``SELECT count(*) FROM dossier`` (the baseline);
* the quarterly report of quarter III/2026 for the whole province and for one office.

    .venv/bin/python bench/report_scale.py --dossiers 1000000

Target: under 5 s for the province's quarter. Prints numbers; it is not a test.
"""
from __future__ import annotations

import argparse
import io
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg  # noqa: E402
from sqlalchemy import text  # noqa: E402

from bench.timing import timed  # noqa: E402
from catalog.reports import quarter_period, quarterly_report  # noqa: E402
from sohoa.services import open_catalog  # noqa: E402
from tests.backends import create_database  # noqa: E402
from tests.servers import start_postgres  # noqa: E402

OFFICES = [f"PT{n:02d}" for n in range(1, 11)]
CHANNELS = ["online", "online", "counter", "counter", "counter", "postal", "public_admin_centre"]
PROCEDURES = ["1.000456", "1.000457", "1.000501", "1.000123"]
FIRST = datetime(2021, 12, 1, 1, 0, tzinfo=timezone.utc)
LAST = datetime(2026, 11, 30, 1, 0, tzinfo=timezone.utc)
WINDOW = 14


def _ts(moment: datetime) -> str:
    return moment.isoformat(sep=" ")


def generate(n: int) -> tuple[io.StringIO, io.StringIO, io.StringIO]:
    """COPY text of the dossiers, their history and their apology letters (deterministic)."""
    dossiers, events, letters = io.StringIO(), io.StringIO(), io.StringIO()
    span = (LAST - FIRST).total_seconds()
    for i in range(1, n + 1):
        h = (i * 2654435761) % 4294967296  # a cheap, repeatable spread
        received = FIRST + timedelta(seconds=span * i / n)
        due = received + timedelta(days=8)
        age = (LAST - received).days
        fate = h % 100
        status, resolved = "received", None
        history: list[tuple[datetime, str, str, str, datetime]] = []
        if age > 45 and fate < 97 or age > 3 and fate < 40:
            started = received + timedelta(days=1)
            history.append((started, "start", "received", "in_progress", due))
            if fate < 7:
                closed, status = received + timedelta(days=2), "returned"
                history.append((closed, "return", "in_progress", "returned", due))
            elif fate < 10:
                closed, status = received + timedelta(days=3), "withdrawn"
                history.append((closed, "withdraw", "in_progress", "withdrawn", due))
            else:
                late = fate % 20 == 0
                closed = received + timedelta(days=14 if late else 2 + h % 5)
                if late:
                    apology = due + timedelta(days=1)
                    letters.write(f"{i}\t1\tCần xác minh\t{_ts(due)}\t{_ts(closed + timedelta(days=2))}\t"
                                  f"{_ts(apology)}\tbench\t{OFFICES[i % 10]}\n")
                    due = closed + timedelta(days=2)
                    history.append((apology, "apology_letter", "in_progress", "in_progress", due))
                status, resolved = "resolved", closed
                history.append((closed, "resolve", "in_progress", "resolved", due))
        elif age > 3:
            status = "in_progress"
            history.append((received + timedelta(days=1), "start", "received", "in_progress", due))
        for moment, action, before, after, due_then in history:
            events.write(f"{i}\t{_ts(moment)}\t{action}\t{before}\t{after}\tbench\thandler\t{_ts(due_then)}\n")
        dossiers.write(f"{i}\tBENCH-{i:08d}\t{PROCEDURES[h % 4]}\t{(i % (n // 10 or 1)) + 1}\t{CHANNELS[h % 7]}\t"
                       f"{OFFICES[i % 10]}\t{status}\t{_ts(received)}\t{_ts(due)}\t"
                       f"{_ts(resolved) if resolved else chr(92) + 'N'}\t1\n")
    for buffer in (dossiers, events, letters):
        buffer.seek(0)
    return dossiers, events, letters


def load(url: str, n: int) -> None:
    dossiers, events, letters = generate(n)
    owners = io.StringIO("".join(f"{i}\t{i:012d}\t{_ts(FIRST)}\n" for i in range(1, (n // 10 or 1) + 1)))
    with psycopg.connect(url.replace("+psycopg", "")) as conn, conn.cursor() as cur:
        cur.executemany("INSERT INTO office (code, name) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                        [(o, o) for o in OFFICES])
        for table, columns, data in (
                ("owner", "id, personal_id, created_at", owners),
                ("dossier", "id, code, procedure_code, owner_id, channel, office_code, status, received_at, due_at, "
                            "resolved_at, version", dossiers),
                ("dossier_event", "dossier_id, at, action, from_status, to_status, actor, role, due_at", events),
                ("apology_letter", "dossier_id, number, reason, previous_due_at, new_due_at, created_at, created_by, "
                                   "office_code", letters)):
            with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                while chunk := data.read(1 << 20):
                    copy.write(chunk)
        conn.commit()
        conn.autocommit = True
        cur.execute("VACUUM ANALYZE")




def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with start_postgres() as server:
        url = create_database(server.url)
        db = open_catalog(url)
        t = time.perf_counter()
        load(url, args.dossiers)
        with db.session() as s:
            counted = s.scalar(text("SELECT count(*) FROM dossier"))
            history = s.scalar(text("SELECT count(*) FROM dossier_event"))
        print(f"loaded {counted:,} dossiers, {history:,} history rows in {time.perf_counter() - t:.1f}s (COPY)")
        period = quarter_period(2026, 3, WINDOW)

        def baseline() -> None:
            with db.session() as s:
                s.scalar(text("SELECT count(*) FROM dossier"))

        def province() -> None:
            with db.session() as s:
                quarterly_report(s, period, offices=None, window_day=WINDOW)

        def office() -> None:
            with db.session() as s:
                quarterly_report(s, period, offices={"PT03"}, window_day=WINDOW)

        with db.session() as s:
            found = quarterly_report(s, period, offices=None, window_day=WINDOW).totals
        print(f"{period.label}: carried over {found.carried_over:,}, received {found.received:,}, resolved "
              f"{found.resolved:,}, pending {found.pending:,}; reconciles: {found.reconciles()}")
        base = timed(baseline, args.rounds)
        print(f"baseline SELECT count(*) FROM dossier: {base * 1000:.1f} ms")
        for name, fn in (("quarterly report, whole province", province), ("quarterly report, one office", office)):
            took = timed(fn, args.rounds)
            verdict = "under" if took < 5 else "OVER"
            print(f"{name}: {took * 1000:.1f} ms; ratio {took / base:.1f}x the count; {verdict} the 5 s target")
        db.dispose()


if __name__ == "__main__":
    main()
