"""Everything a DSMB report shows, computed once from a snapshot (rendering is elsewhere).

Stopping-rule status: the DLT-evaluable subjects are those whose DLT window closed with
``dlt_evaluable`` true; a subject with at least one DLT on or before the cut-off counts once.
Subjects whose evaluability is not yet known are listed, not guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

from trialdesk.core.reporting.consort import ConsortFlow, consort_flow
from trialdesk.core.reporting.efficacy import (
    BestResponseRow,
    KaplanMeier,
    Proportion,
    best_response_table,
    disease_control_rate,
    objective_response_rate,
    survival_curves,
)
from trialdesk.core.reporting.safety import (
    AttributionRow,
    GradeRow,
    LabShift,
    adverse_events_by_attribution,
    adverse_events_by_worst_grade,
    dlt_listing,
    lab_shift_tables,
    sae_listing,
)
from trialdesk.core.reporting.snapshot import AdverseEventFact, StudySnapshot
from trialdesk.core.treatment.stopping import StoppingDecision, evaluate_stopping_rule

__all__ = ["DsmbContent", "StoppingStatus", "dsmb_content", "stopping_status"]


@dataclass(frozen=True, slots=True)
class StoppingStatus:
    evaluable: int
    dlt_subjects: int
    pending: tuple[str, ...]  # treated subjects whose DLT evaluability is not known yet
    decisions: tuple[StoppingDecision, ...]


@dataclass(frozen=True, slots=True)
class DsmbContent:
    snapshot: StudySnapshot
    consort: ConsortFlow
    ae_by_grade: list[GradeRow]
    ae_by_attribution: list[AttributionRow]
    dlts: list[AdverseEventFact]
    saes: list[AdverseEventFact]
    lab_shifts: list[LabShift]
    best_response: list[BestResponseRow]
    orr: Proportion
    dcr: Proportion
    pfs: KaplanMeier
    os: KaplanMeier
    stopping: StoppingStatus


def stopping_status(snapshot: StudySnapshot) -> StoppingStatus:
    treated = snapshot.treated_ids()
    evaluable = [sid for sid in treated if snapshot.subject(sid).dlt_evaluable is True]
    pending = tuple(sid for sid in treated if snapshot.subject(sid).dlt_evaluable is None)
    with_dlt = {
        ae.subject_id
        for ae in snapshot.adverse_events
        if ae.dlt and ae.onset <= snapshot.cutoff and ae.subject_id in set(evaluable)
    }
    decisions = tuple(
        evaluate_stopping_rule(rule, len(evaluable), len(with_dlt))
        for rule in snapshot.trial.stopping_rules
    )
    return StoppingStatus(len(evaluable), len(with_dlt), pending, decisions)


def dsmb_content(snapshot: StudySnapshot) -> DsmbContent:
    pfs, os_ = survival_curves(snapshot)
    return DsmbContent(
        snapshot=snapshot,
        consort=consort_flow(snapshot),
        ae_by_grade=adverse_events_by_worst_grade(snapshot),
        ae_by_attribution=adverse_events_by_attribution(snapshot),
        dlts=dlt_listing(snapshot),
        saes=sae_listing(snapshot),
        lab_shifts=lab_shift_tables(snapshot),
        best_response=best_response_table(snapshot),
        orr=objective_response_rate(snapshot),
        dcr=disease_control_rate(snapshot),
        pfs=pfs,
        os=os_,
        stopping=stopping_status(snapshot),
    )
