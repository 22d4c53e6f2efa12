"""The three catalogs the 2024 plan demands (digitized dossier components, result codes,
document-type codes), plus the procedures, code patterns and province prefixes they rely on.

A catalog is *data*: the project ships a SAMPLE bundle under ``catalog/data/sample/`` (CSV tables
and a manifest) and archivists import the official lists as JSON bundles or single CSV tables.
Every import is validated whole — unknown columns, duplicate codes, codes off their pattern,
references to missing types or procedures — and is either refused with a row-by-row report or
written as a new immutable version with an effective date. The version in force is the newest one
whose effective date has come; documents remember the version they were coded under.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog import holidays
from catalog.coding import (
    CatalogComponent,
    CatalogDocumentType,
    CatalogPattern,
    CatalogProcedure,
    CatalogProvince,
    CatalogResult,
    CatalogVersion,
)
from catalog.models import Procedure
from catalog.steps import steps_error
from core.clock import LOCAL_TZ
from core.errors import NotFound, Unavailable, Unprocessable

SAMPLE_DIR = Path(__file__).parent / "data" / "sample"
FORMAT = "sohoa-catalog/1"

KINDS = ("component", "result", "both")
VALIDITY = re.compile(r"^(permanent|on_paper|months:([1-9]\d{0,2}))$")
REQUIRED_PATTERNS = ("procedure", "component", "result", "document_type", "issuer_symbol", "personal_id",
                     "social_insurance_code", "province", "digitization")
"""Pattern kinds the program consults (what the codes *look like* stays in the data)."""
_TRUE = {"yes", "true", "1", "có", "x"}
_FALSE = {"no", "false", "0", "không", ""}


# ---------------------------------------------------------------- table specifications

@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "str"  # str | int | bool | list | validity
    required: bool = True
    pattern: str | None = None  # pattern kind the value must match


@dataclass(frozen=True)
class Table:
    name: str
    model: type
    columns: tuple[Column, ...]
    key: str = "code"

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


TABLES: dict[str, Table] = {t.name: t for t in (
    Table("patterns", CatalogPattern, (Column("kind"), Column("regex"), Column("description", required=False)),
          key="kind"),
    Table("provinces", CatalogProvince, (Column("code", pattern="province"), Column("name"))),
    Table("document_types", CatalogDocumentType, (
        Column("code", pattern="document_type"), Column("name"), Column("group", required=False),
        Column("kind"), Column("issuer_symbol", pattern="issuer_symbol"), Column("validity", "validity"),
        Column("certified_copy_months", "int", required=False), Column("titles", "list"),
        Column("keywords", "list", required=False), Column("exemplar", "list", required=False))),
    Table("procedures", CatalogProcedure, (
        Column("code", pattern="procedure"), Column("name"), Column("sector", required=False),
        Column("processing_days", "int"), Column("steps", "list", required=False),
        Column("hand_over_resolves", "bool", required=False))),
    Table("components", CatalogComponent, (
        Column("code", pattern="component"), Column("procedure_code", pattern="procedure"), Column("name"),
        Column("document_type_code", pattern="document_type"), Column("mandatory", "bool"),
        Column("reusable", "bool"))),
    Table("results", CatalogResult, (
        Column("code", pattern="result"), Column("procedure_code", pattern="procedure"), Column("name"),
        Column("document_type_code", pattern="document_type"), Column("validity", "validity"),
        Column("replaces", "list", required=False, pattern="result"))),
)}
TABLE_ORDER = tuple(TABLES)


# ---------------------------------------------------------------- reports

@dataclass(frozen=True)
class Problem:
    table: str
    row: int  # CSV line number (header = 1) or 1-based position in a JSON array; 0 = whole table
    column: str | None
    code: str
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"table": self.table, "row": self.row, "column": self.column, "code": self.code,
                "message": self.message}


@dataclass
class ImportReport:
    valid: bool
    dry_run: bool
    label: str
    effective_from: date
    problems: list[Problem] = field(default_factory=list)
    changes: dict[str, dict[str, Any]] = field(default_factory=dict)
    version_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "valid": self.valid, "dry_run": self.dry_run, "imported": self.version_id is not None,
            "version": self.label, "effective_from": self.effective_from.isoformat(),
            "problems": [p.to_json() for p in self.problems],
            "changes": self.changes,
            "summary": {t: {k: len(v) for k, v in c.items()} for t, c in self.changes.items()},
        }


class CatalogRejected(Unprocessable):
    """An import refused whole; the JSON error carries the row-by-row report."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__("catalog_invalid",
                         f"Danh mục không hợp lệ ({len(report.problems)} lỗi); không có dữ liệu nào được nhập.")
        self.report = report

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "report": self.report.to_json()}


