"""Anchoring the audit chain outside the catalog: a keyed hash per entry and signed checkpoints.

Whoever can write the catalog can recompute a plain SHA-256 chain after deleting entries. Two
things stop that here:

* every entry also carries ``mac`` = HMAC-SHA256(audit key, entry hash). The audit key is derived
  from the service's secret key (settings or ``data_dir/secret.key``), never stored in the catalog,
  so a re-chained entry cannot get a valid mac;
* checkpoints — (count, id and hash of the newest entry, time, first keyed entry), signed with the
  same key — are written outside the catalog (records/audit_anchor.py: the object store, with
  S3 Object Lock where the bucket has it, and an append-only local file). Verifying compares the
  log with them, so cutting the newest entries off, deleting some, or wiping the whole log shows.

Entries written before the chain was keyed (upgrade from 0005) have no mac: they are verified as
*legacy* by their SHA-256 links only, and the first checkpoint, written when the upgraded service
starts, anchors their count and head. From the first keyed entry on, every entry must be keyed.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import asdict, dataclass
from datetime import datetime

KEY_LABEL = b"sohoa audit chain v1"


def derive_key(secret_key: str) -> bytes:
    """The audit key: bound to the secret key, and different from the token-signing key itself."""
    return hmac.new(secret_key.encode(), KEY_LABEL, hashlib.sha256).digest()


def entry_mac(key: bytes, entry_hash: str) -> str:
    return hmac.new(key, entry_hash.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Checkpoint:
    """The state of the log at one moment, as it is kept outside the catalog."""

    at: datetime
    count: int          # entries with id <= last_id
    last_id: int        # newest entry (0: an empty log)
    head: str           # its hash
    keyed_from: int | None  # first entry carrying a mac (None: none yet)
    node: str = ""          # the host that wrote it: each keeps its own local file

    def payload(self) -> str:
        body = {**asdict(self), "at": self.at.isoformat()}
        return json.dumps(body, sort_keys=True, separators=(",", ":"))

    def signed(self, key: bytes) -> str:
        """One JSON line: the payload and its signature."""
        return json.dumps({"checkpoint": json.loads(self.payload()), "sig": _sign(key, self.payload())},
                          sort_keys=True, separators=(",", ":"))


class BadCheckpoint(ValueError):
    """A checkpoint that is malformed or whose signature does not hold (forged, or another key)."""


def parse_checkpoint(key: bytes, line: str) -> Checkpoint:
    try:
        outer = json.loads(line)
        body = outer["checkpoint"]
        checkpoint = Checkpoint(at=datetime.fromisoformat(body["at"]), count=int(body["count"]),
                                last_id=int(body["last_id"]), head=str(body["head"]),
                                keyed_from=None if body["keyed_from"] is None else int(body["keyed_from"]),
                                node=str(body.get("node", "")))
        signature = str(outer["sig"])
    except (ValueError, KeyError, TypeError) as exc:
        raise BadCheckpoint(f"malformed checkpoint: {exc}") from None
    if not hmac.compare_digest(signature, _sign(key, checkpoint.payload())):
        raise BadCheckpoint("checkpoint signature does not match (forged, or signed with another key)")
    return checkpoint


def _sign(key: bytes, payload: str) -> str:
    return hmac.new(key, b"checkpoint:" + payload.encode(), hashlib.sha256).hexdigest()
