"""Benchmark: population screening of NCT06948994 on DuckDB (2 threads), Spark local beside it.

    uv run python bench/bench_population.py --sizes 10000 100000 1000000 --spark-sizes 10000 100000

For each size: generate the synthetic OMOP population once (not timed), then time
* the bare minimum: one DuckDB scan-and-aggregate of the measurement table
  (COUNT, MAX(date), SUM(value) grouped by person and source code);
* the compiled screening (``--fallback review``: SQL criteria only; the Python fallback is
  per person and is not what this measures);
and report wall time, CPU time (this process, all DuckDB threads; the JVM's is not counted
for Spark), peak memory (RSS of this process, MiB), the minimum's wall and CPU time, and the
1-minute load average (the machine may be shared: CPU time is the steadier figure).
Not a timed test: figures go to docs/benchmarks/population.md.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb

from trialdesk import load_protocol
from trialdesk.population import engine_for
from trialdesk.synth.population import synth_population, write_population

AS_OF = date(2026, 6, 1)


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _minimum(folder: Path) -> tuple[float, float]:
    db = duckdb.connect(config={"threads": 2})
    db.read_parquet(str(folder / "measurement.parquet")).create_view("measurement")
    start, cpu = time.perf_counter(), _cpu_s()
    db.sql(
        "SELECT person_id, measurement_source_value, COUNT(*), MAX(measurement_date),"
        " SUM(value_as_number) FROM measurement GROUP BY ALL"
    ).to_arrow_table()
    return time.perf_counter() - start, _cpu_s() - cpu


def _one(engine: str, size: int, folder: Path) -> None:
    """Run in a child process so that peak memory is this run's own."""
    protocol = load_protocol("NCT06948994")
    runner = engine_for(engine, threads=2, master="local[2]")
    start, cpu = time.perf_counter(), _cpu_s()
    result = runner.screen(protocol, folder, AS_OF, fallback="review")
    wall, cpu = time.perf_counter() - start, _cpu_s() - cpu
    runner.close()
    people = result.people
    least, least_cpu = _minimum(folder) if engine == "duckdb" else (float("nan"), float("nan"))
    print(
        f"{engine}\t{size}\t{people}\t{wall:.2f}\t{cpu:.2f}\t{_peak_mib():.0f}"
        f"\t{least:.2f}\t{least_cpu:.2f}\t{os.getloadavg()[0]:.1f}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--spark-sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--data", type=Path, default=Path("/tmp/trialdesk-bench-population"))
    parser.add_argument("--child", nargs=2, metavar=("ENGINE", "SIZE"))
    args = parser.parse_args()
    if args.child:
        engine, size = args.child[0], int(args.child[1])
        _one(engine, size, args.data / str(size))
        return
    print(
        "engine\tsize\tpeople\twall_s\tcpu_s\tpeak_MiB\tminimum_s\tminimum_cpu_s\tload1",
        flush=True,
    )
    for size in sorted(set(args.sizes) | set(args.spark_sizes)):
        folder = args.data / str(size)
        if not (folder / "person.parquet").exists():
            write_population(synth_population(size, seed=1, as_of=AS_OF), folder)
        engines = (["duckdb"] if size in args.sizes else []) + (
            ["spark"] if size in args.spark_sizes else []
        )
        for engine in engines:
            command = [
                sys.executable,
                __file__,
                "--data",
                str(args.data),
                "--child",
                engine,
                str(size),
            ]
            subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
