"""The layers of docs/ARCHITECTURE.md, checked from the code's own imports.

A top-level package may import only packages on a lower layer; packages on one layer do not import
each other. Imports inside functions and under TYPE_CHECKING count too: a late import still ties
the lower layer to the upper one.
"""
from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYERS = {
    "core": 0,
    "storage": 1, "search": 1, "ocr": 1,
    "catalog": 2,
    "records": 3,
    "ingest": 4,
    "api": 5,
    "sohoa": 6,
}
NOT_IN_THE_GRAPH = ("migrations",)  # alembic's scripts, loaded by path


def imports_by_package() -> dict[str, dict[str, set[str]]]:
    """{importing package: {imported package: {"module.py: imported.name", ...}}}"""
    found: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for package in LAYERS:
        for path in (ROOT / package).rglob("*.py"):
            rel = path.relative_to(ROOT)
            if any(part in NOT_IN_THE_GRAPH for part in rel.parts):
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top in LAYERS and top != package:
                        found[package][top].add(f"{rel}: {name}")
    return found


def test_every_package_has_a_layer() -> None:
    packages = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists() and p.name != "tests"}
    assert packages == set(LAYERS)


def test_packages_import_only_lower_layers() -> None:
    wrong = [f"{where} (layer {LAYERS[package]} imports layer {LAYERS[imported]})"
             for package, targets in imports_by_package().items()
             for imported, places in targets.items() if LAYERS[imported] >= LAYERS[package]
             for where in sorted(places)]
    assert wrong == []


def test_the_records_and_catalog_layers_know_nothing_of_intake_http_or_entry_points() -> None:
    graph = imports_by_package()
    for package in ("catalog", "records"):
        assert not set(graph[package]) & {"ingest", "api", "sohoa"}, dict(graph[package])


def test_core_imports_nothing_of_ours() -> None:
    assert dict(imports_by_package()["core"]) == {}
