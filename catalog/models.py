"""Catalog tables: the system of record. Search index and object store can be rebuilt from here."""
from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog import coding as _coding  # noqa: F401  (the catalog_version table Document refers to)
from catalog import signatures as _signatures  # noqa: F401  (the signed copy Document refers to)
from catalog import users as _users  # noqa: F401  (the office table Dossier refers to)
from catalog.base import Base, UTCDateTime
from core.clock import utcnow


class DocumentStatus(str, enum.Enum):
    receiving = "receiving"   # journal entry: row written, object not yet confirmed stored
    pending = "pending"       # accepted (202 sent), waiting for a worker
    processing = "processing"
    ready = "ready"
    failed = "failed"
    disposed = "disposed"   # destroyed under a retention rule; the row stays as the tombstone's anchor


class Channel(str, enum.Enum):
    online = "online"
    counter = "counter"
    postal = "postal"
    public_admin_centre = "public_admin_centre"


class Procedure(Base):
    __tablename__ = "procedure"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(500))
    sector: Mapped[str | None] = mapped_column(String(200))
    processing_days: Mapped[int] = mapped_column(Integer)


class Owner(Base):
    __tablename__ = "owner"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    personal_id: Mapped[str | None] = mapped_column(String(12), unique=True)
    social_insurance_code: Mapped[str | None] = mapped_column(String(10), unique=True)
    full_name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    died_on: Mapped[date | None] = mapped_column(Date)  # retention event "owner's death" (migration 0004)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("owner.id"))
    """Set when an archivist merged this owner into another (catalog/merge.py); its codes moved there."""

    aliases: Mapped[list["OwnerAlias"]] = relationship(
        foreign_keys="OwnerAlias.owner_id", order_by="OwnerAlias.code", viewonly=True)


