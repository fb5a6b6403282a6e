"""The compiled screener returns exactly what the interpreted engine returned (benchmark round 4).

``screening_oracle`` is the interpreted engine the compiled closures replaced. Generated
synthetic records (several seeds, as-of dates before, on and after the day the data were
generated, high rates of missing, stale and entered-in-error data, with and without the
labs' own reference ranges) must screen to the same result object and to the same JSON, in
English and in Chinese.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from screening_oracle import screen as oracle_screen

from trialdesk import screen
from trialdesk.adapters.fhir import record_from_bundle
from trialdesk.core.protocol import Protocol
from trialdesk.core.screening.result import ScreeningResult
from trialdesk.synth.fhir_patients import synth_patient

_rates = st.sampled_from([0.0, 0.05, 0.3, 1.0])


def _same(compiled: ScreeningResult, oracle: ScreeningResult) -> None:
    assert compiled == oracle
    for lang in ("en", "zh"):
        assert orjson.dumps(compiled.to_dict(lang)) == orjson.dumps(oracle.to_dict(lang))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(0, 2**32 - 1),
    generated=st.dates(date(2023, 1, 1), date(2028, 12, 31)),
    shift=st.sampled_from([-400, -31, -1, 0, 1, 14, 29, 92, 366]),
    missing=_rates,
    stale=_rates,
    error=_rates,
    ranges=st.sampled_from([0.0, 0.6, 1.0]),
)
def test_compiled_engine_equals_the_interpreted_oracle(
    protocol: Protocol,
    seed: int,
    generated: date,
    shift: int,
    missing: float,
    stale: float,
    error: float,
    ranges: float,
) -> None:
    rng = random.Random(seed)
    as_of = generated + timedelta(days=shift)
    for n in range(3):
        bundle = synth_patient(
            rng,
            patient_id=f"p{n}",
            as_of=generated,
            missing_rate=missing,
            stale_rate=stale,
            error_rate=error,
            range_rate=ranges,
        )
        record = record_from_bundle(bundle, f"p{n}.json")
        _same(screen(protocol, record, as_of), oracle_screen(protocol, record, as_of))


@pytest.mark.parametrize("seed", [7, 11])
def test_compiled_engine_equals_the_oracle_on_a_batch(protocol: Protocol, seed: int) -> None:
    rng = random.Random(seed)
    as_of = date(2026, 6, 1)
    for n in range(150):
        record = record_from_bundle(synth_patient(rng, patient_id=f"b{n}", as_of=as_of), "b")
        _same(screen(protocol, record, as_of), oracle_screen(protocol, record, as_of))


def test_the_same_protocol_object_screens_twice_identically(protocol: Protocol) -> None:
    """The compiled form is cached per protocol; a second screening reuses it unchanged."""
    rng = random.Random(3)
    record = record_from_bundle(synth_patient(rng, patient_id="twice"), "twice.json")
    first = screen(protocol, record, date(2026, 6, 1))
    second = screen(protocol, record, date(2026, 6, 1))
    later = screen(protocol, record, date(2027, 6, 1))
    assert first == second
    _same(later, oracle_screen(protocol, record, date(2027, 6, 1)))


def test_a_compiled_form_lives_as_long_as_its_protocol(protocol: Protocol) -> None:
    import copy
    import gc

    from trialdesk.core.screening import compiler

    other = copy.copy(protocol)  # an equal protocol, another object: compiled on its own
    assert compiler.compiled(other) is compiler.compiled(other)
    assert compiler.compiled(other) is not compiler.compiled(protocol)
    key = id(other)
    del other
    gc.collect()
    assert key not in compiler._CACHE
