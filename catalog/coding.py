"""Tables of the Circular 01/2023 coding area: versioned code catalogs, classifier models, results.

Catalog versions are immutable once written (a new import makes a new version), so a document
can keep the version it was coded under and any process can cache a version by its id.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from catalog.base import Base, UTCDateTime
from core.clock import utcnow


class CatalogVersion(Base):
    __tablename__ = "catalog_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str] = mapped_column(String(64), unique=True)
    effective_from: Mapped[date] = mapped_column(Date, index=True)
    sample: Mapped[bool] = mapped_column(Boolean, default=False)
    title: Mapped[str | None] = mapped_column(String(500))
    note: Mapped[str | None] = mapped_column(Text)
    policy: Mapped[dict] = mapped_column(JSON, default=dict)
    source: Mapped[str] = mapped_column(String(64))
    checksum: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(64))


def _version_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("catalog_version.id", ondelete="CASCADE"), primary_key=True)


class CatalogPattern(Base):
    __tablename__ = "catalog_pattern"

    version_id: Mapped[int] = _version_fk()
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    regex: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)


class CatalogProvince(Base):
    __tablename__ = "catalog_province"

    version_id: Mapped[int] = _version_fk()
    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


class CatalogDocumentType(Base):
    __tablename__ = "catalog_document_type"

    version_id: Mapped[int] = _version_fk()
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    group: Mapped[str | None] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    issuer_symbol: Mapped[str] = mapped_column(String(16))
    validity: Mapped[str] = mapped_column(String(16))
    certified_copy_months: Mapped[int] = mapped_column(Integer, default=0)
    titles: Mapped[list] = mapped_column(JSON, default=list)
    keywords: Mapped[list] = mapped_column(JSON, default=list)
    exemplar: Mapped[list] = mapped_column(JSON, default=list)


class CatalogProcedure(Base):
    __tablename__ = "catalog_procedure"

    version_id: Mapped[int] = _version_fk()
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(500))
    sector: Mapped[str | None] = mapped_column(String(200))
    processing_days: Mapped[int] = mapped_column(Integer)
    steps: Mapped[list | None] = mapped_column(JSON, default=list)
    """Internal steps ``step:department:days`` (reception, processing..., return) — catalog/steps.py."""
    hand_over_resolves: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    """Handing the last result over to the citizen resolves the dossier."""


class CatalogComponent(Base):
    __tablename__ = "catalog_component"

    version_id: Mapped[int] = _version_fk()
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    procedure_code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(500))
    document_type_code: Mapped[str] = mapped_column(String(32))
    mandatory: Mapped[bool] = mapped_column(Boolean)
    reusable: Mapped[bool] = mapped_column(Boolean)


class CatalogResult(Base):
    __tablename__ = "catalog_result"

    version_id: Mapped[int] = _version_fk()
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    procedure_code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(500))
    document_type_code: Mapped[str] = mapped_column(String(32))
    validity: Mapped[str] = mapped_column(String(16))
    replaces: Mapped[list] = mapped_column(JSON, default=list)


class ClassifierModel(Base):
    """One trained document-type model; the bytes live in object storage under ``key``."""

    __tablename__ = "classifier_model"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    catalog_version_id: Mapped[int] = mapped_column(ForeignKey("catalog_version.id"))
    key: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    library_version: Mapped[str] = mapped_column(String(32))
    samples: Mapped[int] = mapped_column(Integer)
    confirmed_documents: Mapped[int] = mapped_column(Integer)
    metrics: Mapped[dict] = mapped_column(JSON, default=dict)
    created_by: Mapped[str | None] = mapped_column(String(64))


class DossierResult(Base):
    """A result document (kết quả giải quyết) a dossier produced, with its catalog result code."""

    __tablename__ = "dossier_result"
    __table_args__ = (UniqueConstraint("document_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), index=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("document.id"))
    result_code: Mapped[str] = mapped_column(String(40))
    replaces_document_id: Mapped[str | None] = mapped_column(ForeignKey("document.id"), index=True)  # 0005
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(64))
    handed_over_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handed_over_by: Mapped[str | None] = mapped_column(String(64))
