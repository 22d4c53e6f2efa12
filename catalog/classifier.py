"""What type of paper is this? Title/keyword rules from the catalog plus a trained text model.

Two sources of evidence, combined:

* **Rules** kept in the catalog per document type: the titles the paper carries (matched fuzzily
  on folded text, so dropped diacritics and OCR slips still match, and weighted by where on the
  first page they stand) and body keywords (coverage).
* **A text classifier** (scikit-learn: TF-IDF over character and word n-grams of the folded text,
  logistic regression). The first model is trained from the catalog alone — titles,
  keywords and exemplar lines recombined and corrupted the way OCR corrupts text — and later
  models add the documents counter staff confirmed or corrected, so it learns the office's real
  papers. Models are stored in object storage, registered in ``classifier_model`` with their
  sha256, and loaded (checked) instead of being rebuilt at each start.

A proposal whose confidence is low, or whose runner-up is close, is flagged for review; it is
never silently accepted.
"""
from __future__ import annotations

import io
import hashlib
import logging
import math
import random
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from rapidfuzz import fuzz
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.catalogs import Catalog, active_catalog
from catalog.coding import ClassifierModel
from catalog.models import Document, Page
from catalog.vntext import fold_words

log = logging.getLogger(__name__)

HEAD_SHARE = 0.4
HEAD_CHARS = 400
"""Titles found in the first 40 % (at least 400 characters) of the first page count fully."""
RULE_WEIGHT = 0.5
SAMPLES_PER_TYPE = 36
CONFIRMED_WEIGHT = 3.0
CONFIRMED_PER_TYPE = 300
MAX_CHARS = 4000


# ---------------------------------------------------------------- proposals

@dataclass(frozen=True)
class Candidate:
    code: str
    name: str
    score: float

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "confidence": round(self.score, 3)}


@dataclass(frozen=True)
class Proposal:
    best: Candidate | None
    alternatives: tuple[Candidate, ...]
    needs_review: bool
    reasons: tuple[str, ...] = ()
    model_id: int | None = None
    catalog_version_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "document_type": self.best.to_json() if self.best else None,
            "alternatives": [c.to_json() for c in self.alternatives],
            "needs_review": self.needs_review,
            "reasons": list(self.reasons),
            "model_id": self.model_id,
            "catalog_version_id": self.catalog_version_id,
        }


def classification_text(pages: Sequence[str]) -> str:
    """What the classifier reads: the first pages (titles are on page one), bounded in size."""
    return "\n".join(pages[:3])[:MAX_CHARS]


# ---------------------------------------------------------------- rules

@dataclass(frozen=True)
class RuleSet:
    """Folded titles and keywords of every type of one catalog version."""

    titles: dict[str, list[str]]
    keywords: dict[str, list[str]]

    @classmethod
    def of(cls, catalog: Catalog) -> RuleSet:
        return cls(
            titles={c: [fold_words(t) for t in row["titles"]] for c, row in catalog.document_types.items()},
            keywords={c: [fold_words(k) for k in row["keywords"]] for c, row in catalog.document_types.items()},
        )

    def scores(self, text: str) -> tuple[dict[str, float], dict[str, str]]:
        """Rule score per type in [0, 1] and, for matched types, the title that matched."""
        folded = fold_words(text)
        first_page = fold_words(text.split("\f", 1)[0])
        head_end = max(HEAD_CHARS, int(len(first_page) * HEAD_SHARE))
        scores: dict[str, float] = {}
        hits: dict[str, str] = {}
        for code, titles in self.titles.items():
            best, best_title = 0.0, ""
            for title in titles:
                score = _title_score(title, first_page, head_end)
                if score > best:
                    best, best_title = score, title
            keywords = self.keywords.get(code) or []
            found = sum(1 for k in keywords if _contains(k, folded) >= 90) if keywords else 0
            coverage = found / len(keywords) if keywords else 0.0
            total = 0.75 * best + 0.25 * coverage
            if total > 0:
                scores[code] = total
            if best_title:
                hits[code] = best_title
        return scores, hits


def _contains(phrase: str, text: str) -> float:
    if not phrase or not text:
        return 0.0
    if f" {phrase} " in f" {text} ":
        return 100.0
    return fuzz.partial_ratio(phrase, text)


def _title_score(title: str, page: str, head_end: int) -> float:
    """How well and how high up ``title`` appears: 1.0 for an exact title at the top."""
    if not title or not page:
        return 0.0
    exact = f" {page} ".find(f" {title} ")
    if exact >= 0:
        ratio, position = 100.0, exact
    else:
        alignment = fuzz.partial_ratio_alignment(title, page, score_cutoff=80)
        if alignment is None:
            return 0.0
        ratio, position = alignment.score, alignment.dest_start
    threshold = 92 if len(title) < 12 else 84
    if ratio < threshold:
        return 0.0
    closeness = (ratio - threshold) / (100 - threshold)
    specificity = min(1.0, 0.55 + len(title) / 60)
    placement = 1.0 if position <= head_end else 0.55
    return (0.6 + 0.4 * closeness) * specificity * placement


