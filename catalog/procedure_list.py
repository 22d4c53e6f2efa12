"""The procedures an office handles, as the public sees them: name, sector, processing time and the
papers to bring; matched by code or by words of the name, with or without diacritics."""
from __future__ import annotations

from typing import Any

from catalog.catalogs import Catalog
from catalog.vntext import fold


def matches(code: str, name: str, query: str) -> bool:
    """``query``'s words all start words of the name, or the query starts the code."""
    query = query.strip()
    if not query or code.startswith(query):
        return True
    words = fold(name).split()
    return all(any(w.startswith(q) for w in words) for q in fold(query).split())


def public_procedures(catalog: Catalog, query: str = "", limit: int = 500) -> list[dict[str, Any]]:
    """Procedures in code order with their components (mandatory first) and result codes."""
    out = []
    for code, row in sorted(catalog.procedures.items()):
        if not matches(code, row["name"], query):
            continue
        components = sorted(catalog.components_of(code), key=lambda c: (not c["mandatory"], c["code"]))
        out.append({
            "code": code, "name": row["name"], "sector": row.get("sector"),
            "processing_days": row.get("processing_days"),
            "components": [{"code": c["code"], "name": c["name"], "mandatory": bool(c["mandatory"]),
                            "reusable": bool(c["reusable"]), "document_type_code": c["document_type_code"]}
                           for c in components],
            "results": [{"code": r["code"], "name": r["name"]} for r in catalog.results_of(code)],
        })
        if len(out) >= limit:
            break
    return out
