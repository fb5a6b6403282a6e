"""Benchmark: where a DuckDB population screening spends its time, step by step.

    uv run python bench/bench_population_steps.py --data /tmp/pop-v3 --size 100000

Screens NCT06948994 (as of 2026-06-01, ``fallback="review"``, 2 threads) over
``DATA/SIZE`` (``trialdesk synth population --patients SIZE --seed 1 --out DATA/SIZE``) and
prints, for every engine call that took more than 50 ms (distinct-spelling queries, parameter
tables, each materialised step, the final fetch), its wall and CPU seconds (CPU: this process,
all DuckDB threads; steadier than wall on a shared machine), then the total and peak memory.
Views are inlined into the step that reads them, so their time shows there. Not a timed test:
figures go to docs/benchmarks/population.md.
"""

from __future__ import annotations

import argparse
import resource
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import trialdesk.population.engine as engine_module
from trialdesk import load_protocol
from trialdesk.population import engine_for
from trialdesk.population.duckdb_engine import DuckDBEngine
from trialdesk.population.families import FAMILIES
from trialdesk.population.leaf_pivot import LeafScatter


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


#: How deep in timed calls we are: a call inside another (the pivot's fetch) is shown indented
#: and left out of the sum of the listed steps.
_depth = [0]


def _timed(label: Callable[..., str], method: Callable[..., Any], out: list) -> Callable[..., Any]:
    def wrapper(self: DuckDBEngine, *args: Any) -> Any:
        wall, cpu = time.perf_counter(), _cpu_s()
        _depth[0] += 1
        try:
            result = method(self, *args)
        finally:
            _depth[0] -= 1
        name = "  " * _depth[0] + label(*args)
        out.append((name, time.perf_counter() - wall, _cpu_s() - cpu))
        return result

    return wrapper


def _plain(label: str, function: Callable[..., Any], out: list) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        wall, cpu = time.perf_counter(), _cpu_s()
        _depth[0] += 1
        try:
            result = function(*args, **kwargs)
        finally:
            _depth[0] -= 1
        out.append(("  " * _depth[0] + label, time.perf_counter() - wall, _cpu_s() - cpu))
        return result

    return wrapper


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=Path("/tmp/pop-v3"))
    parser.add_argument("--size", type=int, default=100_000)
    args = parser.parse_args()
    steps: list[tuple[str, float, float]] = []
    DuckDBEngine.create = _timed(lambda name, _sql: name, DuckDBEngine.create, steps)  # type: ignore[method-assign]
    DuckDBEngine.register = _timed(
        lambda name, _t: f"register {name}", DuckDBEngine.register, steps
    )  # type: ignore[method-assign]
    DuckDBEngine.fetch = _timed(  # type: ignore[method-assign]
        lambda sql: "fetch " + " ".join(sql.split())[:50], DuckDBEngine.fetch, steps
    )
    # Python-side phases: planning, parameter tables, the numpy pivot and combination (the
    # streamed fetch of the leaf rows, which runs the families' leaf views, inside it), the
    # assembly.
    DuckDBEngine._combine_in_numpy = _timed(  # type: ignore[method-assign]
        lambda _c, _ids: "leaf rows streamed + numpy pivot + combination",
        DuckDBEngine._combine_in_numpy,
        steps,
    )
    scatter_add = LeafScatter.add
    scattered = [0.0, 0.0]

    def add(self: LeafScatter, batch: Any) -> None:
        wall, cpu = time.perf_counter(), _cpu_s()
        scatter_add(self, batch)
        scattered[0] += time.perf_counter() - wall
        scattered[1] += _cpu_s() - cpu

    LeafScatter.add = add  # type: ignore[method-assign]
    for name in ("plan_screening", "assemble", "reason_table", "combine", "sorted_persons"):
        original = getattr(engine_module, name)
        setattr(engine_module, name, _plain(name, original, steps))
    for family in FAMILIES:
        family.tables = _plain(  # type: ignore[method-assign]
            f"{family.name} parameter tables", family.tables, steps
        )
    runner = engine_for("duckdb", threads=2)
    protocol = load_protocol("NCT06948994")
    wall, cpu = time.perf_counter(), _cpu_s()
    runner.screen(
        protocol,
        args.data / str(args.size),
        date(2026, 6, 1),
        fallback="review",
    )
    wall, cpu = time.perf_counter() - wall, _cpu_s() - cpu
    steps.append(("  numpy scatter of the streamed batches (sum)", *scattered))
    print("wall_s\tcpu_s\tstep")
    for name, step_wall, step_cpu in steps:
        if step_wall > 0.05:
            print(f"{step_wall:.2f}\t{step_cpu:.2f}\t{name}")
    top = [(w, c) for n, w, c in steps if w > 0.05 and not n.startswith(" ")]
    listed = sum(w for w, _c in top), sum(c for _w, c in top)
    print(f"{wall - listed[0]:.2f}\t{cpu - listed[1]:.2f}\tunlisted (calls under 50 ms, glue)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{wall:.2f}\t{cpu:.2f}\ttotal (peak RSS {peak:.0f} MiB)")


if __name__ == "__main__":
    main()