# ---------------------------------------------------------------- the text model

def _pipeline():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import SGDClassifier
    from sklearn.pipeline import FeatureUnion, Pipeline

    features = FeatureUnion([
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=2,
                                  max_features=150_000, dtype=np.float32)),
        ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, min_df=2,
                                  token_pattern=r"(?u)\b[a-z][a-z0-9]+\b", dtype=np.float32)),
    ])
    # Logistic loss (probabilities), fitted by SGD: ~4x faster than lbfgs on 50 classes, same accuracy.
    model = SGDClassifier(loss="log_loss", alpha=1e-5, max_iter=30, tol=None, random_state=0)
    return Pipeline([("features", features), ("model", model)])


_FILLER = [
    "cong hoa xa hoi chu nghia viet nam", "doc lap tu do hanh phuc", "ho va ten", "ngay sinh", "gioi tinh nam",
    "gioi tinh nu", "dia chi", "so dien thoai", "noi nhan", "luu vt", "ky ghi ro ho ten", "dong dau",
    "xac nhan", "can cu", "kinh gui", "ngay thang nam", "so", "quoc tich viet nam", "dan toc kinh",
    "thu truong don vi", "nguoi lap", "giam doc", "tinh", "huyen", "xa", "thon", "phuong", "ban chinh",
]
_SURNAMES = ["nguyen", "tran", "le", "pham", "hoang", "phan", "vu", "dang", "bui", "do", "ho", "ngo"]
_GIVEN = ["van an", "thi binh", "duc cuong", "thi dung", "minh hai", "thu huong", "quoc khanh", "thi lan",
          "van nam", "hong nhung", "gia bao", "thanh tung"]
_CONFUSE = {"o": "0", "l": "1", "i": "l", "e": "c", "n": "m", "m": "rn", "h": "b", "u": "v", "a": "o", "t": "l"}


def _noise(text: str, rng: random.Random, level: float) -> str:
    """Damage folded text the way OCR does: swapped look-alikes, dropped and doubled letters."""
    if level <= 0:
        return text
    out = []
    for ch in text:
        r = rng.random()
        if r < level * 0.4 and ch in _CONFUSE:
            out.append(_CONFUSE[ch])
        elif r < level * 0.7:
            continue
        elif r < level * 0.8:
            out.append(ch + ch)
        else:
            out.append(ch)
    return "".join(out)


def _filler(rng: random.Random) -> str:
    choice = rng.random()
    if choice < 0.3:
        return f"{rng.choice(_SURNAMES)} {rng.choice(_GIVEN)}"
    if choice < 0.5:
        return f"{rng.randint(1, 28)} {rng.randint(1, 12)} {rng.randint(1950, 2025)}"
    if choice < 0.6:
        return "".join(str(rng.randint(0, 9)) for _ in range(rng.choice((10, 12))))
    return rng.choice(_FILLER)


