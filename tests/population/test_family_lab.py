"""The laboratory family's same-day and window edges, on every engine, against the screener.

A small synthetic population in which some children's laboratory rows are replaced by crafted
ones: several results on the newest day (different codes, the same code, agreeing or not,
ties broken by measurement id whatever the file order), a stale result beside a fresh one,
a value without a unit, a value too large for a narrow decimal, values on the cut-off, and a
day mixing a row with its own reference range and one read against the default limits.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import yaml
from population_helpers import screen_on

from trialdesk import load_protocol
from trialdesk.core.protocol.protocol import Protocol
from trialdesk.population import engine_for
from trialdesk.population.compile_rules import TRUTH_CODES
from trialdesk.population.families.lab_sql import TRUTH_ORDER
from trialdesk.population.result import PopulationResult
from trialdesk.synth.population import synth_population, write_population

ROOT = Path(__file__).resolve().parents[2]
AS_OF = date(2026, 6, 1)
DAY = date(2026, 5, 30)  # inside the 14-day laboratory window
OLD = date(2026, 4, 1)  # before it

# (person index, LOINC, value, unit, day, range_high, measurement id offset); the ids are
# given so that the file order (as listed) differs from the id order.
_CRAFTED = [
    # 0: two codes on the newest day that disagree: review.
    (0, "718-7", 90.0, "g/L", DAY, None, 11),
    (0, "59260-0", 70.0, "g/L", DAY, None, 10),
    # 1: the same code twice that day, both meeting: pass.
    (1, "718-7", 90.0, "g/L", DAY, None, 21),
    (1, "718-7", 100.0, "g/L", DAY, None, 20),
    # 2 and 3: two unknowns the same day (a unit that does not convert, no unit): the reason
    # of the smaller measurement id, listed second in the file.
    (2, "718-7", 90.0, None, DAY, None, 31),
    (2, "718-7", 90.0, "kg", DAY, None, 30),
    (3, "718-7", 90.0, "kg", DAY, None, 41),
    (3, "718-7", 90.0, None, DAY, None, 40),
    # 4: stale haemoglobin, fresh neutrophils.
    (4, "718-7", 90.0, "g/L", OLD, None, 50),
    (4, "751-8", 1.2, "10*9/L", DAY, None, 51),
    # 5: a value without a unit.
    (5, "718-7", 90.0, None, DAY, None, 60),
    # 6: a platelet count beyond a 64-bit decimal of scale 6; haemoglobin just under 80.
    (6, "777-3", 1.0e13, "10*9/L", DAY, None, 70),
    (6, "718-7", 79.999999, "g/L", DAY, None, 71),
    # 7: a failing old result and a passing new one; haemoglobin exactly on the cut-off.
    (7, "751-8", 0.1, "10*9/L", OLD, None, 80),
    (7, "751-8", 0.9, "10*9/L", DAY, None, 81),
    (7, "718-7", 80.0, "g/L", DAY, None, 82),
    # 8: creatinine twice that day, one with its own range, one on the default limits.
    (8, "2160-0", 0.4, "mg/dL", DAY, None, 91),
    (8, "14682-9", 50.0, "umol/L", DAY, 60.0, 90),
]
_REPLACED = {"718-7", "59260-0", "751-8", "753-4", "26499-4", "777-3", "26515-7"}
_REPLACED |= {"2160-0", "14682-9", "38483-4"}

EXPECTED = {
    (0, "inc-hemoglobin"): ("review", "lab.same_day_conflict"),
    (1, "inc-hemoglobin"): ("pass", "lab.meets"),
    (2, "inc-hemoglobin"): ("unknown", "lab.bad_unit"),
    (3, "inc-hemoglobin"): ("unknown", "lab.no_value"),
    (4, "inc-hemoglobin"): ("unknown", "lab.stale"),
    (4, "inc-anc"): ("pass", "lab.meets"),
    (5, "inc-hemoglobin"): ("unknown", "lab.no_value"),
    (6, "inc-platelets"): ("pass", "lab.meets"),
    (6, "inc-hemoglobin"): ("fail", "lab.does_not_meet"),
    (7, "inc-anc"): ("pass", "lab.meets"),
    (7, "inc-hemoglobin"): ("pass", "lab.meets"),
}


def _craft(folder: Path) -> list[int]:
    """Replace the chosen children's blood-count and creatinine rows by the crafted ones."""
    persons = pq.read_table(folder / "person.parquet").column("person_id").to_pylist()[:9]
    path = folder / "measurement.parquet"
    table = pq.read_table(path)
    code = pc.replace_substring(table.column("measurement_source_value"), "loinc:", "")
    chosen = pc.is_in(table.column("person_id"), pa.array(persons, pa.int64()))
    drop = pc.and_(chosen, pc.is_in(code, pa.array(sorted(_REPLACED))))
    kept = table.filter(pc.invert(drop))
    base = pc.max(table.column("measurement_id")).as_py() + 1000
    rows = [
        {
            "measurement_id": base + offset,
            "person_id": persons[who],
            "measurement_concept_id": 0,
            "measurement_date": day,
            "measurement_type_concept_id": 32856,
            "operator_concept_id": None,
            "value_as_number": value,
            "unit_concept_id": 0,
            "range_low": None,
            "range_high": high,
            "measurement_source_value": f"loinc:{loinc}",
            "unit_source_value": unit,
        }
        for who, loinc, value, unit, day, high, offset in _CRAFTED
    ]
    added = pa.Table.from_pylist(rows, schema=table.schema)
    pq.write_table(pa.concat_tables([kept, added]), path)
    return persons


