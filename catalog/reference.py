"""Code patterns and procedures for callers that have no catalog session at hand.

The catalogs themselves live in :mod:`catalog.catalogs` (versioned, imported by archivists); the
shipped catalog is a SAMPLE. This module keeps the small interface the intake code uses:
``code_patterns()`` answers from the catalog in force when given a session, otherwise from the
shipped sample (whose identifier patterns — 12-digit personal ID, 10-digit insurance code — are
the statutory formats).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy.orm import Session

from catalog import catalogs


@dataclass(frozen=True)
class CodePatterns:
    patterns: dict[str, re.Pattern[str]]

    def valid(self, kind: str, value: str) -> bool:
        pattern = self.patterns.get(kind)
        return pattern is not None and bool(pattern.fullmatch(value))


@lru_cache
def _shipped_patterns() -> CodePatterns:
    rows = catalogs.load_directory().tables["patterns"]
    return CodePatterns({r["kind"]: re.compile(r["regex"]) for r in rows})


def code_patterns(session: Session | None = None) -> CodePatterns:
    if session is None:
        return _shipped_patterns()
    return CodePatterns(dict(catalogs.active_catalog(session).patterns))
