"""Benchmark: what the history family (conditions, procedures, drugs) costs on DuckDB, 2 threads.

    uv run trialdesk synth population --patients 1000000 --seed 1 --out /tmp/h-pop/1000000
    uv run python bench/bench_population_history.py /tmp/h-pop/1000000
    uv run python bench/bench_population_history.py /tmp/h-pop/1000000 --nct

Screens a protocol of history criteria only (``tests/population/test_family_history.py``'s 14
criteria, 19 leaves over all three tables; ``--fallback review``) and, as the floor, one
DuckDB scan-and-aggregate of the three tables (rows per person and source value). Each step of
the compiled screening is timed through the engine's progress messages. Not a timed test:
figures go to docs/benchmarks/population-history.md.
"""

from __future__ import annotations

import itertools
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb
import yaml

from trialdesk import load_protocol
from trialdesk.adapters.protocol_files import bundled_protocol_dir
from trialdesk.population import engine_for

AS_OF = date(2026, 6, 1)


def _protocol(folder: Path) -> Path:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "population"))
    from test_family_history import CRITERIA

    data = yaml.safe_load((bundled_protocol_dir() / "NCT06948994.yaml").read_text("utf-8"))
    data["criteria"] = [
        {"id": cid, "kind": kind, "text": cid, "rule": rule} for cid, kind, rule in CRITERIA
    ]
    path = folder / "history.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
    return path


def _floor(data: Path) -> float:
    db = duckdb.connect(config={"threads": 2})
    start = time.perf_counter()
    for table, column in (
        ("condition_occurrence", "condition_source_value"),
        ("procedure_occurrence", "procedure_source_value"),
        ("drug_exposure", "drug_source_value"),
    ):
        db.read_parquet(str(data / f"{table}.parquet")).create_view(table)
        db.sql(f"SELECT person_id, {column}, COUNT(*) FROM {table} GROUP BY ALL").to_arrow_table()
    return time.perf_counter() - start


def _stopwatch() -> tuple[list[tuple[str, float]], Callable[[str], None]]:
    steps: list[tuple[str, float]] = []
    last = [time.perf_counter()]

    def progress(step: str) -> None:
        now = time.perf_counter()
        steps.append((step, now - last[0]))
        last[0] = now

    return steps, progress


def _print_steps(steps: list[tuple[str, float]]) -> None:
    # Each progress message starts a step: the time printed is that of the step it starts.
    for (name, _), (_, spent) in itertools.pairwise(steps):
        print(f"  {spent:7.2f} s  {name}", flush=True)


def _nct_with_and_without_history(data: Path) -> None:
    """NCT06948994 as shipped, then with the history family taken out (its criteria then fall
    back to review): the difference is what compiling the history leaves costs."""
    import trialdesk.population.engine as engine_module
    import trialdesk.population.families as families
    import trialdesk.population.sql as sql_module

    protocol = load_protocol("NCT06948994")
    every = families.FAMILIES
    for label, chosen in (
        ("with history", every),
        ("without history", tuple(f for f in every if f.name != "history")),
    ):
        # Bench-only switch: the modules that read the family list at call time.
        families.FAMILIES = sql_module.FAMILIES = engine_module.FAMILIES = chosen
        engine = engine_for("duckdb", threads=2)
        steps, progress = _stopwatch()
        start = time.perf_counter()
        result = engine.screen(protocol, data, AS_OF, fallback="review", progress=progress)
        progress("done")
        wall = time.perf_counter() - start
        engine.close()
        compiled = sum(1 for _c, _k, by in result.criteria if by.startswith("sql:"))
        print(f"NCT06948994 {label}: {wall:.2f} s, {compiled} criteria in SQL")
        _print_steps(steps)
    families.FAMILIES = sql_module.FAMILIES = engine_module.FAMILIES = every


def main() -> None:
    data = Path(sys.argv[1])
    if "--nct" in sys.argv:
        _nct_with_and_without_history(data)
        return
    with tempfile.TemporaryDirectory() as tmp:
        protocol = load_protocol(_protocol(Path(tmp)))
    steps, progress = _stopwatch()
    engine = engine_for("duckdb", threads=2)
    start = time.perf_counter()
    result = engine.screen(protocol, data, AS_OF, fallback="review", progress=progress)
    progress("done")
    wall = time.perf_counter() - start
    engine.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"people {result.people}  screening {wall:.2f} s  peak {peak:.0f} MiB")
    _print_steps(steps)
    print(f"floor (scan-and-aggregate of the 3 tables): {_floor(data):.2f} s")


if __name__ == "__main__":
    main()
