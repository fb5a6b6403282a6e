"""Treatment and safety, pure: the visit calendar, exposure and dose checks, adverse events with
their edit checks and DLT classification, lab-based AE suggestions, the SAE clock, safety
stopping rules, and response-derived endpoints (PFS, disease control, duration of response).

The protocol's ``treatment`` section (core.protocol.treatment) is the data every function reads;
docs/treatment-and-safety.md explains it for coordinators and investigators.
"""

from __future__ import annotations

from trialdesk.core.treatment.adverse_events import AdverseEventEntry, edit_checks
from trialdesk.core.treatment.bsa import BodySurfaceArea, body_surface_area
from trialdesk.core.treatment.calendar import PlannedVisit, VisitStatus, plan_calendar
from trialdesk.core.treatment.dlt import DltClass, DltResult, classify_dlt, subject_dlt_status
from trialdesk.core.treatment.endpoints import Endpoints, TimeToEvent, derive_endpoints
from trialdesk.core.treatment.exposure import DoseCheck, DoseStatus, Exposure, check_exposure
from trialdesk.core.treatment.lab_suggestions import LabSuggestion, suggest_adverse_events
from trialdesk.core.treatment.response import ResponseSummary, summarise_inrc, summarise_recist
from trialdesk.core.treatment.sae import SaeClock, sae_clock
from trialdesk.core.treatment.stopping import (
    StoppingDecision,
    boundary_table,
    evaluate_stopping_rule,
)

__all__ = [
    "AdverseEventEntry",
    "BodySurfaceArea",
    "DltClass",
    "DltResult",
    "DoseCheck",
    "DoseStatus",
    "Endpoints",
    "Exposure",
    "LabSuggestion",
    "PlannedVisit",
    "ResponseSummary",
    "SaeClock",
    "StoppingDecision",
    "TimeToEvent",
    "VisitStatus",
    "body_surface_area",
    "boundary_table",
    "check_exposure",
    "classify_dlt",
    "derive_endpoints",
    "edit_checks",
    "evaluate_stopping_rule",
    "plan_calendar",
    "sae_clock",
    "subject_dlt_status",
    "suggest_adverse_events",
    "summarise_inrc",
    "summarise_recist",
]
