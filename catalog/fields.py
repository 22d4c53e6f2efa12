"""Field extraction from OCR'd papers: identifiers, names, dates, number and symbol, agency.

Every value comes with a confidence in [0, 1] and where it was read (page number and, for OCR'd
pages, the pixel box of the words). Matching runs on a *same-length* folded copy of each page
(lower case, no diacritics), so offsets found there point into the original text and back to
Tesseract's words; values are then taken from the original (names keep their diacritics).
OCR's usual slips are repaired where the expected shape is known — ``O``/``0``, ``l``/``1``,
``S``/``5`` inside numbers — and every repair lowers the confidence and is noted.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from catalog.catalogs import Catalog
from catalog.vntext import fold, fold_words, repaired_digits, squash, strip_marks, title_case


class PageLike(Protocol):
    number: int
    text: str
    words: Sequence[Any]  # ocr.Word: text, conf, left, top, width, height


@dataclass(frozen=True)
class TextPage:
    """A page known only by its text (a text-layer PDF, or pages read back from the catalog)."""

    number: int
    text: str
    words: tuple = ()


@dataclass(frozen=True)
class Found:
    name: str
    value: str
    raw: str
    confidence: float
    page: int
    bbox: tuple[int, int, int, int] | None = None  # left, top, right, bottom (pixels of the OCR image)
    label: str | None = None
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"value": self.value, "confidence": round(self.confidence, 2), "page": self.page,
                               "bbox": list(self.bbox) if self.bbox else None, "raw": self.raw}
        if self.label:
            out["label"] = self.label
        if self.notes:
            out["notes"] = list(self.notes)
        return out


@dataclass
class Extraction:
    fields: dict[str, Found] = field(default_factory=dict)
    dates: list[Found] = field(default_factory=list)
    names: list[Found] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def value(self, name: str) -> str | None:
        found = self.fields.get(name)
        return found.value if found else None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {name: f.to_json() for name, f in sorted(self.fields.items())}
        out["dates"] = [{"role": d.name, **d.to_json()} for d in self.dates]
        out["names"] = [{"role": n.label, **n.to_json()} for n in self.names]
        out["warnings"] = list(self.warnings)
        return out


# ---------------------------------------------------------------- page geometry

def folded_same_length(text: str) -> str:
    """Lower case without diacritics, one output character per input character."""
    return "".join((strip_marks(c)[:1] or c).lower() for c in text)


@dataclass
class _Page:
    number: int
    text: str
    low: str  # folded_same_length(text)
    spans: list[tuple[int, int, Any]]  # (start, end, word) of each OCR word found in text

    @classmethod
    def of(cls, page: PageLike) -> _Page:
        text = page.text or ""
        spans, pos = [], 0
        for word in getattr(page, "words", ()) or ():
            token = getattr(word, "text", "")
            if not token:
                continue
            at = text.find(token, pos)
            if at < 0:
                continue
            spans.append((at, at + len(token), word))
            pos = at + len(token)
        return cls(page.number, text, folded_same_length(text), spans)

    def where(self, start: int, end: int) -> tuple[tuple[int, int, int, int] | None, float | None]:
        """Box around the words covering text[start:end] and their mean OCR confidence (0..1)."""
        words = [w for s, e, w in self.spans if s < end and e > start]
        if not words:
            return None, None
        box = (min(w.left for w in words), min(w.top for w in words),
               max(w.left + w.width for w in words), max(w.top + w.height for w in words))
        confs = [w.conf for w in words if getattr(w, "conf", -1) is not None and w.conf >= 0]
        return box, (sum(confs) / len(confs) / 100.0 if confs else None)

    def line_around(self, pos: int) -> tuple[int, int]:
        start = self.text.rfind("\n", 0, pos) + 1
        end = self.text.find("\n", pos)
        return start, len(self.text) if end < 0 else end

    def before(self, pos: int, chars: int = 45) -> str:
        """Folded text shortly before ``pos`` on the same line (where labels stand)."""
        start = max(self.line_around(pos)[0], pos - chars)
        return self.low[start:pos]


def _found(page: _Page, name: str, value: str, start: int, end: int, base: float, *,
           label: str | None = None, notes: Iterable[str] = ()) -> Found:
    box, ocr_conf = page.where(start, end)
    confidence = base * (0.5 + 0.5 * ocr_conf) if ocr_conf is not None else base
    return Found(name, value, page.text[start:end], max(0.0, min(1.0, confidence)), page.number, box, label,
                 tuple(notes))


# ---------------------------------------------------------------- identifiers

_NUMBERISH = "0-9OoQDlIi|!SsBZzg"
_NUMBER_TOKEN = re.compile(rf"(?<![A-Za-zÀ-ỹĐđ0-9])[{_NUMBERISH}](?:[{_NUMBERISH}]|[ .](?=[0-9]))*"
                           rf"(?![A-Za-zÀ-ỹĐđ0-9])")
_CARD_CODE = re.compile(r"\b([A-Z]{2})\s?(\d)\s?(\d{2})?\s?(\d{10})\b")
_PID_LABELS = ("dinh danh", "cccd", "cmnd", "can cuoc", "chung minh", "so no", "/ no", "id no", "so:", "so ")
_SI_LABELS = ("ma so bhxh", "so bhxh", "ma so", "so so", "bhxh so", "ma bhxh", "so:")
_PHONE_LABELS = ("dien thoai", "dt:", "sdt", "tel", "phone", "fax", "tai khoan", "so tk", "stk")


def _identifiers(page: _Page, catalog: Catalog, out: list[Found]) -> None:
    for m in _NUMBER_TOKEN.finditer(page.text):
        raw = m.group(0).rstrip(" .")
        real_digits = sum(c.isdigit() for c in raw)
        if real_digits < 7:
            continue
        digits, repaired = repaired_digits(raw)
        label = page.before(m.start())
        if repaired > (4 if any(k in label for k in (*_PID_LABELS, *_SI_LABELS)) else 1):
            continue
        notes = ["repaired_ocr_digits"] if repaired else []
        if any(k in label for k in _PHONE_LABELS):
            continue
        end = m.start() + len(raw)
        if len(digits) == 12:
            base = 0.9 if any(k in label for k in _PID_LABELS) else 0.7
            province = digits[:3]
            if catalog.provinces and province not in catalog.provinces:
                base -= 0.35
                notes.append("unknown_province_prefix")
            out.append(_found(page, "personal_id", digits, m.start(), end, base - 0.12 * repaired,
                              label=label.strip() or None, notes=notes))
        elif len(digits) == 10 and catalog.valid("social_insurance_code", digits):
            labelled = any(k in label for k in _SI_LABELS)
            if not labelled and digits.startswith("0") and digits[1] in "35789":
                continue  # an unlabelled mobile number, not an insurance code
            out.append(_found(page, "social_insurance_code", digits, m.start(), end,
                              (0.85 if labelled else 0.55) - 0.12 * repaired, label=label.strip() or None,
                              notes=notes))
    for m in _CARD_CODE.finditer(page.text):  # health-insurance card: 2 letters, level, province, SI code
        out.append(_found(page, "social_insurance_code", m.group(4), m.start(4), m.end(4), 0.75,
                          label="health_insurance_card", notes=["from_card_code"]))


def _check_birth_year(personal_id: Found, birth: Found | None) -> Found:
    """The 4th digit encodes century and sex, the 5th–6th the birth year (Decree 137/2015)."""
    if birth is None:
        return personal_id
    century = {0: 1900, 1: 1900, 2: 2000, 3: 2000, 4: 2100, 5: 2100}.get(int(personal_id.value[3]))
    year = int(birth.value[:4])
    if century is not None and century + int(personal_id.value[4:6]) == year:
        return Found(**{**personal_id.__dict__, "confidence": min(1.0, personal_id.confidence + 0.08),
                        "notes": (*personal_id.notes, "birth_year_matches")})
    return Found(**{**personal_id.__dict__, "confidence": personal_id.confidence * 0.7,
                    "notes": (*personal_id.notes, "birth_year_mismatch")})


# ---------------------------------------------------------------- dates

_NUMERIC_DATE = re.compile(r"(?<![0-9])([0-9OolI]{1,2})\s?[/.\-]\s?([0-9OolI]{1,2})\s?[/.\-]\s?([0-9OolI]{4})(?![0-9])")
_LONG_DATE = re.compile(r"ngay\s*([0-9ol]{1,2})\s*,?\s*thang\s*([0-9ol]{1,2})\s*,?\s*nam\s*([0-9ol]{4})")
_DATE_ROLES = (
    ("birth_date", ("ngay sinh", "sinh ngay", "nam sinh", "date of birth", "ngay, thang, nam sinh", "sinh nam")),
    ("valid_until", ("co gia tri den", "gia tri su dung den", "date of expiry", "han su dung", "den ngay",
                     "hieu luc den", "co gia tri")),
    ("issue_date", ("ngay cap", "date of issue", "cap ngay", "ngay dang ky", "ngay ky")),
)


def _as_date(d: str, m: str, y: str) -> date | None:
    try:
        value = date(int(repaired_digits(y)[0]), int(repaired_digits(m)[0]), int(repaired_digits(d)[0]))
    except ValueError:
        return None
    return value if 1900 <= value.year <= 2100 else None


def _dates(page: _Page, out: list[Found]) -> None:
    for regex, source in ((_NUMERIC_DATE, page.text), (_LONG_DATE, page.low)):
        for m in regex.finditer(source):
            value = _as_date(*m.groups())
            if value is None:
                continue
            label = page.before(m.start(), 60)
            role = next((r for r, keys in _DATE_ROLES if any(k in label for k in keys)), "date")
            line_start, _ = page.line_around(m.start())
            if role == "date" and regex is _LONG_DATE and re.search(r"[a-z]", page.low[line_start:m.start()]):
                role = "issue_date"  # "<Place>, ngày .. tháng .. năm ..": the date a paper was signed
            repaired = any(not c.isdigit() for c in "".join(m.groups()))
            out.append(_found(page, role, value.isoformat(), m.start(), m.end(), 0.85 - 0.15 * repaired,
                              label=label.strip() or None, notes=["repaired_ocr_digits"] if repaired else ()))


# ---------------------------------------------------------------- number and symbol, agency, names

_NUMBER_SYMBOL = re.compile(r"(?:^|\n|\s)s[o6]\s*[:.]?\s*([0-9ol]{1,6})\s*/\s*((?:[0-9]{4}\s*/\s*)?"
                            r"[a-z0-9]{1,10}(?:\s*-\s*[a-z0-9]{1,12}){0,3})")
_MOTTO = ("cong hoa xa hoi", "doc lap", "socialist republic", "independence")
"""Starts of the national motto, which stands beside the agency in the two-column header."""


def _number_symbol(page: _Page, catalog: Catalog, out: list[Found]) -> None:
    for m in _NUMBER_SYMBOL.finditer(page.low):
        number = repaired_digits(page.text[m.start(1):m.end(1)])[0]
        symbol = re.sub(r"\s+", "", page.text[m.start(2):m.end(2)]).upper()
        # Inside the letters of a symbol a 0 is an O (QĐ-B0HXH); a year stays digits.
        symbol = re.sub(r"[A-ZĐ0-9]+", lambda p: p.group(0) if p.group(0).isdigit() else p.group(0).replace("0", "O"),
                        symbol)
        if not number or not re.search(r"[A-ZĐ]", symbol):
            continue
        start = m.start(1) - (m.start(1) - m.start()) + (1 if page.low[m.start()] in "\n " else 0)
        value = f"{int(number)}/{symbol}"
        out.append(_found(page, "document_number", value, start, m.end(2), 0.85))
        issuer = issuer_from_symbol(symbol, catalog)
        if issuer:
            out.append(_found(page, "issuer_symbol", issuer, m.start(2), m.end(2), 0.75))


def issuer_from_symbol(symbol: str, catalog: Catalog) -> str | None:
    """``QĐ-BHXH`` → ``BHXH``; ``BHXH-PC`` → ``BHXH``; ``45/2023/QĐ-UBND`` → ``UBND``.
    Decree 30/2020: form abbreviation first for decisions, agency first for letters."""
    parts = [p for p in re.split(r"[/\-]", symbol.split("/")[-1]) if p and not p.isdigit()]
    form = catalog.patterns.get("document_form")
    agency_parts = [p for p in parts if not (form and form.fullmatch(p))]
    if not agency_parts:
        return None
    candidate = strip_marks(agency_parts[0] if parts and parts[0] not in agency_parts else agency_parts[0])
    candidate = re.sub(r"[^A-Z0-9]", "", candidate.upper())
    return candidate if catalog.valid("issuer_symbol", candidate) else None


def _titles(catalog: Catalog) -> frozenset[str]:
    cached = _TITLE_CACHE.get(id(catalog))
    if cached is None or cached[0] is not catalog:
        titles = frozenset(fold_words(t) for row in catalog.document_types.values() for t in row["titles"])
        cached = _TITLE_CACHE[id(catalog)] = (catalog, titles | {"quyet dinh", "to khai", "don de nghi"})
    return cached[1]


_TITLE_CACHE: dict[int, tuple[Catalog, frozenset[str]]] = {}


def _agency(page: _Page, catalog: Catalog, out: list[Found]) -> None:
    """The issuing agency: the last upper-case line of the header block, motto removed; the
    block ends at the paper's title."""
    titles = _titles(catalog)
    best: tuple[int, int] | None = None
    offset = 0
    for i, line in enumerate(page.text.split("\n")):
        start, low = offset, page.low[offset:offset + len(line)]
        offset += len(line) + 1
        if i > 8:
            break
        cut = min((low.find(m) for m in _MOTTO if m in low), default=-1)
        text = line[:cut] if cut > 0 else ("" if cut == 0 else line)
        letters = [c for c in text if c.isalpha()]
        if len(letters) < 4 or fold(text).startswith("so "):
            if best is not None and cut != 0 and letters:
                break
            continue
        if sum(c.isupper() for c in letters) / len(letters) < 0.8:
            if best is not None:
                break
            continue
        if fold_words(text) in titles:
            break
        best = (start, start + len(text.rstrip()))
    if best is not None:
        out.append(_found(page, "issuing_agency", squash(page.text[best[0]:best[1]]), best[0], best[1], 0.6))


