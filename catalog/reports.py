"""The quarterly report of the TTHC-control plan (Appendix II) and the digitization figures, counted
straight from the register.

A period is a reporting quarter (the plan's window: from the day after the window day of the
previous quarter's last month through the window day of this quarter's last month — day 14 by
default, so quarter I runs 15/12 to 14/03) or any dates. What counts is each dossier's state at
the period's end, read from its history (``DossierEvent``), not its state today:

* carried over: received before the period and not closed at its start;
* received: received within it, per channel;
* resolved on time / late, returned, withdrawn: closed within it, by how it closed; late means
  resolved after its due moment, or after an apology letter (a letter is written only for a
  dossier past its appointment, and moving the appointment does not make it on time);
* pending not yet due / overdue: not closed at the end; overdue when its clock was running then
  (a dossier waiting for a supplement is not late) and its due moment at that time had passed,
  or it had been given an apology letter by then.

Each dossier the period sees lands in exactly one of the six outcomes, so
carried_over + received = resolved_on_time + resolved_late + returned + withdrawn
+ pending_not_due + pending_overdue.

Linked dossiers (``Dossier.linked``: the interconnected one-stop mechanism) are counted again
apart, as Appendix II's columns 13-16: 13 = 14 + 15 + 16, those resolved on time, resolved late
and still being handled (returned and withdrawn ones are in none of them).

The database does the counting (GROUP BY over the outcome computed per dossier, counts with
FILTER); Python only arranges the few grouped rows. The register is the only writer of the
closed states and writes a history row with each, so the first closing row's time is when a
dossier closed; closed states are final, so today's status says how.
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, cast, exists, func, null, or_, select, text, union_all
from sqlalchemy.orm import Session

from catalog import reuse
from catalog.base import UTCDateTime
from catalog.coding import DossierResult
from catalog.models import Channel, Component, Document, DocumentStatus, Dossier, Procedure
from catalog.register import CLOSED, RUNNING, Status
from catalog.register_models import ApologyLetter, DossierEvent
from core.clock import LOCAL_TZ
from core.errors import Invalid

MIN_YEAR, MAX_YEAR = 2000, 2100
CHANNELS = tuple(c.value for c in Channel)
CHANNEL_VI = {
    Channel.online.value: "Qua giao dịch điện tử",
    Channel.counter.value: "Tại Bộ phận Một cửa của cơ quan BHXH",
    Channel.postal.value: "Qua dịch vụ bưu chính",
    Channel.public_admin_centre.value: "Tại Trung tâm Phục vụ hành chính công các cấp",
}
OUTCOMES = ("resolved_on_time", "resolved_late", "returned", "withdrawn", "pending_not_due", "pending_overdue")
_OPEN = (Status.received.value, Status.in_progress.value, Status.supplement_requested.value)
_DIGITIZED = (DocumentStatus.ready.value, DocumentStatus.disposed.value)
"""A paper counts as digitized once its searchable copy was made, even if it was disposed of since."""
_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


# ---------------------------------------------------------------- periods

@dataclass(frozen=True)
class Period:
    """Local days ``first_day`` through ``last_day``, both included."""

    first_day: date
    last_day: date
    year: int | None = None
    quarter: int | None = None

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.first_day, time(0), LOCAL_TZ)

    @property
    def ends_at(self) -> datetime:
        """The moment the period is over (the next day's local midnight): the state then is reported."""
        return datetime.combine(self.last_day + timedelta(days=1), time(0), LOCAL_TZ)

    @property
    def label(self) -> str:
        days = f"{self.first_day:%d/%m/%Y} – {self.last_day:%d/%m/%Y}"
        return f"Quý {_ROMAN[self.quarter]}/{self.year} ({days})" if self.quarter else f"Từ {days}"

    def previous(self, window_day: int) -> Period:
        """The period before: the previous quarter, or as many days just before."""
        if self.quarter is not None and self.year is not None:
            year, quarter = (self.year - 1, 4) if self.quarter == 1 else (self.year, self.quarter - 1)
            return quarter_period(year, quarter, window_day)
        length = self.last_day - self.first_day + timedelta(days=1)
        return Period(self.first_day - length, self.first_day - timedelta(days=1))

    def to_json(self) -> dict[str, Any]:
        return {"year": self.year, "quarter": self.quarter, "from": self.first_day.isoformat(),
                "to": self.last_day.isoformat(), "label": self.label}


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Invalid("invalid_period", f"Năm báo cáo phải từ {MIN_YEAR} đến {MAX_YEAR}.")


def quarter_period(year: int, quarter: int, window_day: int) -> Period:
    """A reporting quarter: what happens after the window day of a quarter's last month counts in
    the next quarter (quarter I takes the previous December's tail)."""
    _check_year(year)
    if quarter not in _ROMAN:
        raise Invalid("invalid_quarter", "Quý báo cáo là 1, 2, 3 hoặc 4.")
    if not 1 <= window_day <= 27:
        raise Invalid("invalid_window_day", "Ngày khoá số liệu của quý phải từ 1 đến 27.")
    last = date(year, 3 * quarter, window_day)
    first = date(year - 1, 12, window_day + 1) if quarter == 1 else date(year, 3 * quarter - 3, window_day + 1)
    return Period(first, last, year, quarter)


def quarter_of(day: date, window_day: int) -> tuple[int, int]:
    """The reporting quarter (year, quarter) a day counts in."""
    quarter = (day.month - 1) // 3 + 1
    if day.month == 3 * quarter and day.day > window_day:
        quarter += 1
    return (day.year + 1, 1) if quarter == 5 else (day.year, quarter)


def date_period(first_day: date, last_day: date) -> Period:
    for day in (first_day, last_day):
        _check_year(day.year)
    if last_day < first_day:
        raise Invalid("invalid_period", "Ngày kết thúc kỳ báo cáo phải từ ngày bắt đầu trở đi.")
    return Period(first_day, last_day)


# ---------------------------------------------------------------- figures

@dataclass
class Figures:
    """One row of Appendix II's table (a procedure, or the total)."""

    carried_over: int = 0
    received_by_channel: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CHANNELS, 0))
    outcomes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    apology_letters: int = 0
    resolved_with_result_digitized: int = 0
    linked: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    """The outcomes of the linked dossiers (một cửa liên thông) among them: Appendix II's columns 13-16."""

    @property
    def received(self) -> int:
        return sum(self.received_by_channel.values())

    @property
    def resolved(self) -> int:
        return self.outcomes["resolved_on_time"] + self.outcomes["resolved_late"]

    @property
    def pending(self) -> int:
        return self.outcomes["pending_not_due"] + self.outcomes["pending_overdue"]

    @property
    def linked_received(self) -> int:
        """Column 13 = 14 + 15 + 16: linked dossiers resolved on time, late, or still being handled."""
        return self.linked["resolved_on_time"] + self.linked["resolved_late"] + self.linked_pending

    @property
    def linked_pending(self) -> int:
        return self.linked["pending_not_due"] + self.linked["pending_overdue"]

    def reconciles(self) -> bool:
        return self.carried_over + self.received == sum(self.outcomes.values())

    def add(self, other: Figures) -> None:
        self.carried_over += other.carried_over
        for channel, n in other.received_by_channel.items():
            self.received_by_channel[channel] = self.received_by_channel.get(channel, 0) + n
        for outcome, n in other.outcomes.items():
            self.outcomes[outcome] += n
        for outcome, n in other.linked.items():
            self.linked[outcome] += n
        self.apology_letters += other.apology_letters
        self.resolved_with_result_digitized += other.resolved_with_result_digitized

    def to_json(self) -> dict[str, Any]:
        return {"carried_over": self.carried_over, "received": self.received, **self.outcomes,
                "apology_letters": self.apology_letters, "resolved": self.resolved, "pending": self.pending,
                "received_by_channel": dict(self.received_by_channel),
                "linked": {"received": self.linked_received, "resolved_on_time": self.linked["resolved_on_time"],
                           "resolved_late": self.linked["resolved_late"], "pending": self.linked_pending}}