def synthesize(catalog: Catalog, *, per_type: int = SAMPLES_PER_TYPE, seed: int = 1) -> tuple[list[str], list[str]]:
    """Training texts made from the catalog's titles, keywords and exemplar lines."""
    rng = random.Random(seed)
    texts, labels = [], []
    for code, row in sorted(catalog.document_types.items()):
        titles = [fold_words(t) for t in row["titles"]] or [fold_words(row["name"])]
        lines = [fold_words(x) for x in (*row["exemplar"], *row["keywords"])] or titles
        for i in range(per_type):
            parts = [_filler(rng) for _ in range(rng.randint(0, 3))]
            if i % 7 != 6:  # now and then the title is missing (cut off, illegible)
                parts.append(rng.choice(titles))
            body = rng.sample(lines, k=rng.randint(max(1, len(lines) // 3), len(lines)))
            for line in body:
                parts.append(line)
                if rng.random() < 0.35:
                    parts.append(_filler(rng))
            texts.append(_noise("\n".join(parts), rng, rng.choice((0.0, 0.02, 0.05, 0.1))))
            labels.append(code)
    return texts, labels


@dataclass
class TrainedModel:
    pipeline: Any
    classes: list[str]
    catalog_version_id: int
    library_version: str
    metrics: dict[str, Any] = field(default_factory=dict)

    def probabilities(self, text: str) -> dict[str, float]:
        probs = self.pipeline.predict_proba([fold_words(text)])[0]
        return {c: float(p) for c, p in zip(self.pipeline.classes_, probs)}


def confirmed_examples(session: Session, catalog: Catalog) -> tuple[list[str], list[str]]:
    """Texts of documents whose type a person confirmed (newest first, bounded per type)."""
    rows = session.execute(
        select(Document.id, Document.document_type_code)
        .where(Document.type_status == "confirmed", Document.document_type_code.in_(list(catalog.document_types)))
        .order_by(Document.type_confirmed_at.desc())
    ).all()
    per_type: dict[str, int] = {}
    texts, labels = [], []
    for doc_id, code in rows:
        if per_type.get(code, 0) >= CONFIRMED_PER_TYPE:
            continue
        pages = list(session.scalars(select(Page.text).where(Page.document_id == doc_id).order_by(Page.number)))
        text = classification_text(pages)
        if text.strip():
            per_type[code] = per_type.get(code, 0) + 1
            texts.append(fold_words(text))
            labels.append(code)
    return texts, labels


def train(catalog: Catalog, confirmed: tuple[list[str], list[str]] = ([], []), *,
          per_type: int = SAMPLES_PER_TYPE) -> TrainedModel:
    import sklearn

    texts, labels = synthesize(catalog, per_type=per_type)
    weights = [1.0] * len(texts)
    texts += confirmed[0]
    labels += confirmed[1]
    weights += [CONFIRMED_WEIGHT] * len(confirmed[0])
    pipeline = _pipeline()
    pipeline.fit(texts, labels, model__sample_weight=weights)
    return TrainedModel(pipeline, sorted(set(labels)), catalog.version_id, sklearn.__version__,
                        {"synthetic": len(texts) - len(confirmed[0]), "confirmed": len(confirmed[0])})


# ---------------------------------------------------------------- storage and versions

MODEL_PREFIX = "models/classifier"
_loaded: dict[tuple[str, int], TrainedModel] = {}
_loaded_lock = threading.Lock()
_train_lock = threading.Lock()


def save(session: Session, store, model: TrainedModel, *, confirmed_documents: int,
         created_by: str | None = None) -> ClassifierModel:
    import joblib

    buf = io.BytesIO()
    joblib.dump(model, buf, compress=3)
    data = buf.getvalue()
    key = f"{MODEL_PREFIX}/{uuid.uuid4().hex}.joblib"
    store.put_bytes(key, data, content_type="application/octet-stream")
    row = ClassifierModel(catalog_version_id=model.catalog_version_id, key=key,
                          sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                          library_version=model.library_version, samples=sum(model.metrics.values()),
                          confirmed_documents=confirmed_documents, metrics=model.metrics, created_by=created_by)
    session.add(row)
    session.flush()
    return row


def latest_model_row(session: Session, catalog_version_id: int) -> ClassifierModel | None:
    return session.scalars(select(ClassifierModel).where(ClassifierModel.catalog_version_id == catalog_version_id)
                           .order_by(ClassifierModel.id.desc()).limit(1)).first()


def load(session: Session, store, row: ClassifierModel) -> TrainedModel | None:
    """The stored model, verified against its recorded sha256 (never unpickle unchecked bytes);
    None when it is missing, altered, or made by another scikit-learn version."""
    import joblib
    import sklearn

    key = (str(session.get_bind().url), row.id)
    with _loaded_lock:
        if key in _loaded:
            return _loaded[key]
    if row.library_version != sklearn.__version__:
        log.warning("classifier model %s was trained with scikit-learn %s; retraining", row.id,
                    row.library_version)
        return None
    try:
        with store.open(row.key) as f:
            data = f.read()
    except Exception:  # noqa: BLE001 - a missing object is a reason to retrain, not to fail intake
        log.exception("classifier model %s could not be read", row.id)
        return None
    if hashlib.sha256(data).hexdigest() != row.sha256:
        log.error("classifier model %s does not match its recorded sha256; ignoring it", row.id)
        return None
    model = joblib.load(io.BytesIO(data))
    with _loaded_lock:
        _loaded[key] = model
    return model


_catalog_only: dict[tuple[str, int], TrainedModel] = {}
"""Models trained from a catalog alone, by catalog content: training is deterministic, so a
process serving several databases with the same catalog (tests) trains it once."""


def retrain(db, store, *, created_by: str | None = None) -> ClassifierModel:
    """Train a new model for the catalog in force from the catalog and confirmed documents."""
    with _train_lock:
        with db.session() as s:
            catalog = active_catalog(s)
            confirmed = confirmed_examples(s, catalog)
        if confirmed[0]:
            model = train(catalog, confirmed)
        else:
            key = (catalog.checksum, SAMPLES_PER_TYPE)
            model = _catalog_only.get(key)
            if model is None or model.catalog_version_id != catalog.version_id:
                cached = model
                model = train(catalog) if cached is None else TrainedModel(
                    cached.pipeline, cached.classes, catalog.version_id, cached.library_version, dict(cached.metrics))
                _catalog_only[key] = model
        with db.session() as s:
            row = save(s, store, model, confirmed_documents=len(confirmed[0]), created_by=created_by)
            s.expunge(row)
        with _loaded_lock:
            _loaded[(str(db.engine.url), row.id)] = model
        log.info("classifier model %s trained (%s)", row.id, model.metrics)
        return row


def current_model(db, store) -> tuple[int, TrainedModel]:
    """The newest usable model for the catalog in force; trains one the first time it is needed
    (per catalog version), and again when the stored one cannot be used."""
    with db.session() as s:
        catalog = active_catalog(s)
        row = latest_model_row(s, catalog.version_id)
        model = load(s, store, row) if row is not None else None
        if model is not None:
            return row.id, model
    with _train_lock:  # another thread may have trained it while we waited
        with db.session() as s:
            row = latest_model_row(s, catalog.version_id)
            model = load(s, store, row) if row is not None else None
            if model is not None:
                return row.id, model
    row = retrain(db, store)
    with db.session() as s:
        return row.id, load(s, store, s.get(ClassifierModel, row.id))


def corrections_since_model(session: Session, catalog_version_id: int) -> int:
    row = latest_model_row(session, catalog_version_id)
    stmt = select(func.count()).select_from(Document).where(Document.type_status == "confirmed")
    if row is not None:
        stmt = stmt.where(Document.type_confirmed_at > row.created_at)
    return session.scalar(stmt) or 0


def retrain_in_background(db, store) -> threading.Thread | None:
    """Start a retraining thread unless one is running (counter corrections trigger this)."""
    if _train_lock.locked():
        return None

    def run() -> None:
        try:
            retrain(db, store, created_by="auto")
        except Exception:  # noqa: BLE001 - the next correction tries again
            log.exception("background retraining failed")

    thread = threading.Thread(target=run, name="classifier-retrain", daemon=True)
    thread.start()
    return thread


# ---------------------------------------------------------------- combining

RULE_SHARPNESS = 8.0
_rules: dict[int, tuple[Catalog, RuleSet]] = {}


def rules_of(catalog: Catalog) -> RuleSet:
    cached = _rules.get(id(catalog))
    if cached is None or cached[0] is not catalog:
        cached = (catalog, RuleSet.of(catalog))
        _rules[id(catalog)] = cached
    return cached[1]


def combine(catalog: Catalog, text: str, model: TrainedModel | None, model_id: int | None) -> Proposal:
    rule_scores, hits = rules_of(catalog).scores(text)
    # Rule evidence as a distribution over every type (a type without evidence weighs exp(0)):
    # one exact, well-placed title dominates; a few keywords alone barely move it.
    rule_dist: dict[str, float] = {}
    if rule_scores:
        weights = {c: math.exp(RULE_SHARPNESS * rule_scores.get(c, 0.0)) for c in catalog.document_types}
        norm = sum(weights.values())
        rule_dist = {c: w / norm for c, w in weights.items()}
    model_dist = model.probabilities(text) if model is not None else {}
    codes = set(catalog.document_types)
    if model_dist and rule_dist:
        combined = {c: RULE_WEIGHT * rule_dist.get(c, 0.0) + (1 - RULE_WEIGHT) * model_dist.get(c, 0.0) for c in codes}
    else:
        combined = {c: (rule_dist or model_dist).get(c, 0.0) for c in codes}
    ranked = sorted(combined.items(), key=lambda kv: kv[1], reverse=True)
    names = {c: row["name"] for c, row in catalog.document_types.items()}
    top = [Candidate(c, names[c], s) for c, s in ranked[:4] if s > 0]
    reasons = []
    review_below = catalog.policy_value("review_below", 0.7)
    margin = catalog.policy_value("review_margin", 0.15)
    if not top:
        reasons.append("no_evidence")
    else:
        if top[0].score < review_below:
            reasons.append("low_confidence")
        if len(top) > 1 and top[0].score - top[1].score < margin:
            reasons.append("close_alternative")
        if top[0].code not in hits:
            reasons.append("no_title_found")
    if model is None:
        reasons.append("rules_only")
    needs_review = bool({"no_evidence", "low_confidence", "close_alternative"} & set(reasons))
    return Proposal(best=top[0] if top else None, alternatives=tuple(top[1:4]), needs_review=needs_review,
                    reasons=tuple(reasons), model_id=model_id, catalog_version_id=catalog.version_id)


def propose(db, store, pages: Sequence[str]) -> Proposal:
    """Classify the pages of one paper with the catalog in force and its current model."""
    text = classification_text(pages)
    model_id, model = current_model(db, store)
    with db.session() as s:
        catalog = active_catalog(s)
    return combine(catalog, text, model, model_id)
