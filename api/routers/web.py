"""The counter's web page: plain HTML + a little JavaScript over the same public API."""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)

PAGE = Path(__file__).resolve().parent.parent / "templates" / "counter.html"


@router.get("/", response_class=HTMLResponse)
def counter_page() -> HTMLResponse:
    return HTMLResponse(PAGE.read_text(encoding="utf-8"))
