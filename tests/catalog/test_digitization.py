"""Digitization codes ``<owner ID>.<type>.<issuer>.<NN>``: per-prefix sequences, unique under
concurrency, never reused; validity rules from the catalog."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest

from catalog import catalogs, digitization, review
from catalog.audit import Actor
from catalog.models import Document, Owner

OWNER = "001203004567"
ACTOR = Actor("counter1", "counter", "PT01")


@pytest.fixture
def db(tmp_path: Path):
    database = catalogs.open_database(f"sqlite:///{tmp_path / 'c.sqlite3'}")
    with database.session() as s:
        s.add(Owner(personal_id=OWNER))
    yield database
    database.dispose()


def new_document(db, type_code: str | None = "HT01", status: str = "proposed", **kw) -> str:
    with db.session() as s:
        owner = s.query(Owner).filter_by(personal_id=OWNER).one()
        doc = Document(sha256="0" * 64, media_type="image/png", filename="x.png", size=1, status="ready",
                       owner_id=owner.id, document_type_code=type_code, type_status=status, **kw)
        s.add(doc)
        s.flush()
        s.refresh(doc, ["owner"])
        digitization.assign_code(s, doc, catalogs.active_catalog(s))
        return doc.id


def code_of(db, document_id: str) -> str | None:
    with db.session() as s:
        return s.get(Document, document_id).digitization_code


def test_sequence_per_prefix(db):
    first, second = new_document(db), new_document(db)
    other_type = new_document(db, "NT01")
    other_issuer = new_document(db, issuer_symbol="UBNDX")
    assert code_of(db, first) == f"{OWNER}.HT01.UBND.01"
    assert code_of(db, second) == f"{OWNER}.HT01.UBND.02"
    assert code_of(db, other_type) == f"{OWNER}.NT01.BCA.01"
    assert code_of(db, other_issuer) == f"{OWNER}.HT01.UBNDX.01"


def test_doubtful_type_gets_no_code(db):
    assert code_of(db, new_document(db, status="needs_review")) is None
    assert code_of(db, new_document(db, type_code=None)) is None


def test_a_corrected_type_gets_a_new_code_and_the_old_number_stays_spent(db):
    doc = new_document(db)
    with db.session() as s:
        review.confirm_type(s, doc, "HT02", ACTOR)
    assert code_of(db, doc) == f"{OWNER}.HT02.UBND.01"
    with db.session() as s:
        review.confirm_type(s, doc, "HT01", ACTOR)
    assert code_of(db, doc) == f"{OWNER}.HT01.UBND.02"  # .01 was given once and is never reused
    assert code_of(db, new_document(db)) == f"{OWNER}.HT01.UBND.03"


def test_codes_are_unique_under_concurrency(db):
    with ThreadPoolExecutor(6) as pool:
        ids = list(pool.map(lambda _: new_document(db), range(30)))
    codes = [code_of(db, i) for i in ids]
    assert len(set(codes)) == 30
    assert sorted(int(c.rsplit(".", 1)[1]) for c in codes) == list(range(1, 31))


def test_validity_rules():
    doc = Document(issue_date=date(2024, 1, 31), certified_copy=False)
    digitization.apply_validity(doc, "months:1")
    assert doc.valid_until == date(2024, 2, 29) and not doc.permanent
    doc = Document(issue_date=date(2020, 1, 1), certified_copy=False)
    digitization.apply_validity(doc, "permanent")
    assert doc.permanent and doc.valid_until is None
    copy = Document(certified_copy=True, digitized_at=None)
    digitization.apply_validity(copy, "permanent", certified_copy_months=6)
    assert not copy.permanent and copy.valid_until is not None and copy.validity_scope == "Bản sao chứng thực"


def _extraction(db, text: str):
    from catalog import fields

    with db.session() as s:
        return fields.extract([fields.TextPage(1, text)], catalogs.active_catalog(s))


def test_printed_id_links_the_owner_or_flags_a_mismatch(db):
    from catalog.classifier import Candidate, Proposal

    proposal = Proposal(Candidate("HT01", "Giấy khai sinh", 0.9), (), False)
    mismatch = new_document(db, type_code=None, status=None)
    unowned = new_document(db, type_code=None, status=None)
    with db.session() as s:
        s.get(Document, unowned).owner_id = None
    other_id = _extraction(db, "Số định danh cá nhân: 001203009999")
    own_id = _extraction(db, f"Số định danh cá nhân: {OWNER}")
    with db.session() as s:
        catalog = catalogs.active_catalog(s)
        doc = s.get(Document, mismatch)
        digitization.code_document(s, doc, catalog, proposal, other_id)
        assert "owner_mismatch" in doc.fields["warnings"]
        assert doc.fields["owner_mismatch"] == {"printed": ["001203009999"], "owner": [OWNER]}
        doc = s.get(Document, unowned)
        digitization.code_document(s, doc, catalog, proposal, own_id)
        assert doc.owner.personal_id == OWNER and doc.owner_code == OWNER
        assert doc.digitization_code == f"{OWNER}.HT01.UBND.02" and doc.type_status == "proposed"