_NAME_LABEL = re.compile(
    r"(ho va ten|ho ten|ho, chu dem(?:,| va) ten|ho chu dem va ten|full name|ten toi la|chung nhan ong/ba|"
    r"ong/ba|ong/ ba|chu ho)")
_NOT_OWNER = ("me", "cha", "vo", "chong", "nguoi khai", "duoc uy quyen", "nguoi nhan", "nguoi do de", "chu ho")
_NAME_WORD = re.compile(r"^[A-Za-zÀ-ỹĐđ][a-zà-ỹđA-ZÀ-ỸĐ]*$")


def _names(page: _Page, out: list[Found]) -> None:
    for m in _NAME_LABEL.finditer(page.low):
        line_end = page.line_around(m.end())[1]
        colon = page.low.find(":", m.end(), min(line_end, m.end() + 40))
        tail = page.low[m.end():colon] if colon >= 0 else ""
        if colon >= 0 and not re.fullmatch(r"[a-z ,/()]*", tail):
            colon, tail = -1, ""
        start = colon + 1 if colon >= 0 else m.end()
        raw = page.text[start:line_end]
        words = []
        for token in re.split(r"\s+", raw.strip()):
            token = token.strip(",.;:")
            if not token or not _NAME_WORD.match(token) or (words and fold(token) in ("sinh", "ngay", "tuoi", "gioi")):
                break
            words.append(token)
            if len(words) == 6:
                break
        if not 2 <= len(words) <= 6 or not words[0][:1].isupper():
            continue
        label = (m.group(1) + tail).strip()
        role = "other" if any(f" {k}" in f" {label}" for k in _NOT_OWNER) else "owner"
        end = start + raw.find(words[-1]) + len(words[-1])
        found = _found(page, "full_name", title_case(" ".join(words)), start, end, 0.8, label=role)
        out.append(found)


