"""Eligibility sign-off: the investigator confirms the criteria that need review and signs."""

from __future__ import annotations

from fastapi import APIRouter, status

from trialdesk.api.deps import SignedIn, Study
from trialdesk.api.schemas import SignoffIn, SignoffOut
from trialdesk.service.signoff import sign_eligibility
from trialdesk.service.storage.models import SignatureRow

router = APIRouter(tags=["eligibility"])


@router.post(
    "/subjects/{subject_id}/eligibility-signoff",
    response_model=SignoffOut,
    status_code=status.HTTP_201_CREATED,
    summary="Sign eligibility for the latest screening (re-authentication)",
)
def sign(subject_id: str, body: SignoffIn, actor: SignedIn, study: Study) -> SignoffOut:
    with study.database.transaction() as session:
        row = sign_eligibility(
            session,
            actor,
            subject_id,
            screening_id=body.screening_id,
            confirmed=body.confirmed,
            password=body.password,
            today=study.date_today(),
        )
        signature = session.get(SignatureRow, row.signature_id)
        assert signature is not None  # a foreign key
        return SignoffOut(
            id=row.id,
            subject_id=row.subject_id,
            screening_id=row.screening_id,
            confirmed=list(row.confirmed),
            signature_id=signature.id,
            signer_name=signature.signer_name,
            meaning=signature.meaning,
            signed_at=signature.signed_at,
        )
