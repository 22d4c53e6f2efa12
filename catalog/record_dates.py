"""Sane dates on a paper's record: years a paper of this archive can carry, and a validity that
does not end before the paper was issued."""
from __future__ import annotations

from datetime import date

from core.errors import Invalid

EARLIEST_RECORD_DATE = date(1900, 1, 1)
LATEST_RECORD_DATE = date(2200, 12, 31)


def check_record_dates(issue_date: date | None, valid_until: date | None) -> None:
    for name, day in (("issue_date", issue_date), ("valid_until", valid_until)):
        if day is not None and not EARLIEST_RECORD_DATE <= day <= LATEST_RECORD_DATE:
            raise Invalid("invalid_date", f"Ngày '{day.isoformat()}' ({name}) nằm ngoài khoảng "
                                          f"{EARLIEST_RECORD_DATE.year}–{LATEST_RECORD_DATE.year}.")
    if issue_date is not None and valid_until is not None and valid_until < issue_date:
        raise Invalid("valid_until_before_issue_date", "Ngày hết hiệu lực không được trước ngày ban hành.")
