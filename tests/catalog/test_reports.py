"""The quarterly report from the register, on SQLite and PostgreSQL: a hand-computed quarter, and
generated registers (random lifecycles through the real register, across period boundaries)
checked against a model of each dossier's state at each period's end."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from catalog.apologies import record_apology
from catalog.audit import Actor
from catalog.coding import DossierResult
from catalog.db import Database
from catalog.deadlines import load_calendar, local_day
from catalog.dossiers import get_dossier, open_dossier
from catalog.models import Component, Document, Dossier
from catalog.owners import get_or_create_owner
from catalog.portal_models import SyncOutbox
from catalog.register import CLOSED, RUNNING, Request, transition
from catalog.register_models import ApologyLetter, DossierEvent
from catalog.reports import (
    OUTCOMES,
    Period,
    date_period,
    quarter_of,
    quarter_period,
    quarterly_report,
)
from catalog.users import ensure_office
from core.clock import LOCAL_TZ
from core.errors import Invalid
from sohoa.services import open_catalog

CUTOFF = time(16, 30)
WINDOW = 14
COUNTER = {office: Actor(f"counter-{office}", "counter", office) for office in ("PT01", "PT02")}
HANDLER = {office: Actor(f"handler-{office}", "handler", office) for office in ("PT01", "PT02")}


@pytest.fixture
def db(catalog_url: str) -> Iterator[Database]:
    database = open_catalog(catalog_url)
    with database.session() as s:
        ensure_office(s, "PT01")
        ensure_office(s, "PT02")
    yield database
    database.dispose()


def at(day: str, hhmm: str = "09:00") -> datetime:
    return datetime.combine(date.fromisoformat(day), time.fromisoformat(hhmm), LOCAL_TZ)


def receive(db: Database, received: datetime, channel: str = "counter", office: str = "PT01",
            owner: str = "001203004567", procedure: str = "1.000456", linked: bool = False) -> str:
    with db.session() as s:
        person = get_or_create_owner(s, owner)
        return open_dossier(s, "BHXH", procedure, person, channel, office_code=office, now=received,
                            cutoff=CUTOFF, linked=linked).code


def act(db: Database, code: str, action: str, now: datetime, office: str = "PT01", reason: str | None = None):
    actor = HANDLER[office] if action in ("start", "resolve", "request_supplement") else COUNTER[office]
    if action in ("return", "withdraw", "request_supplement"):
        reason = reason or "Lý do ghi bằng văn bản"
    with db.session() as s:
        return transition(s, code, Request(action, reason), actor, cutoff=CUTOFF, now=now)


def apologise(db: Database, code: str, now: datetime, new_due: str, office: str = "PT01") -> None:
    with db.session() as s:
        record_apology(s, code, "Cần xác minh thêm", date.fromisoformat(new_due), COUNTER[office], now=now)


def paper(db: Database, code: str, *, status: str = "ready", reused_from: str | None = None,
          document_id: str | None = None) -> str:
    """A paper component of the dossier: a new document, or (``document_id``) one reused."""
    with db.session() as s:
        dossier = get_dossier(s, code)
        if document_id is None:
            document = Document(sha256=f"{code}-{status}".ljust(64, "0")[:64], media_type="application/pdf",
                                filename="giay-to.pdf", size=1, owner_id=dossier.owner_id, status=status)
            s.add(document)
            s.flush()
            document_id = document.id
        source = get_dossier(s, reused_from).id if reused_from else None
        s.add(Component(dossier_id=dossier.id, document_id=document_id, reused=reused_from is not None,
                        source_dossier_id=source, source_kind="uploaded" if source else None))
        return document_id


def result(db: Database, code: str, status: str) -> None:
    with db.session() as s:
        dossier = get_dossier(s, code)
        document = Document(sha256=f"kq-{code}".ljust(64, "0")[:64], media_type="application/pdf", filename="kq.pdf",
                            size=1, owner_id=dossier.owner_id, status=status, kind="result")
        s.add(document)
        s.flush()
        s.add(DossierResult(dossier_id=dossier.id, document_id=document.id, result_code="1.000456.KQ01"))


def report(db: Database, period: Period, offices=None):
    with db.session() as s:
        return quarterly_report(s, period, offices=offices, window_day=WINDOW)


# ---------------------------------------------------------------- periods

def test_the_plans_window_closes_on_day_14_of_the_quarters_last_month() -> None:
    q1 = quarter_period(2026, 1, 14)
    assert (q1.first_day, q1.last_day) == (date(2025, 12, 15), date(2026, 3, 14))
    q3 = quarter_period(2026, 3, 14)
    assert (q3.first_day, q3.last_day) == (date(2026, 6, 15), date(2026, 9, 14))
    assert q1.previous(14) == quarter_period(2025, 4, 14) and quarter_period(2025, 4, 14).last_day == date(2025, 12, 14)
    assert quarter_period(2026, 2, 20).first_day == date(2026, 3, 21), "the window day is a setting"
    assert q1.ends_at == datetime(2026, 3, 15, tzinfo=LOCAL_TZ) and q1.label.startswith("Quý I/2026")
    assert quarter_of(date(2026, 3, 14), 14) == (2026, 1) and quarter_of(date(2026, 3, 15), 14) == (2026, 2)
    assert quarter_of(date(2025, 12, 15), 14) == (2026, 1) and quarter_of(date(2026, 5, 31), 14) == (2026, 2)
    custom = date_period(date(2026, 1, 1), date(2026, 1, 31))
    assert custom.previous(14) == Period(date(2025, 12, 1), date(2025, 12, 31))
    for bad in (lambda: quarter_period(2026, 5, 14), lambda: quarter_period(1850, 1, 14),
                lambda: date_period(date(2026, 2, 1), date(2026, 1, 1)), lambda: date_period(date(1, 1, 1), date(2026, 1, 1))):
        with pytest.raises(Invalid):
            bad()


# ---------------------------------------------------------------- a quarter counted by hand

def test_a_quarter_counted_by_hand(db: Database) -> None:
    """Quarter I/2026 (15/12/2025 – 14/03/2026) of office PT01; each dossier's line says where it lands."""
    a = receive(db, at("2025-12-01"), owner="001203000001", linked=True)       # carried over, resolved late
    act(db, a, "start", at("2025-12-02"))
    act(db, a, "resolve", at("2026-01-05"))
    b = receive(db, at("2025-11-03"), owner="001203000002")                    # closed before: not seen
    act(db, b, "start", at("2025-11-04"))
    act(db, b, "resolve", at("2025-11-06"))
    b_paper = paper(db, b)
    c = receive(db, at("2025-12-10"), "online", owner="001203000003")          # carried over, on time
    act(db, c, "start", at("2025-12-11"))
    act(db, c, "resolve", at("2025-12-16"))
    result(db, c, "processing")                                                # its result not yet digitized
    c_paper = paper(db, c)
    d = receive(db, at("2026-01-05"), "online", owner="001203000003", linked=True)  # received, on time
    act(db, d, "start", at("2026-01-06"))
    act(db, d, "resolve", at("2026-01-08"))
    result(db, d, "ready")
    paper(db, d, reused_from=c, document_id=c_paper)
    paper(db, d)
    e = receive(db, at("2026-01-12"), "postal", owner="001203000004", linked=True)  # returned
    act(db, e, "return", at("2026-01-13"))
    f = receive(db, at("2026-02-02"), "public_admin_centre", owner="001203000005")  # withdrawn
    act(db, f, "withdraw", at("2026-02-03"))
    g = receive(db, at("2026-03-02"), owner="001203000006", linked=True)       # pending, overdue (due 10/3)
    paper(db, g, status="pending")
    h = receive(db, at("2026-03-12"), "online", owner="001203000002")          # pending, not yet due
    paper(db, h, reused_from=b, document_id=b_paper)
    i = receive(db, at("2026-03-16"), owner="001203000007")                    # after the window: next quarter
    j = receive(db, at("2026-02-09"), owner="001203000008")                    # overdue at the end, resolved later
    act(db, j, "start", at("2026-02-10"))
    act(db, j, "resolve", at("2026-03-20"))
    k = receive(db, at("2026-02-23"), owner="001203000009")                    # waiting for a supplement: not late
    act(db, k, "start", at("2026-02-23", "10:00"))
    act(db, k, "request_supplement", at("2026-02-24"))
    act(db, k, "supplement_received", at("2026-03-20"))
    ell = receive(db, at("2026-01-19"), owner="001203000010")                  # apology letter, then resolved
    act(db, ell, "start", at("2026-01-20"))
    apologise(db, ell, at("2026-01-29"), "2026-02-05")
    act(db, ell, "resolve", at("2026-02-04"))
    m = receive(db, at("2026-01-05"), office="PT02", owner="001203000011", linked=True)  # another office
    n = receive(db, at("2026-03-02"), owner="001203000012")                    # overdue at the end; its letter
    apologise(db, n, at("2026-03-20"), "2026-03-27")                           # after it moved the due day
    p = receive(db, at("2026-03-10"), owner="001203000013")                    # due 18/3: not yet due at the end,
    apologise(db, p, at("2026-03-20"), "2026-03-27")                           # whatever the others' letters say
    assert i and m

    q1 = report(db, quarter_period(2026, 1, WINDOW), offices={"PT01"})
    t = q1.totals
    assert t.carried_over == 2 and t.received == 10
    assert t.received_by_channel == {"online": 2, "counter": 6, "postal": 1, "public_admin_centre": 1}
    assert t.outcomes == {"resolved_on_time": 2, "resolved_late": 2, "returned": 1, "withdrawn": 1,
                          "pending_not_due": 3, "pending_overdue": 3}
    assert t.apology_letters == 1 and t.reconciles()
    # Linked dossiers (columns 13-16): a late, d on time, g still being handled; e was returned.
    assert t.linked["resolved_on_time"] == 1 and t.linked["resolved_late"] == 1 and t.linked_pending == 1
    assert t.linked_received == 3 and t.linked["returned"] == 1
    assert q1.to_json()["totals"]["linked"] == {"received": 3, "resolved_on_time": 1, "resolved_late": 1, "pending": 1}
    assert q1.electronic_share == 0.2 and q1.previous_electronic_share == 0.3333
    assert q1.electronic_share_change == -0.1333
    assert [p.code for p in q1.procedures] == ["1.000456"] and q1.procedures[0].name == "Giải quyết hưởng chế độ ốm đau"
    digitization = q1.digitization.to_json()
    assert digitization == {
        "dossiers": 10, "fully_digitized": 2, "fully_digitized_share": 0.2,  # d and h; g's paper is not done
        "resolved": 4, "results_digitized": 1, "results_digitized_share": 0.25,  # d's; c's is processing
        "components": 4, "components_reused": 2, "components_reused_share": 0.5,
        "citizens": 10, "citizens_without_resubmission": 1,  # h's owner took everything from the archive
    }
    body = q1.to_json()
    assert body["totals"]["pending_overdue"] == 3 and body["offices"] == ["PT01"]
    assert {c["channel"]: c["received"] for c in body["channels"]}["online"] == 2

    everyone = report(db, quarter_period(2026, 1, WINDOW)).totals
    assert everyone.received == 11 and everyone.outcomes["pending_overdue"] == 4, "PT02's dossier is overdue too"
    assert everyone.linked_received == 4 and everyone.linked_pending == 2, "PT02's linked dossier too"
    q2 = report(db, quarter_period(2026, 2, WINDOW), offices={"PT01"}).totals
    assert q2.carried_over == q1.totals.pending == 6 and q2.received == 1 and q2.apology_letters == 2
    assert q2.outcomes["resolved_late"] == 1, "j, resolved after its due day"
    assert q2.outcomes["pending_overdue"] == 6 and q2.reconciles(), "g, h, i, k, n and p are past due by 15/6"
    december = report(db, date_period(date(2025, 12, 1), date(2025, 12, 31)), offices={"PT01"}).totals
    assert (december.carried_over, december.received, december.outcomes["resolved_on_time"]) == (0, 2, 1)


