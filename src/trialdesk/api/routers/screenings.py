"""Screenings: upload a FHIR R4 Bundle; the result is stored as computed, never recomputed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from trialdesk.api.deps import SignedIn, Study
from trialdesk.api.schemas import ScreeningOut, ScreeningQueryOut
from trialdesk.service.access import Actor, Permission, require
from trialdesk.service.screening import (
    get_screening,
    list_screenings,
    queries_of_screenings,
    store_screening,
)
from trialdesk.service.storage.models import ScreeningRow
from trialdesk.service.subjects import get_subject

router = APIRouter(tags=["screenings"])

_BUNDLE_BODY = {
    "requestBody": {
        "required": True,
        "description": "A FHIR R4 Bundle (collection) with the patient's record.",
        "content": {
            "application/fhir+json": {"schema": {"type": "object"}},
            "application/json": {"schema": {"type": "object"}},
        },
    }
}


def _outs(session: Session, rows: Sequence[ScreeningRow], *, full: bool) -> list[ScreeningOut]:
    queries = queries_of_screenings(session, [r.id for r in rows])
    outs = []
    for row in rows:
        out = ScreeningOut.model_validate(row).model_copy(
            update={"queries": [ScreeningQueryOut.model_validate(q) for q in queries[row.id]]}
        )
        outs.append(out if full else out.model_copy(update={"result": None}))
    return outs


def _out(session: Session, row: ScreeningRow, *, full: bool) -> ScreeningOut:
    return _outs(session, [row], full=full)[0]


def _screen_and_store(
    study: Study, actor: Actor, subject_id: str, raw: bytes, as_of: date
) -> ScreeningOut:
    require(actor, Permission.SCREEN)
    with study.database.reading() as session:
        # Visibility first, so an unknown subject is a 404 before any screening work.
        get_subject(session, actor, subject_id)
    screened = study.screener(raw, as_of)  # parse + screen outside the write transaction
    with study.database.transaction() as session:
        row = store_screening(session, actor, subject_id, screened)
        return _out(session, row, full=True)


@router.post(
    "/subjects/{subject_id}/screenings",
    response_model=ScreeningOut,
    status_code=status.HTTP_201_CREATED,
    summary="Screen an uploaded FHIR record (a re-screen is a new entry)",
    openapi_extra=_BUNDLE_BODY,
)
async def screen_subject(
    subject_id: str,
    request: Request,
    actor: SignedIn,
    study: Study,
    as_of: Annotated[date | None, Query(description="Screening date (default: today).")] = None,
) -> ScreeningOut:
    raw = await request.body()
    day = as_of or study.date_today()
    return await run_in_threadpool(_screen_and_store, study, actor, subject_id, raw, day)


@router.get(
    "/subjects/{subject_id}/screenings",
    response_model=list[ScreeningOut],
    summary="A subject's screenings, oldest first",
)
def read_screenings(subject_id: str, actor: SignedIn, study: Study) -> list[ScreeningOut]:
    with study.database.reading() as session:
        return _outs(session, list_screenings(session, actor, subject_id), full=False)


@router.get("/screenings/{screening_id}", response_model=ScreeningOut, summary="One screening")
def read_screening(screening_id: str, actor: SignedIn, study: Study) -> ScreeningOut:
    with study.database.reading() as session:
        return _out(session, get_screening(session, actor, screening_id), full=True)