@pytest.fixture(scope="module")
def crafted(
    tmp_path_factory: pytest.TempPathFactory, protocol: Protocol
) -> tuple[Path, list[int], PopulationResult]:
    folder = tmp_path_factory.mktemp("labs")
    write_population(synth_population(80, seed=11, as_of=AS_OF), folder)
    persons = _craft(folder)
    return folder, persons, engine_for("memory").screen(protocol, folder, AS_OF)


def _outcomes(result: PopulationResult, persons: list[int]) -> dict[tuple[int, str], tuple]:
    rows = result.rows
    return {
        (persons.index(p), c): (str(s), str(r))
        for p, c, s, r in zip(
            rows["person_id"], rows["criterion_id"], rows["status"], rows["reason"], strict=True
        )
        if p in persons
    }


def test_the_screener_reads_the_crafted_rows_as_intended(
    crafted: tuple[Path, list[int], PopulationResult],
) -> None:
    # The reference itself: otherwise the engines could agree on the wrong thing.
    _folder, persons, reference = crafted
    seen = _outcomes(reference, persons)
    assert {key: seen[key] for key in EXPECTED} == EXPECTED


def test_duckdb_agrees_on_the_crafted_edges(
    protocol: Protocol,
    crafted: tuple[Path, list[int], PopulationResult],
    agree: Callable[[PopulationResult, PopulationResult], None],
) -> None:
    folder, persons, reference = crafted
    result = engine_for("duckdb").screen(protocol, folder, AS_OF, fallback="review")
    agree(result, reference)
    seen = _outcomes(result, persons)
    assert {key: seen[key] for key in EXPECTED} == EXPECTED


@pytest.mark.postgres
@pytest.mark.xdist_group("lab-crafted")
def test_postgres_agrees_on_the_crafted_edges(
    protocol: Protocol,
    crafted: tuple[Path, list[int], PopulationResult],
    agree: Callable[[PopulationResult, PopulationResult], None],
    fresh_postgres_url: str,
) -> None:
    folder, _persons, reference = crafted
    result = screen_on("postgres", protocol, folder, AS_OF, url=fresh_postgres_url)
    agree(result, reference)


@pytest.mark.spark
@pytest.mark.slow
@pytest.mark.xdist_group("lab-crafted")
def test_spark_agrees_on_the_crafted_edges(
    protocol: Protocol,
    crafted: tuple[Path, list[int], PopulationResult],
    agree: Callable[[PopulationResult, PopulationResult], None],
) -> None:
    from trialdesk.population.spark_engine import spark_session

    session = spark_session("local[2]")
    try:
        result = engine_for("spark", session=session).screen(
            protocol, crafted[0], AS_OF, fallback="review"
        )
    finally:
        session.stop()
    agree(result, crafted[2])


def test_the_truth_order_is_the_planners() -> None:
    # The same-day conflict and the worst test read the truth as ``code % 8``.
    assert TRUTH_ORDER == TRUTH_CODES


def test_a_leaf_with_two_tests_takes_the_worst_and_agrees_on_duckdb(
    tmp_path: Path,
    crafted: tuple[Path, list[int], PopulationResult],
    agree: Callable[[PopulationResult, PopulationResult], None],
) -> None:
    # ``between`` gives a leaf two tests: every lab leaf then ranks its tests (worst first).
    model = yaml.safe_load((ROOT / "protocols" / "NCT06948994.yaml").read_text("utf-8"))
    rule = "lab(hemoglobin) between 85 g/L and 95 g/L"
    model["criteria"].append(
        {"id": "inc-hb-range", "kind": "inclusion", "text": rule, "rule": rule}
    )
    path = tmp_path / "between.yaml"
    path.write_text(yaml.safe_dump(model, sort_keys=False), "utf-8")
    protocol = load_protocol(path)
    folder, persons, _reference = crafted
    reference = engine_for("memory").screen(protocol, folder, AS_OF)
    result = engine_for("duckdb").screen(protocol, folder, AS_OF, fallback="review")
    agree(result, reference)
    seen = _outcomes(result, persons)
    # 90 and 100 g/L the same day: the second fails the upper bound, so the day disagrees.
    assert seen[1, "inc-hb-range"] == ("review", "lab.same_day_conflict")
    assert seen[6, "inc-hb-range"] == ("fail", "lab.does_not_meet")  # under the lower bound
    assert seen[5, "inc-hb-range"] == ("unknown", "lab.no_value")