# ---------------------------------------------------------------- generated registers

BASE = at("2025-10-01")
QUARTERS = [(2025, 4), (2026, 1), (2026, 2), (2026, 3), (2026, 4)]


@dataclass
class Lifecycle:
    """What the generator did to one dossier: the model the report is checked against."""

    office: str
    procedure: str
    channel: str
    linked: bool
    received: datetime
    due: datetime
    events: list[tuple[datetime, str, datetime | None]] = field(default_factory=list)  # (at, status after, due after)
    letters: list[datetime] = field(default_factory=list)

    def outcome(self, start: datetime, end: datetime) -> tuple[bool, str] | None:
        """(carried over?, outcome) in the period, or None when the period does not see it."""
        if self.received >= end:
            return None
        closed = next(((when, status) for when, status, _ in self.events if status in CLOSED), None)
        if closed is not None and closed[0] < start:
            return None
        carried = self.received < start
        if closed is not None and closed[0] < end:
            if closed[1] == "resolved":
                late = closed[0] > self.events[-1][2] or bool(self.letters)
                return carried, "resolved_late" if late else "resolved_on_time"
            return carried, closed[1]
        before = [e for e in self.events if e[0] < end]
        state, due = (before[-1][1], before[-1][2]) if before else ("received", self.due)
        overdue = state in RUNNING and (due < end or any(when < end for when in self.letters))
        return carried, "pending_overdue" if overdue else "pending_not_due"


