"""The observation and person-fact families against the in-memory screener.

The seed protocol's observation criteria (diagnosis status, cardiac finding, life expectancy,
toxicity attestation, the attested exclusions, HIV tests, room-air SpO2) are also covered on
every engine by the differential tests in ``test_population_*.py``; here they are checked to
be compiled and exercised branch by branch, and a focused protocol covers the leaves the seed
does not use (sex, pregnancy, performance scores, negated findings, other windows and values).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from population_helpers import outcomes, screen_on, with_table

from trialdesk import load_protocol
from trialdesk.core.criteria import ast as a
from trialdesk.core.protocol.protocol import Protocol
from trialdesk.core.record import (
    Coding,
    Component,
    FuzzyDate,
    ObservationRecord,
    PatientInfo,
    PatientRecord,
    Quantity,
    Sex,
    SourceRef,
)
from trialdesk.core.units import compare, round_significant
from trialdesk.population import engine_for
from trialdesk.population.engine import plan_screening
from trialdesk.population.families import family_of
from trialdesk.population.families.observations import ObservationFamily, _edges
from trialdesk.population.families.person_facts import PersonFactFamily
from trialdesk.population.from_fhir import records_to_omop
from trialdesk.population.records import observation_value, records_from_tables
from trialdesk.population.result import PopulationResult
from trialdesk.synth.population import synth_population, write_population

ROOT = Path(__file__).resolve().parents[2]
AS_OF = date(2026, 6, 1)

# The leaves the seed protocol does not use, and other settings of those it does.
FOCUSED = {
    "inc-sex": "sex(female)",
    "exc-pregnant": "pregnant() or breastfeeding()",
    "inc-lansky": "performance(scale=lansky) >= 50",
    "inc-performance": "performance(scale=auto) >= 50",
    "inc-not-abnormal": "finding(trialdesk-clinical:lv-diastolic-function) != [abnormal, impaired]",
    "inc-risk": "risk_group(high, intermediate)",
    "inc-hiv-negative": "test(vs.hiv_tests) = negative",
    "inc-attested-short": "attested(not-highly-allergic, within=7 days)",
    "inc-life-range": "life_expectancy() >= 3 months and life_expectancy() < 18 months",
    "exc-toxicity-no-attestation": "unresolved_toxicity(above_grade=2)",
    "inc-spo2-room-air": "vital(spo2, room_air=true) >= 95 %",
    "inc-spo2-any": "vital(spo2) >= 95 %",
}
# Leaves OMOP cannot hold faithfully: never compiled (the criterion falls back).
NOT_COMPILED = (a.MeasurableLesionsCheck, a.ConsentCheck)
OURS = (
    a.SexCheck, a.PregnancyCheck, a.CodedStatusCheck, a.FindingCheck, a.AttestationCheck,
    a.ToxicityCheck, a.TestResultCheck, a.LifeExpectancyCheck, a.PerformanceCheck,
)  # fmt: skip


def _leaves(node: a.Rule) -> Iterator[a.Rule]:
    if isinstance(node, (a.AllOf, a.AnyOf, a.EachAvailable)):
        for item in node.items:
            yield from _leaves(item)
    elif isinstance(node, (a.NotOf, a.ReviewIf)):
        yield from _leaves(node.item)
    elif isinstance(node, a.IfThen):
        for part in (node.condition, node.then, node.otherwise):
            if part is not None:
                yield from _leaves(part)
    else:
        yield node


def _focused_protocol(folder: Path) -> Protocol:
    model = yaml.safe_load((ROOT / "protocols" / "NCT06948994.yaml").read_text("utf-8"))
    # Appended to the seed's criteria, so that the families run side by side.
    model["criteria"] += [
        {
            "id": cid,
            "kind": "exclusion" if cid.startswith("exc") else "inclusion",
            "text": rule,
            "rule": rule,
        }
        for cid, rule in FOCUSED.items()
    ]
    path = folder / "focused.yaml"
    path.write_text(yaml.safe_dump(model, sort_keys=False), "utf-8")
    return load_protocol(path)


@pytest.fixture(scope="module")
def focused(tmp_path_factory: pytest.TempPathFactory) -> tuple[Protocol, Path, PopulationResult]:
    folder = tmp_path_factory.mktemp("obs")
    protocol = _focused_protocol(folder)
    data = folder / "omop"
    write_population(synth_population(500, seed=77, as_of=AS_OF), data)
    return protocol, data, engine_for("memory").screen(protocol, data, AS_OF)


def _counts(result: PopulationResult, criterion: str) -> dict[tuple[str, str], int]:
    rows = result.rows[result.rows["criterion_id"] == criterion]
    return Counter(zip(rows["status"].astype(str), rows["reason"].astype(str), strict=True))


def _all_compiled(result: PopulationResult, ids: Iterator[str] | tuple[str, ...]) -> None:
    how = {cid: by for cid, _kind, by in result.criteria}
    for cid in ids:
        assert how[cid].startswith("sql:"), (cid, how[cid])


# -- the seed protocol ----------------------------------------------------------------------


@pytest.mark.slow
def test_seed_observation_criteria_compile_and_the_population_hits_every_branch(
    protocol: Protocol, reference: PopulationResult
) -> None:
    ours = [leaf for c in protocol.criteria for leaf in _leaves(c.rule) if isinstance(leaf, OURS)]
    assert len(ours) >= 10
    assert all(isinstance(family_of(leaf), (ObservationFamily, PersonFactFamily)) for leaf in ours)
    # Agreement on every engine is the differential tests' (test_population_*.py) job.
    compiled = set(plan_screening(protocol, AS_OF).compiled_ids)
    for criterion in protocol.criteria:
        leaves = list(_leaves(criterion.rule))
        if any(isinstance(leaf, NOT_COMPILED) for leaf in leaves):
            assert criterion.id not in compiled, criterion.id  # falls back
        elif all(family_of(leaf) is not None for leaf in leaves):
            assert criterion.id in compiled, criterion.id
    for cid in ("inc-life-expectancy", "exc-unresolved-toxicity", "exc-allergic-constitution"):
        assert cid in compiled, cid
    reasons = Counter(reference.rows["reason"].astype(str))
    for key in (
        "status.is",
        "status.missing",
        "life_expectancy.is",
        "life_expectancy.missing",
        "life_expectancy.unreadable",
        "attestation.true",
        "attestation.false",
        "attestation.stale",
        "attestation.missing",
        "attestation.unreadable",
        "toxicity.no_history",
        "test.result",
        "test.missing",
        "test.inconclusive",
    ):
        assert reasons.get(key, 0) >= 5, key
    for status in ("pass", "fail", "unknown", "review"):
        rows = reference.rows[reference.rows["criterion_id"] == "inc-life-expectancy"]
        assert (rows["status"] == status).sum() >= 5 or status == "unknown", status


# -- the focused protocol ------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.xdist_group("observations-focused")
def test_focused_leaves_agree_on_duckdb(
    focused: tuple[Protocol, Path, PopulationResult],
    agree: Callable[[PopulationResult, PopulationResult], None],
) -> None:
    protocol, data, reference = focused
    result = engine_for("duckdb").screen(protocol, data, AS_OF, fallback="review")
    _all_compiled(result, tuple(FOCUSED))
    agree(result, reference)
    expected = {
        "inc-sex": {("pass", "sex.is"), ("fail", "sex.is"), ("unknown", "sex.unknown")},
        "exc-pregnant": {("pass", "pregnancy.male"), ("review", "pregnancy.pregnant.review")},
        "inc-lansky": {
            ("pass", "performance.is"),
            ("fail", "performance.is"),
            ("unknown", "performance.missing"),
        },
        "inc-performance": {("pass", "performance.is"), ("unknown", "performance.unreadable")},
        "inc-not-abnormal": {("pass", "status.is"), ("fail", "status.is")},
        "inc-risk": {("pass", "status.is"), ("fail", "status.is"), ("unknown", "status.missing")},
        "inc-hiv-negative": {("pass", "test.result"), ("fail", "test.result")},
        "inc-attested-short": {("pass", "attestation.true"), ("review", "attestation.stale")},
        "inc-life-range": {("pass", "life_expectancy.is"), ("fail", "life_expectancy.is")},
        "exc-toxicity-no-attestation": {("unknown", "toxicity.no_history")},
        "inc-spo2-room-air": {
            ("pass", "lab.meets"),
            ("fail", "lab.does_not_meet"),
            ("unknown", "lab.stale"),
        },
    }
    for cid, branches in expected.items():
        seen = _counts(reference, cid)
        for branch in branches:
            assert seen.get(branch, 0) >= 5, (cid, branch, seen)
    # Readings on supplemental oxygen are skipped: room air decides differently for some.
    rows = reference.rows.set_index(["criterion_id", "person_id"])["reason"].astype(str)
    air, anything = rows["inc-spo2-room-air"], rows["inc-spo2-any"]
    assert (air != anything).sum() >= 5


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.xdist_group("observations-focused")
def test_focused_leaves_agree_on_postgres(
    focused: tuple[Protocol, Path, PopulationResult],
    agree: Callable[[PopulationResult, PopulationResult], None],
    fresh_postgres_url: str,
) -> None:
    protocol, data, reference = focused
    result = screen_on("postgres", protocol, data, AS_OF, url=fresh_postgres_url)
    _all_compiled(result, tuple(FOCUSED))
    agree(result, reference)


@pytest.mark.spark
@pytest.mark.slow
@pytest.mark.xdist_group("observations-focused")
def test_focused_leaves_agree_on_spark(
    focused: tuple[Protocol, Path, PopulationResult],
    agree: Callable[[PopulationResult, PopulationResult], None],
) -> None:
    from trialdesk.population.spark_engine import spark_session

    session = spark_session("local[2]")
    try:
        result = engine_for("spark", session=session).screen(
            focused[0], focused[1], AS_OF, fallback="review"
        )
    finally:
        session.stop()
    agree(result, focused[2])


# -- the OMOP reading ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "number", "unit", "concept", "expected"),
    [
        ("true", None, None, None, True),
        (" False ", None, None, None, False),
        ("trialdesk-clinical:relapsed", None, None, None, Coding("trialdesk-clinical", "relapsed")),
        ("yes", None, None, None, "yes"),  # not a yes/no answer the screener reads
        (None, 6.0, "mo", None, Quantity(Decimal("6.000000"), "mo")),
        (None, 6.0, "later", None, None),  # unreadable unit: no value
        (None, None, None, 4188539, True),
        (None, None, None, 4188540, False),
        (None, None, None, 12345, None),
        ("", None, None, 4188539, True),  # an empty string is no value
        ("true", None, None, 4188540, True),  # the string is read first
    ],
)
def test_observation_value_reading(
    text: str | None, number: float | None, unit: str | None, concept: int | None, expected: Any
) -> None:
    assert observation_value(text, number, unit, concept) == expected


def test_fhir_attestation_survives_the_trip_through_omop() -> None:
    dated = ObservationRecord(
        SourceRef("Observation", "att-1", "test"),
        (Coding("trialdesk-attestation", "not-highly-allergic"),),
        "final",
        FuzzyDate.exact(date(2026, 5, 20)),
        False,
    )
    patient = PatientInfo(ref=SourceRef("Patient", "p1", "test"), birth_date=None, sex=Sex.FEMALE)
    tables = records_to_omop([PatientRecord(patient=patient, observations=(dated,))])
    row = tables["observation"].to_pylist()[0]
    assert row["value_as_string"] == "false"
    assert row["value_as_concept_id"] == 4188540
    (record,) = records_from_tables(tables, source="omop", as_of=date(2026, 6, 1))
    assert record.observations[0].value is False
    assert record.observations[0].codes == dated.codes


def test_oxygen_given_with_an_spo2_comes_back_as_its_component() -> None:
    day = FuzzyDate.exact(date(2026, 5, 30))
    flow = Component((Coding("loinc", "3151-8"),), Quantity(Decimal(2), "L/min"))
    spo2 = ObservationRecord(
        SourceRef("Observation", "spo2-1", "test"),
        (Coding("loinc", "59408-5"),),
        "final",
        day,
        Quantity(Decimal(97), "%"),
        components=(flow,),
    )
    patient = PatientInfo(ref=SourceRef("Patient", "p1", "test"), birth_date=None, sex=Sex.MALE)
    tables = records_to_omop([PatientRecord(patient=patient, observations=(spo2,))])
    codes = tables["measurement"].column("measurement_source_value").to_pylist()
    assert codes == ["loinc:59408-5", "loinc:3151-8"]
    (record,) = records_from_tables(tables, source="omop", as_of=date(2026, 6, 1))
    read = {o.codes[0].code: o for o in record.observations}
    assert read["59408-5"].components == (
        Component(
            (Coding("loinc", "3151-8"),), Quantity(Decimal("2.000000"), "L/min", None, "L/min")
        ),
    )
    assert read["3151-8"].components == ()  # the oxygen row is not its own component


# -- numbers at the cut-off ----------------------------------------------------------------

_DECIMALS = st.decimals(
    min_value=Decimal("-1000000"), max_value=Decimal("1000000"), allow_nan=False, places=20
)


@given(value=_DECIMALS, number=st.decimals(min_value=0, max_value=1000, places=4))
def test_edges_give_the_sign_of_the_rounded_comparison(value: Decimal, number: Decimal) -> None:
    low, high, low_in, high_in = _edges(number)
    if value < low or (value == low and not low_in):
        sign = -1
    elif value > high or (value == high and not high_in):
        sign = 1
    else:
        sign = 0
    assert sign == compare(round_significant(value), number)


@given(number=st.decimals(min_value=Decimal("0.001"), max_value=1000, places=3))
def test_values_on_the_edges_round_as_the_screener_rounds(number: Decimal) -> None:
    low, high, low_in, high_in = _edges(number)
    assert (compare(low, number) == 0) is low_in
    assert (compare(high, number) == 0) is high_in
    assert low < number < high


def test_a_folder_without_observation_table_is_read_as_no_observations(
    tmp_path: Path,
    protocol: Protocol,
    agree: Callable[[PopulationResult, PopulationResult], None],
) -> None:
    data = tmp_path / "omop"
    tables = synth_population(60, seed=3, as_of=AS_OF)
    del tables["observation"]
    write_population(tables, data)
    reference = engine_for("memory").screen(protocol, data, AS_OF)
    result = engine_for("duckdb").screen(protocol, data, AS_OF, fallback="review")
    rows = result.rows[result.rows["criterion_id"] == "exc-allergic-constitution"]
    assert set(rows["reason"]) == {"attestation.missing"}
    agree(result, reference)


@pytest.mark.slow
def test_a_censored_number_in_measurement_is_not_read_as_the_value(
    focused: tuple[Protocol, Path, PopulationResult],
    agree: Callable[[PopulationResult, PopulationResult], None],
    tmp_path: Path,
) -> None:
    """A life expectancy recorded in measurement under "<" or ">" (OMOP operator concepts
    4172703, 4172704) is a bound, not a value: the record reader and the SQL both read no
    number there (review), and a plain one on the same day elsewhere is read."""
    protocol, data, _reference = focused
    table = pq.read_table(data / "measurement.parquet")
    first = pc.max(table.column("measurement_id")).as_py() + 1
    people = (1, 2, 3)
    rows = [
        {
            "measurement_id": first + index,
            "person_id": person,
            "measurement_concept_id": 0,
            "measurement_date": AS_OF,
            "measurement_type_concept_id": 32856,
            "operator_concept_id": operator,
            "value_as_number": 12.0,
            "unit_concept_id": 0,
            "range_low": None,
            "range_high": None,
            "measurement_source_value": "trialdesk-clinical:life-expectancy",
            "unit_source_value": "mo",
        }
        for index, (person, operator) in enumerate(
            zip(people, (None, 4172703, 4172704), strict=True)
        )
    ]
    added = pa.Table.from_pylist(rows, schema=table.schema)
    folder = with_table(data, tmp_path, "measurement", pa.concat_tables([table, added]))
    reference = engine_for("memory").screen(protocol, folder, AS_OF)
    agree(screen_on("duckdb", protocol, folder, AS_OF), reference)
    got = outcomes(reference, "inc-life-range", people)
    assert got[1] == ("pass", "life_expectancy.is")
    assert got[2][0] == "review"
    assert got[3][0] == "review"
