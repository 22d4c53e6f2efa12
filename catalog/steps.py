"""A procedure's internal steps: how its working days split between reception, the processing
departments and the return of the result (Decision 505/QĐ-BHXH routes a dossier this way).

The catalog keeps them per procedure as ``step:department:days`` items, e.g.
``reception:MC:1|processing:CSXH:4|return:MC:1``; their days add up to the processing time.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from catalog.deadlines import WorkCalendar

STEP_KINDS = {"reception": "Tiếp nhận", "processing": "Xử lý", "return": "Trả kết quả"}
DEPARTMENT = re.compile(r"^[A-Z0-9_]{2,32}$")


@dataclass(frozen=True)
class Step:
    kind: str
    department: str
    days: int

    @property
    def label(self) -> str:
        return f"{STEP_KINDS[self.kind]} ({self.department})"


def parse_steps(items: Sequence[str]) -> list[Step]:
    """ValueError (Vietnamese) naming the first malformed item."""
    steps = []
    for item in items:
        parts = item.split(":")
        if len(parts) != 3 or parts[0] not in STEP_KINDS or not DEPARTMENT.match(parts[1]) \
                or not parts[2].isdigit():
            raise ValueError(f"Bước '{item}' phải có dạng bước:phòng:số_ngày, bước là "
                             f"{', '.join(STEP_KINDS)}, phòng viết hoa (ví dụ processing:CSXH:4).")
        steps.append(Step(parts[0], parts[1], int(parts[2])))
    return steps


def steps_error(items: Sequence[str], processing_days: int | None) -> str | None:
    """Why a procedure's steps cannot be used, or None (no steps at all is fine)."""
    if not items:
        return None
    try:
        steps = parse_steps(items)
    except ValueError as exc:
        return str(exc)
    total = sum(s.days for s in steps)
    if processing_days is not None and total != processing_days:
        return f"Tổng số ngày của các bước ({total}) phải bằng thời hạn giải quyết ({processing_days})."
    return None


def departments(steps: Sequence[Step]) -> set[str]:
    return {s.department for s in steps}


def plan(steps: Sequence[Step], due: date, calendar: WorkCalendar) -> list[tuple[Step, date]]:
    """Each step with the working day it must be done by. Counted back from the dossier's due day,
    so a clock paused for a supplement, or a new date from an apology letter, moves every step."""
    out, day = [], due
    for step in reversed(steps):
        out.append((step, day))
        day = calendar.subtract_working_days(day, step.days)
    return out[::-1]
