"""Build a :class:`StudySnapshot` from the study service's database, as of a cut-off date.

Reads only; one read transaction gives a consistent view. What the service does not store
is left empty and said so in ``data_available`` (the report prints that section):

* sex is the subject's recorded administrative gender: female → "F", male → "M"; other,
  unknown or not recorded → "U" (SDTM controlled terminology has no "other"); the recorded
  gender itself is kept beside it (``gender``) for the FHIR export;
* lab values: the pre-treatment baselines and the graded on-study abnormalities (the lab AE
  suggestions) are stored; on-study results within normal limits are not (LB and the shift
  tables hold what is stored; a baseline's grade is unknown: its reference range is not kept);
* vital signs: height and weight recorded with each dose are used; temperature etc. are not;
* lesions (TU/TR) come from the primary criteria's stored inputs: RECIST 1.1 lesions with
  the role the evaluation gave them and their measurements ("absent" is 0 mm, "too small" has
  no exact value and is left out); under INRC 2017 the primary tumour's longest diameter is
  the one measured lesion (soft-tissue metastases are stored as a sum, MIBG as a score: not
  lesions). Time-point responses come from the same evaluation.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from trialdesk.core.protocol import Protocol
from trialdesk.core.protocol.treatment import TreatmentPlan
from trialdesk.core.reporting.snapshot import (
    DECEASED_REASON,
    AdverseEventFact,
    AuditFact,
    ConsentFact,
    DomainAvailability,
    ExposureFact,
    LabFact,
    LesionFact,
    ResponseFact,
    StatusChange,
    StudySnapshot,
    SubjectFact,
    SurvivalFact,
    TrialFact,
    VitalSignFact,
)
from trialdesk.core.study.screen_fail import DECEASED, RECORD
from trialdesk.core.treatment.endpoints import derive_endpoints
from trialdesk.core.treatment.response import summarise_inrc, summarise_recist
from trialdesk.errors import InputError, ReferenceDataError
from trialdesk.service.storage.database import READ_ONLY, Database
from trialdesk.service.storage.models import (
    AuditEntryRow,
    ConsentDocumentRow,
    ConsentRow,
    ScreeningRow,
    StatusEventRow,
    SubjectRow,
    TrialRow,
)
from trialdesk.service.treatment.models import (
    AdverseEventRow,
    AeSuggestionRow,
    ExposureRow,
    TreatmentSubjectRow,
    TumourAssessmentRow,
)
from trialdesk.service.treatment.schedule import assessment_windows

__all__ = ["snapshot_from_database", "snapshot_from_session"]


def _decimal(text: str | None) -> Decimal | None:
    try:
        return None if text is None else Decimal(text)
    except InvalidOperation:
        return None


def _protocol(trial_id: str) -> Protocol | None:
    from trialdesk.adapters.protocol_files import load_protocol

    try:
        return load_protocol(trial_id)
    except (InputError, ReferenceDataError, OSError):
        return None


def _trial(session: Session, trial_id: str | None) -> tuple[TrialRow, TreatmentPlan | None]:
    query = select(TrialRow).order_by(TrialRow.id)
    if trial_id is not None:
        query = query.where(TrialRow.id == trial_id)
    row = session.execute(query).scalars().first()
    if row is None:
        raise InputError(
            "no trial in the database" if trial_id is None else f"trial {trial_id} not found",
            where="trials",
            expected="a trial row (start the service once, or run `trialdesk serve --demo`)",
        )
    protocol = _protocol(row.id)
    return row, None if protocol is None else protocol.model.treatment


def _subjects(session: Session, trial: TrialRow, cutoff: date) -> list[SubjectFact]:
    rows = session.execute(
        select(SubjectRow).where(SubjectRow.trial_id == trial.id).order_by(SubjectRow.code)
    ).scalars()
    facts = []
    for row in rows:
        history = [
            StatusChange(at=e.at, from_status=e.from_status, to_status=e.to_status, reason=e.reason)
            for e in session.execute(
                select(StatusEventRow)
                .where(StatusEventRow.subject_id == row.id)
                .order_by(StatusEventRow.at, StatusEventRow.id)
            ).scalars()
            if e.at.date() <= cutoff
        ]
        screening = (
            session.execute(
                select(ScreeningRow)
                .where(ScreeningRow.subject_id == row.id, ScreeningRow.as_of <= cutoff)
                .order_by(ScreeningRow.created_at.desc())
            )
            .scalars()
            .first()
        )
        extra = session.get(TreatmentSubjectRow, row.id)
        facts.append(
            SubjectFact(
                subject_id=row.code,
                site=row.site,
                sex=_SDTM_SEX.get(row.sex or "", "U"),
                gender=_GENDER.get(row.sex or ""),
                birth_date=row.birth_date,
                status=history[-1].to_status if history else row.status,
                history=history,
                screened_on=None if screening is None else screening.as_of,
                screen_fail_reasons=[]
                if screening is None
                else [_criterion_label(r) for r in screening.fail_reasons],
                # The clinical date given at enrollment; rows from before it was stored
                # (migration 0003) fall back to the day the enrollment was recorded.
                enrolled_on=None
                if row.enrolled_at is None
                else row.enrolled_on or row.enrolled_at.date(),
                ended_on=row.ended_on,
                end_reason=row.end_reason,
                death_date=None if extra is None else extra.death_date,
            )
        )
    return facts


# SDTM CT C66731 (Sex): F, M, U; "other" has no code of its own and is reported as U.
_SDTM_SEX: dict[str, Literal["F", "M"]] = {"female": "F", "male": "M"}
_GENDER: dict[str, Literal["male", "female", "other", "unknown"]] = {
    "female": "female",
    "male": "male",
    "other": "other",
    "unknown": "unknown",
}


def _criterion_label(reason: object) -> str:
    """CONSORT groups by criterion ("Inclusion organ-function"), not by the value's wording."""
    if not isinstance(reason, dict):
        return str(reason)
    if (reason.get("kind"), reason.get("criterion_id")) == (RECORD, DECEASED):
        return DECEASED_REASON
    kind = str(reason.get("kind") or "criterion").capitalize()
    return f"{kind} {reason.get('criterion_id') or reason.get('reason')}"


