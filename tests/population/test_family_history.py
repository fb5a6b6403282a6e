"""Coded history leaves (condition, procedure, medication, allergy) in SQL vs the screener.

A protocol of history criteria only (NCT06948994's header, criteria in every position that
changes what "nothing recorded" means) is screened over the session's synthetic population by
DuckDB, PostgreSQL and Spark, and must agree with the in-memory screener on every person and
criterion, status and first reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from population_helpers import screen_on, write_protocol

from trialdesk import load_protocol
from trialdesk.core.protocol.protocol import Protocol
from trialdesk.core.screening.outcome import Truth
from trialdesk.errors import TrialDeskError
from trialdesk.population import engine_for
from trialdesk.population.compile_rules import RuleCompiler
from trialdesk.population.families.base import Setting
from trialdesk.population.families.history import HistoryFamily
from trialdesk.population.omop import find_tables, read_table
from trialdesk.population.records import records_from_tables
from trialdesk.population.result import PopulationResult
from trialdesk.population.sql import leaves_by_family
from trialdesk.synth.population import synth_population

ANTI = "vs.systemic_antiinfectives_immunosuppressants"
# (id, kind, rule): every history leaf kind, status and window, in positions where no match is
# UNKNOWN (an inclusion's leaf) or FALSE (exclusions, under not, review_if, an if's condition).
CRITERIA = [
    ("inc-neuroblastoma", "inclusion", "condition(vs.neuroblastoma, status=any)"),
    ("inc-no-hiv", "inclusion", "not condition(vs.hiv_infection, status=any)"),
    (
        "inc-no-arrhythmia",
        "inclusion",
        "not review_if(condition(vs.cardiac_arrhythmia, status=active))",
    ),
    (
        "inc-resolved-lung-kidney",
        "inclusion",
        "condition(vs.chronic_lung_disease, vs.kidney_disease, status=resolved)",
    ),
    ("inc-recent-infection", "inclusion", "condition(vs.infection, status=any, within=30 days)"),
    ("inc-recent-anti-infective", "inclusion", f"medication({ANTI}, status=any, within=30 days)"),
    ("inc-any-chemo", "inclusion", "medication(atc:L01*, rxnorm:161, status=any)"),
    ("inc-hsct-year", "inclusion", "procedure(vs.hsct_not_known_autologous, within=1 years)"),
    (
        "inc-infection-chemo",
        "inclusion",
        "if condition(vs.infection, status=any) then medication(atc:L01*, status=any)",
    ),
    ("inc-allergy", "inclusion", "allergy(criticality=high)"),
    (
        "exc-infection",
        "exclusion",
        "review_if(condition(vs.infection, status=active))"
        f" or review_if(medication({ANTI}, status=active))",
    ),
    (
        "exc-transplant",
        "exclusion",
        "procedure(vs.solid_organ_transplant) or condition(vs.solid_organ_transplant, status=any)"
        " or review_if(procedure(vs.hsct_not_known_autologous),"
        " condition(vs.hsct_not_known_autologous, status=any))",
    ),
    ("exc-pulmonary", "exclusion", "condition(vs.pulmonary_infection, status=active)"),
    ("exc-allergy", "exclusion", "allergy(criticality=high)"),
]

SPARK_CRITERIA = frozenset(
    {
        "inc-neuroblastoma",
        "inc-recent-anti-infective",
        "inc-hsct-year",
        "exc-infection",
        "inc-resolved-lung-kidney",
        "exc-allergy",
    }
)


@pytest.fixture(scope="module")
def history_protocol_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_protocol(CRITERIA, tmp_path_factory.mktemp("history"), "History")


@pytest.fixture(scope="module")
def history_protocol(history_protocol_file: Path) -> Protocol:
    return load_protocol(history_protocol_file)


@pytest.fixture(scope="module")
def history_reference(
    history_protocol: Protocol, population_dir: Path, as_of: date
) -> PopulationResult:
    return engine_for("memory").screen(history_protocol, population_dir, as_of)


def _subset(protocol: Protocol, ids: frozenset[str]) -> Protocol:
    return replace(protocol, criteria=tuple(c for c in protocol.criteria if c.id in ids))


def _agree(
    sql: PopulationResult, reference: PopulationResult, ids: frozenset[str] | None = None
) -> None:
    wanted = ids or frozenset(cid for cid, _k, _r in CRITERIA)
    assert {cid for cid, _kind, by in sql.criteria if by.startswith("sql:")} == wanted
    columns = ["person_id", "criterion_id", "status", "reason"]
    theirs = reference.rows[reference.rows["criterion_id"].isin(wanted)]
    ours, theirs = sql.rows[columns].astype(str), theirs[columns].astype(str)
    merged = ours.merge(theirs, on=["person_id", "criterion_id"], suffixes=("_sql", "_mem"))
    assert len(merged) == len(ours) == len(theirs)
    differ = merged[
        (merged["status_sql"] != merged["status_mem"])
        | (merged["reason_sql"] != merged["reason_mem"])
    ]
    assert differ.empty, differ.head(20).to_string()


@pytest.mark.slow
def test_duckdb_history_agrees_with_the_screener(
    history_protocol: Protocol,
    population_dir: Path,
    history_reference: PopulationResult,
    as_of: date,
) -> None:
    result = engine_for("duckdb").screen(history_protocol, population_dir, as_of)
    _agree(result, history_reference)


@pytest.mark.slow
@pytest.mark.postgres
def test_postgres_history_agrees_with_the_screener(
    history_protocol: Protocol,
    population_dir: Path,
    history_reference: PopulationResult,
    as_of: date,
    fresh_postgres_url: str,
) -> None:
    result = screen_on(
        "postgres",
        history_protocol,
        population_dir,
        as_of,
        fallback="python",
        url=fresh_postgres_url,
    )
    _agree(result, history_reference)


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    from trialdesk.population.spark_engine import spark_session

    session = spark_session("local[2]")
    yield session
    session.stop()


@pytest.mark.slow
@pytest.mark.spark
def test_spark_history_agrees_with_the_screener(
    history_protocol: Protocol,
    population_dir: Path,
    history_reference: PopulationResult,
    as_of: date,
    spark: Any,
) -> None:
    """Spark on the criteria that cover every leaf kind and both meanings of "no match" (Spark
    local is slow per query; DuckDB and PostgreSQL check all of them)."""
    engine = engine_for("spark", session=spark)
    protocol = _subset(history_protocol, SPARK_CRITERIA)
    result = engine.screen(protocol, population_dir, as_of)
    _agree(result, history_reference, SPARK_CRITERIA)


@pytest.mark.slow
def test_the_population_reaches_every_branch_of_the_history_criteria(
    history_reference: PopulationResult,
) -> None:
    """The differential test is only as good as its data: each outcome has people behind it."""
    counts = history_reference.rows.groupby(["criterion_id", "status"], observed=True).size()
    expected = {
        "inc-neuroblastoma": ("pass", "unknown"),
        "inc-no-hiv": ("pass", "fail"),
        "inc-no-arrhythmia": ("pass", "review"),
        "inc-resolved-lung-kidney": ("pass", "unknown"),
        "inc-recent-infection": ("pass", "unknown"),
        "inc-recent-anti-infective": ("pass", "unknown"),
        "inc-any-chemo": ("pass", "unknown"),
        "inc-hsct-year": ("pass", "unknown"),
        "inc-infection-chemo": ("pass", "unknown", "not_applicable"),
        "inc-allergy": ("unknown",),
        "exc-infection": ("pass", "review"),
        "exc-transplant": ("pass", "fail", "review"),
        "exc-pulmonary": ("pass", "fail"),
        "exc-allergy": ("pass",),
    }
    for criterion, statuses in expected.items():
        for status in statuses:
            assert counts.get((criterion, status), 0) >= 5, (criterion, status)


def test_no_match_is_unknown_only_where_true_helps_eligibility(history_protocol: Protocol) -> None:
    compiler = RuleCompiler()
    for criterion in history_protocol.criteria:
        compiler.criterion(criterion.id, criterion.rule, criterion.kind)
    leaves = leaves_by_family(compiler.out)["history"]
    favourable = {leaf: compiler.out.favourable[leaf] for leaf, _ in leaves}
    numbered = dict(leaves)
    unknown_when_absent = {
        type(numbered[leaf]).__name__ for leaf, f in favourable.items() if f is Truth.TRUE
    }
    assert unknown_when_absent == {
        "ConditionCheck",
        "MedicationCheck",
        "ProcedureCheck",
        "AllergyCheck",
    }
    # The if's condition has no favourable side; review_if and not make FALSE the safe answer.
    assert sum(f is None for f in favourable.values()) == 1
    assert sum(f is Truth.FALSE for f in favourable.values()) == 10


def test_history_leaves_without_their_place_in_the_criterion_are_refused(
    history_protocol: Protocol,
) -> None:
    compiler = RuleCompiler()
    for criterion in history_protocol.criteria:
        compiler.criterion(criterion.id, criterion.rule, criterion.kind)
    leaves = leaves_by_family(compiler.out)["history"]
    setting = Setting(
        date(2026, 6, 1), history_protocol.model.recency_windows, lambda _t, _c: [], {}
    )
    with pytest.raises(TrialDeskError, match="without their place"):
        HistoryFamily().tables(leaves, setting)


def test_the_omop_reading_holds_no_allergies(population_dir: Path) -> None:
    """Why allergy leaves compile to "no match" for everyone: records.py reads none."""
    tables = {name: read_table(path) for name, path in find_tables(population_dir).items()}
    few = pc.is_in(tables["person"].column("person_id"), pa.array(range(1, 101), pa.int64()))
    tables = {
        name: table.filter(pc.less_equal(table.column("person_id"), 100))
        if name != "person"
        else table.filter(few)
        for name, table in tables.items()
    }
    records = list(records_from_tables(tables, source="test", as_of=date(2026, 6, 1)))
    assert len(records) == 100
    assert sum(len(r.conditions) + len(r.medications) + len(r.procedures) for r in records) > 50
    assert all(record.allergies == () for record in records)


def test_history_synth_is_deterministic_with_every_kind_of_row() -> None:
    tables = synth_population(3000, seed=7)
    again = synth_population(3000, seed=7)
    for name in ("person", "measurement", "condition_occurrence", "drug_exposure"):
        assert tables[name].equals(again[name])
    drugs = tables["drug_exposure"]
    ended = drugs.num_rows - drugs.column("drug_exposure_end_date").null_count
    assert drugs.num_rows > 300
    assert 0 < ended < drugs.num_rows
    assert tables["procedure_occurrence"].num_rows > 300


def test_cli_screens_history_criteria_in_sql(
    history_protocol_file: Path, population_dir: Path, tmp_path: Path
) -> None:
    """End to end: a protocol file with history criteria, through ``trialdesk population
    screen``; with ``--fallback review`` a criterion left to Python would read
    ``population.not_compiled``."""
    from typer.testing import CliRunner

    from trialdesk.cli.app import app

    out = tmp_path / "results.parquet"
    args = ["population", "screen", "--trial", str(history_protocol_file)]
    args += ["--as-of", "2026-06-01", "--data", str(population_dir), "--engine", "duckdb"]
    ran = CliRunner().invoke(app, [*args, "--fallback", "review", "--out", str(out)])
    assert ran.exit_code == 0, ran.output
    assert "exc-transplant" in ran.output
    rows = pq.read_table(out).to_pandas()
    assert len(rows) == 1200 * len(CRITERIA)
    assert "population.not_compiled" not in set(rows["reason"])
    assert {"condition.found", "procedure.found", "medication.found", "allergy.none"} <= set(
        rows["reason"]
    )


def test_source_values_match_as_the_core_reads_codes(history_protocol: Protocol) -> None:
    """The (leaf, source value) rows: ICD-10 upper-cased, hierarchical and by range; a bare code
    in the table's default system; the system's spelling folded; ATC prefixes case-sensitive."""
    from trialdesk.population.families.history import _code_table

    values = {
        "condition_occurrence": [
            "icd10:j18.9",  # pneumonia, lower case: infection and pulmonary infection
            "ICD10:A08.4",  # viral intestinal infection: infection
            "91302008",  # bare: SNOMED CT sepsis, an infection
            " icd10:B20 ",  # spaces around: HIV
            "icd10:Z94.84",  # stem-cell transplant status: under Z94.8 (HSCT), not solid organ
            "icd10:Z94.9",  # transplanted organ, unspecified: neither
            "rxnorm:161",  # wrong table's system: nothing
        ],
        "procedure_occurrence": ["SNOMED:234336002", "snomed:709115004", "70536003"],
        "drug_exposure": ["atc:J01EE01", "atc:j01ee01", "atc:L01XX19", "rxnorm:161", "161"],
    }
    column_of = {
        "condition_occurrence": "condition_source_value",
        "procedure_occurrence": "procedure_source_value",
        "drug_exposure": "drug_source_value",
    }

    def distinct(table: str, column: str) -> list[str]:
        assert column == column_of[table]
        return values[table]

    compiler = RuleCompiler()
    for criterion in history_protocol.criteria:
        compiler.criterion(criterion.id, criterion.rule, criterion.kind)
    leaves = leaves_by_family(compiler.out)["history"]
    setting = Setting(
        date(2026, 6, 1),
        history_protocol.model.recency_windows,
        distinct,
        compiler.out.favourable,
    )
    rows = _code_table(leaves, setting).to_pylist()
    titles = {leaf: node.codes.title for leaf, node in leaves if getattr(node, "codes", None)}
    matched: dict[tuple[str, str], set[str]] = {}
    for row in rows:
        matched.setdefault((row["kind"], row["source_value"]), set()).add(titles[row["leaf"]])
    infection, pulmonary, hiv = "Infections", "Pulmonary infections", "HIV infection"
    hsct = "Haematopoietic stem-cell transplant of unspecified or allogeneic type"
    solid = "Solid organ transplantation (procedure or status)"
    drugs = "Systemic anti-infective and immunosuppressive medicines"
    condition = {v: matched.get(("condition", v), set()) for v in values["condition_occurrence"]}
    assert condition["icd10:j18.9"] == {infection, pulmonary}
    assert condition["ICD10:A08.4"] == {infection}
    assert condition["91302008"] == {infection}
    assert condition[" icd10:B20 "] == {hiv, infection}  # B20 is also in A00-B99
    assert hsct in condition["icd10:Z94.84"]
    assert solid not in condition["icd10:Z94.84"]
    assert condition["icd10:Z94.9"] == set()
    assert condition["rxnorm:161"] == set()
    procedure = {v: matched.get(("procedure", v), set()) for v in values["procedure_occurrence"]}
    assert procedure == {"SNOMED:234336002": {hsct}, "snomed:709115004": set(), "70536003": {solid}}
    medication = {v: matched.get(("medication", v), set()) for v in values["drug_exposure"]}
    assert drugs in medication["atc:J01EE01"]
    assert medication["atc:j01ee01"] == set()  # ATC codes are case-sensitive in the core
    assert medication["rxnorm:161"] == medication["161"] != set()  # bare drug codes: RxNorm


@pytest.mark.slow
def test_the_nct_population_reaches_the_history_branches_of_its_criteria(
    reference: PopulationResult,
) -> None:
    """NCT06948994's history parts, in the 1,200-person differential population: each outcome
    the history leaves decide has at least five people behind it."""
    counts = reference.rows.groupby(["criterion_id", "status", "reason"], observed=True).size()
    for key in (
        ("inc-diagnosis", "pass", "condition.found"),
        ("inc-diagnosis", "unknown", "condition.not_recorded"),
        ("inc-cardiac", "review", "condition.found"),
        ("inc-lung-kidney-spo2", "fail", "condition.found"),
        ("inc-lung-kidney-spo2", "review", "condition.found"),
        ("exc-infection-immunosuppression", "pass", "condition.none"),
        ("exc-infection-immunosuppression", "review", "condition.found"),
        ("exc-infection-immunosuppression", "review", "medication.found"),
        ("exc-organ-transplant", "pass", "procedure.none"),
        ("exc-organ-transplant", "fail", "condition.found"),
        ("exc-organ-transplant", "fail", "procedure.found"),
        ("exc-organ-transplant", "review", "condition.found"),
        ("exc-organ-transplant", "review", "procedure.found"),
        ("exc-hiv", "pass", "condition.none"),
        ("exc-hiv", "fail", "condition.found"),
    ):
        assert counts.get(key, 0) >= 5, key


def test_an_end_date_after_the_screening_date_has_not_happened_yet() -> None:
    """A course planned to run past the as-of date is current treatment (exc-infection must
    go to review), and a condition ending later was still active; an end on or before it
    has happened."""
    day = pa.date32()
    as_of = date(2026, 6, 1)
    tables = {
        "person": pa.table({"person_id": pa.array([1], pa.int64()), "year_of_birth": [2018]}),
        "condition_occurrence": pa.table(
            {
                "condition_occurrence_id": pa.array([1, 2, 3], pa.int64()),
                "person_id": pa.array([1, 1, 1], pa.int64()),
                "condition_start_date": pa.array([date(2026, 5, 1)] * 3, day),
                "condition_end_date": pa.array([date(2026, 6, 2), date(2026, 6, 1), None], day),
                "condition_source_value": ["icd10:J18.9", "icd10:J18.9", "icd10:J18.9"],
            }
        ),
        "drug_exposure": pa.table(
            {
                "drug_exposure_id": pa.array([1, 2, 3], pa.int64()),
                "person_id": pa.array([1, 1, 1], pa.int64()),
                "drug_exposure_start_date": pa.array([date(2026, 5, 20)] * 3, day),
                "drug_exposure_end_date": pa.array(
                    [date(2026, 6, 10), date(2026, 6, 1), date(2026, 5, 31)], day
                ),
                "drug_source_value": ["atc:J01CA04"] * 3,
            }
        ),
    }
    (record,) = records_from_tables(tables, source="test", as_of=as_of)
    assert [c.clinical_status for c in record.conditions] == ["active", "resolved", "active"]
    assert [m.status for m in record.medications] == ["active", "active", "completed"]
