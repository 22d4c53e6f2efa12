"""Coding through the API: a scanned paper gets its type, fields and digitization code; the
counter confirms; a reviewer approves; results need a catalog result code; admins import
catalogs with a dry run; dossier codes stay unique under parallel intake."""
from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor

from tests.conftest import OWNER_ID, PROCEDURE, auth_header, open_dossier, wait_document
from tests.render import encode, render_lines

BIRTH_CERTIFICATE = [
    "ỦY BAN NHÂN DÂN XÃ TIÊN KIÊN",
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "GIẤY KHAI SINH",
    "Họ, chữ đệm, tên: NGUYỄN VĂN ĐỨC",
    "Ngày, tháng, năm sinh: 12/03/2003",
    "Giới tính: Nam   Dân tộc: Kinh   Quốc tịch: Việt Nam",
    f"Số định danh cá nhân: {OWNER_ID}",
    "Nơi sinh: Trạm y tế xã Tiên Kiên",
    "Họ, chữ đệm, tên người mẹ: Lê Thị Hoa",
    "Nơi đăng ký khai sinh: Ủy ban nhân dân xã Tiên Kiên",
]


def upload(client, dossier_code: str, lines: list[str], name: str = "giay-khai-sinh.png") -> dict:
    png = encode(render_lines(lines, dpi=200, font_pt=12))
    r = client.post(f"/api/v1/dossiers/{dossier_code}/components",
                    files={"files": (name, io.BytesIO(png), "image/png")}, data={"component_code": "1.000457.TP02"})
    assert r.status_code == 202, r.text
    return wait_document(client, r.json()["documents"][0]["id"], timeout=240)


def test_a_scanned_paper_is_typed_extracted_coded_confirmed_and_reviewed(client):
    dossier = open_dossier(client, procedure="1.000457")
    body = upload(client, dossier["code"], BIRTH_CERTIFICATE)
    assert body["status"] == "ready"
    assert body["document_type"]["code"] == "HT01" and body["document_type"]["name"] == "Giấy khai sinh"
    assert 0 < body["document_type"]["confidence"] <= 1 and len(body["alternatives"]) == 3
    fields = body["fields"]
    assert fields["personal_id"]["value"] == OWNER_ID and fields["personal_id"]["bbox"]
    assert fields["full_name"]["value"] == "Nguyễn Văn Đức"
    assert fields["birth_date"]["value"] == "2003-03-12"
    record = body["record"]
    assert record["procedure_code"] == "1.000457" and record["review_status"] == "pending"
    assert record["digitized_by"] == "counter1" and record["permanent"] is True
    if body["needs_review"]:
        assert record["digitization_code"] is None  # a doubtful type is never silently accepted
    r = client.post(f"/api/v1/documents/{body['id']}/type", json={"code": "HT01"})
    assert r.status_code == 200, r.text
    record = r.json()["record"]
    assert record["type_status"] == "confirmed" and record["digitization_code"] == f"{OWNER_ID}.HT01.UBND.01"

    # the counter who digitized it cannot approve it; a handler can
    r = client.post(f"/api/v1/documents/{body['id']}/review", json={"decision": "approved"})
    assert r.status_code == 403
    handler = auth_header(client, "handler1")
    r = client.post(f"/api/v1/documents/{body['id']}/review", json={"decision": "approved"}, headers=handler)
    assert r.status_code == 200 and r.json()["record"]["review_status"] == "approved"
    reusable = client.get(f"/api/v1/owners/{OWNER_ID}/reusable").json()
    assert [d["id"] for d in reusable] == [body["id"]]
    hits = client.get("/api/v1/search", params={"q": "khai sinh", "document_type": "HT01"})
    assert hits.status_code == 200 and [h["id"] for h in hits.json()["hits"]] == [body["id"]]

    # a corrected record is reviewed again before it is reused
    r = client.patch(f"/api/v1/documents/{body['id']}/record", json={"national_store_code": "x"})
    assert r.status_code == 400 and r.json()["code"] == "invalid_national_store_code"
    r = client.patch(f"/api/v1/documents/{body['id']}/record",
                     json={"document_number": "123/KS", "national_store_code": "KDL.000123456"})
    assert r.status_code == 200, r.text
    assert r.json()["record"]["document_number"] == "123/KS" and r.json()["record"]["review_status"] == "pending"
    assert client.get(f"/api/v1/owners/{OWNER_ID}/reusable").json() == []

    # the same owner's second birth certificate gets .02; unknown types are refused
    second = upload(client, dossier["code"], BIRTH_CERTIFICATE + ["(Bản sao)"], name="ban-sao.png")
    r = client.post(f"/api/v1/documents/{second['id']}/type", json={"code": "HT01"})
    assert r.json()["record"]["digitization_code"] == f"{OWNER_ID}.HT01.UBND.02"
    assert r.json()["record"]["certified_copy"] is True
    r = client.post(f"/api/v1/documents/{second['id']}/type", json={"code": "ZZ99"})
    assert r.status_code == 400 and r.json()["code"] == "unknown_document_type"