def _dlt_evaluability(
    session: Session, plan: TreatmentPlan | None, trial_id: str, cutoff: date
) -> dict[str, bool | None]:
    if plan is None:
        return {}
    from trialdesk.service.treatment.safety import dlt_counts

    _, _, statuses = dlt_counts(session, plan, trial_id, cutoff)
    result: dict[str, bool | None] = {}
    for code, status in statuses.items():
        if status.evaluable:
            result[code] = True
        elif status.window_end is None or status.window_end > cutoff or status.pending:
            result[code] = None  # the window is still open, or an event awaits review
        else:
            result[code] = False
    return result


def snapshot_from_session(
    session: Session, cutoff: date, *, trial_id: str | None = None, source: str = "database"
) -> StudySnapshot:
    trial, plan = _trial(session, trial_id)
    subjects = _subjects(session, trial, cutoff)
    code_of: dict[str, str] = {
        row.id: row.code
        for row in session.execute(
            select(SubjectRow.id, SubjectRow.code).where(SubjectRow.trial_id == trial.id)
        )
    }
    evaluable = _dlt_evaluability(session, plan, trial.id, cutoff)
    subjects = [
        s.model_copy(update={"dlt_evaluable": evaluable.get(s.subject_id)}) for s in subjects
    ]
    consents = [
        ConsentFact(
            subject_id=code_of[c.subject_id],
            consent_date=c.consent_date,
            document_version=d.version,
            language=d.language,
            assent_signed=c.assent_signed,
        )
        for c, d in session.execute(
            select(ConsentRow, ConsentDocumentRow).join(
                ConsentDocumentRow, ConsentRow.document_id == ConsentDocumentRow.id
            )
        )
        if c.subject_id in code_of and c.consent_date <= cutoff
    ]
    exposure_rows = [
        e
        for e in session.execute(select(ExposureRow).order_by(ExposureRow.start_at)).scalars()
        if e.subject_id in code_of and e.start_date <= cutoff
    ]
    exposures = [
        ExposureFact(
            subject_id=code_of[e.subject_id],
            product=e.product,
            dose=_decimal(e.dose) or Decimal(0),
            unit=e.unit,
            route=e.route,
            start=e.start_date,
            end=None if e.stop_at is None else e.stop_at.date(),
        )
        for e in exposure_rows
    ]
    vitals = [
        VitalSignFact(subject_id=code_of[e.subject_id], test_code=code, test_name=name,
                      value=value, unit=unit, on=e.start_date)
        for e in exposure_rows
        for code, name, value, unit in (
            ("HEIGHT", "Height", _decimal(e.height), e.height_unit),
            ("WEIGHT", "Weight", _decimal(e.weight), e.weight_unit),
        )
        if value is not None
    ]  # fmt: skip
    adverse_events = [
        AdverseEventFact(
            subject_id=code_of[a.subject_id],
            ae_id=a.id[:8].upper(),
            term=a.term,
            soc=a.soc,
            meddra_code=a.meddra_code,
            grade=a.grade,
            onset=a.onset,
            resolved=a.resolved if a.resolved and a.resolved <= cutoff else None,
            serious=a.serious,
            attribution={str(k): str(v) for k, v in a.attribution.items()},
            dlt={"DLT": True, "NOT_DLT": False}.get(str(a.dlt.get("verdict", "")).upper()),
            outcome=a.outcome,
            action=a.action,
        )
        for a in session.execute(select(AdverseEventRow).order_by(AdverseEventRow.onset)).scalars()
        if a.subject_id in code_of and a.onset <= cutoff
    ]
    labs = _labs(session, code_of, cutoff)
    lesions = _lesions(session, plan, code_of, cutoff)
    responses, survival = _responses(session, plan, code_of, subjects, exposures, cutoff)
    audit = [
        AuditFact(seq=r.seq, at=r.at, actor=r.actor, action=r.action, entity=r.entity,
                  entity_id=r.entity_id, reason=r.reason)
        for r in session.execute(select(AuditEntryRow).order_by(AuditEntryRow.seq)).scalars()
        if r.at.date() <= cutoff
    ]  # fmt: skip
    return StudySnapshot(
        cutoff=cutoff,
        source=source,
        trial=TrialFact(
            trial_id=trial.id,
            title=trial.title,
            protocol_version=trial.protocol_version,
            target_enrollment=trial.target,
            primary_response_criteria=plan.response.primary if plan else "INRC 2017",
            disease_control=list(plan.response.disease_control)
            if plan
            else ["CR", "PR", "MR", "SD"],
            interventions=sorted({p.intervention for p in plan.products}) if plan else [],
            stopping_rules=list(plan.stopping_rules) if plan else [],
            example_parts=bool(plan and plan.example),
        ),
        subjects=subjects,
        consents=consents,
        exposures=exposures,
        adverse_events=adverse_events,
        vital_signs=vitals,
        labs=labs,
        lesions=lesions,
        responses=responses,
        survival=survival,
        audit=audit,
        data_available=_availability(plan),
    )


