"""Retention schedules: how long each document type is kept, counted from which event.

A rule says "keep N years from <event>" or "keep permanently". Defaults ship as data
(``records/data/retention.json``, a SAMPLE keyed by document-type code); archivists change them
through the admin API. Rules are versioned: a change adds a new version and never edits an old
one, so a disposal can name exactly the rule version it destroyed a document under.

A document is *due* when its type has a rule with a term, the rule's event has happened (the
dossier was resolved, the owner died, ...), the term has run out, and no legal hold covers it.
Unknown event dates keep the document: nothing is destroyed on a guess.
"""
from __future__ import annotations

import enum
import json
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from catalog.audit import Actor, record
from catalog.catalogs import active_catalog
from catalog.links import dossiers_of
from catalog.models import Document, DocumentStatus
from catalog.records_models import RetentionEvent, RetentionReview, RetentionRule
from core.clock import LOCAL_TZ, utcnow
from core.errors import Conflict, Invalid, NotFound
from records.holds import holds_on
from records.parts import Catalogued

RETENTION_DATA = Path(__file__).parent / "data" / "retention.json"
FORMAT = "sohoa-retention/1"
MAX_YEARS = 200
# Only finished documents are weighed: a document still being processed is not a record yet.
FINAL_STATUSES = (DocumentStatus.ready.value, DocumentStatus.failed.value)


# ---------------------------------------------------------------- the schedule

@dataclass(frozen=True)
class Schedule:
    """The shipped default schedule, parsed and checked."""

    version: str
    sample: bool
    note: str
    events: Mapping[str, str]
    rules: Mapping[str, tuple[int | None, RetentionEvent | None]]


def parse_term(years: Any, event: Any) -> tuple[int | None, RetentionEvent | None]:
    """``("permanent", None)`` or ``(N, event)``; ValueError says what is wrong."""
    if years == "permanent" or years is None:
        if event not in (None, ""):
            raise ValueError("a permanent rule has no event")
        return None, None
    if isinstance(years, bool) or not isinstance(years, int) or not 1 <= years <= MAX_YEARS:
        raise ValueError(f"years must be 'permanent' or a whole number from 1 to {MAX_YEARS}, not {years!r}")
    try:
        return years, RetentionEvent(event)
    except ValueError:
        raise ValueError(f"event must be one of {', '.join(e.value for e in RetentionEvent)}, not {event!r}") from None


def load_schedule(path: Path = RETENTION_DATA) -> Schedule:
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("format") != FORMAT:
        raise ValueError(f"{path}: format must be {FORMAT!r}")
    rules: dict[str, tuple[int | None, RetentionEvent | None]] = {}
    for i, row in enumerate(data["rules"], 1):
        code = row.get("document_type")
        if not code or code in rules:
            raise ValueError(f"{path}: rule {i}: missing or repeated document_type {code!r}")
        try:
            rules[code] = parse_term(row.get("years"), row.get("event"))
        except ValueError as exc:
            raise ValueError(f"{path}: rule {i} ({code}): {exc}") from None
    return Schedule(data["version"], bool(data.get("sample")), data.get("note", ""), data.get("events", {}), rules)


def seed_rules(session: Session, schedule: Schedule | None = None) -> int:
    """Start-up: version 1 of the shipped rule for every type that has no rule yet."""
    schedule = schedule or load_schedule()
    have = set(session.scalars(select(RetentionRule.document_type_code).distinct()))
    missing = [code for code in schedule.rules if code not in have]
    for code in missing:
        years, event = schedule.rules[code]
        session.add(RetentionRule(document_type_code=code, version=1, years=years,
                                  event=event.value if event else None, source=schedule.version,
                                  basis="MẪU (SAMPLE)" if schedule.sample else None, created_by=None))
    session.flush()
    return len(missing)


def current_rules(session: Session) -> dict[str, RetentionRule]:
    """document-type code -> its newest rule version."""
    newest = (select(RetentionRule.document_type_code, func.max(RetentionRule.version).label("v"))
              .group_by(RetentionRule.document_type_code).subquery())
    rows = session.scalars(select(RetentionRule).join(
        newest, (RetentionRule.document_type_code == newest.c.document_type_code)
        & (RetentionRule.version == newest.c.v)).order_by(RetentionRule.document_type_code))
    return {r.document_type_code: r for r in rows}


def rule_history(session: Session, code: str) -> list[RetentionRule]:
    rules = list(session.scalars(select(RetentionRule).where(RetentionRule.document_type_code == code)
                                 .order_by(RetentionRule.version)))
    if not rules:
        raise NotFound("rule_not_found", f"Loại giấy tờ '{code}' chưa có thời hạn bảo quản.")
    return rules


