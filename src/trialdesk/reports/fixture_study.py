"""A fixed synthetic study (synthetic data only) whose numbers can be checked by hand.

20 children assessed, 5 not enrolled (2 low platelets, 1 no measurable lesion, 1 withdrew,
1 still consented), 15 enrolled and treated. Best overall responses: CR 2, PR 4, MR 1, SD 3,
PD 4, NE 1, so ORR = 6/15 and DCR (CR+PR+MR+SD) = 10/15. PFS events at 40, 45, 50, 60, 100,
120, 150, 160, 180, 250 days, censored at 1, 140, 200, 280, 300: the Kaplan-Meier median is
150 days (S = 8/14 x 6/7 = 0.4898 there). docs/reports.md shows the hand computation.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from trialdesk.core.protocol.treatment import StoppingRule
from trialdesk.core.reporting.snapshot import (
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

__all__ = ["FIXTURE_CUTOFF", "INTERVENTIONS", "fixture_snapshot"]

FIXTURE_CUTOFF = date(2026, 12, 1)
FIRST_START = date(2026, 1, 5)
NK, GD2, CHEMO = "Autologous NK cells", "Anti-GD2 monoclonal antibody", "Standard chemotherapy"
INTERVENTIONS = [NK, GD2, CHEMO]

# code: (best response, PFS days, PFS event, OS days, OS event)
_OUTCOMES: dict[str, tuple[str, int, bool, int, bool]] = {
    "S01": ("CR", 300, False, 330, False),
    "S02": ("CR", 280, False, 320, False),
    "S03": ("PR", 250, True, 310, False),
    "S04": ("PR", 200, False, 300, False),
    "S05": ("PR", 180, True, 290, False),
    "S06": ("PR", 160, True, 280, False),
    "S07": ("MR", 150, True, 270, False),
    "S08": ("SD", 140, False, 260, False),
    "S09": ("SD", 120, True, 250, False),
    "S10": ("SD", 100, True, 240, False),
    "S11": ("PD", 60, True, 200, True),
    "S12": ("PD", 50, True, 150, True),
    "S13": ("PD", 45, True, 230, True),
    "S14": ("PD", 40, True, 120, True),
    "S15": ("NE", 1, False, 30, False),
}
# Response at an assessment -> (target lesion 1, target lesion 2) diameters in mm; baseline 50+30.
_SIZES = {
    "BASE": ("50", "30"),
    "CR": ("0", "8"),
    "PR": ("30", "18"),
    "MR": ("38", "22"),
    "SD": ("45", "27"),
    "PD": ("62", "38"),
}
_PATH = {  # time-point responses before the final one, by best response
    "CR": ["PR", "CR", "CR", "CR", "CR"],
    "PR": ["SD", "PR", "PR", "PR", "PR"],
    "MR": ["SD", "MR", "MR", "MR", "MR"],
    "SD": ["SD", "SD", "SD", "SD", "SD"],
}
_ASSESSMENT_DAYS = (43, 85, 127, 187, 247)
_EXCLUDED = {
    "S16": ("ineligible", ["Inclusion 4(1): platelet count below 75x10^9/L"]),
    "S17": ("ineligible", ["Inclusion 4(1): platelet count below 75x10^9/L"]),
    "S18": ("ineligible", ["Inclusion 3: no measurable lesion (RECIST 1.1)"]),
    "S19": ("withdrawn", []),
    "S20": ("consented", []),
}
# (subject, term, soc, grade, onset day, serious, DLT, attribution, outcome)
_AES: list[tuple[str, str, str, int, int, bool, bool, dict[str, str]]] = [
    ("S01", "Pain", "General disorders", 2, 2, False, False, {GD2: "probable", NK: "unlikely"}),
    ("S01", "Pain", "General disorders", 3, 23, False, False, {GD2: "probable", NK: "unlikely"}),
    ("S02", "Pain", "General disorders", 2, 3, False, False, {GD2: "probable", NK: "unlikely"}),
    ("S03", "Pain", "General disorders", 1, 2, False, False, {GD2: "possible", NK: "unrelated"}),
    ("S04", "Pain", "General disorders", 3, 3, False, False, {GD2: "definite", NK: "unlikely"}),
    ("S05", "Fever", "General disorders", 1, 6, False, False, {NK: "possible"}),
    ("S06", "Fever", "General disorders", 2, 6, False, False, {NK: "probable"}),
    ("S07", "Fever", "General disorders", 1, 7, False, False, {NK: "possible"}),
    ("S01", "Neutrophil count decreased", "Investigations", 4, 10, False, False, {CHEMO: "probable"}),
    ("S08", "Neutrophil count decreased", "Investigations", 3, 9, False, False, {CHEMO: "probable"}),
    ("S09", "Neutrophil count decreased", "Investigations", 4, 11, False, False, {CHEMO: "definite"}),
    ("S10", "Hypotension", "Vascular disorders", 3, 4, True, False, {GD2: "possible"}),
    ("S11", "Capillary leak syndrome", "Vascular disorders", 3, 8, True, True, {NK: "possible", GD2: "probable"}),
    ("S12", "Febrile neutropenia", "Blood and lymphatic system disorders", 4, 12, True, True, {CHEMO: "probable", NK: "possible"}),
    ("S13", "Infusion related reaction", "Injury, poisoning and procedural complications", 2, 2, False, False, {GD2: "definite"}),
]  # fmt: skip
# Worst CTCAE grade after baseline (baseline grade 0 unless listed in _NEUT_BASELINE).
_NEUT_WORST = {"S01": 4, "S08": 3, "S09": 4, "S12": 4, "S02": 2, "S03": 2}
_NEUT_BASELINE = {"S09": 2}
_PLT_WORST = {"S01": 3, "S12": 4, "S09": 2, **{f"S0{i}": 1 for i in range(2, 9)}}
_NEUT_VALUE = {0: "2.5", 2: "1.2", 3: "0.7", 4: "0.3"}  # 10*9/L, LLN 1.5
_PLT_VALUE = {0: "250", 1: "100", 2: "60", 3: "40", 4: "20"}  # 10*9/L, LLN 150


def _at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def _start(index: int) -> date:
    return FIRST_START + timedelta(days=7 * index)


def _day(start: date, study_day: int) -> date:
    return start + timedelta(days=study_day - 1)


def _history(screened: date, path: list[tuple[str, int, str | None]]) -> list[StatusChange]:
    changes = [StatusChange(at=_at(screened, 8), from_status="candidate", to_status="screening")]
    for to_status, offset, reason in path:
        changes.append(
            StatusChange(
                at=_at(screened + timedelta(days=offset)),
                from_status=changes[-1].to_status,
                to_status=to_status,
                reason=reason,
            )
        )
    return changes


def _enrolled_subject(index: int, code: str) -> tuple[SubjectFact, SurvivalFact]:
    best, pfs, pfs_event, os_days, os_event = _OUTCOMES[code]
    start = _start(index)
    screened = start - timedelta(days=14)
    enrolled = start - timedelta(days=7)
    path: list[tuple[str, int, str | None]] = [
        ("eligible", 1, None),
        ("consented", 3, None),
        ("on-study", 7, None),
    ]
    ended = end_reason = death = None
    status = "on-study"
    if best == "PD":
        ended, end_reason, status = _day(start, pfs), "progressive disease", "off-study"
        path.append(("off-study", 14 + pfs - 1, end_reason))
        death = _day(start, os_days) if os_event else None
    elif best == "NE":
        ended, end_reason, status = _day(start, 30), "withdrawal by parent/guardian", "withdrawn"
        path.append(("withdrawn", 14 + 29, end_reason))
    subject = SubjectFact(
        subject_id=code,
        site="GZWCMC",
        sex="M" if index % 2 == 0 else "F",
        birth_date=date(2014 + index % 8, 1 + index % 12, 10 + index),
        status=status,
        history=_history(screened, path),
        screened_on=screened,
        enrolled_on=enrolled,
        ended_on=ended,
        end_reason=end_reason,
        death_date=death,
        dlt_evaluable=best != "NE",
    )
    survival = SurvivalFact(
        subject_id=code,
        best_response=best,
        pfs_days=pfs,
        pfs_event=pfs_event,
        os_days=os_days,
        os_event=os_event,
        treatment_start=start,
        last_known_alive=None if os_event else _day(start, os_days),
    )
    return subject, survival


def _excluded_subject(index: int, code: str) -> SubjectFact:
    state, reasons = _EXCLUDED[code]
    screened = date(2026, 2, 2) + timedelta(days=7 * (index - 15))
    paths: dict[str, list[tuple[str, int, str | None]]] = {
        "ineligible": [("ineligible", 1, "; ".join(reasons))],
        "withdrawn": [("eligible", 1, None), ("withdrawn", 5, "family declined")],
        "consented": [("eligible", 1, None), ("consented", 3, None)],
    }
    path = paths[state]
    return SubjectFact(
        subject_id=code,
        site="GZWCMC",
        sex="F" if index % 2 else "M",
        birth_date=date(2016, 3, index),
        status=state,
        history=_history(screened, path),
        screened_on=screened,
        screen_fail_reasons=reasons,
    )


def _assessments(code: str, start: date) -> tuple[list[ResponseFact], list[LesionFact]]:
    best, pfs, pfs_event, _, _ = _OUTCOMES[code]
    if best == "NE":
        return [], []
    # A PD-best subject progressed at the first assessment (day ``pfs``).
    days = [pfs] if best == "PD" else [d for d in _ASSESSMENT_DAYS if d < pfs] + [pfs]
    path = _PATH.get(best, [])
    responses: list[ResponseFact] = []
    lesions = _lesions(code, start - timedelta(days=3), "BASE", "SCREENING")
    for n, study_day in enumerate(days):
        last = n == len(days) - 1
        response = "PD" if best == "PD" or (last and pfs_event) else path[min(n, len(path) - 1)]
        on = _day(start, study_day)
        t1, t2 = _SIZES[response]
        visit = f"ASSESSMENT {n + 1}"
        responses.append(
            ResponseFact(
                subject_id=code,
                on=on,
                criteria="INRC 2017",
                response=response,
                visit=visit,
                target_sum_mm=Decimal(t1) + Decimal(t2),
            )
        )
        lesions += _lesions(code, on, response, visit)
    return responses, lesions


def _lesions(code: str, on: date, size_key: str, visit: str) -> list[LesionFact]:
    t1, t2 = _SIZES[size_key]
    return [
        LesionFact(subject_id=code, lesion_id="T01", location="ADRENAL GLAND, LEFT", target=True,
                   on=on, diameter_mm=Decimal(t1), visit=visit),
        LesionFact(subject_id=code, lesion_id="T02", location="LYMPH NODE, RETROPERITONEAL",
                   target=True, on=on, diameter_mm=Decimal(t2), visit=visit),
        LesionFact(subject_id=code, lesion_id="NT01", location="BONE MARROW", target=False,
                   on=on, visit=visit),
    ]  # fmt: skip


def _exposures(code: str, start: date) -> list[ExposureFact]:
    _, pfs, _, _, _ = _OUTCOMES[code]
    cycles = min(6, max(1, pfs // 21 + 1))
    rows = []
    for cycle in range(1, cycles + 1):
        day1 = start + timedelta(days=21 * (cycle - 1))
        rows += [
            ExposureFact(subject_id=code, product="Irinotecan", dose=Decimal("50"),
                         unit="mg/m2", route="IV", start=day1, end=day1 + timedelta(days=4),
                         cycle=cycle),
            ExposureFact(subject_id=code, product="Anti-GD2 monoclonal antibody",
                         dose=Decimal("17.5"), unit="mg/m2", route="IV",
                         start=day1 + timedelta(days=1), end=day1 + timedelta(days=4), cycle=cycle),
            ExposureFact(subject_id=code, product="Autologous NK cells", dose=Decimal("50"),
                         unit="10*6/kg", route="IV", start=day1 + timedelta(days=5),
                         end=day1 + timedelta(days=5), cycle=cycle),
        ]  # fmt: skip
    return rows


def _labs(code: str, start: date) -> list[LabFact]:
    rows = []
    for test, name, unit, low, high, worst_map, base_map, values in (
        ("NEUT", "Neutrophils", "10*9/L", "1.5", "8.0", _NEUT_WORST, _NEUT_BASELINE, _NEUT_VALUE),
        ("PLAT", "Platelets", "10*9/L", "150", "450", _PLT_WORST, {}, _PLT_VALUE),
    ):
        term = "Neutrophil count decreased" if test == "NEUT" else "Platelet count decreased"
        base, worst = base_map.get(code, 0), worst_map.get(code, 0)
        for on, grade, is_base in (
            (start - timedelta(days=2), base, True),
            (_day(start, 8), worst, False),
            (_day(start, 15), 0, False),
        ):
            rows.append(LabFact(subject_id=code, test_code=test, test_name=name,
                                value=Decimal(values[grade]), unit=unit, on=on, low=Decimal(low),
                                high=Decimal(high), ctcae_term=term, ctcae_grade=grade,
                                baseline=is_base))  # fmt: skip
    return rows


def _vitals(code: str, start: date, index: int) -> list[VitalSignFact]:
    on = start - timedelta(days=2)
    return [
        VitalSignFact(subject_id=code, test_code="WEIGHT", test_name="Weight",
                      value=Decimal(18 + index), unit="kg", on=on),
        VitalSignFact(subject_id=code, test_code="HEIGHT", test_name="Height",
                      value=Decimal(105 + 2 * index), unit="cm", on=on),
        VitalSignFact(subject_id=code, test_code="TEMP", test_name="Temperature",
                      value=Decimal("36.8"), unit="Cel", on=on),
    ]  # fmt: skip


def fixture_snapshot(cutoff: date = FIXTURE_CUTOFF) -> StudySnapshot:
    subjects, survival, consents, exposures, labs, vitals = [], [], [], [], [], []
    responses: list[ResponseFact] = []
    lesions: list[LesionFact] = []
    for index in range(15):
        code = f"S{index + 1:02d}"
        subject, surv = _enrolled_subject(index, code)
        subjects.append(subject)
        survival.append(surv)
        start = surv.treatment_start
        consents.append(ConsentFact(subject_id=code, consent_date=start - timedelta(days=11),
                                    document_version="1.0", assent_signed=index % 3 == 0))  # fmt: skip
        exposures += _exposures(code, start)
        labs += _labs(code, start)
        vitals += _vitals(code, start, index)
        own_responses, own_lesions = _assessments(code, start)
        responses += own_responses
        lesions += own_lesions
    for index in range(15, 20):
        code = f"S{index + 1}"
        subject = _excluded_subject(index, code)
        subjects.append(subject)
        if _EXCLUDED[code][0] in ("withdrawn", "consented"):
            assert subject.screened_on is not None
            consents.append(ConsentFact(subject_id=code, document_version="1.0",
                                        consent_date=subject.screened_on + timedelta(days=3)))  # fmt: skip
    adverse_events = [
        AdverseEventFact(
            subject_id=sid, ae_id=f"AE{n + 1:03d}", term=term, soc=soc, grade=grade,
            onset=_day(_start(int(sid[1:]) - 1), day), resolved=_day(_start(int(sid[1:]) - 1), day + 4),
            serious=serious, dlt=dlt, attribution=attribution,
            outcome="recovered", action="none",
        )
        for n, (sid, term, soc, grade, day, serious, dlt, attribution) in enumerate(_AES)
    ]  # fmt: skip
    audit = [
        AuditFact(seq=n + 1, at=change.at, actor="coordinator", action="status",
                  entity="subject", entity_id=s.subject_id, reason=change.reason)
        for n, (s, change) in enumerate((s, c) for s in subjects for c in s.history[:1])
    ]  # fmt: skip
    trial = TrialFact(
        trial_id="NCT06948994",
        title=(
            "Autologous NK Cells Combined With GD2 Monoclonal Antibody in Children With "
            "High-risk or Relapsed/Refractory Neuroblastoma (SYNTHETIC FIXTURE)"
        ),
        protocol_version="fixture-1",
        target_enrollment=15,
        disease_control=["CR", "PR", "MR", "SD"],
        interventions=INTERVENTIONS,
        stopping_rules=[
            StoppingRule(
                id="dlt-bayes-30", kind="bayesian_beta_binomial",
                label="Stop if P(DLT rate > 30 % | data) > 0.90", example=True,
                source="Thall PF, Simon R. Biometrics 1994;50:337-349",
                theta=Decimal("0.30"), threshold=Decimal("0.90"),
                prior_a=Decimal(1), prior_b=Decimal(2), max_subjects=15,
            )
        ],
        example_parts=True,
    )  # fmt: skip
    everything = DomainAvailability(available=True, note="synthetic fixture")
    return StudySnapshot(
        cutoff=cutoff,
        source="synthetic fixture (trialdesk.reports.fixture_study)",
        trial=trial,
        subjects=subjects,
        consents=consents,
        exposures=exposures,
        adverse_events=adverse_events,
        labs=labs,
        vital_signs=vitals,
        lesions=lesions,
        responses=responses,
        survival=survival,
        audit=audit,
        data_available=dict.fromkeys(
            (
                "subjects",
                "consents",
                "exposures",
                "adverse_events",
                "labs",
                "vital_signs",
                "lesions",
                "responses",
                "survival",
                "audit",
            ),
            everything,
        ),
    )