def _test_code(analyte_id: str) -> tuple[str, str]:
    """(SDTM LBTESTCD of at most 8 characters, test name) from the analyte catalogue."""
    from trialdesk.core.analytes import analyte

    try:
        item = analyte(analyte_id)
    except (InputError, ReferenceDataError):
        return analyte_id.upper()[:8], analyte_id
    return item.id.upper().replace("_", "")[:8], item.name


def _quantity(text: str) -> tuple[Decimal, str] | None:
    """ "2.1 10*9/L" -> (2.1, "10*9/L"); a censored value ("<0.5 ...") is not a result."""
    number, _, unit = text.strip().partition(" ")
    value = _decimal(number)
    return None if value is None or not unit else (value, unit.strip())


def _labs(session: Session, code_of: dict[str, str], cutoff: date) -> list[LabFact]:
    """Baselines (grade unknown: the reference range is not stored) and graded on-study
    abnormalities (AE suggestions of kind adverse_event, confirmed or not: the grade is the
    lab's, whatever the coordinator decided about the AE)."""
    facts: list[LabFact] = []
    for row in session.execute(select(TreatmentSubjectRow)).scalars():
        code = code_of.get(row.subject_id)
        for analyte_id, base in sorted((row.lab_baselines or {}).items()):
            on = date.fromisoformat(str(base["date"]))
            value = _decimal(str(base["value"]))
            if code is None or value is None or on > cutoff:
                continue
            test_code, name = _test_code(analyte_id)
            facts.append(
                LabFact(subject_id=code, test_code=test_code, test_name=name, value=value,
                        unit=str(base["unit"]), on=on, baseline=True)
            )  # fmt: skip
    for s in session.execute(
        select(AeSuggestionRow)
        .where(AeSuggestionRow.kind == "adverse_event")
        .order_by(AeSuggestionRow.onset)
    ).scalars():
        code = code_of.get(s.subject_id)
        quantity = _quantity(s.value)
        if code is None or s.analyte is None or s.onset is None or quantity is None:
            continue
        if s.onset > cutoff:
            continue
        test_code, name = _test_code(s.analyte)
        facts.append(
            LabFact(subject_id=code, test_code=test_code, test_name=name, value=quantity[0],
                    unit=quantity[1], on=s.onset, ctcae_term=s.term, ctcae_grade=s.grade)
        )  # fmt: skip
    return facts


