"""Audit checkpoints kept outside the catalog, and verifying the log against them.

Each checkpoint (catalog/audit_chain.py) is written twice: as an object of the object store under
``audit/checkpoints/`` — locked by S3 Object Lock in COMPLIANCE mode for ``audit_checkpoint_retain_days``
where the bucket has Object Lock — and as one line appended to ``data_dir/audit/checkpoints.jsonl``
(opened append-only, 0600). Verification reads both: a checkpoint one place lacks, or one whose
signature does not hold, is reported too.
"""
from __future__ import annotations

import json
import os
import platform
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from catalog.audit import ChainReport, chain_state, verify
from catalog.audit_chain import BadCheckpoint, Checkpoint, derive_key, parse_checkpoint
from records.parts import Stored
from storage import ObjectStore

PREFIX = "audit/checkpoints/"


class Anchored(Stored, Protocol):
    """An archive whose secret key signs its audit checkpoints."""

    @property
    def secret_key(self) -> str: ...


def checkpoint_file(parts: Stored) -> Path:
    return parts.settings.data_dir / "audit" / "checkpoints.jsonl"


@dataclass(frozen=True)
class Written:
    checkpoint: Checkpoint
    object_key: str
    locked: bool   # the object store keeps it under Object Lock


def write_checkpoint(parts: Anchored) -> Written:
    """Record where the log stands now, in the object store and the local file."""
    key = derive_key(parts.secret_key)
    with parts.db.session() as s:
        checkpoint = chain_state(s)
    line = checkpoint.signed(key)
    object_key = f"{PREFIX}{checkpoint.at:%Y%m%dT%H%M%S%fZ}-{checkpoint.last_id:012d}.json"
    locked = _put(parts.store, object_key, line.encode(),
                  checkpoint.at + timedelta(days=parts.settings.audit_checkpoint_retain_days))
    _append(checkpoint_file(parts), line)
    return Written(checkpoint, object_key, locked)


def _put(store: ObjectStore, key: str, data: bytes, retain_until) -> bool:
    put_retained = getattr(store, "put_retained", None)  # S3: Object Lock where the bucket has it
    if put_retained is not None:
        return put_retained(key, data, retain_until)
    store.put_bytes(key, data, content_type="application/json")
    return False


def _append(path: Path, line: str) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (line + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass
class Found:
    checkpoints: list[Checkpoint] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def read_checkpoints(parts: Anchored) -> Found:
    """Every checkpoint of both places; bad ones and ones missing from one place become problems."""
    key = derive_key(parts.secret_key)
    found = Found()
    in_store: dict[str, Checkpoint] = {}
    for object_key in parts.store.iter_keys(PREFIX):
        with parts.store.open(object_key) as f:
            text = f.read().decode("utf-8", "replace")
        try:
            in_store[text.strip()] = parse_checkpoint(key, text)
        except BadCheckpoint as exc:
            found.problems.append(f"object {object_key}: {exc}")
    in_file: dict[str, Checkpoint] = {}
    path = checkpoint_file(parts)
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines() if path.exists() else []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            in_file[line.strip()] = parse_checkpoint(key, line)
        except BadCheckpoint as exc:
            found.problems.append(f"{path.name} line {number}: {exc}")
    here = platform.node()
    for line in in_store.keys() - in_file.keys():
        if in_store[line].node not in ("", here):
            continue  # another API node's: it keeps it in its own local file
        found.problems.append(f"checkpoint of {in_store[line].at:%Y-%m-%d %H:%M} is missing from {path.name}")
    for line in in_file.keys() - in_store.keys():
        found.problems.append(f"checkpoint of {in_file[line].at:%Y-%m-%d %H:%M} is missing from the object store")
    found.checkpoints = list({**in_file, **in_store}.values())
    return found


@dataclass(frozen=True)
class Verification:
    chain: ChainReport
    problems: list[str]   # about the checkpoints themselves

    @property
    def ok(self) -> bool:
        return self.chain.ok and not self.problems


def verify_log(parts: Anchored) -> Verification:
    """The log against its keyed hashes and every checkpoint kept outside the catalog."""
    found = read_checkpoints(parts)
    with parts.db.session() as s:
        chain = verify(s, derive_key(parts.secret_key), found.checkpoints)
    return Verification(chain, found.problems)


def last_checkpoint_at(parts: Stored) -> datetime | None:
    """When the newest checkpoint of the local file was taken (the schedule's memory)."""
    path = checkpoint_file(parts)
    if not path.exists():
        return None
    for line in reversed(path.read_text(encoding="utf-8", errors="replace").splitlines()):
        try:
            return datetime.fromisoformat(json.loads(line)["checkpoint"]["at"])
        except (ValueError, KeyError, TypeError):
            continue
    return None


def ensure_anchored(parts: Anchored) -> Written | None:
    """At start-up: the first checkpoint of a log that has none, so that entries written before the
    chain was keyed (an upgraded catalog) are anchored by their count and head from now on."""
    path = checkpoint_file(parts)
    if path.exists() and path.stat().st_size > 0:
        return None
    return write_checkpoint(parts)