NEXT = {"received": ["start", "return", "withdraw", "apology"],
        "in_progress": ["resolve", "request_supplement", "return", "withdraw", "apology"],
        "supplement_requested": ["supplement_received", "return", "withdraw"]}


def build(db: Database, data: st.DataObject) -> list[Lifecycle]:
    built = []
    for n in range(data.draw(st.integers(1, 9), label="dossiers")):
        office = data.draw(st.sampled_from(["PT01", "PT02"]))
        channel = data.draw(st.sampled_from(["online", "counter", "postal", "public_admin_centre"]))
        procedure = data.draw(st.sampled_from(["1.000456", "1.000501"]))
        linked = data.draw(st.booleans(), label="linked")
        received = BASE + timedelta(days=data.draw(st.integers(0, 330)), minutes=data.draw(st.integers(0, 600)))
        code = receive(db, received, channel, office, owner=f"0012030{n:05d}", procedure=procedure, linked=linked)
        with db.session() as s:
            life = Lifecycle(office, procedure, channel, linked, received, get_dossier(s, code).due_at)
        now, state = received, "received"
        for _ in range(data.draw(st.integers(0, 5), label="steps")):
            if state not in NEXT:
                break
            now += timedelta(days=data.draw(st.integers(0, 25)), hours=data.draw(st.integers(1, 8)))
            action = data.draw(st.sampled_from(NEXT[state]))
            if action == "apology":
                if now <= (life.events[-1][2] if life.events else life.due):
                    continue  # not overdue: no letter
                with db.session() as s:
                    new_due = load_calendar(s).next_working(local_day(now) + timedelta(days=2))
                apologise(db, code, now, new_due.isoformat(), office)
                with db.session() as s:
                    due = get_dossier(s, code).due_at
                life.letters.append(now)
                life.events.append((now, state, due))
                continue
            event = act(db, code, action, now, office)
            state = event.to_status
            life.events.append((now, state, event.due_at))
        built.append(life)
    return built