@dataclass(frozen=True)
class ProcedureFigures:
    code: str
    name: str | None
    figures: Figures

    def to_json(self) -> dict[str, Any]:
        return {"procedure_code": self.code, "procedure_name": self.name, **self.figures.to_json()}


def share(part: int, whole: int) -> float:
    """part/whole as a fraction 0..1 rounded to 4 places (0 when there is nothing to divide)."""
    return round(part / whole, 4) if whole else 0.0


@dataclass(frozen=True)
class Digitization:
    """Seed 004's targets over the dossiers received (and resolved) in the period."""

    dossiers: int
    fully_digitized: int
    """Dossiers with papers, every one of them digitized."""
    resolved: int
    results_digitized: int
    """Dossiers resolved in the period with a digitized result."""
    components: int
    reused: int
    citizens: int
    citizens_without_resubmission: int
    """Citizens whose every dossier of the period took all its papers from the archive."""

    def to_json(self) -> dict[str, Any]:
        return {"dossiers": self.dossiers, "fully_digitized": self.fully_digitized,
                "fully_digitized_share": share(self.fully_digitized, self.dossiers),
                "resolved": self.resolved, "results_digitized": self.results_digitized,
                "results_digitized_share": share(self.results_digitized, self.resolved),
                "components": self.components, "components_reused": self.reused,
                "components_reused_share": share(self.reused, self.components),
                "citizens": self.citizens, "citizens_without_resubmission": self.citizens_without_resubmission}


