"""Reuse fixtures: the records tests' archive builder (papers written straight into the catalog,
store and index, so most tests here need no OCR) and cheap password hashing."""
from __future__ import annotations

from datetime import date

import pytest

from catalog.models import Document

from tests.records.conftest import Archive, archive, as_user, cli  # noqa: F401

OTHER_OWNER = "079300001111"


def paper(archive: Archive, dossier: str, type_code: str, *, approved: bool = True, **columns) -> str:
    """A ready paper of the dossier's owner, approved for reuse unless told otherwise."""
    status = columns.pop("status", None)
    values = {"permanent": True, "valid_until": None, "review_status": "approved" if approved else "pending",
              "reviewed_by": "handler1" if approved else None, **columns}
    document_id = archive.document(dossier, type_code=type_code, **values)
    if status is not None:  # the builder makes ready papers
        with archive.services.db.session() as s:
            s.get(Document, document_id).status = status
    return document_id


@pytest.fixture
def today() -> date:
    from catalog.catalogs import today_local

    return today_local()
