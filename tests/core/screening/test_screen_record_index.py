"""``RecordIndex`` (round 5: day-number sort keys, a multi-code group found under one code
returned without re-merging) lists exactly what the plain merge-and-sort listed."""

from __future__ import annotations

import dataclasses
import random
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from trialdesk.adapters.fhir import record_from_bundle
from trialdesk.core.record import ObservationRecord, PatientRecord
from trialdesk.core.screening.context import RecordIndex
from trialdesk.synth.fhir_patients import synth_patient

_GROUPS = (
    (("loinc", "718-7"), ("loinc", "59260-0")),
    (("loinc", "751-8"), ("loinc", "753-4"), ("loinc", "26499-4")),
    (("loinc", "2160-0"), ("loinc", "14682-9"), ("loinc", "38483-4")),
    (("loinc", "21889-1"), ("loinc", "33728-7")),
    (("loinc", "1751-7"),),
)


def _plain(record: PatientRecord, codes: tuple[tuple[str, str], ...]) -> list[ObservationRecord]:
    """The index as it was before round 5: every match once, sorted by dates as dates."""

    def newest_first(o: ObservationRecord) -> tuple[date, date]:
        if o.effective is None:
            return (date.max, date.max)
        return (
            date.max - (o.effective.latest - date.min),
            date.max - (o.effective.earliest - date.min),
        )

    by_code: dict[tuple[str, str], list[ObservationRecord]] = {}
    for observation in record.observations:
        for coding in observation.codes:
            by_code.setdefault(coding.key(), []).append(observation)
    for items in by_code.values():
        items.sort(key=newest_first)
    if len(codes) == 1:
        return by_code.get(codes[0], [])
    seen: dict[int, ObservationRecord] = {}
    for code in codes:
        for observation in by_code.get(code, ()):
            seen.setdefault(id(observation), observation)
    return sorted(seen.values(), key=newest_first)


def _record(seed: int, doubled: bool) -> PatientRecord:
    rng = random.Random(seed)
    bundle = synth_patient(rng, patient_id=f"ix{seed}", as_of=date(2026, 6, 1), missing_rate=0.1)
    record = record_from_bundle(bundle, f"ix{seed}.json")
    if not doubled:
        return record
    # Repeat each observation's first code (a sender listing one LOINC twice) and give every
    # other observation a second code of its group, so groups merge and repeat.
    changed = []
    for n, observation in enumerate(record.observations):
        codes = observation.codes
        if codes and n % 2:
            codes = (*codes, codes[0])
        changed.append(dataclasses.replace(observation, codes=codes))
    return dataclasses.replace(record, observations=tuple(changed))


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), doubled=st.booleans())
def test_index_lists_what_the_plain_merge_lists(seed: int, doubled: bool) -> None:
    record = _record(seed, doubled)
    index = RecordIndex(record)
    codes_present = {c.key() for o in record.observations for c in o.codes}
    for group in (*_GROUPS, *((code,) for code in sorted(codes_present))):
        assert [id(o) for o in index.observations(group)] == [id(o) for o in _plain(record, group)]
    for one in sorted(codes_present):
        for other in sorted(codes_present)[:5]:
            group = (one, other) if one != other else (one,)
            assert [id(o) for o in index.observations(group)] == [
                id(o) for o in _plain(record, group)
            ]
