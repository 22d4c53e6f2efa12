"""Taking a paper off a dossier before it goes on: a scan the counter replaced with a better one, or a
paper filed under the wrong dossier.

Only while the dossier is at the counter (just received, or waiting for a supplement): once a
handler works on it, its papers are what the decision rests on. The document itself stays in the
archive (its own record, review and retention); only its place in this dossier goes, with an audit
entry naming it.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.audit import Actor, record
from catalog.models import Component
from catalog.owners import owner_ref
from catalog.register import STATUS_VI, Status, lock_dossier
from core.errors import Conflict, NotFound

AT_THE_COUNTER = (Status.received.value, Status.supplement_requested.value)


def remove_component(session: Session, code: str, document_id: str, actor: Actor) -> None:
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
           document_id=document_id, component_code=component.component_code, reused=component.reused)