def document_type_names(session: Session) -> dict[str, str]:
    """Code -> name of the document types in the catalog in force."""
    return {code: row["name"] for code, row in active_catalog(session).document_types.items()}


def set_rule(session: Session, actor: Actor, code: str, years: int | str | None, event: str | None,
             basis: str | None) -> RetentionRule:
    """Add the next version of a type's rule (the type must be in the catalog in force)."""
    if code not in active_catalog(session).document_types:
        raise Invalid("unknown_document_type", f"Mã loại giấy tờ '{code}' không có trong danh mục đang áp dụng.")
    try:
        term, what = parse_term(years, event)
    except ValueError as exc:
        raise Invalid("invalid_rule", f"Thời hạn bảo quản không hợp lệ: {exc}") from None
    # Lock the newest version so two archivists editing at once cannot both write version n+1.
    previous = session.scalars(select(RetentionRule).where(RetentionRule.document_type_code == code)
                               .order_by(RetentionRule.version.desc()).limit(1).with_for_update()).first()
    rule = RetentionRule(document_type_code=code, version=(previous.version + 1) if previous else 1, years=term,
                         event=what.value if what else None, basis=basis, source="api",
                         created_by=actor.username, created_at=utcnow())
    session.add(rule)
    session.flush()
    record(session, actor, "retention.rule_change", "retention_rule", f"{code}@{rule.version}", None,
           document_type=code, version=rule.version, years=term, event=rule.event, basis=basis,
           previous=None if previous is None else {"version": previous.version, "years": previous.years,
                                                    "event": previous.event})
    return rule


def unknown_rule_types(session: Session) -> list[str]:
    """Rule codes that the catalog in force does not list (after a catalog import dropped a type)."""
    known = active_catalog(session).document_types
    return sorted(code for code in current_rules(session) if code not in known)


# ---------------------------------------------------------------- is a document due?

def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February: the term ends on 1 March, never early
        return date(day.year + years, 3, 1)


def local_day(moment: datetime) -> date:
    return moment.astimezone(LOCAL_TZ).date()


def today_local() -> date:
    return datetime.now(LOCAL_TZ).date()


class Verdict(str, enum.Enum):
    due = "due"
    held = "held"                      # due, but a legal hold covers it
    not_yet_due = "not_yet_due"
    no_event_date = "no_event_date"    # the event has not happened (or is not known)
    permanent = "permanent"
    no_rule = "no_rule"
    not_final = "not_final"            # still being received or processed
    disposed = "disposed"


@dataclass
class Assessment:
    document: Document
    verdict: Verdict
    rule: RetentionRule | None = None
    event_date: date | None = None
    due_on: date | None = None
    holds: list[int] = field(default_factory=list)

    @property
    def disposable(self) -> bool:
        return self.verdict is Verdict.due


def _event_dates(session: Session, documents: Sequence[Document], events: set[str]) -> dict[str, dict[str, date]]:
    """event -> document id -> date, for the events asked about."""
    dates: dict[str, dict[str, date]] = {e: {} for e in events}
    if RetentionEvent.dossier_resolved.value in events:
        for doc_id, dossiers in dossiers_of(session, [d.id for d in documents]).items():
            if dossiers and all(d.resolved_at is not None for d in dossiers):
                dates[RetentionEvent.dossier_resolved.value][doc_id] = max(local_day(d.resolved_at) for d in dossiers)
    for document in documents:
        found = {
            RetentionEvent.digitized.value: local_day(document.created_at),
            RetentionEvent.document_issued.value: document.issue_date,
            RetentionEvent.document_expired.value: None if document.permanent else document.valid_until,
            RetentionEvent.owner_death.value: document.owner.died_on if document.owner else None,
        }
        for event in events & found.keys():
            if found[event] is not None:
                dates[event][document.id] = found[event]
    return dates


