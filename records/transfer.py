"""Transfer export: a dossier's or an owner's documents as a BagIt package (RFC 8493) for hand-over
to the archive centre — originals, searchable PDFs and text, metadata JSON, SHA-256 and SHA-512
manifests — written to a directory and streamed as a zip or tar.

Every original is re-hashed against the catalog on its way into the bag: a damaged object
stops the export instead of being handed over as if it were sound.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import bagit
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from catalog.audit import Actor, record
from catalog.dossiers import get_dossier
from catalog.links import documents_of_dossier, dossiers_of
from catalog.models import Document, DocumentStatus, Dossier, Owner
from catalog.owners import find_owner, owner_ref
from catalog.records_models import Tombstone
from catalog.scope import cross_office
from core.clock import utcnow
from core.errors import Conflict, Invalid, NotFound
from records.parts import Stored
from storage.base import CHUNK_SIZE

ArchiveFormat = Literal["zip", "tar"]
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png", "image/tiff": ".tif"}
METADATA_COLUMNS = (
    "id", "kind", "digitization_code", "document_type_code", "type_status", "sha256", "size", "media_type",
    "filename", "status", "page_count", "mean_confidence", "national_store_code", "procedure_code", "sector",
    "document_number", "issue_date", "issuing_agency", "issuer_symbol", "signer", "abstract", "owner_name",
    "owner_code", "valid_until", "permanent", "validity_scope", "certified_copy", "fields", "digitized_by",
    "digitized_at", "review_status", "reviewed_by", "reviewed_at", "created_at",
)


@dataclass(frozen=True)
class BagSummary:
    path: Path
    name: str            # the bag's directory name inside an archive: dossier code or owner ID
    documents: int
    disposed: int
    payload_bytes: int


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def _document_json(document: Document, dossiers: list[Dossier]) -> dict[str, Any]:
    return {**{c: _jsonable(getattr(document, c)) for c in METADATA_COLUMNS},
            "owner": owner_ref(document.owner), "dossiers": [d.code for d in dossiers]}


def _dossier_json(session: Session, dossier: Dossier) -> dict[str, Any]:
    return {"code": dossier.code, "procedure_code": dossier.procedure_code,
            "procedure_name": dossier.procedure.name if dossier.procedure else None,
            "channel": dossier.channel, "office_code": dossier.office_code, "status": dossier.status,
            "owner": owner_ref(dossier.owner), "received_at": _jsonable(dossier.received_at),
            "due_at": _jsonable(dossier.due_at), "resolved_at": _jsonable(dossier.resolved_at),
            "components": [{"component_code": c.component_code, "document_id": c.document_id, "reused": c.reused}
                           for c in dossier.components],
            "documents": documents_of_dossier(session, dossier.id)}


def _scope(session: Session, dossier_code: str | None, owner: str | None) -> tuple[str, Owner, list[Document]]:
    if (dossier_code is None) == (owner is None):
        raise Invalid("scope_required", "Chọn đúng một phạm vi: một hồ sơ hoặc một chủ sở hữu.")
    if dossier_code is not None:
        dossier = get_dossier(session, dossier_code)
        ids = documents_of_dossier(session, dossier.id)
        name, who = dossier.code, dossier.owner
    else:
        who = find_owner(session, owner)
        if who is None:
            raise NotFound("owner_not_found", f"Không tìm thấy chủ sở hữu '{owner}'.")
        ids = list(session.scalars(select(Document.id).where(Document.owner_id == who.id)
                                   .order_by(Document.created_at)))
        name = owner
    documents = list(session.scalars(select(Document).options(selectinload(Document.owner))
                                     .where(Document.id.in_(ids), Document.status != DocumentStatus.receiving.value)))
    order = {doc_id: i for i, doc_id in enumerate(ids)}
    return name, who, sorted(documents, key=lambda d: order[d.id])


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=_jsonable), encoding="utf-8")


def _fetch(services: Stored, key: str, dest: Path, sha256: str | None = None) -> int:
    dest.parent.mkdir(parents=True, exist_ok=True)
    services.store.download(key, dest)
    if sha256 is not None:
        digest = hashlib.sha256()
        with dest.open("rb") as f:
            while chunk := f.read(CHUNK_SIZE):
                digest.update(chunk)
        if digest.hexdigest() != sha256:
            raise Conflict("fixity_mismatch", f"Bản gốc {key} không khớp giá trị băm trong danh mục; "
                           "không thể bàn giao. Cần chạy kiểm tra toàn vẹn và khôi phục từ bản sao lưu.")
    return dest.stat().st_size


def build_bag(services: Stored, dest: Path, actor: Actor, *, dossier: str | None = None,
              owner: str | None = None) -> BagSummary:
    """Write the bag into ``dest`` (created; must not exist yet) and audit the export."""
    with services.db.session() as s:
        name, who, documents = _scope(s, dossier, owner)
        links = dossiers_of(s, [d.id for d in documents])
        all_dossiers = {d.id: d for ds in links.values() for d in ds}
        if dossier is not None:  # the dossier itself, even with no documents
            own = get_dossier(s, dossier)
            all_dossiers[own.id] = own
        dossier_docs = {d.code: _dossier_json(s, d) for d in all_dossiers.values()}
        live = [d for d in documents if d.status != DocumentStatus.disposed.value]
        tombstones = {t.document_id: t for t in s.scalars(select(Tombstone).where(
            Tombstone.document_id.in_([d.id for d in documents if d.status == DocumentStatus.disposed.value])))}
        jobs = [(d.id, d.original_key, d.sha256, d.media_type, d.pdf_key if d.status == "ready" else None,
                 d.text_key if d.status == "ready" else None, _document_json(d, links.get(d.id, [])))
                for d in live]
        record(s, actor, "transfer.export", "dossier" if dossier else "owner", name, owner_ref(who),
               documents=[d.id for d in live], disposed=list(tombstones),
               cross_office=cross_office(actor.office_code, [d.office_code for d in all_dossiers.values()]))
    dest.mkdir(parents=True)
    payload = 0
    try:
        for doc_id, original, sha, media_type, pdf, txt, meta in jobs:
            folder = dest / "documents" / doc_id
            payload += _fetch(services, original, folder / f"original{EXTENSIONS.get(media_type, '.bin')}", sha)
            if pdf:
                payload += _fetch(services, pdf, folder / "searchable.pdf")
                payload += _fetch(services, txt, folder / "text.txt")
            _write_json(dest / "metadata" / "documents" / f"{doc_id}.json", meta)
        for code, data in dossier_docs.items():
            _write_json(dest / "metadata" / "dossiers" / f"{code}.json", data)
        for doc_id, t in tombstones.items():
            _write_json(dest / "metadata" / "disposed" / f"{doc_id}.json",
                        {"document_id": doc_id, "sha256": t.sha256, "document_type_code": t.document_type_code,
                         "digitization_code": t.digitization_code, "disposed_at": t.disposed_at, **t.facts})
        _write_json(dest / "metadata" / "transfer.json", {
            "format": "sohoa-transfer/1", "agency": services.settings.agency_code,
            "scope": "dossier" if dossier else "owner", "ref": name, "owner": owner_ref(who),
            "exported_at": utcnow(), "exported_by": actor.username,
            "documents": len(jobs), "disposed": len(tombstones), "dossiers": sorted(dossier_docs)})
        bagit.make_bag(str(dest), {
            "Source-Organization": services.settings.agency_code,
            "External-Identifier": name,
            "External-Description": f"sohoa transfer of {'dossier' if dossier else 'owner'} {name}",
            "Contact-Name": actor.username,
            "Bag-Software-Agent": "sohoa (bagit-python)",
        }, processes=1, checksums=["sha256", "sha512"])
    except BaseException:
        shutil.rmtree(dest, ignore_errors=True)
        raise
    return BagSummary(dest, name, len(jobs), len(tombstones), payload)


def validate_bag(path: Path) -> None:
    """Raise bagit.BagValidationError if any manifest entry does not hold."""
    bagit.Bag(str(path)).validate(processes=1)


# ---------------------------------------------------------------- streaming archives

class _Sink:
    """A write-only, unseekable buffer the archive writers fill and the generator drains."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def _zip(root: Path, name: str) -> Iterator[bytes]:
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for path in _files(root):
            info = zipfile.ZipInfo.from_file(path, f"{name}/{path.relative_to(root).as_posix()}")
            with path.open("rb") as src, archive.open(info, "w", force_zip64=True) as out:
                while chunk := src.read(CHUNK_SIZE):
                    out.write(chunk)
                    yield sink.drain()
            yield sink.drain()
    yield sink.drain()


