"""Records-management benchmark: retention review, fixity and disposal on a synthetic archive.

Builds an archive directly in a fresh catalog (SQLite and a local object store by default, or the
SOHOA_* backends), then prints:
* retention review: documents weighed per second over the whole catalog;
* fixity: objects and MB per second, against a baseline measured in the same run — plain
  ``hashlib`` over the same files straight from the local disk (what ``sha256sum`` does);
* disposal: documents destroyed per second in one batch (tombstone, wipe, index, objects).

    .venv/bin/python bench/records_scale.py --docs 20000 --objects 1000 --object-kb 200 --dispose 300

Prints numbers; it is not a test.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from catalog.audit import Actor  # noqa: E402
from catalog.models import Component, Document, Dossier, Owner, Page  # noqa: E402
from core.settings import Settings  # noqa: E402
from records.disposal import approve_batch, execute_batch, propose_batch  # noqa: E402
from records.fixity import run_fixity_check  # noqa: E402
from records.retention import iter_due, review_retention  # noqa: E402
from sohoa.services import build_services  # noqa: E402
from storage import content_key  # noqa: E402

TYPES = ["NT01", "HT04", "YT02", "BH09", "KQ10", "BH02", "HT01"]   # due, due, due, due, issued, permanent, death
ARCHIVIST = Actor("bench-archivist", "archivist", "PT01")
ADMIN = Actor("bench-admin", "admin", "PT01")


def populate(services, docs: int, objects: int, object_kb: int) -> None:
    """``docs`` documents, 1 dossier per 5; ``objects`` of them get ``object_kb`` originals, the rest tiny ones."""
    resolved = datetime(2012, 6, 1, tzinfo=timezone.utc)
    with services.db.session() as s:
        procedure = "1.000456"
        for start in range(0, docs, 5000):
            owners = [Owner(personal_id=f"{(start + i):012d}", full_name="Nguyễn Văn A")
                      for i in range(0, min(5000, docs - start), 25)]
            s.add_all(owners)
            s.flush()
            rows = []
            for i in range(start, min(start + 5000, docs)):
                owner = owners[(i - start) // 25]
                if i % 5 == 0:
                    dossier = Dossier(code=f"BENCH-{i:08d}", procedure_code=procedure, owner_id=owner.id,
                                      channel="counter", resolved_at=resolved)
                    s.add(dossier)
                    s.flush()
                content = f"document {i}".encode()
                rows.append(Document(id=uuid.uuid4().hex, sha256=hashlib.sha256(content).hexdigest(),
                                     media_type="image/png", filename=f"{i}.png", size=len(content),
                                     owner_id=owner.id, status="ready", page_count=1, pages_done=1,
                                     document_type_code=TYPES[i % len(TYPES)], issue_date=resolved.date()))
                rows[-1]._dossier_id = dossier.id
            s.add_all(rows)
            s.flush()
            s.add_all(Component(dossier_id=d._dossier_id, document_id=d.id) for d in rows)
            s.add_all(Page(document_id=d.id, number=1, text="Họ và tên: Nguyễn Văn A", source="ocr") for d in rows)
    with services.db.session() as s:
        ids = list(s.scalars(Document.__table__.select().with_only_columns(Document.id)))
    block = os.urandom(object_kb * 1024)
    with services.db.session() as s:
        for n, doc_id in enumerate(ids):
            content = (block if n < objects else b"small") + n.to_bytes(8, "big")
            document = s.get(Document, doc_id)
            document.sha256, document.size = hashlib.sha256(content).hexdigest(), len(content)
            services.store.put_bytes(content_key(document.sha256), content)
            services.store.put_bytes(document.pdf_key, content[: len(content) // 2])
            services.store.put_bytes(document.text_key, b"text")


def plain_hashing(root: Path) -> tuple[int, int, float]:
    files = [p for p in root.rglob("*") if p.is_file() and ".tmp" not in p.parts]
    started = time.perf_counter()
    total = 0
    for path in files:
        digest = hashlib.sha256()
        with path.open("rb") as f:
            while chunk := f.read(1024 * 1024):
                digest.update(chunk)
        total += path.stat().st_size
    return len(files), total, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20000)
    parser.add_argument("--objects", type=int, default=1000, help="documents with large originals")
    parser.add_argument("--object-kb", type=int, default=200)
    parser.add_argument("--dispose", type=int, default=300, help="documents in the disposal batch")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="records-bench-"))
    services = build_services(Settings(data_dir=work / "var", fixity_every_hours=0,
                                       retention_review_every_hours=0), start_workers=False)
    try:
        started = time.perf_counter()
        populate(services, args.docs, args.objects, args.object_kb)
        print(f"archive: {args.docs} documents, {args.objects} with objects of {args.object_kb} KB "
              f"(built in {time.perf_counter() - started:.1f} s)")

        started = time.perf_counter()
        review = review_retention(services, "bench")
        took = time.perf_counter() - started
        print(f"retention review: {review.due} due of {args.docs} in {took:.2f} s "
              f"= {args.docs / took:,.0f} documents/s")

        started = time.perf_counter()
        first = run_fixity_check(services, "bench")   # records derived baselines
        took_first = time.perf_counter() - started
        started = time.perf_counter()
        run = run_fixity_check(services, "bench")
        took = time.perf_counter() - started
        files, size, plain = plain_hashing(work / "var" / "objects")
        mb = run.bytes_checked / 1e6
        print(f"fixity: {run.objects_checked} objects, {mb:.0f} MB in {took:.2f} s = {run.objects_checked / took:,.0f} "
              f"objects/s, {mb / took:.0f} MB/s (first run with baselines {took_first:.2f} s); problems {run.problems}")
        print(f"baseline plain hashlib over the same {files} files ({size / 1e6:.0f} MB): {plain:.2f} s "
              f"= {size / 1e6 / plain:.0f} MB/s; fixity / baseline time = {took / plain:.2f}")

        with services.db.session() as s:
            due = [a.document.id for _, a in zip(range(args.dispose), iter_due(s))]
        with services.db.session() as s:
            batch = propose_batch(s, ARCHIVIST, due, "bench", "BENCH").id
        with services.db.session() as s:
            approve_batch(s, ADMIN, batch, None)
        started = time.perf_counter()
        execute_batch(services, batch, ADMIN)
        took = time.perf_counter() - started
        print(f"disposal: {len(due)} documents destroyed in {took:.2f} s = {len(due) / took:,.1f} documents/s")
    finally:
        services.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
