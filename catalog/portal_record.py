"""A dossier as the national public-service portal (Cổng Dịch vụ công quốc gia) takes it in its
status sync: the one place our states, channels and papers are turned into the portal's codes.

Field names are the portal's (``MaHoSo``, ``MaTTHC``, ``TrangThaiHoSo``, ``KenhThucHien``,
``TaiLieuNop[]`` with ``DuocSoHoa``/``DuocTaiSuDung``/``DuocLayTuKhoDMQG``/``MaKetQuaThayThe``,
``DanhSachGiayToKetQua[]`` with ``MaGiayToKetQua``, ``HoSoCoThanhPhanSoHoa``, ``DinhDanhCHS[]``),
as the public integrations with the portal name them. The record's JSON Schema is
``catalog/data/portal/sync_record.schema.json``.

Where the codes come from (searched in public reference material; the portal's own technical
specification for connected systems is issued to them and was not found published):

- ``TrangThaiHoSo``: 1 Mới đăng ký, 2 Được tiếp nhận, 3 Không được tiếp nhận, 4 Đang xử lý,
  5 Yêu cầu bổ sung giấy tờ, 6 Yêu cầu thực hiện nghĩa vụ tài chính, 7 Công dân yêu cầu rút hồ sơ,
  8 Dừng xử lý, 9 Đã xử lý xong, 10 Đã trả kết quả — the same list in the public source of two
  independent one-stop systems that sync with the portal (the portal connector of a provincial
  "DichVuCongApi" system, whose ``SyncLocalDataToDVCQG`` record also gives the field names used
  here, and the status constants of another one-stop front end).
- ``KenhThucHien``: 1 trực tiếp, 2 trực tuyến, 3 bưu chính công ích — the published description of
  the Decision 766/QĐ-TTg indicator formulas ("Mô tả công thức tính chỉ số 766"), which count the
  portal's synced dossiers by it ("KenhThucHien = 2 (Trực tuyến)", "= 1 (Trực tiếp) hoặc null",
  "= 3 (Bưu chính công ích)"). A public-administration centre receives in person: 1.
- ``DuocLayTuKhoDMQG`` 1/0, ``DuocSoHoa`` 1/0 and ``HoSoCoThanhPhanSoHoa`` 1/0: the same formula
  description (indicators 4.3 and 4.4 read them from "Dữ liệu đồng bộ hồ sơ"). ``DuocTaiSuDung``
  0 not reused, 1 reused, 2 reused in place of an earlier result whose code is
  ``MaKetQuaThayThe``: as the connector above sends it.
- **Not found published**, so ours and to be checked against the specification a deployment
  receives: ``NoiNopHoSo`` (1 at the agency — counter, post, centre — 2 on the portal),
  ``LoaiDinhDanh`` (1 = 12-digit personal ID), the time format ``yyyyMMddHHmmss`` in local time,
  and two fields the portal has no name for that we add: ``MaSoBHXH`` (the owner's social-insurance
  code) and ``TaiLieuNop[].MaGiayToKhoDMQG`` (the paper's code in the national data store).
"""
from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.catalogs import active_catalog
from catalog.coding import DossierResult
from catalog.models import Channel, Component, Document, DocumentStatus, Dossier
from catalog.register_models import DossierEvent
from core.clock import LOCAL_TZ

SCHEMA_PATH = Path(__file__).parent / "data" / "portal" / "sync_record.schema.json"

RECEIVED, REFUSED, PROCESSING, SUPPLEMENT, WITHDRAWN, STOPPED, DONE, HANDED_OVER = (
    "2", "3", "4", "5", "7", "8", "9", "10")
STATUS = {"received": RECEIVED, "in_progress": PROCESSING, "supplement_requested": SUPPLEMENT,
          "resolved": DONE, "withdrawn": WITHDRAWN}
"""Our register states → TrangThaiHoSo; ``returned`` depends on when (see :func:`portal_status`)."""
CHANNEL = {Channel.counter.value: "1", Channel.online.value: "2", Channel.postal.value: "3",
           Channel.public_admin_centre.value: "1"}
AT_THE_AGENCY, ON_THE_PORTAL = "1", "2"
PERSONAL_ID = "1"
NOT_REUSED, REUSED, REUSED_FOR_RESULT = "0", "1", "2"


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def moment(value: datetime | None) -> str:
    return value.astimezone(LOCAL_TZ).strftime("%Y%m%d%H%M%S") if value is not None else ""


def portal_status(session: Session, dossier: Dossier, results: list[DossierResult]) -> str:
    """A return before anyone started on the dossier is a refusal to receive it (3); later it
    stops its processing (8). A resolved dossier whose every result was handed over is 10."""
    if dossier.status == "returned":
        came_from = session.scalar(select(DossierEvent.from_status).where(
            DossierEvent.dossier_id == dossier.id, DossierEvent.action == "return").order_by(DossierEvent.id.desc()))
        return REFUSED if came_from == "received" else STOPPED
    if dossier.status == "resolved" and results and all(r.handed_over_at for r in results):
        return HANDED_OVER
    return STATUS[dossier.status]


def file_link(base_url: str, document_id: str) -> str:
    return f"{base_url.rstrip('/')}/api/v1/documents/{document_id}/file?variant=original"


