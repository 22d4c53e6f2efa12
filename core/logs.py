"""One logging configuration for every process (API, workers, beat, command line).

The service's own events (start-up recovery, retries, dead letters, disposal, fixity findings) are
logged at INFO or above on the root logger; uvicorn's and Celery's loggers propagate to it, so one
format (plain text, or one JSON object a line for log shippers) covers everything a process prints.

Personal data never belongs in a log line: call sites log document ids, object keys and counts,
never owner IDs, names or document text. ``PersonalDataFilter`` is the safety net behind that
rule: it masks anything shaped like a personal ID (12 digits) or a social-insurance code
(10 digits) in the message and the traceback, e.g. a driver error quoting a row's values.
"""
from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

LOG_FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MASK = "[redacted]"
_OWNER_ID = re.compile(r"(?<![\dA-Za-z])(?:\d{12}|\d{10})(?![\dA-Za-z])")
_HANDLER_NAME = "sohoa"


def redact(text: str) -> str:
    """``text`` with every 10- or 12-digit number (the shapes of owner IDs) masked."""
    return _OWNER_ID.sub(MASK, text)


class PersonalDataFilter(logging.Filter):
    """Masks owner-ID-shaped numbers in a record's message and traceback, whichever the formatter."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = redact(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (a test runner may swap it)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self):  # noqa: D401 - logging.StreamHandler's attribute
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, and the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str = "INFO", fmt: str = "text") -> logging.Handler:
    """Send every logger's records at ``level`` and above to stderr in ``fmt``; safe to call again
    (the handler installed before is replaced, never doubled)."""
    if fmt not in LOG_FORMATS:
        raise ValueError(f"log format must be one of {', '.join(LOG_FORMATS)}, not {fmt!r}")
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    handler = _StderrHandler()
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(PersonalDataFilter())
    root.addHandler(handler)
    root.setLevel(level.upper())
    # httpx logs every request's full URL at INFO, query string (an owner ID?) included.
    logging.getLogger("httpx").setLevel(max(root.level, logging.WARNING))
    # alembic announces its context at INFO every time a process opens the catalog: noise, not events.
    logging.getLogger("alembic.runtime.migration").setLevel(max(root.level, logging.WARNING))
    # pikepdf announces its C++ logger bridge at INFO in every process that opens a PDF (each `sohoa ocr`).
    logging.getLogger("pikepdf._core").setLevel(max(root.level, logging.WARNING))
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "celery"):
        # uvicorn and Celery install handlers of their own: let their records reach ours instead.
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    return handler
