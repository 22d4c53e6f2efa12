"""What the office field costs: reading the catalog for a reindex, and searching with the office filter.

Builds a synthetic archive in a fresh catalog (SQLite and the embedded index by default, or the
SOHOA_* backends): four offices, one dossier per five documents, one document in ten outside any
dossier (its office is its digitizer's). Then prints, each against a baseline measured in the same
run:
* reindex read: every ready document's index entry with its office (catalog/home_office.py) vs the
  same pass without the office look-up (what the reindex read before);
* search: p50 of a query narrowed to one office, and to two, vs the same query over every office.

    .venv/bin/python bench/search_offices.py --docs 20000 --repeat 50

Prints numbers; it is not a test.
"""
from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.timing import percentile  # noqa: E402
from catalog import indexing  # noqa: E402
from catalog.models import Component, Document, Dossier, Owner, Page  # noqa: E402
from catalog.users import Role, create_user  # noqa: E402
from core.settings import Settings  # noqa: E402
from search import SearchQuery  # noqa: E402
from sohoa.services import build_services  # noqa: E402

OFFICES = ["PT01", "PT02", "PT03", "PT04"]
TEXTS = ["Giấy khai sinh của Nguyễn Văn An, nơi sinh Việt Trì", "Sổ bảo hiểm xã hội, quá trình đóng",
         "Giấy ra viện, bệnh viện đa khoa tỉnh", "Quyết định hưởng chế độ thai sản bảo hiểm xã hội"]


def populate(services, docs: int) -> None:
    created = datetime(2024, 1, 1, tzinfo=timezone.utc)
    with services.db.session() as s:
        for office in OFFICES:
            create_user(s, f"scan-{office}", "mat-khau-thu-nghiem", Role.counter, office)
    for start in range(0, docs, 5000):
        with services.db.session() as s:
            owners = [Owner(personal_id=f"{(start + i):012d}", full_name="Nguyễn Văn An")
                      for i in range(0, min(5000, docs - start), 25)]
            s.add_all(owners)
            s.flush()
            rows, links = [], []
            dossier = None
            for i in range(start, min(start + 5000, docs)):
                owner = owners[(i - start) // 25]
                if i % 5 == 0:
                    dossier = Dossier(code=f"BENCH-{i:08d}", procedure_code="1.000456", owner_id=owner.id,
                                      channel="counter", office_code=OFFICES[(i // 5) % len(OFFICES)])
                    s.add(dossier)
                    s.flush()
                content = f"document {i}".encode()
                row = Document(id=uuid.uuid4().hex, sha256=hashlib.sha256(content).hexdigest(),
                               media_type="image/png", filename=f"{i}.png", size=len(content), owner_id=owner.id,
                               status="ready", page_count=1, pages_done=1, document_type_code="HT01",
                               created_at=created, digitized_by=f"scan-{OFFICES[i % len(OFFICES)]}")
                rows.append(row)
                if i % 10 != 9:  # one in ten was uploaded outside any dossier
                    links.append((dossier.id, row.id))
            s.add_all(rows)
            s.flush()
            s.add_all(Component(dossier_id=d, document_id=doc) for d, doc in links)
            s.add_all(Page(document_id=d.id, number=1, text=TEXTS[n % len(TEXTS)], source="ocr")
                      for n, d in enumerate(rows))


def read_all(services) -> tuple[int, float]:
    started = time.perf_counter()
    count = 0
    with services.db.session() as s:
        for batch in indexing.iter_ready(s):
            count += len(batch)
    return count, time.perf_counter() - started


def p50(index, query: SearchQuery, repeat: int) -> float:
    index.search(query)  # warm
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        index.search(query)
        times.append((time.perf_counter() - started) * 1000)
    return percentile(times, 50)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=50, help="searches per query and filter")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="office-bench-"))
    services = build_services(Settings(data_dir=work / "var"), start_workers=False)
    try:
        started = time.perf_counter()
        populate(services, args.docs)
        print(f"archive: {args.docs} documents in {len(OFFICES)} offices (built in {time.perf_counter() - started:.1f} s)")

        read_all(services)  # warm the catalog's pages, then each way twice, interleaved; the faster counts
        baseline = took = float("inf")
        for _ in range(2):
            with mock.patch.object(indexing, "home_offices", lambda _s, ids: dict.fromkeys(ids)):
                baseline = min(baseline, read_all(services)[1])
            count, seconds = read_all(services)
            took = min(took, seconds)
        print(f"reindex read: {count} entries in {took:.2f} s = {count / took:,.0f}/s; without the office "
              f"look-up {baseline:.2f} s; ratio {took / baseline:.2f}")

        started = time.perf_counter()
        with services.db.session() as s:
            services.index.clear()
            for batch in indexing.iter_ready(s):
                services.index.upsert(batch)
        took = time.perf_counter() - started
        print(f"full reindex (read + upsert): {count} documents in {took:.1f} s = {count / took:,.0f}/s")

        for text in ("bảo hiểm xã hội", "giay khai sinh", ""):
            every = p50(services.index, SearchQuery(text=text), args.repeat)
            one = p50(services.index, SearchQuery(text=text, offices=("PT02",)), args.repeat)
            two = p50(services.index, SearchQuery(text=text, offices=("PT02", "PT03")), args.repeat)
            print(f"search {text or '(no text)'!r}: p50 every office {every:.2f} ms; one office {one:.2f} ms "
                  f"(ratio {one / every:.2f}); two offices {two:.2f} ms (ratio {two / every:.2f})")
    finally:
        services.close()


if __name__ == "__main__":
    main()