def with_base(record: dict[str, Any], base_url: str) -> dict[str, Any]:
    """The record with its relative file links started with ``base_url``."""
    if not base_url:
        return record
    base = base_url.rstrip("/")
    papers = [{**p, "DuongDanTaiTepTin": base + p["DuongDanTaiTepTin"]} if p["DuongDanTaiTepTin"].startswith("/")
              else p for p in record["TaiLieuNop"]]
    results = [{**r, "DuongDanTepTinKetQua": base + r["DuongDanTepTinKetQua"]}
               if r["DuongDanTepTinKetQua"].startswith("/") else r for r in record["DanhSachGiayToKetQua"]]
    return {**record, "TaiLieuNop": papers, "DanhSachGiayToKetQua": results}


def sync_record(session: Session, dossier: Dossier, base_url: str = "") -> dict[str, Any]:
    """The dossier's sync record now; ``base_url`` (settings.public_url) starts the file links."""
    catalog = active_catalog(session)
    procedure = catalog.procedures.get(dossier.procedure_code) or {}
    owner = dossier.owner
    results = list(session.scalars(select(DossierResult).where(DossierResult.dossier_id == dossier.id)
                                   .order_by(DossierResult.id)))
    components = list(session.scalars(select(Component).where(Component.dossier_id == dossier.id)
                                      .order_by(Component.id)))
    documents = {d.id: d for d in session.scalars(select(Document).where(
        Document.id.in_([c.document_id for c in components] + [r.document_id for r in results])))}
    replaced = _result_codes(session, [c.document_id for c in components if c.reused and c.source_kind == "result"])
    papers = [_paper(c, documents[c.document_id], replaced, base_url) for c in components]
    handed = [r for r in results if r.handed_over_at is not None]  # hidden from citizens until then
    ended = dossier.resolved_at if dossier.status == "resolved" else _closed_at(session, dossier)
    return {
        "MaHoSo": dossier.code,
        "MaTTHC": dossier.procedure_code,
        "TenTTHC": procedure.get("name") or dossier.procedure.name,
        "TenLinhVuc": procedure.get("sector"),
        "TrangThaiHoSo": portal_status(session, dossier, results),
        "KenhThucHien": CHANNEL[dossier.channel],
        "SoGiayToChuHoSo": owner.personal_id or owner.social_insurance_code,
        "ChuHoSo": owner.full_name or "",
        "DinhDanhCHS": [{"LoaiDinhDanh": PERSONAL_ID, "SoDinhDanh": owner.personal_id}] if owner.personal_id else [],
        "MaSoBHXH": owner.social_insurance_code,
        "NoiNopHoSo": ON_THE_PORTAL if dossier.channel == Channel.online.value else AT_THE_AGENCY,
        "DonViXuLy": dossier.office_code,
        "NgayTiepNhan": moment(dossier.received_at),
        "NgayHenTra": moment(dossier.due_at),
        "NgayKetThucXuLy": moment(ended),
        "NgayTra": moment(max((r.handed_over_at for r in handed), default=None)),
        "TaiLieuNop": papers,
        "DanhSachGiayToKetQua": [{
            "TenGiayTo": (catalog.results.get(r.result_code) or {}).get("name") or documents[r.document_id].filename,
            "MaThanhPhanHoSo": "",  # a result is no component of the dossier
            "GiayToId": r.document_id,
            "DuongDanTepTinKetQua": file_link(base_url, r.document_id),
            "MaGiayToKetQua": r.result_code,
        } for r in handed],
        "HoSoCoThanhPhanSoHoa": "1" if any(p["DuocSoHoa"] == "1" for p in papers) else "0",
    }


def _paper(component: Component, document: Document, replaced: dict[str, str], base_url: str) -> dict[str, Any]:
    if not component.reused:
        reuse = NOT_REUSED
    else:
        reuse = REUSED_FOR_RESULT if component.document_id in replaced else REUSED
    return {
        "TepDinhKemId": document.id,
        "TenTepDinhKem": document.filename,
        "MaThanhPhanHoSo": component.component_code or "",
        "DuongDanTaiTepTin": file_link(base_url, document.id),
        "DuocSoHoa": "0" if document.status in (DocumentStatus.receiving.value, DocumentStatus.disposed.value) else "1",
        "DuocTaiSuDung": reuse,
        "DuocLayTuKhoDMQG": "1" if component.from_national_store else "0",
        "MaKetQuaThayThe": replaced.get(component.document_id, "") if component.reused else "",
        "MaGiayToKhoDMQG": document.national_store_code,
    }


def _result_codes(session: Session, document_ids: list[str]) -> dict[str, str]:
    """For reused papers an earlier dossier issued: the result code they were issued under."""
    if not document_ids:
        return {}
    return dict(session.execute(select(DossierResult.document_id, DossierResult.result_code)
                                .where(DossierResult.document_id.in_(document_ids))).all())


def _closed_at(session: Session, dossier: Dossier) -> datetime | None:
    if dossier.status not in ("returned", "withdrawn"):
        return None
    return session.scalar(select(DossierEvent.at).where(DossierEvent.dossier_id == dossier.id,
                                                        DossierEvent.to_status == dossier.status)
                          .order_by(DossierEvent.id.desc()))