def _lesions(
    session: Session, plan: TreatmentPlan | None, code_of: dict[str, str], cutoff: date
) -> list[LesionFact]:
    if plan is None:
        return []
    facts: list[LesionFact] = []
    for row in session.execute(
        select(TumourAssessmentRow).where(TumourAssessmentRow.criteria == plan.response.primary)
    ).scalars():
        code = code_of.get(row.subject_id)
        if code is None:
            continue
        found = (
            _recist_lesions(code, row.inputs["assessments"])
            if row.criteria == "RECIST 1.1"
            else _inrc_lesions(code, row.inputs["timepoints"])
        )
        facts += [f for f in found if f.on <= cutoff]
    return facts


def _recist_lesions(code: str, assessments: dict[str, Any]) -> list[LesionFact]:
    """Roles as the evaluation chose them (TrialDesk picks targets when the site did not)."""
    detail = summarise_recist(assessments).detail["baseline"]["lesions"]
    role = {str(d["id"]): str(d["role"]) for d in detail}
    size = {str(d["id"]): _decimal(d["size_mm"]) for d in detail}
    organ = {str(d["id"]): str(d["organ"]) for d in detail}
    baseline_on = date.fromisoformat(str(assessments["baseline"]["date"]))
    facts = [
        LesionFact(subject_id=code, lesion_id=lesion_id, location=organ[lesion_id],
                   target=role[lesion_id] == "target", on=baseline_on,
                   diameter_mm=size[lesion_id] if role[lesion_id] == "target" else None,
                   visit="BASELINE")
        for lesion_id in role
        if role[lesion_id] != "excluded"
    ]  # fmt: skip
    points = sorted(assessments.get("timepoints", []), key=lambda p: str(p["date"]))
    for n, point in enumerate(points):
        on = date.fromisoformat(str(point["date"]))
        for lesion_id, measured in dict(point.get("measurements", {})).items():
            if role.get(lesion_id) != "target":
                continue
            value = Decimal(0) if measured == "absent" else _decimal(_text(measured))
            if value is None:
                continue  # "too small to measure" or not measured: no exact diameter
            facts.append(
                LesionFact(subject_id=code, lesion_id=lesion_id, location=organ[lesion_id],
                           target=True, on=on, diameter_mm=value, visit=f"ASSESSMENT {n + 1}")
            )  # fmt: skip
    return facts


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _inrc_lesions(code: str, timepoints: list[dict[str, Any]]) -> list[LesionFact]:
    """The primary tumour's longest diameter, at baseline and at each time point."""
    facts: list[LesionFact] = []
    points = sorted(timepoints, key=lambda p: str(p["date"]))
    for n, point in enumerate(points):
        primary = point.get("primary") or {}
        base = _decimal(_text(primary.get("baseline_longest_diameter_mm")))
        if n == 0 and base is not None:
            facts.append(
                LesionFact(subject_id=code, lesion_id="T01", location="Primary tumour",
                           target=True, on=date.fromisoformat(str(point["baseline_date"])),
                           diameter_mm=base, visit="BASELINE")
            )  # fmt: skip
        value = _decimal(_text(primary.get("longest_diameter_mm")))
        if value is not None:
            facts.append(
                LesionFact(subject_id=code, lesion_id="T01", location="Primary tumour",
                           target=True, on=date.fromisoformat(str(point["date"])),
                           diameter_mm=value, visit=f"ASSESSMENT {n + 1}")
            )  # fmt: skip
    return facts


