"""Exports for the data manager: SDTM (a zip of XPT v5, CSV and define.xml), ODM 1.3.2 XML
and the FHIR R4 Bundle, from one read-only snapshot of the database at a cut-off date.

Registered by appending ``exports.router`` to ``trialdesk.api.app.ROUTERS`` (and importing
``from trialdesk.api import exports``). Only the data_manager role may export: exports
carry every subject's data, so other roles get 403.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from trialdesk.api.deps import SignedIn, Study
from trialdesk.errors import AccessDeniedError
from trialdesk.reports.snapshot_from_db import snapshot_from_session
from trialdesk.service.access import Actor, Role

__all__ = ["router"]

router = APIRouter(prefix="/exports", tags=["exports"])

_MEDIA = {
    "sdtm": "application/zip",
    "odm": "application/xml",
    "fhir": "application/fhir+json",
}


def _require_data_manager(actor: Actor) -> None:
    if actor.role is not Role.DATA_MANAGER:
        raise AccessDeniedError(
            "only the data manager may export study data",
            where="role",
            expected=Role.DATA_MANAGER.value,
            got=None if actor.role is None else actor.role.value,
        )


@router.get(
    "/{kind}",
    summary="Export the study as CDISC SDTM (zip), CDISC ODM 1.3.2 or a FHIR R4 Bundle",
    response_class=Response,
)
def export_study(
    kind: Literal["sdtm", "odm", "fhir"],
    actor: SignedIn,
    study: Study,
    cutoff: Annotated[date, Query(description="Data cut-off date (YYYY-MM-DD)")],
) -> Response:
    _require_data_manager(actor)
    with study.database.reading() as session:
        snapshot = snapshot_from_session(
            session, cutoff, trial_id=study.trial_id, source="database (API export)"
        )
    name = f"{snapshot.trial.trial_id}-{kind}-{cutoff.isoformat()}"
    with tempfile.TemporaryDirectory() as work:
        out = Path(work)
        if kind == "sdtm":
            from trialdesk.exports.sdtm import write_sdtm

            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for path in write_sdtm(snapshot, out):
                    archive.write(path, arcname=path.name)
            body, filename = buffer.getvalue(), f"{name}.zip"
        elif kind == "odm":
            from trialdesk.exports.odm import write_odm

            body, filename = write_odm(snapshot, out / "odm.xml").read_bytes(), f"{name}.xml"
        else:
            from trialdesk.exports.fhir_bundle import write_bundle

            body = write_bundle(snapshot, out / "bundle.json").read_bytes()
            filename = f"{name}.json"
    return Response(
        content=body,
        media_type=_MEDIA[kind],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
