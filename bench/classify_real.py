"""Document-type classification on the real papers of ``bench/data/real``: top-1 against their true type.

Prints numbers; it is not a test. Usage::

    .venv/bin/python bench/classify_real.py

``manifest.csv`` gives each real image the catalog document-type code it truly is (``type``),
or nothing when the paper is of no type of the shipped catalog (an exam paper, a sales contract,
a blank residence form). Each image goes through our page OCR exactly as ``digitize`` runs it
for an uploaded image, then through the classifier as the pipeline calls it, with a model trained
from the catalog alone (a fresh installation, no confirmed documents).

It prints per image the true and the proposed type and whether the proposal was flagged for
review, then: top-1 and top-3 accuracy over the typed papers (baseline: the catalog's title and
keyword rules alone, no model), and for the untyped ones how many
got a proposal that was *not* flagged for review (a wrong type a clerk might accept unseen).
"""

from __future__ import annotations

import csv
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ocr import PagePool  # noqa: E402
from ocr.page import PageJob, ocr_pages  # noqa: E402

DATA = REPO / "bench" / "data" / "real"


def main() -> int:
    from catalog import catalogs, classifier

    with (DATA / "manifest.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    with tempfile.TemporaryDirectory(prefix="classify-real-") as tmp:
        db = catalogs.open_database(f"sqlite:///{tmp}/catalog.sqlite3")
        with db.session() as s:
            catalog = catalogs.active_catalog(s)
        db.dispose()
    model = classifier.train(catalog)
    unknown = {row["type"] for row in rows if row["type"]} - set(catalog.document_types)
    if unknown:
        raise SystemExit(f"manifest.csv names types the catalog does not have: {sorted(unknown)}")

    workers = os.cpu_count() or 1
    with PagePool(workers, lang="vie", niceness=0) as pool:
        futures = [pool.submit(ocr_pages, PageJob(str(DATA / row["name"]), "image", (0,), "vie", pool.dpi))
                   for row in rows]
        texts = [future.result()[0].page.text for future in futures]

    typed = top1 = top3 = untyped = unflagged_wrong = rules_top1 = 0
    print(f"{'image':46} {'split':7} {'true':5} {'proposed':8} {'review':6} top-3")
    for row, text in zip(rows, texts, strict=True):
        proposal = classifier.combine(catalog, classifier.classification_text([text]), model, None)
        best = proposal.best.code if proposal.best else "-"
        three = [best, *[a.code for a in proposal.alternatives[:2]]]
        want = row["type"] or "-"
        print(f"{row['name'][:46]:46} {row['split']:7} {want:5} {best:8} {'yes' if proposal.needs_review else 'no':6}"
              f" {','.join(three)}")
        if row["type"]:
            typed += 1
            top1 += best == row["type"]
            top3 += row["type"] in three
            rules = classifier.combine(catalog, classifier.classification_text([text]), None, None).best
            rules_top1 += rules is not None and rules.code == row["type"]
        else:
            untyped += 1
            unflagged_wrong += proposal.best is not None and not proposal.needs_review

    def pct(a: int, b: int) -> str:
        return f"{a}/{b} = {100 * a / b:.0f} %" if b else "n/a"

    print(f"\ncatalog {catalog.label}: {len(catalog.document_types)} document types; real papers of a catalog type: "
          f"{typed}, of none: {untyped}")
    print(f"top-1 accuracy on the typed papers: {pct(top1, typed)}; top-3: {pct(top3, typed)};"
          f" the catalog's rules alone: {pct(rules_top1, typed)}")
    print(f"untyped papers given a type without a review flag: {pct(unflagged_wrong, untyped)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