class OwnerAlias(Base):
    """A code an owner is still found by after a merge, though the owner's own column holds another."""

    __tablename__ = "owner_alias"

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # personal_id | social_insurance_code
    owner_id: Mapped[int] = mapped_column(ForeignKey("owner.id"), index=True)
    merge_id: Mapped[int] = mapped_column(ForeignKey("owner_merge.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OwnerMerge(Base):
    """Who merged which owner into which, why, and what moved: the record behind every alias."""

    __tablename__ = "owner_merge"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survivor_id: Mapped[int] = mapped_column(ForeignKey("owner.id"), index=True)
    merged_id: Mapped[int] = mapped_column(ForeignKey("owner.id"), index=True)
    merged_personal_id: Mapped[str | None] = mapped_column(String(12))
    merged_social_insurance_code: Mapped[str | None] = mapped_column(String(10))
    merged_full_name: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    merged_by: Mapped[str] = mapped_column(String(64))
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    moved: Mapped[dict] = mapped_column(JSON, default=dict)  # {"documents": n, "dossiers": n, "legal_holds": n}


class Counter(Base):
    """Named monotonic counters (dossier numbers per agency and day)."""

    __tablename__ = "counter"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class Dossier(Base):
    __tablename__ = "dossier"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    procedure_code: Mapped[str] = mapped_column(ForeignKey("procedure.code"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("owner.id"), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    linked: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    """Handled under the interconnected one-stop mechanism (một cửa liên thông): received for several
    agencies at once, e.g. a birth registration with the child's health-insurance card."""
    office_code: Mapped[str | None] = mapped_column(ForeignKey("office.code"), index=True)
    status: Mapped[str] = mapped_column(String(32), default="received")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The register (catalog/register.py, migration 0006): who holds it, the paused clock, and a
    # version every transition bumps, so that of two handlers acting at once only one wins.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    received_by: Mapped[str | None] = mapped_column(String(64))  # the officer named on the receipt
    assignee: Mapped[str | None] = mapped_column(String(64))
    department: Mapped[str | None] = mapped_column(String(32))
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    remaining_days: Mapped[int | None] = mapped_column(Integer)
    """Working days left when the clock paused for a supplement (negative: late by that many),
    counted again from the supplement's arrival."""

    __mapper_args__ = {"version_id_col": version}
    # Worklists (by office, by handler, overdue) filter by state, count per state, sort by due date.
    __table_args__ = (Index("ix_dossier_status_due_at", "status", "due_at"),
                      Index("ix_dossier_office_status_due_at", "office_code", "status", "due_at"),
                      Index("ix_dossier_assignee_status_due_at", "assignee", "status", "due_at"),
                      Index("ix_dossier_received_at", "received_at"),  # reports by period (migration 0011)
                      # the worklists' order, walked in pages; with the state, the walk needs no row reads
                      Index("ix_dossier_due_at_id", "due_at", "id", "status"))

    procedure: Mapped[Procedure] = relationship()
    owner: Mapped[Owner] = relationship()
    components: Mapped[list["Component"]] = relationship(back_populates="dossier", order_by="Component.id",
                                                        foreign_keys="Component.dossier_id")


class Document(Base):
    __tablename__ = "document"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: uuid.uuid4().hex)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    media_type: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer)
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    """What the counter should look at though the paper was accepted (``extension_mismatch``, a
    low resolution, a low OCR confidence): shown beside the document, never a refusal."""
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("owner.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=DocumentStatus.receiving.value, index=True)
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    page_count: Mapped[int] = mapped_column(Integer, default=0)
    pages_done: Mapped[int] = mapped_column(Integer, default=0)
    mean_confidence: Mapped[float | None] = mapped_column(Float)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    document_type_code: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    # The digitized-paper record of Circular 01/2023 (catalog/digitization.py fills these).
    kind: Mapped[str] = mapped_column(String(16), default="component", server_default="component")
    """component (thành phần hồ sơ) | result (kết quả giải quyết) | batch (a whole-dossier scan to split)"""
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("document.id"), index=True)
    digitization_code: Mapped[str | None] = mapped_column(String(80), unique=True)
    catalog_version_id: Mapped[int | None] = mapped_column(ForeignKey("catalog_version.id"))
    type_status: Mapped[str | None] = mapped_column(String(16))  # proposed | needs_review | confirmed
    type_confidence: Mapped[float | None] = mapped_column(Float)
    type_confirmed_by: Mapped[str | None] = mapped_column(String(64))
    type_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    classification: Mapped[dict | None] = mapped_column(JSON)
    fields: Mapped[dict | None] = mapped_column(JSON)
    national_store_code: Mapped[str | None] = mapped_column(String(64))
    procedure_code: Mapped[str | None] = mapped_column(String(32))
    sector: Mapped[str | None] = mapped_column(String(200))
    document_number: Mapped[str | None] = mapped_column(String(64))
    issue_date: Mapped[date | None] = mapped_column(Date)
    issuing_agency: Mapped[str | None] = mapped_column(String(300))
    issuer_symbol: Mapped[str | None] = mapped_column(String(16))
    signer: Mapped[str | None] = mapped_column(String(200))
    abstract: Mapped[str | None] = mapped_column(Text)
    owner_name: Mapped[str | None] = mapped_column(String(200))
    owner_code: Mapped[str | None] = mapped_column(String(12))
    valid_until: Mapped[date | None] = mapped_column(Date)
    permanent: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    validity_scope: Mapped[str | None] = mapped_column(String(200))
    certified_copy: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    digitized_by: Mapped[str | None] = mapped_column(String(64))
    digitized_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending", index=True)
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_note: Mapped[str | None] = mapped_column(Text)
    min_dpi: Mapped[float | None] = mapped_column(Float)
    """Lowest effective resolution of the scanned pages (migration 0008); below 200 dpi a warning."""

    owner: Mapped[Owner | None] = relationship()
    signature: Mapped["_signatures.DocumentSignature | None"] = relationship(viewonly=True)
    pages: Mapped[list["Page"]] = relationship(
        back_populates="document", order_by="Page.number", cascade="all, delete-orphan"
    )
    components: Mapped[list["Component"]] = relationship(back_populates="document")

    @property
    def original_key(self) -> str:
        from storage import content_key

        return content_key(self.sha256)

    @property
    def pdf_key(self) -> str:
        return f"derived/{self.id[:2]}/{self.id}/searchable.pdf"

    @property
    def text_key(self) -> str:
        return f"derived/{self.id[:2]}/{self.id}/text.txt"


class Page(Base):
    __tablename__ = "page"

    document_id: Mapped[str] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text, default="")
    confidence: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(16))
    rotation: Mapped[int] = mapped_column(Integer, default=0)
    skew: Mapped[float] = mapped_column(Float, default=0.0)

    document: Mapped[Document] = relationship(back_populates="pages")


class Component(Base):
    """One paper of a dossier; points at a document, uploaded now or reused."""

    __tablename__ = "component"
    __table_args__ = (UniqueConstraint("dossier_id", "document_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), index=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("document.id"), index=True)
    component_code: Mapped[str | None] = mapped_column(String(32))
    reused: Mapped[bool] = mapped_column(Boolean, default=False)
    source_dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossier.id"))
    """For a reused paper: the dossier it was digitized for, or that issued it as a result."""
    source_kind: Mapped[str | None] = mapped_column(String(16))  # uploaded | result (catalog/reuse.py)
    from_national_store: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    """Taken from the national data store instead of being handed in (migration 0010)."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    dossier: Mapped[Dossier] = relationship(back_populates="components", foreign_keys=[dossier_id])
    source_dossier: Mapped[Dossier | None] = relationship(foreign_keys=[source_dossier_id])
    document: Mapped[Document] = relationship(back_populates="components")