@dataclass(frozen=True)
class QuarterlyReport:
    period: Period
    previous: Period
    offices: list[str] | None
    """The offices counted; None: every office (and dossiers of none)."""
    totals: Figures
    procedures: list[ProcedureFigures]
    electronic_share: float
    previous_electronic_share: float
    digitization: Digitization

    @property
    def electronic_share_change(self) -> float:
        return round(self.electronic_share - self.previous_electronic_share, 4)

    def channels(self) -> list[dict[str, Any]]:
        received = self.totals.received
        return [{"channel": c, "name": CHANNEL_VI[c], "received": self.totals.received_by_channel[c],
                 "share": share(self.totals.received_by_channel[c], received)} for c in CHANNELS]

    def to_json(self) -> dict[str, Any]:
        return {"period": self.period.to_json(), "previous_period": self.previous.to_json(),
                "offices": self.offices, "totals": self.totals.to_json(), "channels": self.channels(),
                "procedures": [p.to_json() for p in self.procedures],
                "electronic": {"share": self.electronic_share, "previous_share": self.previous_electronic_share,
                               "change": self.electronic_share_change},
                "digitization": self.digitization.to_json()}


# ---------------------------------------------------------------- the counting

def _in_offices(offices: Collection[str] | None) -> list[ColumnElement[bool]]:
    return [] if offices is None else [Dossier.office_code.in_(sorted(offices))]


