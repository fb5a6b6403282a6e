"""Synthetic FHIR patients: deterministic, varied, and always readable by the FHIR adapter."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from trialdesk.adapters.fhir import record_from_bundle
from trialdesk.core.record import PatientRecord, Quantity
from trialdesk.synth.fhir_patients import DEFAULT_AS_OF, resources_of, synth_patient, synth_patients

_READ = {
    "Observation", "Condition", "Procedure", "MedicationRequest", "MedicationStatement",
    "MedicationAdministration", "AllergyIntolerance", "AdverseEvent", "Consent",
}  # fmt: skip


def _kept(record: PatientRecord) -> int:
    return sum(
        len(items)
        for items in (
            record.observations, record.conditions, record.procedures, record.medications,
            record.allergies, record.adverse_events, record.consents,
        )
    )  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**32),
    missing=st.floats(0, 1),
    stale=st.floats(0, 1),
    error=st.floats(0, 1),
    ranges=st.floats(0, 1),
    as_of=st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31)),
)
def test_any_synthetic_bundle_becomes_a_record_with_every_live_resource(
    seed: int, missing: float, stale: float, error: float, ranges: float, as_of: date
) -> None:
    bundle = synth_patient(
        random.Random(seed), as_of=as_of, missing_rate=missing, stale_rate=stale,
        error_rate=error, range_rate=ranges,
    )  # fmt: skip
    resources = resources_of(bundle)
    live = [
        r for r in resources if r["resourceType"] in _READ and r.get("status") != "entered-in-error"
    ]
    void = [r for r in resources if r.get("status") == "entered-in-error"]
    record = record_from_bundle(bundle, "synthetic")
    assert _kept(record) == len(live)
    assert len(record.ignored) == len(void)


def test_same_seed_same_patients_and_different_seeds_differ() -> None:
    assert list(synth_patients(5, seed=3)) == list(synth_patients(5, seed=3))
    assert list(synth_patients(5, seed=3)) != list(synth_patients(5, seed=4))


def _cohort(n: int = 300) -> list[PatientRecord]:
    return [record_from_bundle(b, "s") for b in synth_patients(n, seed=11)]


def test_children_are_0_to_20_and_mostly_have_neuroblastoma() -> None:
    records = _cohort()
    ages = []
    for r in records:
        assert r.patient.birth_date is not None
        ages.append((DEFAULT_AS_OF - r.patient.birth_date.earliest).days / 365.25)
    assert min(ages) >= 0
    assert max(ages) < 21
    assert sum(a < 1 for a in ages) > 0
    assert sum(a >= 19 for a in ages) > 0
    nb = sum(any(c.codes[0].code == "432328008" for c in r.conditions) for r in records)
    assert 0.75 < nb / len(records) < 0.95
    assert any(not r.patient.birth_date.is_exact for r in records if r.patient.birth_date)


def test_labs_vary_units_ranges_recency_and_presence() -> None:
    records = _cohort()
    units: dict[str, set[str]] = {}
    with_range = without_range = stale = 0
    per_patient = Counter[int]()
    for r in records:
        per_patient[len(r.observations)] += 1
        for o in r.observations:
            assert isinstance(o.value, Quantity)
            units.setdefault(o.codes[0].code, set()).add(o.value.unit_text or o.value.unit)
            with_range += bool(o.reference_ranges)
            without_range += not o.reference_ranges and o.codes[0].code == "1742-6"
            assert o.effective is not None
            stale += (DEFAULT_AS_OF - o.effective.earliest).days > 30
    assert {"g/L", "g/dL", "g/dl"} <= units["718-7"]
    assert {"10*9/L", "10*3/uL", "/uL"} <= units["751-8"]
    assert {"mg/dL", "umol/L"} <= units["2160-0"]
    assert len(units) == 14
    assert with_range > 0
    assert without_range > 0
    assert stale > 0
    assert len(per_patient) > 1  # some patients miss some labs
    assert sum(bool(r.ignored) for r in records) > 0  # entered-in-error duplicates


def _value_in(record: PatientRecord, loinc: str) -> Any:
    return next((o.value for o in record.observations if o.codes[0].code == loinc), None)


def test_hemoglobin_values_straddle_the_trial_limit() -> None:
    from trialdesk.core.units import convert

    grams = [
        convert(v.value, v.unit, "g/L")
        for r in _cohort()
        if isinstance(v := _value_in(r, "718-7"), Quantity)
    ]
    assert sum(g < 80 for g in grams) > 20
    assert sum(g >= 80 for g in grams) > 20
