"""The audit trail, read-only, and its verification."""

from __future__ import annotations

from fastapi import APIRouter

from trialdesk.api.deps import Paging, SignedIn, Study
from trialdesk.api.schemas import AuditEntryOut, AuditVerifyOut, Page
from trialdesk.service import audit as service
from trialdesk.service.access import Permission, require

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("", response_model=Page[AuditEntryOut], summary="Audit entries, newest first")
def read_audit(
    actor: SignedIn, study: Study, page: Paging, entity_id: str | None = None
) -> Page[AuditEntryOut]:
    require(actor, Permission.READ_AUDIT)
    with study.database.reading() as session:
        rows, total = service.entries(
            session, offset=page.offset, limit=page.limit, entity_id=entity_id
        )
        items = [AuditEntryOut.model_validate(r) for r in rows]
    return Page[AuditEntryOut](items=items, total=total, offset=page.offset, limit=page.limit)


@router.get("/verify", response_model=AuditVerifyOut, summary="Recompute the hash chain")
def verify(actor: SignedIn, study: Study) -> AuditVerifyOut:
    require(actor, Permission.READ_AUDIT)
    with study.database.reading() as session:
        report = service.verify(session)
    return AuditVerifyOut(
        intact=report.intact,
        entries=report.entries,
        problems=[
            {"where": p.where, "message": p.message, "expected": p.expected, "got": p.got}
            for p in report.problems
        ],
    )