def _outcomes(period: Period, offices: Collection[str] | None):
    """Per procedure, channel, carried-or-received and outcome: how many dossiers, and how many
    of those resolved have a digitized result."""
    start, end = period.starts_at, period.ends_at
    ev, letter = DossierEvent, ApologyLetter
    # The dossiers the period can see: open today, or closed at or after its start.
    closing = (select(ev.dossier_id, func.min(ev.at).label("closed_at"))
               .where(ev.to_status.in_(sorted(CLOSED)), ev.at >= start).group_by(ev.dossier_id).subquery("closing"))
    columns = (Dossier.id, Dossier.procedure_code, Dossier.channel, Dossier.linked, Dossier.status,
               Dossier.received_at, Dossier.due_at, Dossier.resolved_at)
    seen = union_all(
        select(*columns, closing.c.closed_at).join(closing, closing.c.dossier_id == Dossier.id)
        .where(Dossier.received_at < end, *_in_offices(offices)),
        select(*columns, cast(null(), UTCDateTime()).label("closed_at"))
        .where(Dossier.status.in_(_OPEN), Dossier.received_at < end, *_in_offices(offices)),
    ).subquery("seen")
    d = seen.c

    def last_before_end(column):
        return (select(column).where(ev.dossier_id == d.id, ev.at < end)
                .order_by(ev.at.desc(), ev.id.desc()).limit(1).scalar_subquery())

    first_letter_due = (select(letter.previous_due_at).where(letter.dossier_id == d.id, letter.number == 1)
                        .correlate(seen).scalar_subquery())
    # The due moment before any transition: the first one's, unless that was an apology letter,
    # which moved it (the letter keeps the one it replaced).
    first_due = (select(case((ev.action == "apology_letter", first_letter_due), else_=ev.due_at))
                 .where(ev.dossier_id == d.id).order_by(ev.at, ev.id).limit(1).scalar_subquery())
    last_state = last_before_end(ev.to_status)  # NULL: nothing happened to it before the end
    due_then = case((last_state.is_not(None), last_before_end(ev.due_at)), else_=func.coalesce(first_due, d.due_at))
    state_then = func.coalesce(last_state, Status.received.value)
    apologised_by_end = exists().where(letter.dossier_id == d.id, letter.created_at < end)

    closed_in = d.closed_at < end
    resolved = and_(closed_in, d.status == Status.resolved.value)
    late = or_(d.resolved_at > d.due_at, exists().where(letter.dossier_id == d.id))
    overdue = and_(state_then.in_(RUNNING), or_(due_then < end, apologised_by_end))
    outcome = case(
        (and_(resolved, late), "resolved_late"),
        (resolved, "resolved_on_time"),
        (and_(closed_in, d.status == Status.returned.value), "returned"),
        (closed_in, "withdrawn"),
        (overdue, "pending_overdue"),
        else_="pending_not_due")
    digitized_result = exists().where(DossierResult.dossier_id == d.id, Document.id == DossierResult.document_id,
                                      Document.status.in_(_DIGITIZED))
    with_result = case((and_(resolved, digitized_result), 1), else_=0)
    rows = select(d.procedure_code, d.channel, d.linked, case((d.received_at < start, 1), else_=0).label("carried"),
                  outcome.label("outcome"), with_result.label("with_result")).subquery("classified")
    return select(rows.c.procedure_code, rows.c.channel, rows.c.linked, rows.c.carried, rows.c.outcome, func.count(),
                  func.sum(rows.c.with_result)) \
        .group_by(rows.c.procedure_code, rows.c.channel, rows.c.linked, rows.c.carried, rows.c.outcome)


def _figures_by_procedure(session: Session, period: Period, offices: Collection[str] | None) -> dict[str, Figures]:
    found: dict[str, Figures] = {}
    for procedure, channel, linked, carried, outcome, n, with_result in session.execute(_outcomes(period, offices)):
        figures = found.setdefault(procedure, Figures())
        if linked:
            figures.linked[outcome] += n
        if carried:
            figures.carried_over += n
        else:
            figures.received_by_channel[channel] = figures.received_by_channel.get(channel, 0) + n
        figures.outcomes[outcome] += n
        figures.resolved_with_result_digitized += int(with_result or 0)
    letters = (select(Dossier.procedure_code, func.count(ApologyLetter.id))
               .join(Dossier, Dossier.id == ApologyLetter.dossier_id)
               .where(ApologyLetter.created_at >= period.starts_at, ApologyLetter.created_at < period.ends_at,
                      *_in_offices(offices)).group_by(Dossier.procedure_code))
    for procedure, n in session.execute(letters):
        found.setdefault(procedure, Figures()).apology_letters = n
    return found


def _electronic_share(session: Session, period: Period, offices: Collection[str] | None) -> float:
    online, received = session.execute(
        select(func.count().filter(Dossier.channel == Channel.online.value), func.count())
        .where(Dossier.received_at >= period.starts_at, Dossier.received_at < period.ends_at,
               *_in_offices(offices))).one()
    return share(online, received)


