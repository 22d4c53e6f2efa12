"""Verification outcomes kept for a while, so a checklist does not run pyHanko on every paper each time.

A signed copy is verified whenever it is offered for reuse or downloaded. The stored bytes are
still read and hashed every time (a changed byte is caught at once); what is kept is pyHanko's
verdict on those exact bytes, under a key of

* the SHA-256 of the bytes read now (not the one recorded: altered bytes never find a verdict);
* the fingerprint of the trust roots loaded now (adding or removing a CA certificate in the trust
  folder changes it, so every earlier verdict is left behind at once);
* whether revocation was asked, and the validation-time bucket (``signature_cache_minutes``):
  a certificate expires, an OCSP responder starts answering "revoked", so no verdict outlives
  its bucket.

The cache lives in the process (each API or worker process has its own; bounded, least recently
used first out). The fixity job never uses it: it verifies every copy afresh.
"""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TypeVar

from asn1crypto import x509 as asn1_x509

V = TypeVar("V")

MAX_ENTRIES = 20_000  # a few hundred bytes each


def trust_fingerprint(roots: Sequence[asn1_x509.Certificate]) -> str:
    """One hash over the set of trust roots (order and duplicates do not matter)."""
    digest = hashlib.sha256()
    for der in sorted({root.dump() for root in roots}):
        digest.update(hashlib.sha256(der).digest())
    return digest.hexdigest()


def cache_key(sha256: str, roots: Sequence[asn1_x509.Certificate], revocation: bool, minutes: float,
              at: datetime) -> tuple | None:
    """The key a verdict is kept under; None when caching is off (``minutes`` 0)."""
    if minutes <= 0:
        return None
    return sha256, trust_fingerprint(roots), revocation, int(at.timestamp() // (minutes * 60))


class VerdictCache:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple, object] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get_or_compute(self, key: tuple | None, compute: Callable[[], V]) -> V:
        """The kept verdict for ``key``, else ``compute()`` (outside the lock: it takes a while), kept."""
        if key is None:
            return compute()
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                self.hits += 1
                return self._entries[key]  # type: ignore[return-value]
            self.misses += 1
        value = compute()
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)


VERDICTS = VerdictCache()
"""The process's cache (records/signatures.py verifies through it)."""
