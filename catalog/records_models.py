"""Tables of records management: legal holds, disposal batches and tombstones, retention rules and
reviews, fixity runs and object checksums.

They are part of the system of record, so they live in the catalog beside the documents they refer
to; the procedures that work on them are in the records package.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from catalog.base import Base, UTCDateTime
from core.clock import utcnow

# ---------------------------------------------------------------- holds

class HoldScope(str, enum.Enum):
    owner = "owner"          # every document of a citizen
    dossier = "dossier"      # every document filed with, or produced by, one dossier
    document = "document"


class LegalHold(Base):
    __tablename__ = "legal_hold"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("owner.id"), index=True)
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossier.id"), index=True)
    document_id: Mapped[str | None] = mapped_column(ForeignKey("document.id"), index=True)
    target_ref: Mapped[str] = mapped_column(String(64))  # personal ID, dossier code or document id
    reason: Mapped[str] = mapped_column(Text)
    placed_by: Mapped[str] = mapped_column(String(64))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    released_by: Mapped[str | None] = mapped_column(String(64))
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    release_reason: Mapped[str | None] = mapped_column(Text)

    @property
    def active(self) -> bool:
        return self.released_at is None


# ---------------------------------------------------------------- disposal

class BatchState(str, enum.Enum):
    proposed = "proposed"
    approved = "approved"
    rejected = "rejected"
    executing = "executing"
    completed = "completed"


OPEN_STATES = (BatchState.proposed.value, BatchState.approved.value, BatchState.executing.value)


class ItemState(str, enum.Enum):
    pending = "pending"        # not touched yet
    purged = "purged"          # disposed in the catalog; objects may still be stored
    destroyed = "destroyed"
    withheld = "withheld"      # found not disposable at execution (a hold placed since approval...)


class DisposalBatch(Base):
    __tablename__ = "disposal_batch"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    note: Mapped[str | None] = mapped_column(Text)
    proposed_by: Mapped[str] = mapped_column(String(64))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)
    executed_by: Mapped[str | None] = mapped_column(String(64))
    execution_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    certificate_json_key: Mapped[str | None] = mapped_column(String(255))
    certificate_json_sha256: Mapped[str | None] = mapped_column(String(64))
    certificate_pdf_key: Mapped[str | None] = mapped_column(String(255))
    certificate_pdf_sha256: Mapped[str | None] = mapped_column(String(64))


class DisposalItem(Base):
    __tablename__ = "disposal_item"
    __table_args__ = (UniqueConstraint("batch_id", "document_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("disposal_batch.id"), index=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("document.id"), index=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("retention_rule.id"))  # the version it was proposed under
    event_date: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16), default=ItemState.pending.value)
    reason: Mapped[str | None] = mapped_column(String(32))
    object_keys: Mapped[dict | None] = mapped_column(JSON)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Tombstone(Base):
    """What stays of a destroyed document: its codes, hash and dates, and the rule that ended it."""

    __tablename__ = "tombstone"

    document_id: Mapped[str] = mapped_column(ForeignKey("document.id"), primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("disposal_batch.id"), index=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("retention_rule.id"))  # the version execution applied
    disposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(64))
    document_type_code: Mapped[str | None] = mapped_column(String(32))
    digitization_code: Mapped[str | None] = mapped_column(String(80))
    owner_ref: Mapped[str | None] = mapped_column(String(12), index=True)
    facts: Mapped[dict] = mapped_column(JSON, default=dict)  # dossier/component codes, dates, event, rule


# ---------------------------------------------------------------- retention

class RetentionEvent(str, enum.Enum):
    digitized = "digitized"                  # the paper was digitized (document created)
    dossier_resolved = "dossier_resolved"    # the latest of its dossiers was resolved
    document_issued = "document_issued"      # the paper's issue date
    document_expired = "document_expired"    # the paper's valid-until date
    owner_death = "owner_death"              # the owner's date of death


class RetentionRule(Base):
    __tablename__ = "retention_rule"
    __table_args__ = (UniqueConstraint("document_type_code", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_type_code: Mapped[str] = mapped_column(String(32), index=True)
    version: Mapped[int] = mapped_column(Integer)
    years: Mapped[int | None] = mapped_column(Integer)  # None: permanent
    event: Mapped[str | None] = mapped_column(String(32))
    basis: Mapped[str | None] = mapped_column(Text)     # legal basis or note
    source: Mapped[str] = mapped_column(String(64))     # "api", or the data file's version label
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def permanent(self) -> bool:
        return self.years is None

    def describe(self) -> str:
        if self.permanent:
            return "vĩnh viễn"
        return f"{self.years} năm từ {self.event}"


class RetentionReview(Base):
    """The scheduled review's result: how many documents are due, and how many of them are held."""

    __tablename__ = "retention_review"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    trigger: Mapped[str] = mapped_column(String(16))
    due: Mapped[int] = mapped_column(Integer)
    held: Mapped[int] = mapped_column(Integer)
    by_type: Mapped[dict] = mapped_column(JSON, default=dict)


# ---------------------------------------------------------------- fixity

class RunState(str, enum.Enum):
    running = "running"
    completed = "completed"
    failed = "failed"
    interrupted = "interrupted"


class Problem(str, enum.Enum):
    missing = "missing"          # the catalog expects it, the store does not have it
    altered = "altered"          # stored bytes no longer hash to the recorded SHA-256
    orphan = "orphan"            # stored, but nothing in the catalog refers to it
    unreadable = "unreadable"    # the store failed to hand the bytes back
    signature = "signature"      # a signed copy's signature is broken or no longer trusted


class ObjectChecksum(Base):
    """Recorded SHA-256 of objects whose hash the document rows do not carry."""

    __tablename__ = "object_checksum"

    key: Mapped[str] = mapped_column(String(1024), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(32))  # fixity-baseline | disposal-certificate | ...
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FixityRun(Base):
    __tablename__ = "fixity_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trigger: Mapped[str] = mapped_column(String(16))       # cli | api | schedule
    started_by: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(16), index=True)
    objects_checked: Mapped[int] = mapped_column(Integer, default=0)
    bytes_checked: Mapped[int] = mapped_column(BigInteger, default=0)
    baselines_recorded: Mapped[int] = mapped_column(Integer, default=0)
    missing: Mapped[int] = mapped_column(Integer, default=0)
    altered: Mapped[int] = mapped_column(Integer, default=0)
    orphans: Mapped[int] = mapped_column(Integer, default=0)
    unreadable: Mapped[int] = mapped_column(Integer, default=0)
    signature_problems: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # migration 0008
    error: Mapped[str | None] = mapped_column(Text)

    @property
    def problems(self) -> int:
        return self.missing + self.altered + self.orphans + self.unreadable + self.signature_problems


class FixityIssue(Base):
    __tablename__ = "fixity_issue"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("fixity_run.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(1024))
    problem: Mapped[str] = mapped_column(String(16))
    document_id: Mapped[str | None] = mapped_column(String(32), index=True)
    expected_sha256: Mapped[str | None] = mapped_column(String(64))
    actual_sha256: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)
