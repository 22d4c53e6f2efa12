"""Taking a paper off a dossier before it goes on: a scan the counter replaced with a better one, or a
paper filed under the wrong dossier.

Only while the dossier is at the counter (just received, or waiting for a supplement): once a
handler works on it, its papers are what the decision rests on. The document itself stays in the
archive (its own record and retention); only its place in this dossier goes, with an audit entry
naming it. A scan replaced by a rescan is also taken out of the review queue (rejected, with a note
saying why): nobody should approve, and the counter then offer for reuse, the copy found too poor to
keep — unless it was reused or belongs to another dossier too, when it is left as it is.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.audit import Actor, record
from catalog.coding import DossierResult
from catalog.digitization import PENDING, REJECTED
from catalog.models import Component, Document
from catalog.owners import owner_ref
from catalog.register import STATUS_VI, Status, lock_dossier
from catalog.review import record_decision
from core.errors import Conflict, NotFound

AT_THE_COUNTER = (Status.received.value, Status.supplement_requested.value)


def remove_component(session: Session, code: str, document_id: str, actor: Actor, *, rescanned: bool = False) -> None:
    """Take the paper off the dossier; ``rescanned``: because a better scan of it replaces it."""
    dossier = lock_dossier(session, code)
    component = session.scalars(select(Component).where(Component.dossier_id == dossier.id,
                                                        Component.document_id == document_id)).first()
    if component is None:
        raise NotFound("component_not_found", f"Hồ sơ {code} không có giấy tờ '{document_id}'.")
    if dossier.status not in AT_THE_COUNTER:
        raise Conflict("dossier_in_progress", f"Không thể gỡ giấy tờ khỏi hồ sơ {code} vì hồ sơ "
                                              f"{STATUS_VI[Status(dossier.status)]}; chỉ gỡ được khi hồ sơ mới "
                                              "tiếp nhận hoặc đang chờ bổ sung.")
    session.delete(component)
    record(session, actor, "dossier.component_remove", "dossier", code, owner_ref(dossier.owner),
           document_id=document_id, component_code=component.component_code, reused=component.reused,
           rescanned=rescanned)
    if rescanned and not component.reused:
        _withdraw_from_review(session, code, document_id, actor)


def _withdraw_from_review(session: Session, code: str, document_id: str, actor: Actor) -> None:
    document = session.get(Document, document_id)
    if document is None or document.review_status != PENDING or document.kind != "component":
        return
    session.flush()  # the component just deleted must not count below
    elsewhere = session.scalar(select(Component.id).where(Component.document_id == document_id).limit(1))
    result = session.scalar(select(DossierResult.id).where(DossierResult.document_id == document_id).limit(1))
    if elsewhere is not None or result is not None:
        return
    record_decision(session, document, REJECTED, f"Đã quét lại tại quầy (hồ sơ {code}); bản quét này không dùng.",
                    actor, reason="rescanned")
