"""Path and query parameters shared by routers, bounded so that no value reaches the catalog that it
cannot hold: database ids are signed 64-bit integers, codes have their column's length."""
from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

MAX_ID = 2**63 - 1

RowId = Annotated[int, Path(ge=1, le=MAX_ID, description="A numeric id")]
DossierCode = Annotated[str, Path(max_length=40)]
DocumentId = Annotated[str, Path(max_length=32)]
OwnerCode = Annotated[str, Path(max_length=12, description="Personal ID or social-insurance code")]
Username = Annotated[str, Path(max_length=64)]
OfficeCode = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
Offset = Annotated[int, Query(ge=0, le=MAX_ID, description="Rows to skip")]
NO_NUL = r"^[^\x00]*$"
"""Pattern for free-text form fields (JSON bodies: api/inputs.py)."""
