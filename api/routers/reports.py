"""Reports over the register: the quarterly report of the TTHC-control plan (JSON, XLSX, CSV) and
the reuse figures per office.

Archivists (and admins) read them: there is no leader role, and like the audit log and the
retention reviews, reports are the records side's work rather than a counter's or handler's.
The figures are aggregates, not personal data; every read is still audited, with the offices
it covered, within the caller's scope (api/policy.py)."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from api import policy
from api.auth import require
from api.deps import ServicesDep, SessionDep
from api.report_schemas import QuarterlyReportOut, ReuseReportOut
from catalog import report_files, reports, reuse
from catalog.audit import Actor, record
from catalog.catalogs import today_local
from catalog.users import Role

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])

Reader = Annotated[Actor, require(Role.archivist)]
Office = Annotated[str | None, Query(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
                                     description="One office of your scope; all of them by default")]
Year = Annotated[int | None, Query(ge=reports.MIN_YEAR, le=reports.MAX_YEAR)]
Quarter = Annotated[int | None, Query(ge=1, le=4)]
From = Annotated[date | None, Query(alias="from", description="First day (with `to`, instead of a quarter)")]
To = Annotated[date | None, Query(alias="to", description="Last day, included")]
_FILES = {200: {"content": {report_files.XLSX_TYPE: {}, "text/csv": {}}}}


def _period(services, year: int | None, quarter: int | None, first: date | None, last: date | None) -> reports.Period:
    return reports.choose_period(year=year, quarter=quarter, first_day=first, last_day=last,
                                 window_day=services.settings.report_window_day, today=today_local())


@router.get("/quarterly", response_model=QuarterlyReportOut, responses=_FILES)
def quarterly(actor: Reader, services: ServicesDep, session: SessionDep, year: Year = None, quarter: Quarter = None,
              office: Office = None, first: From = None, last: To = None,
              format: Literal["json", "xlsx", "csv"] = "json"):
    """Appendix II's figures for a quarter (the plan's window: day 14 of its last month by
    default) or from/to dates, per procedure and in total, with the digitization figures; the
    current quarter when none is given."""
    period = _period(services, year, quarter, first, last)
    offices = policy.report_offices(actor, office)
    found = reports.quarterly_report(session, period, offices=offices,
                                     window_day=services.settings.report_window_day)
    record(session, actor, "report.quarterly", "report", period.label, None, format=format,
           period=period.to_json(), offices=sorted(offices), cross_office=policy.cross_office(actor, offices))
    if format == "json":
        return found.to_json()
    if format == "xlsx":
        data, media_type = report_files.xlsx(found), report_files.XLSX_TYPE
    else:
        data, media_type = report_files.csv_bytes(found), report_files.CSV_TYPE
    name = report_files.filename(found, format)
    return Response(data, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/reuse", response_model=ReuseReportOut)
def reuse_figures(actor: Reader, services: ServicesDep, session: SessionDep, year: Year = None,
                  quarter: Quarter = None, office: Office = None, first: From = None, last: To = None) -> dict:
    """Components reused against newly digitized over the dossiers received in the period, per
    office of the caller's scope and in total."""
    period = _period(services, year, quarter, first, last)
    offices = policy.report_offices(actor, office)
    window = {"received_from": period.starts_at, "received_before": period.ends_at}
    record(session, actor, "report.reuse", "report", period.label, None, period=period.to_json(),
           offices=sorted(offices), cross_office=policy.cross_office(actor, offices))
    return {"period": period.to_json(), "total": reuse.totals(session, offices=offices, **window).to_json(),
            "offices": [{"office": o, **reuse.totals(session, office_code=o, **window).to_json()}
                        for o in sorted(offices)]}