def test_results_need_a_catalog_result_code_and_are_handed_over(client):
    dossier = open_dossier(client)  # sickness benefit 1.000456
    handler = auth_header(client, "handler1")
    pdf = encode(render_lines(["DANH SÁCH GIẢI QUYẾT HƯỞNG CHẾ ĐỘ ỐM ĐAU"], dpi=100), "PDF")
    url = f"/api/v1/dossiers/{dossier['code']}/results"

    def attach(result_code: str, **extra):
        return client.post(url, headers=handler, files={"file": ("kq.pdf", io.BytesIO(pdf), "application/pdf")},
                           data={"result_code": result_code, "document_number": "45/C70a-BHXH",
                                 "issue_date": "2024-05-06", **extra})

    assert attach("1.999999.KQ01").json()["code"] == "unknown_result_code"
    assert attach("1.000502.KQ01").json()["code"] == "result_code_mismatch"  # pension code on a sickness dossier
    assert client.post(url, files={"file": ("kq.pdf", io.BytesIO(pdf), "application/pdf")},
                       data={"result_code": "1.000456.KQ01"}).status_code == 403  # counters do not attach results
    r = attach("1.000456.KQ01")
    assert r.status_code == 201, r.text
    result = r.json()
    assert result["result_code"] == "1.000456.KQ01" and result["document_number"] == "45/C70a-BHXH"
    assert result["issue_date"] == "2024-05-06" and result["permanent"] is True
    assert result["digitization_code"] == f"{OWNER_ID}.KQ05.BHXH.01" and result["handed_over_at"] is None
    r = client.post(f"{url}/{result['id']}/handover")
    assert r.status_code == 200 and r.json()["handed_over_by"] == "counter1"
    assert [x["id"] for x in client.get(url).json()] == [result["id"]]
    wait_document(client, result["document_id"])
    document = client.get(f"/api/v1/documents/{result['document_id']}").json()
    assert document["record"]["kind"] == "result" and document["document_type"]["code"] == "KQ05"


def test_admin_catalog_import_export(client):
    archivist = auth_header(client, "archivist1")
    assert client.get("/api/v1/admin/catalogs").status_code == 403  # counters don't manage catalogs
    versions = client.get("/api/v1/admin/catalogs", headers=archivist).json()
    assert [(v["label"], v["sample"], v["in_force"]) for v in versions] == [("sample-2026.1", True, True)]
    exported = client.get("/api/v1/admin/catalogs/current.json", headers=archivist).json()
    assert len(exported["document_types"]) >= 40

    csv_text = client.get("/api/v1/admin/catalogs/current/results.csv", headers=archivist).text
    changed = csv_text.replace("Sổ BHXH cấp lại / điều chỉnh", "Sổ BHXH cấp lại")
    form = {"version": "official-2026.2"}
    r = client.post("/api/v1/admin/catalogs/results.csv", headers=archivist,
                    files={"file": ("results.csv", changed.encode(), "text/csv")}, data={**form, "dry_run": "true"})
    assert r.status_code == 200, r.text
    assert r.json()["changes"]["results"]["changed"][0]["code"] == "1.000123.KQ01" and not r.json()["imported"]

    bad = changed + "1.000456.KQ09,1.000456,Kết quả thử,ZZ99,permanent,\n"
    r = client.post("/api/v1/admin/catalogs/results.csv", headers=archivist,
                    files={"file": ("results.csv", bad.encode(), "text/csv")}, data=form)
    assert r.status_code == 422
    problem = r.json()["report"]["problems"][0]
    assert (problem["row"], problem["code"]) == (len(bad.splitlines()), "unknown_document_type")
    assert len(client.get("/api/v1/admin/catalogs", headers=archivist).json()) == 1

    r = client.post("/api/v1/admin/catalogs/results.csv", headers=archivist,
                    files={"file": ("results.csv", changed.encode(), "text/csv")}, data=form)
    assert r.status_code == 200 and r.json()["imported"]
    versions = client.get("/api/v1/admin/catalogs", headers=archivist).json()
    assert [v["label"] for v in versions if v["in_force"]] == ["official-2026.2"]

    bundle = client.get("/api/v1/admin/catalogs/official-2026.2.json", headers=archivist).json()
    bundle["version"] = "official-2026.3"
    bundle["document_types"][0]["code"] = "X1"
    r = client.post("/api/v1/admin/catalogs", params={"dry_run": "true"}, json=bundle, headers=archivist)
    assert r.status_code == 200 and not r.json()["valid"]
    assert {p["code"] for p in r.json()["problems"]} >= {"off_pattern", "unknown_document_type"}


def test_dossier_codes_are_unique_under_parallel_intake(client):
    def create(i: int) -> str:
        owner = f"0012030{i:05d}"
        r = client.post("/api/v1/dossiers", json={"procedure_code": PROCEDURE, "channel": "counter",
                                                  "owner": {"personal_id": owner}})
        assert r.status_code == 201, r.text
        return r.json()["code"]

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(create, range(24)))
    assert len(set(codes)) == 24
    numbers = sorted(int(c.rsplit("-", 1)[1]) for c in codes)
    assert numbers == list(range(1, 25))
    assert all(c.startswith("BHXH-") for c in codes)