def assess(session: Session, documents: Sequence[Document], *, today: date | None = None,
           rules: Mapping[str, RetentionRule] | None = None) -> list[Assessment]:
    """Weigh each document against its type's current rule and the holds in force."""
    today = today or today_local()
    rules = current_rules(session) if rules is None else rules
    result: list[Assessment] = []
    pending: list[Assessment] = []
    for document in documents:
        rule = rules.get(document.document_type_code or "")
        if document.status == DocumentStatus.disposed.value:
            result.append(Assessment(document, Verdict.disposed, rule))
        elif document.status not in FINAL_STATUSES:
            result.append(Assessment(document, Verdict.not_final, rule))
        elif rule is None:
            result.append(Assessment(document, Verdict.no_rule))
        elif rule.permanent:
            result.append(Assessment(document, Verdict.permanent, rule))
        else:
            pending.append(Assessment(document, Verdict.no_event_date, rule))
            result.append(pending[-1])
    dates = _event_dates(session, [a.document for a in pending], {a.rule.event for a in pending})
    due = []
    for a in pending:
        a.event_date = dates[a.rule.event].get(a.document.id)
        if a.event_date is not None:
            a.due_on = add_years(a.event_date, a.rule.years)
            a.verdict = Verdict.due if a.due_on <= today else Verdict.not_yet_due
            if a.verdict is Verdict.due:
                due.append(a)
    holds = holds_on(session, [a.document for a in due])
    for a in due:
        if a.document.id in holds:
            a.verdict = Verdict.held
            a.holds = sorted(h.id for h in holds[a.document.id])
    return result


def candidates(session: Session, *, document_type: str | None = None, after: str = "", limit: int = 500,
               rules: Mapping[str, RetentionRule]) -> list[Document]:
    """Finished documents whose type has a rule with a term, by id after ``after``."""
    codes = [c for c, r in rules.items() if not r.permanent and (document_type is None or c == document_type)]
    if not codes:
        return []
    return list(session.scalars(
        select(Document).options(selectinload(Document.owner))
        .where(Document.status.in_(FINAL_STATUSES), Document.document_type_code.in_(codes), Document.id > after)
        .order_by(Document.id).limit(limit)))


def iter_due(session: Session, *, today: date | None = None, document_type: str | None = None,
             include_held: bool = False, after: str = "", batch: int = 500) -> Iterator[Assessment]:
    """Every document past its retention term, by id from ``after`` on (held ones too if asked)."""
    rules = current_rules(session)
    wanted = {Verdict.due, Verdict.held} if include_held else {Verdict.due}
    last = after
    while documents := candidates(session, document_type=document_type, after=last, limit=batch, rules=rules):
        for a in assess(session, documents, today=today, rules=rules):
            if a.verdict in wanted:
                yield a
        last = documents[-1].id


def review_retention(services: Catalogued, trigger: str = "schedule") -> RetentionReview:
    """The scheduled job: count what is due (and held) per type, and keep the result."""
    with services.db.session() as s:
        due: Counter[str] = Counter()
        held: Counter[str] = Counter()
        for a in iter_due(s, include_held=True):
            (held if a.verdict is Verdict.held else due)[a.document.document_type_code] += 1
        review = RetentionReview(at=utcnow(), trigger=trigger, due=sum(due.values()), held=sum(held.values()),
                                 by_type={c: {"due": due[c], "held": held[c]} for c in sorted(due | held)})
        s.add(review)
        s.flush()
        return review


def latest_review(session: Session) -> RetentionReview | None:
    return session.scalars(select(RetentionReview).order_by(RetentionReview.id.desc()).limit(1)).first()


def refuse_undisposable(assessments: Sequence[Assessment]) -> None:
    """409 naming every document that may not be destroyed, and why."""
    refused = [a for a in assessments if not a.disposable]
    if refused:
        raise NotDisposable(refused)


class NotDisposable(Conflict):
    MESSAGES = {
        Verdict.held: "đang bị tạm giữ (lệnh tạm giữ {holds})",
        Verdict.not_yet_due: "chưa hết thời hạn bảo quản (đến {due_on:%d/%m/%Y})",
        Verdict.no_event_date: "chưa xảy ra sự kiện tính thời hạn ({event})",
        Verdict.permanent: "bảo quản vĩnh viễn",
        Verdict.no_rule: "loại giấy tờ chưa có thời hạn bảo quản",
        Verdict.not_final: "chưa xử lý xong",
        Verdict.disposed: "đã huỷ",
    }

    def __init__(self, refused: Sequence[Assessment]) -> None:
        self.refused = [{
            "document_id": a.document.id, "reason": a.verdict.value, "holds": a.holds,
            "due_on": a.due_on.isoformat() if a.due_on else None,
            "message": self.MESSAGES[a.verdict].format(holds=", ".join(map(str, a.holds)), due_on=a.due_on,
                                                      event=a.rule.event if a.rule else ""),
        } for a in refused]
        super().__init__("not_disposable",
                         f"{len(refused)} tài liệu không được phép huỷ: "
                         + "; ".join(f"{r['document_id']}: {r['message']}" for r in self.refused[:5]))

    def to_json(self) -> dict:
        return {**super().to_json(), "documents": self.refused}
