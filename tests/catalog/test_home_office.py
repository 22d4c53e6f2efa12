"""Which office a document is searched under, asked for many documents at once."""
from __future__ import annotations

from sqlalchemy import select

from catalog.coding import DossierResult
from catalog.home_office import home_offices
from catalog.models import Component, Dossier
from tests.archive import Archive


def move(archive: Archive, code: str, office: str) -> int:
    with archive.services.db.session() as s:
        dossier = s.scalars(select(Dossier).where(Dossier.code == code)).one()
        dossier.office_code = office
        return dossier.id


def test_dossier_office_then_result_then_digitizer(archive: Archive):
    here, there = archive.dossier(), archive.dossier()
    there_id = move(archive, there, "PT02")
    scanned_here = archive.document(here)
    scanned_there = archive.document(there)
    issued_there = archive.document(None)
    digitized_there = archive.document(None, digitized_by="handler2")  # a PT02 user, no dossier
    nobody = archive.document(None)
    with archive.services.db.session() as s:
        s.add(Component(dossier_id=there_id, document_id=scanned_here, reused=True))  # reuse moves nothing
        s.add(DossierResult(dossier_id=there_id, document_id=issued_there, result_code="1.000456.KQ01"))
    with archive.services.db.session() as s:
        offices = home_offices(s, [scanned_here, scanned_there, issued_there, digitized_there, nobody, "no-such-id"])
    assert offices == {scanned_here: "PT01", scanned_there: "PT02", issued_there: "PT02",
                       digitized_there: "PT02", nobody: None, "no-such-id": None}
    with archive.services.db.session() as s:
        assert home_offices(s, []) == {}


def test_the_earliest_scan_decides(archive: Archive):
    first, later = archive.dossier(), archive.dossier()
    later_id = move(archive, later, "PT02")
    document = archive.document(first)
    with archive.services.db.session() as s:
        s.add(Component(dossier_id=later_id, document_id=document, reused=False))  # the same bytes uploaded again
    with archive.services.db.session() as s:
        assert home_offices(s, [document]) == {document: "PT01"}
