"""Transfer export: BagIt packages of a dossier or an owner, streamed as zip or tar, or written by the CLI."""
from __future__ import annotations

import io
import json
import tarfile
import zipfile
from pathlib import Path

import bagit
import pytest
from sqlalchemy import select

from catalog.audit import AuditEntry
from catalog.models import Document
from tests.archive import Archive, flip_a_byte
from tests.conftest import OWNER_ID


def unpack(data: bytes, fmt: str, into: Path) -> Path:
    into = into / "unpacked"
    into.mkdir(parents=True)
    if fmt == "zip":
        zipfile.ZipFile(io.BytesIO(data)).extractall(into)
    else:
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            tar.extractall(into, filter="data")
    [root] = into.iterdir()
    return root


@pytest.mark.parametrize("fmt", ["zip", "tar"])
def test_a_dossier_exports_as_a_valid_bag(client, archive: Archive, as_user, tmp_path, fmt):
    code = archive.dossier()
    docs = [archive.document(code, content=f"scan {i}".encode() * 400) for i in range(2)]
    other = archive.document(archive.dossier())  # another dossier of the same owner: not in this bag
    r = client.get(f"/api/v1/admin/transfer/dossiers/{code}", params={"format": fmt}, headers=as_user("archivist1"))
    assert r.status_code == 200, r.text
    assert r.headers["content-disposition"] == f'attachment; filename="{code}.{fmt}"'
    bag_dir = unpack(r.content, fmt, tmp_path)
    assert bag_dir.name == code
    bag = bagit.Bag(str(bag_dir))
    bag.validate()
    assert set(bag.algorithms) == {"sha256", "sha512"}
    assert bag.info["External-Identifier"] == code and bag.info["Source-Organization"] == "BHXH"
    services = archive.services
    for doc_id in docs:
        folder = bag_dir / "data" / "documents" / doc_id
        with services.store.open(archive.keys(doc_id)["original"]) as f:
            assert (folder / "original.png").read_bytes() == f.read()
        assert (folder / "searchable.pdf").read_bytes().startswith(b"%PDF")
        meta = json.loads((bag_dir / "data" / "metadata" / "documents" / f"{doc_id}.json").read_text())
        assert meta["owner"] == OWNER_ID and meta["dossiers"] == [code] and meta["owner_name"] == "Nguyễn Văn Đức"
        with services.db.session() as s:
            assert bag.entries[f"data/documents/{doc_id}/original.png"]["sha256"] == s.get(Document, doc_id).sha256
    assert not (bag_dir / "data" / "documents" / other).exists()
    dossier_meta = json.loads((bag_dir / "data" / "metadata" / "dossiers" / f"{code}.json").read_text())
    assert dossier_meta["documents"] == docs and dossier_meta["procedure_code"] == "1.000456"
    assert not list(services.tmp_dir.iterdir())  # the working bag is removed once streamed
    with services.db.session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "transfer.export")).one()
    assert entry.owner_ref == OWNER_ID and entry.actor == "archivist1" and all(d in entry.details for d in docs)


def test_an_owner_export_lists_disposed_documents_by_their_tombstone(client, archive: Archive, as_user, tmp_path):
    old = archive.dossier()
    disposed = archive.document(old)
    kept = archive.document(archive.dossier(resolved=None))
    h = as_user("archivist1")
    batch = client.post("/api/v1/admin/disposal/batches", json={"document_ids": [disposed]}, headers=h).json()["id"]
    client.post(f"/api/v1/admin/disposal/batches/{batch}/approve", json={}, headers=as_user("admin1"))
    client.post(f"/api/v1/admin/disposal/batches/{batch}/execute", headers=h)
    r = client.get(f"/api/v1/admin/transfer/owners/{OWNER_ID}", headers=h)
    bag_dir = unpack(r.content, "zip", tmp_path)
    bagit.Bag(str(bag_dir)).validate()
    assert sorted(p.name for p in (bag_dir / "data" / "documents").iterdir()) == [kept]
    stone = json.loads((bag_dir / "data" / "metadata" / "disposed" / f"{disposed}.json").read_text())
    assert stone["sha256"] and stone["rule"]["document_type_code"] == "NT01"
    summary = json.loads((bag_dir / "data" / "metadata" / "transfer.json").read_text())
    assert (summary["documents"], summary["disposed"], summary["scope"]) == (1, 1, "owner")


def test_a_damaged_original_stops_the_export(client, archive: Archive, as_user):
    code = archive.dossier()
    doc_id = archive.document(code)
    flip_a_byte(archive.services.store, archive.keys(doc_id)["original"])
    r = client.get(f"/api/v1/admin/transfer/dossiers/{code}", headers=as_user("archivist1"))
    assert r.status_code == 409 and r.json()["code"] == "fixity_mismatch"
    assert not list(archive.services.tmp_dir.iterdir())


def test_unknown_scopes_answer_404(client, as_user):
    h = as_user("archivist1")
    assert client.get("/api/v1/admin/transfer/dossiers/BHXH-000000-0000", headers=h).status_code == 404
    assert client.get("/api/v1/admin/transfer/owners/999999999999", headers=h).status_code == 404


def test_the_cli_writes_a_bag_directory(client, archive: Archive, cli, tmp_path):
    code = archive.dossier()
    doc_id = archive.document(code)
    out = tmp_path / "ban-giao"
    result = cli("transfer", "export", "--dossier", code, "--format", "dir", "-o", out)
    assert result.exit_code == 0, result.output
    bagit.Bag(str(out)).validate()
    assert (out / "data" / "documents" / doc_id / "original.png").exists()
    tar_out = tmp_path / "ban-giao.tar"
    result = cli("transfer", "export", "--owner", OWNER_ID, "--format", "tar", "-o", tar_out)
    assert result.exit_code == 0, result.output
    bagit.Bag(str(unpack(tar_out.read_bytes(), "tar", tmp_path / "x"))).validate()
