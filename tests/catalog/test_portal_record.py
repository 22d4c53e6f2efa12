"""The sync record: every register state and channel in the portal's codes, papers reused or
new, results once handed over; every record produced here is checked against the repository's
JSON Schema (catalog/data/portal/sync_record.schema.json)."""
from __future__ import annotations

import jsonschema
import pytest
from sqlalchemy import select

from catalog.models import Dossier
from catalog.portal_models import SyncOutbox
from catalog.portal_record import schema, sync_record, with_base
from tests.catalog.test_results import issue
from tests.archive import paper
from tests.catalog.test_reuse import BIRTH, reuse
from tests.conftest import OWNER_ID, auth_header, open_dossier

VALIDATOR = jsonschema.Draft202012Validator(schema(), format_checker=jsonschema.FormatChecker())


def valid(record: dict) -> dict:
    VALIDATOR.validate(record)
    return record


def test_the_schema_file_is_a_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(schema())


def current(client, code: str) -> dict:
    with client.app.state.services.db.session() as s:
        return valid(sync_record(s, s.scalars(select(Dossier).where(Dossier.code == code)).one()))


def outbox_of(client, code: str) -> list[SyncOutbox]:
    with client.app.state.services.db.session() as s:
        rows = list(s.scalars(select(SyncOutbox).where(SyncOutbox.dossier_code == code).order_by(SyncOutbox.id)))
        s.expunge_all()
        return rows


def act(client, code: str, action: str, user: str = "counter1", **body) -> None:
    r = client.post(f"/api/v1/dossiers/{code}/transitions", json={"action": action, **body},
                    headers=auth_header(client, user))
    assert r.status_code == 200, r.text


def test_each_state_of_the_register_has_its_portal_code_and_each_change_its_outbox_row(client) -> None:
    code = open_dossier(client, full_name="Nguyễn Văn Đức")["code"]
    record = current(client, code)
    assert (record["MaHoSo"], record["MaTTHC"], record["TrangThaiHoSo"], record["KenhThucHien"]) == \
        (code, "1.000456", "2", "1")
    assert record["SoGiayToChuHoSo"] == OWNER_ID and record["ChuHoSo"] == "Nguyễn Văn Đức"
    assert record["DinhDanhCHS"] == [{"LoaiDinhDanh": "1", "SoDinhDanh": OWNER_ID}]
    assert record["DonViXuLy"] == "PT01" and record["NoiNopHoSo"] == "1"
    assert len(record["NgayTiepNhan"]) == 14 and len(record["NgayHenTra"]) == 14 and record["NgayKetThucXuLy"] == ""
    seen = ["2"]
    for action, user, body, status in [("start", "handler1", {}, "4"),
                                       ("request_supplement", "handler1", {"reason": "Thiếu giấy ra viện"}, "5"),
                                       ("supplement_received", "counter1", {}, "4"),
                                       ("resolve", "handler1", {}, "9")]:
        act(client, code, action, user, **body)
        assert current(client, code)["TrangThaiHoSo"] == status, action
        seen.append(status)
    rows = outbox_of(client, code)
    assert [valid(r.payload)["TrangThaiHoSo"] for r in rows] == seen  # one row per change, as it stood
    assert rows[0].change == "received" and all(r.change.startswith("event:") for r in rows[1:])
    assert len({r.idempotency_key for r in rows}) == len(rows) and all(code in r.idempotency_key for r in rows)
    assert {r.status for r in rows} == {"pending"} and current(client, code)["NgayKetThucXuLy"] != ""


@pytest.mark.parametrize(("steps", "status"), [
    ([("return", "counter1", {"reason": "Không thuộc thẩm quyền"})], "3"),  # refused at reception
    ([("start", "handler1", {}), ("return", "handler1", {"reason": "Không đủ điều kiện"})], "8"),  # stopped
    ([("withdraw", "counter1", {"reason": "Công dân xin rút"})], "7"),
])
def test_a_dossier_turned_away_is_refused_stopped_or_withdrawn(client, steps, status) -> None:
    code = open_dossier(client)["code"]
    for action, user, body in steps:
        act(client, code, action, user, **body)
    record = current(client, code)
    assert record["TrangThaiHoSo"] == status and record["NgayKetThucXuLy"] != ""


@pytest.mark.parametrize(("channel", "portal_code", "submitted_on_portal"),
                         [("counter", "1", False), ("online", "2", True), ("postal", "3", False),
                          ("public_admin_centre", "1", False)])
def test_every_channel_has_its_portal_code(client, channel, portal_code, submitted_on_portal) -> None:
    r = client.post("/api/v1/dossiers", json={"procedure_code": "1.000456", "channel": channel,
                                              "owner": {"social_insurance_code": "0123456789"}})
    assert r.status_code == 201, r.text
    record = current(client, r.json()["code"])
    assert record["KenhThucHien"] == portal_code and record["NoiNopHoSo"] == ("2" if submitted_on_portal else "1")
    assert record["SoGiayToChuHoSo"] == "0123456789" and record["MaSoBHXH"] == "0123456789"
    assert record["DinhDanhCHS"] == []  # no personal ID known