def _tar(root: Path, name: str) -> Iterator[bytes]:
    for path in _files(root):
        info = tarfile.TarInfo(f"{name}/{path.relative_to(root).as_posix()}")
        stat = path.stat()
        info.size, info.mtime, info.mode = stat.st_size, int(stat.st_mtime), 0o644
        yield info.tobuf(format=tarfile.PAX_FORMAT, encoding="utf-8")
        with path.open("rb") as src:
            while chunk := src.read(CHUNK_SIZE):
                yield chunk
        if stat.st_size % tarfile.BLOCKSIZE:
            yield tarfile.NUL * (tarfile.BLOCKSIZE - stat.st_size % tarfile.BLOCKSIZE)
    yield tarfile.NUL * (tarfile.BLOCKSIZE * 2)


def stream_archive(bag: BagSummary, fmt: ArchiveFormat, *, remove: bool = True) -> Iterator[bytes]:
    """The bag as zip or tar bytes, chunk by chunk; the bag directory is removed afterwards."""
    try:
        for chunk in (_zip if fmt == "zip" else _tar)(bag.path, bag.name):
            if chunk:
                yield chunk
    finally:
        if remove:
            shutil.rmtree(bag.path, ignore_errors=True)


def write_archive(bag: BagSummary, fmt: ArchiveFormat, out: Path) -> None:
    tmp = out.with_name(f".{out.name}.part")
    with tmp.open("wb") as f:
        for chunk in stream_archive(bag, fmt, remove=False):
            f.write(chunk)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, out)