def _certified_copy(page: _Page, out: list[Found]) -> None:
    for phrase in ("sao y ban chinh", "chung thuc ban sao dung voi ban chinh", "ban sao", "sao tu so goc"):
        at = page.low.find(phrase)
        if at >= 0:
            out.append(_found(page, "certified_copy", "true", at, at + len(phrase), 0.7))
            return


def _abstract(page: _Page, out: list[Found]) -> None:
    m = re.search(r"(?:^|\n)\s*(v/v|ve viec)\s*[:.]?\s*([^\n]{4,200})", page.low)
    if m:
        out.append(_found(page, "abstract", squash(page.text[m.start(1):m.end(2)]), m.start(1), m.end(2), 0.75))


# ---------------------------------------------------------------- putting it together

def extract(pages: Sequence[PageLike], catalog: Catalog) -> Extraction:
    found: list[Found] = []
    for raw_page in pages:
        page = _Page.of(raw_page)
        _identifiers(page, catalog, found)
        _dates(page, found)
        _names(page, found)
        _certified_copy(page, found)
        if page.number == pages[0].number:
            _number_symbol(page, catalog, found)
            _agency(page, catalog, found)
            _abstract(page, found)
    result = Extraction()
    result.dates = [f for f in found if f.name in ("birth_date", "issue_date", "valid_until", "date")]
    result.names = [f for f in found if f.name == "full_name"]
    for f in found:
        if f.name == "full_name" and f.label != "owner":
            continue
        if f.name in ("date",):
            continue
        current = result.fields.get(f.name)
        if current is None or f.confidence > current.confidence:
            result.fields[f.name] = f
    pid = result.fields.get("personal_id")
    if pid is not None:
        result.fields["personal_id"] = _check_birth_year(pid, result.fields.get("birth_date"))
        others = {f.value for f in found if f.name == "personal_id"} - {pid.value}
        if others:
            result.warnings.append("several_personal_ids")
    return result
