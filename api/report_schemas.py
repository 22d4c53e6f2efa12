"""Shapes of the reports' JSON answers (catalog/reports.py computes them)."""
from __future__ import annotations

from pydantic import BaseModel, Field


class PeriodOut(BaseModel):
    year: int | None
    quarter: int | None
    from_: str = Field(alias="from", description="First day, included (local)")
    to: str = Field(description="Last day, included (local)")
    label: str


class LinkedFiguresOut(BaseModel):
    received: int = Field(description="Column 13 = 14 + 15 + 16")
    resolved_on_time: int
    resolved_late: int
    pending: int


class FiguresOut(BaseModel):
    carried_over: int = Field(description="Received before the period, not closed at its start")
    received: int
    resolved_on_time: int
    resolved_late: int
    returned: int
    withdrawn: int
    pending_not_due: int = Field(description="Not closed at the period end, not yet due (or waiting for a supplement)")
    pending_overdue: int
    apology_letters: int = Field(description="Apology letters issued within the period")
    resolved: int
    pending: int
    received_by_channel: dict[str, int]
    linked: LinkedFiguresOut = Field(description="Dossiers handled under the interconnected one-stop mechanism "
                                                 "(một cửa liên thông): Appendix II's columns 13-16")


class ProcedureFiguresOut(FiguresOut):
    procedure_code: str
    procedure_name: str | None


class ChannelOut(BaseModel):
    channel: str
    name: str
    received: int
    share: float


class ElectronicOut(BaseModel):
    share: float = Field(description="Dossiers received online / all received, 0..1")
    previous_share: float
    change: float


class DigitizationOut(BaseModel):
    dossiers: int
    fully_digitized: int
    fully_digitized_share: float
    resolved: int
    results_digitized: int
    results_digitized_share: float
    components: int
    components_reused: int
    components_reused_share: float
    citizens: int
    citizens_without_resubmission: int


class QuarterlyReportOut(BaseModel):
    period: PeriodOut
    previous_period: PeriodOut
    offices: list[str] | None
    totals: FiguresOut
    channels: list[ChannelOut]
    procedures: list[ProcedureFiguresOut]
    electronic: ElectronicOut
    digitization: DigitizationOut


class ReuseFiguresOut(BaseModel):
    components: int
    reused: int
    digitized: int
    share: float
    dossiers: int
    dossiers_reusing: int


class OfficeReuseOut(ReuseFiguresOut):
    office: str


class ReuseReportOut(BaseModel):
    period: PeriodOut
    total: ReuseFiguresOut
    offices: list[OfficeReuseOut]
