"""Signing cost: what an approval adds to sign a copy, and what a verification costs (it runs on
every download of the signed copy, every checklist offering the paper, and in the fixity run).

For scanned PDFs of 1 and 10 pages (A4 at 300 dpi, JPEG) it times, per document: writing the
archival metadata and signing (PKCS#12 key, B-B), and verifying with pyHanko. The baseline,
measured in the same run on the same bytes, is the unavoidable part of handing the copy out:
reading it back from the local object store and hashing it. Ratios are printed against it.

    .venv/bin/python bench/signing.py --rounds 5
"""
from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from core.settings import Settings  # noqa: E402
from ocr.archival import ArchivalInfo, describe  # noqa: E402
from records.keys import init_dev, open_signing_key, trust_roots  # noqa: E402
from records.signatures import sign_pdf, verify_pdf  # noqa: E402
from storage import LocalObjectStore, content_key  # noqa: E402
from tests.render import image_pdf, render_paragraphs, seed_paragraphs  # noqa: E402

INFO = ArchivalInfo("Giấy khai sinh", "HT01", "001203004567.HT01.UBND.01", "BHXH")


def timed(fn, rounds: int) -> float:
    """Median seconds of ``rounds`` calls."""
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        settings = Settings(data_dir=root / "var")
        init_dev(settings, "BHXH")
        key, roots = open_signing_key(settings), trust_roots(settings)
        store = LocalObjectStore(root / "objects")
        pages, _ = render_paragraphs(seed_paragraphs()[:40], dpi=300)
        print(f"{'pages':>5} {'size KB':>8} {'read+hash ms':>13} {'sign ms':>8} {'verify ms':>10} "
              f"{'sign/base':>10} {'verify/base':>12}")
        for count in (1, 10):
            pdf = image_pdf((pages * 10)[:count], root / f"{count}.pdf").read_bytes()
            signed, _ = sign_pdf(describe(pdf, INFO), key, roots=roots, reason="bench", location="BHXH")
            object_key = content_key(hashlib.sha256(signed).hexdigest(), prefix="signed")
            store.put_bytes(object_key, signed)

            def read_and_hash() -> None:
                with store.open(object_key) as f:
                    hashlib.sha256(f.read()).hexdigest()

            base = timed(read_and_hash, args.rounds)
            sign = timed(lambda: sign_pdf(describe(pdf, INFO), key, roots=roots, reason="bench",
                                          location="BHXH"), args.rounds)
            verify = timed(lambda: verify_pdf(signed, roots), args.rounds)
            print(f"{count:>5} {len(signed) / 1024:>8.0f} {base * 1000:>13.1f} {sign * 1000:>8.1f} "
                  f"{verify * 1000:>10.1f} {sign / base:>10.1f} {verify / base:>12.1f}")


if __name__ == "__main__":
    main()
