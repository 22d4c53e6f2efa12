"""Migrations see every table: each module of ours that declares a table is in catalog.tables."""
from __future__ import annotations

import ast
from pathlib import Path

from catalog.tables import TABLE_MODULES, import_all_tables

ROOT = Path(__file__).resolve().parents[2]


def _modules_declaring_tables() -> set[str]:
    found = set()
    for path in ROOT.glob("*/**/*.py"):
        rel = path.relative_to(ROOT)
        if rel.parts[0] in {"tests", "bench", ".venv", "build"} or "migrations" in rel.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if any(isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__tablename__"
                                                 for t in n.targets)
               for n in ast.walk(tree)):
            found.add(".".join(rel.with_suffix("").parts))
    return found


def test_every_table_module_is_listed() -> None:
    assert _modules_declaring_tables() == set(TABLE_MODULES)


def test_import_all_tables_registers_the_records_tables() -> None:
    tables = import_all_tables().tables
    assert {"document", "dossier", "legal_hold", "disposal_batch", "fixity_run", "audit_entry"} <= set(tables)
