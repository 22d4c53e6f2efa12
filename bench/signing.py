"""Signing cost: what an approval adds to sign a copy, and what a verification costs (it runs on
every download of the signed copy, every checklist offering the paper, and in the fixity run).

For scanned PDFs of 1 and 10 pages (A4 at 300 dpi, JPEG) it times, per document: writing the
archival metadata and signing (PKCS#12 key, B-B), and verifying with pyHanko. The baseline,
measured in the same run on the same bytes, is the unavoidable part of handing the copy out:
reading it back from the local object store and hashing it. Ratios are printed against it.

Then a reuse checklist (``GET /dossiers/{code}/checklist`` through the real app) of an owner with
``--papers`` signed papers, which verifies each of them: uncached (the verdict cache emptied
before every request, what every checklist cost before records/signature_cache.py) against
cached (the bytes are still read and hashed, pyHanko does not run again).

    .venv/bin/python bench/signing.py --rounds 5 --papers 10
"""
from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.timing import timed  # noqa: E402
from core.settings import Settings  # noqa: E402
from ocr.archival import ArchivalInfo, describe  # noqa: E402
from records.keys import init_dev, open_signing_key, trust_roots  # noqa: E402
from records.signatures import sign_pdf, verify_pdf  # noqa: E402
from storage import LocalObjectStore, content_key  # noqa: E402
from tests.render import image_pdf, render_paragraphs, seed_paragraphs  # noqa: E402

INFO = ArchivalInfo("Giấy khai sinh", "HT01", "001203004567.HT01.UBND.01", "BHXH")




def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--papers", type=int, default=10, help="signed papers of the checklist's owner")
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
        checklist(root, image_pdf(pages[:1], root / "page.pdf").read_bytes(), args.papers, args.rounds)


def checklist(root: Path, pdf: bytes, papers: int, rounds: int) -> None:
    """Median checklist time, uncached and cached, for an owner with ``papers`` signed papers."""
    from records.signature_cache import VERDICTS
    from tests.archive import Archive, paper
    from tests.conftest import auth_header, open_dossier, running_client

    settings = Settings(data_dir=root / "app", ocr_workers=1, scheduler_start_delay_s=3600)
    init_dev(settings, "BHXH")
    for client in running_client(settings):
        archive = Archive(client)
        dossier = archive.dossier(resolved=None)
        reviewer = auth_header(client, "handler1")
        for n in range(papers):
            document_id = paper(archive, dossier, "HT01", approved=False, type_status="confirmed",
                                document_number=f"{n + 1}/2014")
            archive.services.store.put_bytes(archive.keys(document_id)["pdf"], pdf)
            r = client.post(f"/api/v1/documents/{document_id}/review", json={"decision": "approved"},
                            headers=reviewer)
            assert r.status_code == 200 and r.json()["signature"]["status"] == "valid", r.text
        code = open_dossier(client, procedure="1.000123", full_name="Nguyễn Văn Đức")["code"]

        def get() -> None:
            r = client.get(f"/api/v1/dossiers/{code}/checklist")
            assert r.status_code == 200, r.text

        def uncached() -> None:
            VERDICTS.clear()
            get()

        get()  # warm the app's own first-request costs before either is timed
        cold = timed(uncached, rounds)
        get()
        warm = timed(get, rounds)
        print(f"\nchecklist of an owner with {papers} signed papers: uncached {cold * 1000:.1f} ms, "
              f"cached {warm * 1000:.1f} ms, uncached/cached {cold / warm:.1f}")


if __name__ == "__main__":
    main()
