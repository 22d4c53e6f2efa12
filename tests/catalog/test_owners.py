"""Owners: both codes of a citizen link to one record; merging two records of one citizen moves
everything, keeps the old codes working, and records who did it and why."""
from __future__ import annotations

from sqlalchemy import func, select

from catalog.audit import AuditEntry, verify
from catalog.models import Owner, OwnerMerge
from catalog.records_models import LegalHold
from tests.archive import paper
from tests.catalog.test_reuse import BIRTH, candidate_ids
from tests.conftest import OWNER_ID, open_dossier

SI_CODE = "0123456789"
MISTYPED_ID = "001203004568"  # the same citizen, a digit off, at another counter


def new_dossier(client, procedure: str = "1.000456", **owner):
    return client.post("/api/v1/dossiers", json={"procedure_code": procedure, "channel": "counter", "owner": owner})


def owner_rows(client) -> int:
    with client.app.state.services.db.session() as s:
        return s.scalar(select(func.count()).select_from(Owner).where(Owner.merged_into_id.is_(None)))


def test_a_later_dossier_bringing_the_second_code_links_it_to_the_same_owner(client):
    assert new_dossier(client, personal_id=OWNER_ID, full_name="Nguyễn Văn Đức").status_code == 201
    r = new_dossier(client, social_insurance_code=SI_CODE, personal_id=OWNER_ID)
    assert r.status_code == 201 and r.json()["owner"]["social_insurance_code"] == SI_CODE
    assert new_dossier(client, social_insurance_code=SI_CODE).json()["owner"]["personal_id"] == OWNER_ID
    assert owner_rows(client) == 1
    for code in (OWNER_ID, SI_CODE):
        body = client.get(f"/api/v1/owners/{code}").json()
        assert (body["personal_id"], body["social_insurance_code"]) == (OWNER_ID, SI_CODE)
        assert len(body["dossiers"]) == 3
    assert client.get("/api/v1/owners/079300009999").json()["code"] == "owner_not_found"


def test_merging_two_owners_moves_their_papers_and_keeps_the_old_codes(client, archive, as_user):
    archivist = as_user("archivist1")
    mine = archive.dossier(resolved=None)
    theirs = archive.dossier(owner=MISTYPED_ID, resolved=None)
    kept = paper(archive, mine, "NT01")
    birth = paper(archive, theirs, "HT01")
    new_dossier(client, personal_id=MISTYPED_ID, social_insurance_code=SI_CODE)  # the SI code went there
    hold = client.post("/api/v1/admin/holds", headers=archivist,
                       json={"scope": "owner", "ref": MISTYPED_ID, "reason": "Thanh tra đang xem xét hồ sơ"})
    assert hold.status_code == 201, hold.text
    # the two codes of one person now belong to two records: intake refuses and asks for a merge
    conflict = new_dossier(client, personal_id=OWNER_ID, social_insurance_code=SI_CODE)
    assert conflict.json()["code"] == "owner_conflict"
    assert candidate_ids(open_dossier(client, procedure="1.000123")["checklist"], BIRTH) == []

    url = f"/api/v1/owners/{OWNER_ID}/merge"
    body = {"merge": MISTYPED_ID, "reason": "Nhập sai một chữ số định danh tại quầy PT02"}
    assert client.post(url, json=body).status_code == 403  # counters do not merge
    assert client.post(url, json={**body, "reason": "sai"}, headers=archivist).status_code == 422
    assert client.post(url, json={**body, "merge": OWNER_ID}, headers=archivist).json()["code"] == "same_owner"
    r = client.post(url, json=body, headers=archivist)
    assert r.status_code == 200, r.text
    merged = r.json()
    assert (merged["personal_id"], merged["social_insurance_code"], merged["aliases"]) == (OWNER_ID, SI_CODE,
                                                                                          [MISTYPED_ID])
    [record] = merged["merges"]
    assert record["merged_by"] == "archivist1" and record["reason"] == body["reason"]
    assert record["merged_personal_id"] == MISTYPED_ID and record["merged_social_insurance_code"] == SI_CODE
    assert record["moved"] == {"documents": 1, "dossiers": 2, "legal_holds": 1, "aliases": 0}
    assert merged["documents"] == 2 and {d["code"] for d in merged["dossiers"]} >= {mine, theirs}

    # every old code finds the one owner: the API, intake, search
    assert client.get(f"/api/v1/owners/{MISTYPED_ID}").json()["personal_id"] == OWNER_ID
    assert owner_rows(client) == 1
    again = new_dossier(client, personal_id=MISTYPED_ID, social_insurance_code=SI_CODE)
    assert again.status_code == 201 and again.json()["owner"]["personal_id"] == OWNER_ID
    assert new_dossier(client, personal_id=OWNER_ID, social_insurance_code=SI_CODE).status_code == 201
    for code in (OWNER_ID, MISTYPED_ID, SI_CODE):
        hits = client.get("/api/v1/search", params={"owner": code}).json()["hits"]
        assert {h["id"] for h in hits} == {kept, birth}, code
    # the merged owner's paper is now offered to the survivor's dossiers
    assert candidate_ids(open_dossier(client, procedure="1.000123")["checklist"], BIRTH) == [birth]

    with archive.services.db.session() as s:
        assert s.scalars(select(LegalHold.owner_id)).one() == s.scalars(
            select(Owner.id).where(Owner.personal_id == OWNER_ID)).one()
        assert s.scalar(select(func.count()).select_from(OwnerMerge)) == 1
        actions = {(e.action, e.owner_ref) for e in s.scalars(select(AuditEntry).where(
            AuditEntry.action.in_(["owner.merge", "owner.merged_away"])))}
        assert actions == {("owner.merge", OWNER_ID), ("owner.merged_away", MISTYPED_ID)}
        assert verify(s).ok


def test_a_merged_owner_can_itself_be_absorbed_later_and_its_aliases_follow(client, archive, as_user):
    archivist = as_user("archivist1")
    archive.dossier(resolved=None)
    archive.dossier(owner=MISTYPED_ID, resolved=None)
    third = "001203004569"
    archive.dossier(owner=third, resolved=None)
    reason = "Cùng một người, nhập sai số định danh"
    r = client.post(f"/api/v1/owners/{MISTYPED_ID}/merge", json={"merge": third, "reason": reason}, headers=archivist)
    assert r.json()["aliases"] == [third]
    r = client.post(f"/api/v1/owners/{OWNER_ID}/merge", json={"merge": third, "reason": reason}, headers=archivist)
    assert r.status_code == 200, r.text  # named by its alias: the record it now lives in is merged
    assert r.json()["aliases"] == [MISTYPED_ID, third] and r.json()["merges"][-1]["moved"]["aliases"] == 1
    assert {d["code"] for d in r.json()["dossiers"]} == {d["code"] for d in
                                                        client.get(f"/api/v1/owners/{third}").json()["dossiers"]}
