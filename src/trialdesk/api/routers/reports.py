"""The screening log and the CONSORT flow counts (study codes only, no names)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from trialdesk.api.deps import SignedIn, Study
from trialdesk.api.schemas import ConsortOut
from trialdesk.service.reports import consort_counts, screening_log

router = APIRouter(prefix="/reports", tags=["reports"])


@router.get("/screening-log", summary="One line per screening, with screen-fail reasons")
def read_screening_log(actor: SignedIn, study: Study) -> list[dict[str, Any]]:
    with study.database.reading() as session:
        return screening_log(session, actor, study.trial_id)


@router.get("/consort", response_model=ConsortOut, summary="CONSORT flow counts")
def read_consort(actor: SignedIn, study: Study) -> ConsortOut:
    with study.database.reading() as session:
        counts = consort_counts(session, actor, study.trial_id)
    return ConsortOut.model_validate(counts)
