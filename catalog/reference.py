"""Reference data shipped as data files (never hard-coded in Python): code patterns and procedures.

The shipped catalog is a SAMPLE; archivists replace it with the official lists by import.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlalchemy.orm import Session

from catalog.models import Procedure

SAMPLE_CATALOG = Path(__file__).parent / "data" / "sample_catalog.json"


@dataclass(frozen=True)
class CodePatterns:
    patterns: dict[str, re.Pattern[str]]

    def valid(self, kind: str, value: str) -> bool:
        return bool(self.patterns[kind].fullmatch(value))


@lru_cache
def load_catalog(path: Path = SAMPLE_CATALOG) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def code_patterns() -> CodePatterns:
    return CodePatterns({k: re.compile(v) for k, v in load_catalog()["patterns"].items()})


def seed_procedures(session: Session) -> int:
    """Insert or update the shipped procedures; returns how many were written."""
    data = load_catalog()
    for row in data["procedures"]:
        session.merge(Procedure(**row))
    return len(data["procedures"])
