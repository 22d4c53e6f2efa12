"""The document-type classifier: rules from the catalog, the trained model, review flags, and
models stored with their checksum, reloaded instead of rebuilt, retrained from corrections."""
from __future__ import annotations

from pathlib import Path

import pytest

from catalog import catalogs, classifier
from catalog.coding import ClassifierModel
from catalog.models import Document, Page
from core.clock import utcnow
from storage import LocalObjectStore


@pytest.fixture
def env(tmp_path: Path):
    db = catalogs.open_database(f"sqlite:///{tmp_path / 'c.sqlite3'}")
    yield db, LocalObjectStore(tmp_path / "objects")
    db.dispose()


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    db = catalogs.open_database(f"sqlite:///{tmp_path_factory.mktemp('cls') / 'c.sqlite3'}")
    with db.session() as s:
        catalog = catalogs.active_catalog(s)
    yield catalog, classifier.train(catalog)
    db.dispose()


DISCHARGE = """SỞ Y TẾ PHÚ THỌ
BỆNH VIỆN ĐA KHOA TỈNH PHÚ THỌ
GIẤY RA VIỆN
Họ tên người bệnh: Lê Thị Hoa   Tuổi: 41
Vào viện lúc 8 giờ ngày 02/03/2024
Ra viện lúc 9 giờ ngày 09/03/2024
Chẩn đoán: Viêm phổi cấp
Phương pháp điều trị: nội khoa"""


def test_title_and_body_give_a_confident_proposal(trained):
    catalog, model = trained
    proposal = classifier.combine(catalog, DISCHARGE, model, 1)
    assert proposal.best.code == "YT01" and proposal.best.score >= 0.7 and not proposal.needs_review
    assert len(proposal.alternatives) == 3 and all(a.score < proposal.best.score for a in proposal.alternatives)
    assert proposal.to_json()["document_type"] == {"code": "YT01", "name": "Giấy ra viện",
                                                   "confidence": round(proposal.best.score, 3)}


def test_dropped_diacritics_and_ocr_slips_still_match(trained):
    catalog, model = trained
    damaged = "BENH VIEN DA KHOA\nG1AY RA VlEN\nVao vien luc 8 gio\nRa vien luc 9 gio\nChan doan: viem ph0i"
    assert classifier.combine(catalog, damaged, model, 1).best.code == "YT01"


def test_decisions_are_told_apart_by_their_abstract(trained):
    catalog, model = trained
    for abstract, code in (("Về việc hưởng lương hưu hằng tháng", "KQ01"),
                           ("Về việc hưởng trợ cấp tuất một lần", "KQ04"),
                           ("Về việc điều chỉnh mức hưởng lương hưu", "KQ08")):
        text = f"BẢO HIỂM XÃ HỘI TỈNH PHÚ THỌ\nSố: 12/QĐ-BHXH\nQUYẾT ĐỊNH\n{abstract}\nGIÁM ĐỐC BẢO HIỂM XÃ HỘI TỈNH"
        assert classifier.combine(catalog, text, model, 1).best.code == code, abstract


def test_unknown_papers_are_flagged_for_review(trained):
    catalog, model = trained
    proposal = classifier.combine(catalog, "Thực đơn bữa trưa: cơm, canh chua, cá kho tộ", model, 1)
    assert proposal.needs_review and "low_confidence" in proposal.reasons


def test_rules_alone_work_without_a_model(trained):
    catalog, _ = trained
    proposal = classifier.combine(catalog, DISCHARGE, None, None)
    assert proposal.best.code == "YT01" and "rules_only" in proposal.reasons


def test_model_is_stored_and_reloaded_not_rebuilt(env, monkeypatch):
    db, store = env
    first_id, first = classifier.current_model(db, store)
    with db.session() as s:
        row = s.get(ClassifierModel, first_id)
        assert store.exists(row.key) and row.samples > 0 and row.confirmed_documents == 0
    monkeypatch.setattr(classifier, "train", lambda *a, **k: pytest.fail("retrained although a model is stored"))
    classifier._loaded.clear()  # a new process: nothing in memory
    again_id, again = classifier.current_model(db, store)
    assert again_id == first_id and again.classes == first.classes


def test_a_tampered_model_is_not_loaded(env):
    db, store = env
    model_id, _ = classifier.current_model(db, store)
    with db.session() as s:
        row = s.get(ClassifierModel, model_id)
        store.put_bytes(row.key, b"not the model", content_type="application/octet-stream")
        classifier._loaded.clear()
        assert classifier.load(s, store, row) is None
    new_id, model = classifier.current_model(db, store)  # retrained instead
    assert new_id != model_id and model is not None


def test_retraining_learns_from_counter_corrections(env):
    db, store = env
    first_id, _ = classifier.current_model(db, store)
    text = "PHIẾU KHẢO SÁT HÀI LÒNG\nÔng bà đánh giá thái độ phục vụ của cán bộ một cửa"
    with db.session() as s:
        for i in range(4):
            doc = Document(sha256=f"{i:064d}", media_type="image/png", filename=f"{i}.png", size=1, status="ready",
                           document_type_code="BH09", type_status="confirmed", type_confirmed_at=utcnow())
            s.add(doc)
            s.flush()
            s.add(Page(document_id=doc.id, number=1, text=f"{text} số {i}", source="ocr"))
        catalog = catalogs.active_catalog(s)
        assert classifier.corrections_since_model(s, catalog.version_id) == 4
    thread = classifier.retrain_in_background(db, store)
    thread.join(timeout=120)
    with db.session() as s:
        newest = classifier.latest_model_row(s, catalog.version_id)
        assert newest.id != first_id and newest.confirmed_documents == 4 and newest.created_by == "auto"
        assert classifier.corrections_since_model(s, catalog.version_id) == 0
    _, model = classifier.current_model(db, store)
    assert max(model.probabilities(text).items(), key=lambda kv: kv[1])[0] == "BH09"
