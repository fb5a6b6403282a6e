"""Every criterion of NCT06948994 in every status it can take, one change from an eligible child.

Each case starts from ``eligible_maintenance()`` (or ``eligible_relapsed()``), changes one
thing, and pins the status of the criterion that change is about.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from trialdesk.core.screening.result import Status
from trialdesk.testing.fhir import BundleBuilder
from trialdesk.testing.patients import (
    LAB_DAY,
    Screen,
    eligible_maintenance,
    eligible_relapsed,
    without,
)

P, F, U, R, NA = (
    Status.PASS,
    Status.FAIL,
    Status.UNKNOWN,
    Status.REVIEW,
    Status.NOT_APPLICABLE,
)
Change = Callable[[], BundleBuilder]


def _m(**kwargs: str) -> BundleBuilder:
    return eligible_maintenance(**kwargs)


def _lab(loinc: str, value: float, unit: str, *, day: str = LAB_DAY, **kw: float) -> Change:
    def change() -> BundleBuilder:
        return without(_m(), f"'{loinc}'").lab(loinc, value, unit, day, **kw)

    return change


def _attest(code: str, value: bool) -> Change:
    return lambda: without(_m(), code).attestation(code, value, LAB_DAY)


def _relapsed(lesion: bool = True, size: float | None = None) -> Change:
    def change() -> BundleBuilder:
        builder = eligible_relapsed(lesion=lesion and size is None)
        if size is not None:
            from trialdesk.testing.patients import quantity_component

            builder.coded(
                "loinc:21889-1",
                size,
                "2026-05-20",
                unit="mm",
                method="snomed:77477000",
                components=[quantity_component("trialdesk-clinical:slice-thickness", 3, "mm")],
            )
        return builder

    return change


def _status(code: str, value: str) -> Change:
    return lambda: without(_m(), code).coded(
        f"trialdesk-clinical:{code}", f"trialdesk-clinical:{value}", LAB_DAY
    )


CASES: list[tuple[str, str, Change, Status]] = [
    # inc-age
    ("inc-age", "8 years old", _m, P),
    ("inc-age", "20 years old", lambda: _m(birth_date="2006-01-01"), F),
    ("inc-age", "6 months old", lambda: _m(birth_date="2025-12-01"), F),
    (
        "inc-age",
        "only the birth year, which straddles the 19th birthday",
        lambda: _m(birth_date="2007"),
        U,
    ),
    # inc-diagnosis
    ("inc-diagnosis", "no neuroblastoma recorded", lambda: without(_m(), "432328008"), U),
    (
        "inc-diagnosis",
        "intermediate risk",
        _status_risk := (
            lambda: without(_m(), "risk-group").coded(
                "trialdesk-clinical:risk-group", "trialdesk-clinical:intermediate", "2025-03-01"
            )
        ),
        F,
    ),
    ("inc-diagnosis", "no risk group recorded", lambda: without(_m(), "risk-group"), U),
    (
        "inc-diagnosis",
        "still in induction, in remission",
        _status("treatment-phase", "induction"),
        F,
    ),
    (
        "inc-diagnosis",
        "refractory, not in maintenance",
        lambda: _status("disease-status", "refractory")().coded(
            "loinc:21889-1", 30, "2026-05-20", unit="mm", method="snomed:113091000"
        ),
        P,
    ),
    (
        "inc-diagnosis",
        "neuroblastoma refuted",
        lambda: without(_m(), "432328008").condition("snomed:432328008", verification="refuted"),
        U,
    ),
    # inc-measurable-lesion
    ("inc-measurable-lesion", "maintenance: does not apply", _m, NA),
    ("inc-measurable-lesion", "relapsed with a 24 mm CT lesion", _relapsed(), P),
    ("inc-measurable-lesion", "relapsed, only an 8 mm lesion", _relapsed(size=8), F),
    ("inc-measurable-lesion", "relapsed, no imaging", _relapsed(lesion=False), U),
    (
        "inc-measurable-lesion",
        "relapsed, imaging 40 days old",
        lambda: without(eligible_relapsed(), "21889-1").coded(
            "loinc:21889-1", 24, "2026-04-22", unit="mm", method="snomed:77477000"
        ),
        U,
    ),
    # blood counts and chemistry: below/above, missing, stale
    ("inc-hemoglobin", "79 g/L", _lab("718-7", 79, "g/L"), F),
    ("inc-hemoglobin", "missing", lambda: without(_m(), "'718-7'"), U),
    ("inc-hemoglobin", "15 days old", _lab("718-7", 112, "g/L", day="2026-05-17"), U),
    ("inc-hemoglobin", "14 days old (window edge)", _lab("718-7", 112, "g/L", day="2026-05-18"), P),
    ("inc-anc", "0.74 x 10^9/L", _lab("751-8", 0.74, "10*9/L"), F),
    ("inc-anc", "missing", lambda: without(_m(), "'751-8'"), U),
    ("inc-platelets", "74 x 10^9/L", _lab("777-3", 74, "10*9/L"), F),
    ("inc-platelets", "missing", lambda: without(_m(), "'777-3'"), U),
    ("inc-albumin", "27 g/L", _lab("1751-7", 27, "g/L"), F),
    ("inc-albumin", "2.8 g/dL", _lab("1751-7", 2.8, "g/dL"), P),
    (
        "inc-bilirubin",
        "13.7 umol/L with ULN 6.8",
        _lab("1975-2", 13.7, "umol/L", low=0.8, high=6.8),
        F,
    ),
    (
        "inc-bilirubin",
        "13.6 umol/L with ULN 6.8",
        _lab("1975-2", 13.6, "umol/L", low=0.8, high=6.8),
        P,
    ),
    ("inc-ast", "133 U/L with ULN 44", _lab("1920-8", 133, "U/L", low=21, high=44), F),
    ("inc-alt", "76 U/L with ULN 25", _lab("1742-6", 76, "U/L", low=9, high=25), F),
    ("inc-alp", "1108 U/L with ULN 369", _lab("6768-6", 1108, "U/L", low=156, high=369), F),
    ("inc-alp", "1107 U/L with ULN 369", _lab("6768-6", 1107, "U/L", low=156, high=369), P),
    ("inc-creatinine", "82 umol/L with ULN 54", _lab("2160-0", 82, "umol/L", low=27, high=54), F),
    ("inc-creatinine", "81 umol/L with ULN 54", _lab("2160-0", 81, "umol/L", low=27, high=54), P),
    ("inc-creatinine", "missing", lambda: without(_m(), "'2160-0'"), U),
    # coagulation: "INR or PT"
    (
        "inc-coagulation-inr-pt",
        "INR 1.9 with ULN 1.2, PT normal",
        _lab("6301-6", 1.9, "1", low=0.9, high=1.2),
        F,
    ),
    ("inc-coagulation-inr-pt", "only PT reported", lambda: without(_m(), "'6301-6'"), P),
    ("inc-coagulation-inr-pt", "only INR reported", lambda: without(_m(), "'5902-2'"), P),
    (
        "inc-coagulation-inr-pt",
        "neither reported",
        lambda: without(_m(), "'6301-6'", "'5902-2'"),
        U,
    ),
    (
        "inc-coagulation-inr-pt",
        "INR without a reference range: unconfirmed default",
        lambda: without(_lab("6301-6", 1.0, "1")(), "'5902-2'"),
        R,
    ),
    ("inc-aptt", "58 s with ULN 38", _lab("3173-2", 58, "s", low=25, high=38), F),
    ("inc-aptt", "57 s with ULN 38", _lab("3173-2", 57, "s", low=25, high=38), P),
    # inc-cardiac
    (
        "inc-cardiac",
        "LVEF 49 %",
        lambda: without(_m(), "10230-1").coded("loinc:10230-1", 49, "2026-05-10", unit="%"),
        F,
    ),
    (
        "inc-cardiac",
        "diastolic dysfunction",
        lambda: without(_m(), "lv-diastolic").coded(
            "trialdesk-clinical:lv-diastolic-function", "trialdesk-clinical:abnormal", "2026-05-10"
        ),
        F,
    ),
    (
        "inc-cardiac",
        "active arrhythmia: severity is clinical",
        lambda: _m().condition("icd10:I47.1"),
        R,
    ),
    ("inc-cardiac", "no echocardiogram", lambda: without(_m(), "10230-1", "lv-diastolic"), U),
    (
        "inc-cardiac",
        "echocardiogram 43 days old",
        lambda: without(_m(), "10230-1").coded("loinc:10230-1", 62, "2026-04-19", unit="%"),
        U,
    ),
    # inc-lung-kidney-spo2
    (
        "inc-lung-kidney-spo2",
        "SpO2 91 %",
        lambda: without(_m(), "59408-5").coded("loinc:59408-5", 91, LAB_DAY, unit="%"),
        F,
    ),
    ("inc-lung-kidney-spo2", "pneumonia", lambda: _m().condition("icd10:J18.9"), F),
    (
        "inc-lung-kidney-spo2",
        "asthma: severity is clinical",
        lambda: _m().condition("icd10:J45.9"),
        R,
    ),
    (
        "inc-lung-kidney-spo2",
        "chronic kidney disease: severity is clinical",
        lambda: _m().condition("icd10:N18.3"),
        R,
    ),
    (
        "inc-lung-kidney-spo2",
        "SpO2 only while on oxygen",
        lambda: without(_m(), "59408-5").coded(
            "loinc:59408-5",
            97,
            LAB_DAY,
            unit="%",
            components=[
                {
                    "code": {"coding": [{"system": "http://loinc.org", "code": "3151-8"}]},
                    "valueQuantity": {
                        "value": 2,
                        "unit": "L/min",
                        "system": "http://unitsofmeasure.org",
                        "code": "L/min",
                    },
                }
            ],
        ),
        U,
    ),
    # inc-life-expectancy
    (
        "inc-life-expectancy",
        "3 months",
        lambda: without(_m(), "life-expectancy").coded(
            "trialdesk-clinical:life-expectancy", 3, LAB_DAY, unit="mo"
        ),
        F,
    ),
    (
        "inc-life-expectancy",
        "1 year",
        lambda: without(_m(), "life-expectancy").coded(
            "trialdesk-clinical:life-expectancy", 1, LAB_DAY, unit="a"
        ),
        P,
    ),
    (
        "inc-life-expectancy",
        "no estimate: the investigator judges",
        lambda: without(_m(), "life-expectancy"),
        R,
    ),
    # inc-consent
    ("inc-consent", "no consent yet", lambda: without(_m(), "Consent", "RelatedPerson"), U),
    (
        "inc-consent",
        "signed by nobody recorded as a guardian",
        lambda: without(_m(), "Consent", "RelatedPerson").consent("2026-05-28", guardian=False),
        R,
    ),
    (
        "inc-consent",
        "consent for another study",
        lambda: without(_m(), "Consent", "RelatedPerson").consent(
            "2026-05-28", study="NCT00000001"
        ),
        R,
    ),
    (
        "inc-consent",
        "consent withdrawn (inactive)",
        lambda: without(_m(), "Consent", "RelatedPerson").consent("2026-05-28", status="inactive"),
        U,
    ),
    # exc-infection-immunosuppression
    (
        "exc-infection-immunosuppression",
        "active infection",
        lambda: _m().condition("icd10:A41.9"),
        R,
    ),
    (
        "exc-infection-immunosuppression",
        "on ciclosporin",
        lambda: _m().medication("atc:L04AD01", "2026-05-01"),
        R,
    ),
    (
        "exc-infection-immunosuppression",
        "stopped antibiotic",
        lambda: _m().medication("atc:J01CA04", "2026-04-01", status="completed"),
        P,
    ),
    (
        "exc-infection-immunosuppression",
        "future therapy not attested",
        lambda: without(_m(), "no-planned-systemic"),
        R,
    ),
    (
        "exc-infection-immunosuppression",
        "clinician expects immunosuppression",
        _attest("no-planned-systemic-anti-infective-or-immunosuppressive-therapy", False),
        F,
    ),
    # exc-unresolved-toxicity
    (
        "exc-unresolved-toxicity",
        "grade 2 neuropathy ongoing",
        lambda: _m().adverse_event("meddra:10029331", 2, "2026-03-01"),
        F,
    ),
    (
        "exc-unresolved-toxicity",
        "grade 2 alopecia ongoing (allowed)",
        lambda: _m().adverse_event("meddra:10001760", 2, "2026-03-01"),
        P,
    ),
    (
        "exc-unresolved-toxicity",
        "grade 3 neutropenia resolved",
        lambda: _m().adverse_event(
            "meddra:10029354", 3, "2026-03-01", outcome="resolved", resolved="2026-03-20"
        ),
        P,
    ),
    (
        "exc-unresolved-toxicity",
        "grade 1 pain ongoing",
        lambda: _m().adverse_event("meddra:10033371", 1, "2026-03-01"),
        P,
    ),
    (
        "exc-unresolved-toxicity",
        "an ungraded ongoing event",
        lambda: _m().adverse_event("meddra:10033371", None, "2026-03-01"),
        R,
    ),
    (
        "exc-unresolved-toxicity",
        "no history and no attestation",
        lambda: without(_m(), "no-unresolved-toxicity"),
        U,
    ),
    # exc-organ-transplant
    ("exc-organ-transplant", "autologous stem-cell rescue is not an organ transplant", _m, P),
    (
        "exc-organ-transplant",
        "kidney transplant",
        lambda: _m().procedure("snomed:70536003", "2020-01-01"),
        F,
    ),
    (
        "exc-organ-transplant",
        "liver transplant status",
        lambda: _m().condition("icd10:Z94.4", status="active"),
        F,
    ),
    (
        "exc-organ-transplant",
        "allogeneic HSCT",
        lambda: _m().procedure("snomed:174241000112100", "2024-09-01"),
        R,
    ),
    (
        "exc-organ-transplant",
        "HSCT of unrecorded type",
        lambda: _m().procedure("snomed:234336002", "2024-09-01"),
        R,
    ),
    (
        "exc-organ-transplant",
        "future transplant not attested",
        lambda: without(_m(), "no-planned-organ-transplant"),
        R,
    ),
    # exc-allergic-constitution
    ("exc-allergic-constitution", "not attested", lambda: without(_m(), "not-highly-allergic"), R),
    (
        "exc-allergic-constitution",
        "clinician says highly allergic",
        _attest("not-highly-allergic", False),
        F,
    ),
    (
        "exc-allergic-constitution",
        "attestation 31 days old",
        lambda: without(_m(), "not-highly-allergic").attestation(
            "not-highly-allergic", True, "2026-05-01"
        ),
        R,
    ),
    # exc-hiv
    ("exc-hiv", "HIV infection recorded", lambda: _m().condition("snomed:86406008"), F),
    (
        "exc-hiv",
        "HIV test positive",
        lambda: without(_m(), "56888-1").coded("loinc:56888-1", "snomed:10828004", "2026-04-20"),
        F,
    ),
    ("exc-hiv", "no HIV test", lambda: without(_m(), "56888-1"), U),
    (
        "exc-hiv",
        "negative test 91 days old",
        lambda: without(_m(), "56888-1").coded("loinc:75622-1", "snomed:260385009", "2026-03-02"),
        U,
    ),
    (
        "exc-hiv",
        "negative antigen/antibody test 75622-1",
        lambda: without(_m(), "56888-1").coded("loinc:75622-1", "snomed:260385009", "2026-04-20"),
        P,
    ),
    # exc-investigator-judgement
    (
        "exc-investigator-judgement",
        "not attested",
        lambda: without(_m(), "no-other-investigator-concern"),
        R,
    ),
    (
        "exc-investigator-judgement",
        "investigator has a concern",
        _attest("no-other-investigator-concern", False),
        F,
    ),
]


@pytest.mark.parametrize(
    ("criterion", "change", "expected"),
    [pytest.param(c, f, s, id=f"{c}: {d}") for c, d, f, s in CASES],
)
def test_criterion_status(run: Screen, criterion: str, change: Change, expected: Status) -> None:
    result = run(change())
    found = result.criterion(criterion)
    assert found.status is expected, (found.reason(), found.evidence)
    if expected in (Status.UNKNOWN, Status.REVIEW):
        assert found.missing, "an unknown or review must say what would settle it"


def test_every_criterion_and_status_is_covered(protocol: object) -> None:
    from trialdesk.core.protocol import Protocol

    assert isinstance(protocol, Protocol)
    covered = {c for c, *_ in CASES}
    assert covered == {c.id for c in protocol.criteria}
    statuses = {s for *_, s in CASES}
    assert statuses == set(Status)