def expected(lives: list[Lifecycle], period: Period, offices: set[str] | None) -> dict[str, int]:
    counts = dict.fromkeys(("carried_over", "received", *OUTCOMES, *(f"linked {o}" for o in OUTCOMES)), 0)
    for life in lives:
        if offices is not None and life.office not in offices:
            continue
        seen = life.outcome(period.starts_at, period.ends_at)
        if seen is not None:
            counts["carried_over" if seen[0] else "received"] += 1
            counts[seen[1]] += 1
            if life.linked:
                counts[f"linked {seen[1]}"] += 1
    return counts


def counted(db: Database, period: Period, offices: set[str] | None) -> dict[str, int]:
    t = report(db, period, offices).totals
    assert t.reconciles(), "carried over + received = the six outcomes"
    assert t.linked_received == t.linked["resolved_on_time"] + t.linked["resolved_late"] + t.linked_pending
    return {"carried_over": t.carried_over, "received": t.received, **t.outcomes,
            **{f"linked {o}": n for o, n in t.linked.items()}}


@pytest.mark.slow
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(data=st.data())
def test_generated_registers_reconcile_and_match_each_dossiers_state_at_the_period_end(db: Database,
                                                                                      data: st.DataObject) -> None:
    with db.session() as s:
        for table in (SyncOutbox, ApologyLetter, DossierEvent, Dossier):  # the outbox refers to dossiers
            s.execute(delete(table))
    lives = build(db, data)
    periods = [quarter_period(y, q, WINDOW) for y, q in QUARTERS]
    first = BASE.date() + timedelta(days=data.draw(st.integers(0, 300), label="from"))
    periods.append(date_period(first, first + timedelta(days=data.draw(st.integers(0, 120), label="days"))))
    for period in periods:
        for offices in (None, {"PT01"}, {"PT02"}):
            assert counted(db, period, offices) == expected(lives, period, offices), (period, offices)
    for before, after in zip(periods[:4], periods[1:5]):
        pending = report(db, before).totals.pending
        assert report(db, after).totals.carried_over == pending, "what is pending at one end is carried into the next"