def _digitization(session: Session, period: Period, offices: Collection[str] | None, totals: Figures) -> Digitization:
    received = and_(Dossier.received_at >= period.starts_at, Dossier.received_at < period.ends_at,
                    *_in_offices(offices))
    papers = (select(Component.dossier_id.label("id"), func.count(Component.id).label("papers"),
                     func.count(Component.id).filter(Document.status.in_(_DIGITIZED)).label("digitized"),
                     func.count(Component.id).filter(Component.reused.is_(True)).label("reused"))
              .join(Dossier, Dossier.id == Component.dossier_id).join(Document, Document.id == Component.document_id)
              .where(Document.kind != "batch", received).group_by(Component.dossier_id).subquery("papers"))
    fully = session.scalar(select(func.count()).select_from(papers).where(papers.c.digitized == papers.c.papers))
    per_owner = (select(Dossier.owner_id, func.count(Dossier.id).label("dossiers"),
                        func.count(papers.c.id).filter(papers.c.reused == papers.c.papers).label("served"))
                 .outerjoin(papers, papers.c.id == Dossier.id).where(received).group_by(Dossier.owner_id)
                 .subquery("per_owner"))
    citizens, served = session.execute(
        select(func.count(), func.count().filter(per_owner.c.served == per_owner.c.dossiers))
        .select_from(per_owner)).one()
    components = reuse.totals(session, offices=offices, received_from=period.starts_at,
                              received_before=period.ends_at)
    return Digitization(dossiers=totals.received, fully_digitized=fully, resolved=totals.resolved,
                        results_digitized=totals.resolved_with_result_digitized, components=components.components,
                        reused=components.reused, citizens=citizens, citizens_without_resubmission=served)


def quarterly_report(session: Session, period: Period, *, offices: Collection[str] | None,
                     window_day: int) -> QuarterlyReport:
    """The report for ``period`` over the dossiers of ``offices`` (None: all of them)."""
    if session.get_bind().dialect.name == "postgresql":
        # Its many small correlated lookups look costly to the planner, whose JIT compilation
        # then takes longer than the query itself (ten times at a million dossiers).
        session.execute(text("SET LOCAL jit = off"))
    by_procedure = _figures_by_procedure(session, period, offices)
    names = {code: name for code, name in session.execute(
        select(Procedure.code, Procedure.name).where(Procedure.code.in_(list(by_procedure))))}
    procedures = [ProcedureFigures(code, names.get(code), by_procedure[code]) for code in sorted(by_procedure)]
    totals = Figures()
    for row in procedures:
        totals.add(row.figures)
    previous = period.previous(window_day)
    return QuarterlyReport(period=period, previous=previous, offices=None if offices is None else sorted(offices),
                           totals=totals, procedures=procedures,
                           electronic_share=share(totals.received_by_channel.get(Channel.online.value, 0),
                                                  totals.received),
                           previous_electronic_share=_electronic_share(session, previous, offices),
                           digitization=_digitization(session, period, offices, totals))


def choose_period(*, year: int | None, quarter: int | None, first_day: date | None, last_day: date | None,
                  window_day: int, today: date) -> Period:
    """A quarter, or from/to dates; with neither, the reporting quarter ``today`` counts in."""
    if first_day is not None or last_day is not None:
        if year is not None or quarter is not None:
            raise Invalid("period_conflict", "Chọn quý báo cáo hoặc khoảng ngày (từ ngày – đến ngày), không chọn cả hai.")
        if first_day is None or last_day is None:
            raise Invalid("period_incomplete", "Cần cả ngày bắt đầu và ngày kết thúc của kỳ báo cáo.")
        return date_period(first_day, last_day)
    if (year is None) != (quarter is None):
        raise Invalid("period_incomplete", "Cần cả năm và quý báo cáo.")
    if year is None or quarter is None:
        year, quarter = quarter_of(today, window_day)
    return quarter_period(year, quarter, window_day)
