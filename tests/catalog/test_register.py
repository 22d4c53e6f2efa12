"""The register's lifecycle in the catalog: exactly one of concurrent transitions wins (SQLite and
PostgreSQL, real threads), the clock pauses for a supplement, resolution sets resolved_at, a
hand-over resolves where the procedure says so, and retention then counts from the resolution."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, time

import pytest
from sqlalchemy import func, select

from catalog.audit import Actor, AuditEntry
from catalog.db import Database
from catalog.deadlines import local_day
from catalog.dossiers import get_dossier, open_dossier
from catalog.models import Component, Document
from catalog.owners import get_or_create_owner
from catalog.register import Request, history, transition
from catalog.register_models import DossierEvent
from catalog.results import attach_result, hand_over
from catalog.users import Role, create_user
from core.clock import LOCAL_TZ
from core.errors import Conflict
from records.retention import Verdict, assess
from sohoa.services import open_catalog

CUTOFF = time(16, 30)
COUNTER = Actor("counter1", "counter", "PT01")
HANDLERS = [Actor(f"handler{n}", "handler", "PT01") for n in range(8)]


@pytest.fixture
def db(catalog_url: str) -> Iterator[Database]:
    database = open_catalog(catalog_url)
    with database.session() as s:
        for actor in HANDLERS:
            create_user(s, actor.username, "mat-khau-thu-nghiem", Role.handler, "PT01")
    yield database
    database.dispose()


def at(day: str, hhmm: str = "09:00") -> datetime:
    return datetime.combine(date.fromisoformat(day), time.fromisoformat(hhmm), LOCAL_TZ)


def new_dossier(db: Database, procedure: str = "1.000456", received: datetime | None = None) -> str:
    with db.session() as s:
        owner = get_or_create_owner(s, "001203004567", full_name="Nguyễn Văn Đức")
        return open_dossier(s, "BHXH", procedure, owner, "counter", office_code="PT01", now=received,
                            cutoff=CUTOFF, received_by="counter1").code


def act(db: Database, code: str, request: Request, actor: Actor, now: datetime | None = None) -> DossierEvent:
    with db.session() as s:
        return transition(s, code, request, actor, cutoff=CUTOFF, now=now)


def race(db: Database, code: str, requests: list[tuple[Request, Actor]]) -> tuple[int, list[str]]:
    """Every request at once, each in its own thread and transaction: (successes, refusal codes)."""
    barrier = threading.Barrier(len(requests))

    def one(item: tuple[Request, Actor]) -> str:
        barrier.wait()
        try:
            act(db, code, *item)
            return "ok"
        except Conflict as exc:
            return exc.code

    with ThreadPoolExecutor(len(requests)) as pool:
        outcomes = list(pool.map(one, requests))
    return outcomes.count("ok"), [o for o in outcomes if o != "ok"]


def test_of_handlers_starting_at_once_exactly_one_wins(db: Database) -> None:
    code = new_dossier(db)
    wins, refused = race(db, code, [(Request("start", assignee=h.username), h) for h in HANDLERS])
    assert wins == 1 and refused == ["illegal_transition"] * (len(HANDLERS) - 1)
    with db.session() as s:
        dossier = get_dossier(s, code)
        events = history(s, dossier.id)
        assert [e.action for e in events] == ["start"] and dossier.assignee == events[0].actor
        assert dossier.version == 2
        assert s.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "dossier.start")) == 1


def test_resolve_and_return_at_once_one_wins_and_the_other_is_told(db: Database) -> None:
    code = new_dossier(db)
    act(db, code, Request("start"), HANDLERS[0])
    requests = [(Request("resolve"), HANDLERS[1]), (Request("return", reason="Không đủ điều kiện hưởng"), HANDLERS[2])]
    wins, refused = race(db, code, requests * 3)
    assert wins == 1 and refused == ["illegal_transition"] * 5
    with db.session() as s:
        dossier = get_dossier(s, code)
        assert dossier.status in ("resolved", "returned") and len(history(s, dossier.id)) == 2


def test_assignments_on_the_same_version_one_wins(db: Database) -> None:
    """Reassigning is allowed again and again, so the version the clerk saw decides."""
    code = new_dossier(db)
    act(db, code, Request("start"), HANDLERS[0])
    with db.session() as s:
        seen = get_dossier(s, code).version
    wins, refused = race(db, code, [(Request("assign", assignee=h.username, version=seen), HANDLERS[0])
                                    for h in HANDLERS])
    assert wins == 1 and refused == ["dossier_changed"] * (len(HANDLERS) - 1)


def test_the_clock_pauses_for_a_supplement(db: Database) -> None:
    code = new_dossier(db, received=at("2026-04-20"))  # 6 working days: due Wednesday 29/4
    with db.session() as s:
        assert local_day(get_dossier(s, code).due_at) == date(2026, 4, 29)
    act(db, code, Request("start"), HANDLERS[0], now=at("2026-04-21"))
    act(db, code, Request("request_supplement", reason="Thiếu giấy ra viện"), HANDLERS[0],
        now=at("2026-04-22", "10:00"))
    with db.session() as s:
        dossier = get_dossier(s, code)
        assert dossier.status == "supplement_requested" and dossier.remaining_days == 4  # 23, 24, 28, 29
    event = act(db, code, Request("supplement_received"), COUNTER, now=at("2026-05-05", "11:00"))
    assert local_day(event.due_at) == date(2026, 5, 11)  # 4 working days from 5/5: 6, 7, 8, 11
    with db.session() as s:
        dossier = get_dossier(s, code)
        assert dossier.paused_at is None and dossier.remaining_days is None and dossier.status == "in_progress"


def _ready_document(db: Database, code: str, type_code: str) -> str:
    with db.session() as s:
        dossier = get_dossier(s, code)
        document = Document(sha256=f"{len(code):064d}"[:64], media_type="application/pdf", filename="giay-to.pdf",
                            size=100, owner_id=dossier.owner_id, status="ready", page_count=1, pages_done=1,
                            document_type_code=type_code)
        s.add(document)
        s.flush()
        s.add(Component(dossier_id=dossier.id, document_id=document.id, component_code=None))
        return document.id


def test_retention_counts_from_the_resolution(db: Database) -> None:
    code = new_dossier(db, received=at("2026-05-04"))
    document_id = _ready_document(db, code, "NT01")  # kept 5 years from the dossier's resolution

    def verdict(today: date) -> Verdict:
        with db.session() as s:
            return assess(s, [s.get(Document, document_id)], today=today)[0].verdict

    assert verdict(date(2040, 1, 1)) is Verdict.no_event_date, "an open dossier starts no term"
    act(db, code, Request("start"), HANDLERS[0], now=at("2026-05-05"))
    act(db, code, Request("resolve"), HANDLERS[0], now=at("2026-05-08", "15:00"))
    with db.session() as s:
        assert get_dossier(s, code).resolved_at == at("2026-05-08", "15:00")
    assert verdict(date(2031, 5, 7)) is Verdict.not_yet_due
    assert verdict(date(2031, 5, 8)) is Verdict.due


def test_handing_over_the_result_resolves_where_the_procedure_says_so(db: Database) -> None:
    code = new_dossier(db, procedure="1.000123")  # hand_over_resolves: yes
    act(db, code, Request("start"), HANDLERS[0])
    document_id = _ready_document(db, code, "BH02")
    with db.session() as s:
        result = attach_result(s, code, document_id, result_code="1.000123.KQ01", document_number="SO-1",
                               issue_date=date(2026, 5, 6), valid_until=None, replaces_code=None, actor=HANDLERS[0])
        result_id = result.id
    with db.session() as s:
        assert get_dossier(s, code).status == "in_progress", "attaching alone does not resolve"
        hand_over(s, code, result_id, COUNTER)
    with db.session() as s:
        dossier = get_dossier(s, code)
        assert dossier.status == "resolved" and dossier.resolved_at is not None
        assert [e.action for e in history(s, dossier.id)] == ["start", "resolve"]


def test_handing_over_does_not_resolve_where_the_procedure_does_not_say_so(db: Database) -> None:
    code = new_dossier(db, procedure="1.000456")  # hand_over_resolves: no
    act(db, code, Request("start"), HANDLERS[0])
    document_id = _ready_document(db, code, "KQ05")
    with db.session() as s:
        result_id = attach_result(s, code, document_id, result_code="1.000456.KQ01", document_number="DS-1",
                                  issue_date=date(2026, 5, 6), valid_until=None, replaces_code=None,
                                  actor=HANDLERS[0]).id
        hand_over(s, code, result_id, COUNTER)
    with db.session() as s:
        assert get_dossier(s, code).status == "in_progress"


def test_a_due_date_beyond_the_calendar_refuses_the_dossier_and_writes_nothing(db: Database) -> None:
    from catalog.models import Counter, Dossier
    from core.errors import Invalid

    with pytest.raises(Invalid) as refused:
        new_dossier(db, procedure="1.000807", received=at("2027-12-01"))  # 40 working days: into 2028
    assert refused.value.code == "calendar_year_missing" and "2028" in refused.value.message
    with db.session() as s:
        assert s.scalar(select(func.count(Dossier.id))) == 0 and s.scalar(select(func.count(Counter.name))) == 0


def test_a_late_dossier_paused_for_a_supplement_stays_late(db: Database) -> None:
    code = new_dossier(db, received=at("2026-04-20"))  # due Wednesday 29/4
    act(db, code, Request("start"), HANDLERS[0], now=at("2026-04-21"))
    act(db, code, Request("request_supplement", reason="Thiếu giấy ra viện"), HANDLERS[0],
        now=at("2026-05-05", "10:00"))  # late by 2 working days: 4/5, 5/5
    with db.session() as s:
        assert get_dossier(s, code).remaining_days == -2
    event = act(db, code, Request("supplement_received"), COUNTER, now=at("2026-05-11", "09:00"))
    assert local_day(event.due_at) == date(2026, 5, 7), "two working days before the day it resumed"
