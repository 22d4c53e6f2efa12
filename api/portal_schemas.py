"""Answers of the portal routes: the sync record (the portal's own field names, as
catalog/data/portal/sync_record.schema.json describes them) and the outbox's admin view."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from catalog.portal_models import SyncOutbox


class IdentifierOut(BaseModel):
    LoaiDinhDanh: str
    SoDinhDanh: str


class SubmittedPaperOut(BaseModel):
    TepDinhKemId: str
    TenTepDinhKem: str
    MaThanhPhanHoSo: str
    DuongDanTaiTepTin: str
    DuocSoHoa: str
    DuocTaiSuDung: str
    DuocLayTuKhoDMQG: str
    MaKetQuaThayThe: str
    MaGiayToKhoDMQG: str | None


class ResultPaperOut(BaseModel):
    TenGiayTo: str
    MaThanhPhanHoSo: str
    GiayToId: str
    DuongDanTepTinKetQua: str
    MaGiayToKetQua: str


class SyncRecordOut(BaseModel):
    """The dossier as the national public-service portal's status sync takes it."""

    model_config = ConfigDict(extra="forbid")

    MaHoSo: str
    MaTTHC: str
    TenTTHC: str
    TenLinhVuc: str | None
    TrangThaiHoSo: str = Field(description="Mã trạng thái hồ sơ của Cổng DVC quốc gia (2 tiếp nhận … 10 đã trả kết quả)")
    KenhThucHien: str = Field(description="1 trực tiếp, 2 trực tuyến, 3 bưu chính công ích")
    SoGiayToChuHoSo: str
    ChuHoSo: str
    DinhDanhCHS: list[IdentifierOut]
    MaSoBHXH: str | None
    NoiNopHoSo: str
    DonViXuLy: str | None
    NgayTiepNhan: str
    NgayHenTra: str
    NgayKetThucXuLy: str
    NgayTra: str
    TaiLieuNop: list[SubmittedPaperOut]
    DanhSachGiayToKetQua: list[ResultPaperOut]
    HoSoCoThanhPhanSoHoa: str


class OutboxRowOut(BaseModel):
    """One outbox row without its record (which carries personal data)."""

    id: int
    dossier_code: str
    change: str
    idempotency_key: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None

    @classmethod
    def of(cls, row: SyncOutbox) -> OutboxRowOut:
        return cls(id=row.id, dossier_code=row.dossier_code, change=row.change, idempotency_key=row.idempotency_key,
                   status=row.status, attempts=row.attempts, next_attempt_at=row.next_attempt_at,
                   last_error=row.last_error, created_at=row.created_at, sent_at=row.sent_at)


class OutboxOut(BaseModel):
    portal_configured: bool
    counts: dict[str, int]
    """Rows per status: pending, failed, sent, dead."""
    rows: list[OutboxRowOut]


class NationalStoreTake(BaseModel):
    model_config = ConfigDict(extra="forbid")

    document_type_code: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9.\-]+$")
    component_code: str | None = Field(None, min_length=1, max_length=32, pattern=r"^[A-Za-z0-9.\-]+$")