# ---------------------------------------------------------------- bundles

@dataclass
class Bundle:
    """A whole catalog in memory: manifest fields plus parsed rows of every table."""

    label: str
    effective_from: date
    sample: bool = False
    title: str | None = None
    note: str | None = None
    policy: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    row_base: dict[str, int] = field(default_factory=dict)
    """Per table, what to add to a 1-based row index to report it: 1 for a CSV (header = line 1)."""

    def row(self, table: str, index: int) -> int:
        return index + self.row_base.get(table, 0)

    def canonical(self) -> dict[str, Any]:
        """The JSON export shape (also what the checksum covers, minus label and date)."""
        return {"format": FORMAT, "version": self.label, "effective_from": self.effective_from.isoformat(),
                "sample": self.sample, "title": self.title, "note": self.note, "policy": self.policy,
                **{name: self.tables.get(name, []) for name in TABLE_ORDER}}

    def checksum(self) -> str:
        body = {k: v for k, v in self.canonical().items() if k not in ("version", "effective_from")}
        return hashlib.sha256(json.dumps(body, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def _parse_value(col: Column, raw: Any) -> tuple[Any, str | None]:
    """Typed value of one cell, or an error message in Vietnamese."""
    if col.kind == "list":
        if isinstance(raw, list):
            items = [str(x).strip() for x in raw]
        else:
            items = [part.strip() for part in str(raw or "").split("|")]
        return [i for i in items if i], None
    text = "" if raw is None else str(raw).strip()
    if col.kind == "int":
        if text == "" and not col.required:
            return 0, None
        try:
            value = int(text)
        except ValueError:
            return None, f"'{text}' không phải số nguyên."
        return (value, None) if value >= 0 else (None, "Không được là số âm.")
    if col.kind == "bool":
        if isinstance(raw, bool):
            return raw, None
        low = text.lower()
        if low in _TRUE:
            return True, None
        if low in _FALSE:
            return False, None
        return None, f"'{text}' không phải có/không (yes/no)."
    if col.kind == "validity" and not VALIDITY.match(text):
        return None, f"Hiệu lực '{text}' phải là permanent, on_paper hoặc months:N."
    return text, None


def parse_rows(table: str, rows: Iterable[Mapping[str, Any]], *, header: Iterable[str] | None = None,
               first_row: int = 1) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Typed rows of one table; unknown or missing columns and malformed cells become problems."""
    spec = TABLES[table]
    problems: list[Problem] = []
    rows = list(rows)
    seen_columns = list(header) if header is not None else sorted({k for r in rows for k in r})
    for name in seen_columns:
        if name not in spec.column_names:
            problems.append(Problem(table, first_row - 1 if header is not None else 0, name, "unknown_column",
                                    f"Cột '{name}' không có trong danh mục {table}."))
    for col in spec.columns:
        if col.required and col.name not in seen_columns:
            problems.append(Problem(table, 0, col.name, "missing_column", f"Thiếu cột bắt buộc '{col.name}'."))
    parsed: list[dict[str, Any]] = []
    for offset, raw in enumerate(rows):
        row_no = first_row + offset
        out: dict[str, Any] = {}
        for col in spec.columns:
            value, error = _parse_value(col, raw.get(col.name))
            if error:
                problems.append(Problem(table, row_no, col.name, "invalid_value", error))
            elif col.required and value in ("", []):
                problems.append(Problem(table, row_no, col.name, "empty_value", f"Cột '{col.name}' không được để trống."))
            out[col.name] = value
        parsed.append(out)
    return parsed, problems


def read_csv(table: str, text: str) -> tuple[list[dict[str, Any]], list[Problem]]:
    if table not in TABLES:
        raise NotFound("unknown_catalog_table", f"Không có bảng danh mục '{table}'.")
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    rows, extra = [], []
    for line, r in enumerate(reader, 2):
        if r.get(None):
            extra.append(Problem(table, line, None, "extra_cells", "Dòng có nhiều ô hơn số cột của tiêu đề."))
        rows.append({k: v for k, v in r.items() if k is not None})
    parsed, problems = parse_rows(table, rows, header=header, first_row=2)
    return parsed, extra + problems


def write_csv(table: str, rows: Iterable[Mapping[str, Any]]) -> str:
    spec = TABLES[table]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(spec.column_names)
    for row in rows:
        writer.writerow(["|".join(v) if isinstance(v, list) else
                         ("yes" if v is True else "no" if v is False else v) for v in
                         (row.get(c) for c in spec.column_names)])
    return buf.getvalue()


def bundle_from_json(data: Mapping[str, Any]) -> tuple[Bundle, list[Problem]]:
    problems: list[Problem] = []
    allowed = {"format", "version", "effective_from", "sample", "title", "note", "policy", *TABLE_ORDER}
    for key in data:
        if key not in allowed:
            problems.append(Problem("manifest", 0, key, "unknown_field", f"Trường '{key}' không được hỗ trợ."))
    if data.get("format", FORMAT) != FORMAT:
        problems.append(Problem("manifest", 0, "format", "unsupported_format",
                                f"Định dạng '{data.get('format')}' không được hỗ trợ (cần {FORMAT})."))
    effective = _parse_date(data.get("effective_from"), problems)
    bundle = Bundle(label=str(data.get("version") or "").strip(), effective_from=effective or date.today(),
                    sample=bool(data.get("sample", False)), title=data.get("title"), note=data.get("note"),
                    policy=dict(data.get("policy") or {}))
    for name in TABLE_ORDER:
        raw = data.get(name)
        if raw is None:
            problems.append(Problem(name, 0, None, "missing_table", f"Thiếu bảng '{name}'."))
            continue
        if not isinstance(raw, list) or not all(isinstance(r, Mapping) for r in raw):
            problems.append(Problem(name, 0, None, "invalid_table", f"Bảng '{name}' phải là danh sách đối tượng."))
            continue
        bundle.tables[name], found = parse_rows(name, raw)
        problems += found
    return bundle, problems


def _parse_date(value: Any, problems: list[Problem]) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except (TypeError, ValueError):
        problems.append(Problem("manifest", 0, "effective_from", "invalid_date",
                                f"Ngày hiệu lực '{value}' phải có dạng YYYY-MM-DD."))
        return None


def load_directory(path: Path = SAMPLE_DIR) -> Bundle:
    """A bundle from a manifest.json plus one CSV per table (the shipped sample's layout)."""
    manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    data = {**manifest}
    problems: list[Problem] = []
    for name in TABLE_ORDER:
        rows, found = read_csv(name, (path / f"{name}.csv").read_text(encoding="utf-8"))
        data[name] = rows
        problems += found
    bundle, more = bundle_from_json(data)
    bundle.row_base = {name: 1 for name in TABLE_ORDER}
    problems += more + validate(bundle)
    if problems:
        raise ValueError(f"catalog at {path} is invalid: " + "; ".join(
            f"{p.table}:{p.row}:{p.column}: {p.message}" for p in problems[:10]))
    return bundle


# ---------------------------------------------------------------- validation

def validate(bundle: Bundle) -> list[Problem]:
    """Whole-bundle rules: patterns compile and are complete, codes match them, keys are unique,
    references resolve. Rows are reported as the source numbers them (:meth:`Bundle.row`)."""
    problems: list[Problem] = []
    if not bundle.label or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._+\-]{0,63}", bundle.label):
        problems.append(Problem("manifest", 0, "version", "invalid_version",
                                "Nhãn phiên bản chỉ gồm chữ, số, '.', '_', '-', '+' (tối đa 64 ký tự)."))
    patterns: dict[str, re.Pattern[str]] = {}
    for i, row in enumerate(bundle.tables.get("patterns", []), 1):
        try:
            patterns[row["kind"]] = re.compile(row["regex"])
        except (re.error, TypeError) as exc:
            problems.append(Problem("patterns", bundle.row("patterns", i), "regex", "invalid_regex", f"Biểu thức không hợp lệ: {exc}"))
    for kind in REQUIRED_PATTERNS:
        if kind not in patterns and "patterns" in bundle.tables:
            problems.append(Problem("patterns", 0, kind, "missing_pattern", f"Thiếu mẫu mã '{kind}'."))
    keys: dict[str, set[str]] = {}
    for name in TABLE_ORDER:
        spec = TABLES[name]
        seen: dict[str, int] = {}
        for i, row in enumerate(bundle.tables.get(name, []), 1):
            key = row.get(spec.key)
            if key in seen:
                problems.append(Problem(name, bundle.row(name, i), spec.key, "duplicate_code",
                                        f"Mã '{key}' trùng với dòng {bundle.row(name, seen[key])}."))
            elif key:
                seen[key] = i
            for col in spec.columns:
                if col.pattern and col.pattern in patterns:
                    for value in (row.get(col.name) if col.kind == "list" else [row.get(col.name)]) or []:
                        if value and not patterns[col.pattern].fullmatch(value):
                            problems.append(Problem(name, bundle.row(name, i), col.name, "off_pattern",
                                                    f"Mã '{value}' không đúng mẫu {col.pattern} "
                                                    f"({patterns[col.pattern].pattern})."))
        keys[name] = set(seen)
    problems += _references(bundle, keys)
    for i, row in enumerate(bundle.tables.get("procedures", []), 1):
        error = steps_error(row.get("steps") or [], row.get("processing_days"))
        if error:
            problems.append(Problem("procedures", bundle.row("procedures", i), "steps", "invalid_steps", error))
    return problems


def _references(bundle: Bundle, keys: dict[str, set[str]]) -> list[Problem]:
    problems: list[Problem] = []
    types = {r["code"]: r for r in bundle.tables.get("document_types", [])}
    for i, row in enumerate(bundle.tables.get("document_types", []), 1):
        if row.get("kind") not in KINDS:
            problems.append(Problem("document_types", bundle.row("document_types", i), "kind", "invalid_value",
                                    f"Loại '{row.get('kind')}' phải là một trong {', '.join(KINDS)}."))
    for name in ("components", "results"):
        for i, row in enumerate(bundle.tables.get(name, []), 1):
            if row.get("procedure_code") and row["procedure_code"] not in keys.get("procedures", ()):
                problems.append(Problem(name, bundle.row(name, i), "procedure_code", "unknown_procedure",
                                        f"Thủ tục '{row['procedure_code']}' không có trong danh mục thủ tục."))
            type_code = row.get("document_type_code")
            if type_code and type_code not in types:
                problems.append(Problem(name, bundle.row(name, i), "document_type_code", "unknown_document_type",
                                        f"Loại giấy tờ '{type_code}' không có trong danh mục mã loại giấy tờ."))
            elif name == "results" and type_code and types[type_code].get("kind") == "component":
                problems.append(Problem(name, bundle.row(name, i), "document_type_code", "not_a_result_type",
                                        f"Loại giấy tờ '{type_code}' chỉ dùng cho thành phần hồ sơ, không phải kết quả."))
    for i, row in enumerate(bundle.tables.get("results", []), 1):
        for code in row.get("replaces") or []:
            if code not in keys.get("results", ()):
                problems.append(Problem("results", bundle.row("results", i), "replaces", "unknown_result",
                                        f"Mã kết quả được thay thế '{code}' không có trong danh mục."))
    return problems


# ---------------------------------------------------------------- diff

def diff(old: Bundle | None, new: Bundle) -> dict[str, dict[str, Any]]:
    """Per table: codes added, removed, and changed (with old → new per changed field)."""
    changes: dict[str, dict[str, Any]] = {}
    for name in TABLE_ORDER:
        key = TABLES[name].key
        before = {r[key]: r for r in (old.tables.get(name, []) if old else [])}
        after = {r[key]: r for r in new.tables.get(name, [])}
        changed = []
        for code in sorted(before.keys() & after.keys()):
            fields = {c: [before[code].get(c), after[code].get(c)] for c in TABLES[name].column_names
                      if before[code].get(c) != after[code].get(c)}
            if fields:
                changed.append({"code": code, "fields": fields})
        changes[name] = {"added": sorted(after.keys() - before.keys()),
                         "removed": sorted(before.keys() - after.keys()), "changed": changed}
    return changes


# ---------------------------------------------------------------- the catalog in force

@dataclass(frozen=True)
class Catalog:
    """One stored version, loaded for lookups (immutable, cached per process by version id)."""

    version_id: int
    label: str
    checksum: str
    effective_from: date
    sample: bool
    policy: Mapping[str, Any]
    patterns: Mapping[str, re.Pattern[str]]
    document_types: Mapping[str, Mapping[str, Any]]
    procedures: Mapping[str, Mapping[str, Any]]
    components: Mapping[str, Mapping[str, Any]]
    results: Mapping[str, Mapping[str, Any]]
    provinces: Mapping[str, str]

    def valid(self, kind: str, value: str | None) -> bool:
        pattern = self.patterns.get(kind)
        return bool(value) and pattern is not None and bool(pattern.fullmatch(value))

    def policy_value(self, name: str, default: float) -> float:
        return float(self.policy.get(name, default))

    def components_of(self, procedure_code: str) -> list[Mapping[str, Any]]:
        return [c for c in self.components.values() if c["procedure_code"] == procedure_code]

    def results_of(self, procedure_code: str) -> list[Mapping[str, Any]]:
        return [r for r in self.results.values() if r["procedure_code"] == procedure_code]


_cache: dict[tuple, Catalog] = {}
_cache_lock = threading.Lock()


def today_local() -> date:
    return datetime.now(LOCAL_TZ).date()


def active_version_id(session: Session, on: date | None = None) -> int | None:
    return session.scalar(
        select(CatalogVersion.id).where(CatalogVersion.effective_from <= (on or today_local()))
        .order_by(CatalogVersion.effective_from.desc(), CatalogVersion.id.desc()).limit(1))


def active_catalog(session: Session, on: date | None = None) -> Catalog:
    version_id = active_version_id(session, on)
    if version_id is None:
        raise Unavailable("no_catalog", "Chưa có danh mục mã nào có hiệu lực; cần nhập danh mục.")
    return catalog_version(session, version_id)


def catalog_version(session: Session, version_id: int) -> Catalog:
    version = session.get(CatalogVersion, version_id)
    # Keyed by content as well as id: several databases (tests, tenants) may live in one process.
    key = (str(session.get_bind().url), version_id, version.checksum, version.label)
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached
    bundle = stored_bundle(session, version_id)
    by_code = {name: {r[TABLES[name].key]: r for r in rows} for name, rows in bundle.tables.items()}
    catalog = Catalog(
        version_id=version_id, label=version.label, checksum=version.checksum,
        effective_from=version.effective_from, sample=version.sample,
        policy=dict(version.policy or {}),
        patterns={k: re.compile(r["regex"]) for k, r in by_code["patterns"].items()},
        document_types=by_code["document_types"], procedures=by_code["procedures"],
        components=by_code["components"], results=by_code["results"],
        provinces={k: r["name"] for k, r in by_code["provinces"].items()},
    )
    with _cache_lock:
        _cache[key] = catalog
    return catalog


def find_version(session: Session, label: str | None) -> CatalogVersion:
    if label is None:
        version_id = active_version_id(session)
        version = session.get(CatalogVersion, version_id) if version_id else None
    else:
        version = session.scalars(select(CatalogVersion).where(CatalogVersion.label == label)).first()
    if version is None:
        raise NotFound("catalog_version_not_found", f"Không tìm thấy phiên bản danh mục '{label}'.")
    return version


def stored_bundle(session: Session, version_id: int) -> Bundle:
    version = session.get(CatalogVersion, version_id)
    bundle = Bundle(label=version.label, effective_from=version.effective_from, sample=version.sample,
                    title=version.title, note=version.note, policy=dict(version.policy or {}))
    for name in TABLE_ORDER:
        spec = TABLES[name]
        rows = session.scalars(select(spec.model).where(spec.model.version_id == version_id)
                               .order_by(getattr(spec.model, spec.key)))
        bundle.tables[name] = [{c: getattr(r, c) for c in spec.column_names} for r in rows]
    return bundle


def list_versions(session: Session) -> list[CatalogVersion]:
    return list(session.scalars(select(CatalogVersion).order_by(CatalogVersion.effective_from, CatalogVersion.id)))


# ---------------------------------------------------------------- import

def import_bundle(session: Session, bundle: Bundle, *, problems: list[Problem] | None = None,
                  source: str, created_by: str | None, dry_run: bool = False) -> ImportReport:
    """Validate, diff against the version in force, and (unless dry-run) store a new version.

    Nothing is written when a single problem is found: the caller gets :class:`CatalogRejected`
    (or, in a dry run, the report listing every problem and every change)."""
    problems = list(problems or []) + validate(bundle)
    if session.scalar(select(CatalogVersion.id).where(CatalogVersion.label == bundle.label)) is not None:
        problems.append(Problem("manifest", 0, "version", "version_exists",
                                f"Phiên bản '{bundle.label}' đã có; mỗi lần nhập cần một nhãn mới."))
    current_id = active_version_id(session)
    report = ImportReport(valid=not problems, dry_run=dry_run, label=bundle.label,
                          effective_from=bundle.effective_from, problems=problems,
                          changes=diff(stored_bundle(session, current_id) if current_id else None, bundle))
    if dry_run:
        return report
    if problems:
        raise CatalogRejected(report)
    report.version_id = _store(session, bundle, source, created_by)
    if report.version_id == active_version_id(session):
        project_procedures(session, report.version_id)
    return report


def _store(session: Session, bundle: Bundle, source: str, created_by: str | None) -> int:
    version = CatalogVersion(label=bundle.label, effective_from=bundle.effective_from, sample=bundle.sample,
                             title=bundle.title, note=bundle.note, policy=bundle.policy, source=source,
                             checksum=bundle.checksum(), created_by=created_by)
    session.add(version)
    session.flush()
    for name in TABLE_ORDER:
        model = TABLES[name].model
        session.add_all(model(version_id=version.id, **row) for row in bundle.tables[name])
    session.flush()
    return version.id


def project_procedures(session: Session, version_id: int) -> None:
    """Upsert the version's procedures into ``procedure`` (what dossiers reference). Rows of
    procedures a newer catalog dropped stay, because old dossiers point at them."""
    for row in catalog_version(session, version_id).procedures.values():
        session.merge(Procedure(code=row["code"], name=row["name"], sector=row["sector"] or None,
                                processing_days=row["processing_days"]))


def replace_table(base: Bundle, table: str, rows: list[dict[str, Any]], label: str,
                  effective_from: date) -> Bundle:
    """A new bundle: ``base`` with one table swapped (a CSV import of a single catalog)."""
    tables = {name: list(r) for name, r in base.tables.items()}
    tables[table] = rows
    return Bundle(label=label, effective_from=effective_from, sample=False, title=base.title,
                  note=f"{table} imported as CSV over {base.label}", policy=dict(base.policy), tables=tables,
                  row_base={table: 1})


def ensure_shipped(session: Session) -> None:
    """First start: install the shipped SAMPLE catalog, unless an official one was imported.
    Every start: make sure the procedures of the version in force are in ``procedure``."""
    has_official = session.scalar(select(CatalogVersion.id).where(CatalogVersion.sample.is_(False)).limit(1))
    if not has_official:
        bundle = load_directory()
        exists = session.scalar(select(CatalogVersion.id).where(CatalogVersion.label == bundle.label))
        if exists is None:
            try:
                with session.begin_nested():
                    _store(session, bundle, "shipped", None)
            except IntegrityError:  # another process installed it at the same moment
                pass
    version_id = active_version_id(session)
    if version_id is not None:
        project_procedures(session, version_id)


def open_database(url: str):
    """A migrated catalog database with a catalog in force (the shipped SAMPLE on a fresh one),
    for the service and for tools outside it (``sohoa ocr --json``, benches, tests). Processes
    starting together on one catalog (API replicas, workers) do this one after the other."""
    from catalog.db import Database

    db = Database(url)
    with db.startup_lock():
        db.migrate()
        with db.session() as s:
            ensure_shipped(s)
            holidays.ensure_shipped(s)
    return db


def forget_cache() -> None:
    with _cache_lock:
        _cache.clear()