def _responses(
    session: Session,
    plan: TreatmentPlan | None,
    code_of: dict[str, str],
    subjects: list[SubjectFact],
    exposures: list[ExposureFact],
    cutoff: date,
) -> tuple[list[ResponseFact], list[SurvivalFact]]:
    if plan is None:
        return [], []
    starts: dict[str, date] = {}
    for e in exposures:
        starts[e.subject_id] = min(starts.get(e.subject_id, e.start), e.start)
    responses: list[ResponseFact] = []
    survival: list[SurvivalFact] = []
    by_code = {s.subject_id: s for s in subjects}
    for row in session.execute(
        select(TumourAssessmentRow).where(TumourAssessmentRow.criteria == plan.response.primary)
    ).scalars():
        code = code_of.get(row.subject_id)
        if code is None:
            continue
        summary = (
            summarise_recist(row.inputs["assessments"])
            if row.criteria == "RECIST 1.1"
            else summarise_inrc(row.inputs["timepoints"])
        )
        responses += [
            ResponseFact(subject_id=code, on=p.date, criteria=row.criteria, response=p.overall,
                         visit=f"ASSESSMENT {n + 1}")
            for n, p in enumerate(summary.timepoints)
            if p.date <= cutoff
        ]  # fmt: skip
        start = starts.get(code)
        if start is None:
            continue
        subject = by_code[code]
        death = subject.death_date if subject.death_date and subject.death_date <= cutoff else None
        row_subject = session.get(SubjectRow, row.subject_id)
        windows = (
            assessment_windows(session, plan, row_subject)
            if row_subject is not None and row_subject.enrolled_at is not None
            else []
        )
        ends = derive_endpoints(
            summary,
            start,
            disease_control=plan.response.disease_control,
            death=death,
            cutoff=cutoff,
            assessment_windows=windows,
        )
        alive = max(
            [start, *(r.on for r in responses if r.subject_id == code)]
            + [e.start for e in exposures if e.subject_id == code]
        )
        os_end = death or alive
        survival.append(
            SurvivalFact(
                subject_id=code,
                best_response=ends.best_response,
                pfs_days=ends.pfs.days,
                pfs_event=ends.pfs.event,
                os_days=(os_end - start).days + 1,
                os_event=death is not None,
                treatment_start=start,
                last_known_alive=None if death else alive,
            )
        )
    return responses, survival


def _availability(plan: TreatmentPlan | None) -> dict[str, DomainAvailability]:
    yes = DomainAvailability(available=True, note="from the study database")
    on_study = (
        yes
        if plan
        else DomainAvailability(
            available=False, note="the protocol has no treatment section: no on-study data model"
        )
    )
    return {
        "subjects": DomainAvailability(
            available=True,
            note="status history, screen-fail reasons, sex (U where not recorded or other)",
        ),
        "consents": yes,
        "exposures": on_study,
        "adverse_events": on_study,
        "labs": DomainAvailability(
            available=True,
            note="baselines (grade unknown: their reference range is not stored) and graded "
            "on-study abnormalities; on-study results within normal limits are not stored",
        ),
        "vital_signs": DomainAvailability(
            available=True, note="height and weight recorded with each dose only"
        ),
        "lesions": DomainAvailability(
            available=plan is not None,
            note="lesion measurements stay in the criteria documents; read from them: "
            "RECIST 1.1 lesions as evaluated, under INRC 2017 the primary tumour only "
            "(soft-tissue metastases are stored as a sum, bone as a MIBG score)",
        ),
        "responses": on_study,
        "survival": DomainAvailability(
            available=plan is not None,
            note="PFS from the primary criteria's time points; OS censored at the last dose "
            "or assessment (no follow-up contact dates are stored)",
        ),
        "audit": yes,
    }


def snapshot_from_database(
    database: Database, cutoff: date, *, trial_id: str | None = None
) -> StudySnapshot:
    """One read-only transaction, so the snapshot is consistent while the service runs."""
    options = (
        {"isolation_level": "REPEATABLE READ"}
        if database.dialect == "postgresql"
        else {READ_ONLY: True}
    )
    with (
        database.engine.connect().execution_options(**options) as connection,
        Session(bind=connection) as session,
        session.begin(),
    ):
        return snapshot_from_session(
            session, cutoff, trial_id=trial_id, source=f"database ({database.dialect})"
        )