def test_a_refused_change_writes_no_record_and_a_failing_record_undoes_the_change(client, monkeypatch) -> None:
    code = open_dossier(client)["code"]
    r = client.post(f"/api/v1/dossiers/{code}/transitions", json={"action": "resolve"},
                    headers=auth_header(client, "handler1"))
    assert r.status_code == 409
    assert len(outbox_of(client, code)) == 1

    def broken(*args, **kwargs):
        raise RuntimeError("the outbox table is full")

    monkeypatch.setattr("catalog.outbox.sync_record", broken)
    with pytest.raises(RuntimeError):
        client.post(f"/api/v1/dossiers/{code}/transitions", json={"action": "start"},
                    headers=auth_header(client, "handler1"))
    monkeypatch.undo()
    with client.app.state.services.db.session() as s:  # one transaction: the change went with its record
        assert s.scalars(select(Dossier).where(Dossier.code == code)).one().status == "received"
    assert len(outbox_of(client, code)) == 1


def test_papers_new_and_reused_and_results_once_handed_over(client, tmp_path) -> None:
    pension = open_dossier(client, procedure="1.000502")["code"]
    act(client, pension, "start", "handler1")
    decision = issue(client, tmp_path, pension, "1.000502.KQ01", ["QUYẾT ĐỊNH", "Về việc hưởng lương hưu hằng tháng"],
                     document_number="12/QĐ-BHXH", issue_date="2024-01-02")
    record = current(client, pension)
    assert record["DanhSachGiayToKetQua"] == [] and record["TrangThaiHoSo"] == "4"  # not yet handed over
    act(client, pension, "resolve", "handler1")
    assert current(client, pension)["TrangThaiHoSo"] == "9"
    r = client.post(f"/api/v1/dossiers/{pension}/results/{decision['id']}/handover")
    assert r.status_code == 200, r.text
    record = current(client, pension)
    assert record["TrangThaiHoSo"] == "10" and len(record["NgayTra"]) == 14
    [result] = record["DanhSachGiayToKetQua"]
    assert result["MaGiayToKetQua"] == "1.000502.KQ01" and result["GiayToId"] == decision["document_id"]
    assert result["DuongDanTepTinKetQua"] == f"/api/v1/documents/{decision['document_id']}/file?variant=original"
    changes = [row.change for row in outbox_of(client, pension)]
    assert f"result:{decision['id']}:attached" in changes and f"result:{decision['id']}:handed_over" in changes

    adjust = open_dossier(client, procedure="1.000810")["code"]
    assert reuse(client, adjust, decision["document_id"]).status_code == 201
    assert current(client, adjust)["HoSoCoThanhPhanSoHoa"] == "1"
    [paper] = current(client, adjust)["TaiLieuNop"]
    assert (paper["DuocTaiSuDung"], paper["MaKetQuaThayThe"], paper["DuocSoHoa"], paper["DuocLayTuKhoDMQG"]) == \
        ("2", "1.000502.KQ01", "1", "0")
    assert paper["MaThanhPhanHoSo"] == "1.000810.TP04" and paper["TepDinhKemId"] == decision["document_id"]
    linked = with_base(current(client, adjust), "https://sohoa.bhxh.example/")
    assert valid(linked)["TaiLieuNop"][0]["DuongDanTaiTepTin"].startswith(
        "https://sohoa.bhxh.example/api/v1/documents/")


def test_a_paper_reused_from_an_upload_is_flagged_1_and_an_empty_dossier_has_no_digitized_part(client, archive):
    first = archive.dossier(resolved=None)
    birth = paper(archive, first, "HT01")
    second = open_dossier(client, procedure="1.000123")["code"]
    assert current(client, second)["HoSoCoThanhPhanSoHoa"] == "0" and current(client, second)["TaiLieuNop"] == []
    r = reuse(client, second, birth, BIRTH)
    assert r.status_code == 201, r.text
    [submitted] = current(client, second)["TaiLieuNop"]
    assert (submitted["DuocTaiSuDung"], submitted["MaKetQuaThayThe"], submitted["MaThanhPhanHoSo"]) == ("1", "", BIRTH)
    [own] = current(client, first)["TaiLieuNop"]
    assert own["DuocTaiSuDung"] == "0" and own["TenTepDinhKem"].startswith("khai-sinh")


def test_an_apology_letters_new_appointment_goes_to_the_portal(client) -> None:
    from catalog.portal_record import moment
    from catalog.register_models import ApologyLetter
    from tests.catalog.test_papers import _make_overdue, _next_working_day

    code = open_dossier(client)["code"]
    act(client, code, "start", "handler1")
    _make_overdue(client, code)
    r = client.post(f"/api/v1/dossiers/{code}/apology-letters",
                    json={"reason": "Chờ xác minh thời gian đóng BHXH", "new_due_on": _next_working_day(client).isoformat()})
    assert r.status_code == 201, r.text
    last = outbox_of(client, code)[-1]
    with client.app.state.services.db.session() as s:
        letter = s.scalars(select(ApologyLetter)).one()
        assert last.change == f"apology:{letter.id}" and valid(last.payload)["NgayHenTra"] == moment(letter.new_due_at)
