"""The synthetic OMOP population: deterministic, realistic in shape, full of edge cases."""

from __future__ import annotations

from datetime import date

import pyarrow.compute as pc

from trialdesk.core.units import is_known_unit
from trialdesk.synth.population import OMOP_TABLES, synth_population

AS_OF = date(2026, 6, 1)


def test_same_seed_same_population_and_every_table_present() -> None:
    first = synth_population(150, seed=5, as_of=AS_OF)
    second = synth_population(150, seed=5, as_of=AS_OF)
    assert set(first) == set(OMOP_TABLES)
    for name in OMOP_TABLES:
        assert first[name].equals(second[name]), name
    assert not first["measurement"].equals(
        synth_population(150, seed=6, as_of=AS_OF)["measurement"]
    )


def test_about_thirty_results_per_child_with_several_unit_spellings() -> None:
    tables = synth_population(300, seed=1, as_of=AS_OF)
    measurement = tables["measurement"]
    per_person = measurement.num_rows / tables["person"].num_rows
    assert 25 <= per_person <= 40
    # Unit-less rows (qualitative tests such as HIV 56888-1) carry no spelling at all.
    units = {u for u in measurement.column("unit_source_value").to_pylist() if u is not None}
    assert {"g/L", "g/dL", "g/dl", "10*9/L", "/uL", "K/uL", "U/L", "IU/L"} <= units
    assert any(not is_known_unit(u) for u in units)  # unreadable spellings exist too


def test_missing_stale_future_and_partial_births_are_present() -> None:
    tables = synth_population(800, seed=2, as_of=AS_OF)
    measurement = tables["measurement"]
    dates = measurement.column("measurement_date").to_pylist()
    assert max(dates) > AS_OF  # future-dated results
    assert min(dates) < date(2026, 5, 1)  # stale ones
    assert pc.sum(pc.is_null(measurement.column("value_as_number"))).as_py() > 0
    assert pc.sum(pc.is_null(measurement.column("range_high"))).as_py() > 0
    person = tables["person"]
    assert pc.sum(pc.is_null(person.column("day_of_birth"))).as_py() > 0
    births = set(person.column("birth_datetime").to_pylist())
    assert date(AS_OF.year - 1, AS_OF.month, AS_OF.day) in births  # 1st birthday on the as-of day
    assert date(AS_OF.year - 19, AS_OF.month, AS_OF.day) in births  # 19th birthday


def test_values_sit_exactly_on_the_trials_limits() -> None:
    measurement = synth_population(600, seed=3, as_of=AS_OF)["measurement"]
    rows = measurement.filter(
        pc.and_(
            pc.equal(measurement.column("measurement_source_value"), "loinc:718-7"),
            pc.equal(measurement.column("unit_source_value"), "g/L"),
        )
    )
    assert 80.0 in set(rows.column("value_as_number").to_pylist())  # haemoglobin >= 80 g/L
