"""Uploading components: 202 at once, bad input refused whole, nothing half-written."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from catalog.models import Document
from tests import samples
from tests.conftest import open_dossier, wait_document


def upload(client, code, *files, **data):
    return client.post(f"/api/v1/dossiers/{code}/components",
                       files=[("files", (name, content)) for name, content in files], data=data)


def upload_raw(client, code, *files):
    """Multipart written by hand, so file names reach the server byte for byte (httpx escapes them)."""
    boundary = "sohoa-test-boundary"
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
        f"Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n"
        for name, content in files
    ) + f"--{boundary}--\r\n".encode()
    return client.post(f"/api/v1/dossiers/{code}/components", content=body,
                       headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})


def stored_state(client):
    services = client.app.state.services
    objects = sorted(services.store.iter_keys("originals/"))
    with services.db.session() as s:
        rows = s.scalar(select(func.count()).select_from(Document))
    return objects, rows


def test_upload_answers_202_at_once_and_processes_in_background(client):
    code = open_dossier(client)["code"]
    start = time.monotonic()
    r = upload(client, code, ("khai-sinh.png", samples.png_page()),
               ("ho-so.tif", samples.tiff_pages([["Trang một"], ["Trang hai"]])))
    elapsed = time.monotonic() - start
    assert r.status_code == 202, r.text
    docs = r.json()["documents"]
    assert [d["page_count"] for d in docs] == [1, 2]
    assert all(d["status"] in ("pending", "processing") for d in docs)
    assert elapsed < 5  # behaviour, not a benchmark: OCR of 3 pages must not happen inside the call
    for d in docs:
        body = wait_document(client, d["id"])
        assert body["status"] == "ready", body
        assert body["progress"] == {"pages_done": body["page_count"], "page_count": body["page_count"], "percent": 100}
    dossier = client.get(f"/api/v1/dossiers/{code}").json()
    assert [c["document"]["id"] for c in dossier["components"]] == [d["id"] for d in docs]


def test_same_bytes_are_stored_once(client):
    code = open_dossier(client)["code"]
    page = samples.png_page()
    first = upload(client, code, ("a.png", page)).json()["documents"][0]
    second = upload(client, open_dossier(client)["code"], ("b.png", page)).json()["documents"][0]
    assert second["duplicate"] and second["id"] == first["id"]
    other_owner = upload(client, open_dossier(client, owner="079300001111")["code"], ("c.png", page))
    other = other_owner.json()["documents"][0]
    assert not other["duplicate"] and other["id"] != first["id"], "another owner never sees this paper"
    objects, rows = stored_state(client)
    assert len(objects) == 1 and rows == 2


def test_a_photo_named_for_another_type_is_accepted_with_a_warning(client):
    code = open_dossier(client)["code"]
    body = upload(client, code, ("anh-chup.pdf", samples.png_page())).json()["documents"][0]
    document = client.get(f"/api/v1/documents/{body['id']}").json()
    assert (document["media_type"], document["filename"], document["warnings"]) == (
        "image/png", "anh-chup.pdf", ["extension_mismatch"])
    assert [(n["code"], n["rescan"]) for n in document["notices"]] == [("extension_mismatch", False)]
    assert "thực chất là ảnh PNG" in document["notices"][0]["message"]


def test_a_low_resolution_photo_is_read_and_the_counter_is_told_to_rescan(client):
    code = open_dossier(client)["code"]
    small = samples.png_page([*samples.ADMIN_LINES, "Nay tôi làm đơn này kính xin Ban Công an xã cho tôi"],
                             dpi=75, font_pt=10)
    body = upload(client, code, ("anh-nho.png", small)).json()["documents"][0]
    document = wait_document(client, body["id"])
    assert document["status"] == "ready", document
    assert "low_resolution:p1" in document["warnings"]
    rescan = {n["code"]: n for n in document["notices"] if n["rescan"]}
    assert rescan["low_resolution"]["page"] == 1 and rescan["low_resolution"]["message"].startswith("Trang 1 ")


BAD = [
    (("rong.pdf", b""), 400, "empty_file"),
    (("hong.pdf", samples.corrupt_pdf()), 400, "corrupt_pdf"),
    (("mat-khau.pdf", samples.encrypted_pdf()), 400, "encrypted_pdf"),
    (("bom.png", samples.bomb_png()), 413, "image_too_large"),
    (("../../etc/passwd.png", samples.png_page()), 400, "invalid_filename"),
    (("a\x01b.png", samples.png_page()), 400, "invalid_filename"),
    (("dai.pdf", samples.blank_pdf(21)), 413, "too_many_pages"),
    (("to.png", b"\x89PNG\r\n\x1a\n" + b"0" * (6 * 1024 * 1024)), 413, "file_too_large"),
    (("note.txt", b"hello"), 415, "unsupported_type"),
]


@pytest.mark.parametrize("bad,status,code", BAD, ids=[b[2] for b in BAD])
def test_bad_file_refuses_the_whole_upload_and_stores_nothing(client, bad, status, code):
    dossier = open_dossier(client)["code"]
    r = upload_raw(client, dossier, ("tot.png", samples.png_page()), bad)
    assert r.status_code == status, r.text
    body = r.json()
    assert body["code"] == code and body["message"]
    assert stored_state(client) == ([], 0)
    assert client.get(f"/api/v1/dossiers/{dossier}").json()["components"] == []


def test_request_over_the_body_limit_is_413(client):
    dossier = open_dossier(client)["code"]
    blob = b"%PDF-" + b"0" * (4 * 1024 * 1024)
    r = upload(client, dossier, *[(f"p{i}.pdf", blob) for i in range(4)])  # 16 MB > 12 MB limit
    assert r.status_code == 413 and r.json()["code"] == "request_too_large"
    assert stored_state(client) == ([], 0)


def test_upload_to_unknown_dossier_or_without_files(client):
    assert upload(client, "BHXH-000000-0009", ("a.png", samples.png_page())).json()["code"] == "dossier_not_found"
    dossier = open_dossier(client)["code"]
    r = client.post(f"/api/v1/dossiers/{dossier}/components")
    assert r.status_code == 422 and r.json()["code"] == "invalid_request"


def test_storage_failure_undoes_the_journal(client, monkeypatch):
    dossier = open_dossier(client)["code"]
    store = client.app.state.services.store
    real_put = store.put_file
    calls = []

    def flaky_put(key, path, **kw):
        calls.append(key)
        if len(calls) == 2:
            raise OSError("disk full")
        return real_put(key, path, **kw)

    monkeypatch.setattr(store, "put_file", flaky_put)
    with pytest.raises(OSError):
        upload(client, dossier, ("a.png", samples.png_page()), ("b.jpg", samples.jpeg_page()))
    assert len(calls) == 2
    assert stored_state(client) == ([], 0)
