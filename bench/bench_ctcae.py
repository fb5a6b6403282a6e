"""Throughput of CTCAE v5.0 lab grading: 1,000,000 results through grade_lab_array, and a
sample through the scalar grade_lab (with its full evidence) for comparison.

Usage (from the repository root):

    .venv/bin/python bench/bench_ctcae.py [--n 1000000] [--scalar 5000] [--seed 7]

The results are synthetic (seeded numpy draws around each analyte's cut-offs), spread over eight
analytes in equal parts; each analyte is graded in one vectorised call with per-row LLN, ULN and
baseline arrays, as a report over a population would. The grading tables are loaded once before
timing starts (they are cached). The vectorised grades of the scalar sample are checked against
the scalar grades, so a fast wrong answer cannot pass unnoticed.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

import numpy as np

from trialdesk.core.rules.ctcae import grade_lab, grade_lab_array


@dataclass(frozen=True)
class Case:
    analyte: str
    unit: str
    low: float
    high: float
    lln: float
    uln: float
    baseline: bool


CASES = [
    Case("hemoglobin", "g/L", 40, 180, 115, 155, False),
    Case("neutrophils", "10*9/L", 0, 8, 1.8, 7.5, False),
    Case("platelets", "10*9/L", 5, 450, 150, 400, False),
    Case("alt", "U/L", 5, 1000, 9, 40, True),
    Case("bilirubin_total", "umol/L", 1, 200, 1.7, 14.4, True),
    Case("creatinine", "umol/L", 10, 500, 27, 54, True),
    Case("sodium", "mmol/L", 110, 170, 135, 145, False),
    Case("potassium", "mmol/L", 2, 8, 3.5, 5.0, False),
]


def _columns(case: Case, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    values = np.round(rng.uniform(case.low, case.high, n), 2)
    jitter = rng.uniform(0.9, 1.1, n)
    columns = {
        "values": values,
        "lln": np.round(case.lln * jitter, 2),
        "uln": np.round(case.uln * jitter, 2),
    }
    if case.baseline:
        columns["baseline"] = np.round(rng.uniform(case.lln, case.uln * 2, n), 2)
    return columns


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--scalar", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    per_case = args.n // len(CASES)
    data = [(case, _columns(case, per_case, rng)) for case in CASES]
    for case, cols in data:  # warm the caches (tables, unit registry) outside the timing
        grade_lab_array(case.analyte, cols["values"][:10], case.unit, **_refs(cols, 10))

    start = time.perf_counter()
    grades = [
        grade_lab_array(case.analyte, cols["values"], case.unit, **_refs(cols, None))
        for case, cols in data
    ]
    vector_seconds = time.perf_counter() - start
    total = per_case * len(CASES)

    sample = max(1, args.scalar // len(CASES))
    start = time.perf_counter()
    mismatches = 0
    for (case, cols), graded in zip(data, grades, strict=True):
        for i in range(sample):
            result = grade_lab(
                case.analyte,
                str(cols["values"][i]),
                case.unit,
                lln=str(cols["lln"][i]),
                uln=str(cols["uln"][i]),
                baseline=str(cols["baseline"][i]) if "baseline" in cols else None,
            )
            mismatches += int((result.grade or 0) != int(graded[i]))
    scalar_seconds = time.perf_counter() - start
    scalar_total = sample * len(CASES)

    print(f"vectorised grade_lab_array: {total:>9} results {vector_seconds:8.3f} s "
          f"{total / vector_seconds:12.0f} results/s")  # fmt: skip
    print(f"scalar grade_lab (evidence): {scalar_total:>8} results {scalar_seconds:8.3f} s "
          f"{scalar_total / scalar_seconds:12.0f} results/s")  # fmt: skip
    counts = np.bincount(np.concatenate(grades).astype(np.int64) + 2, minlength=7)
    print(
        "grade distribution (-2 undetermined .. 4):",
        dict(zip(range(-2, 5), counts.tolist(), strict=True)),
    )
    print(f"scalar/vectorised disagreements on the sample: {mismatches}")
    if mismatches:
        raise SystemExit(1)


def _refs(cols: dict[str, np.ndarray], n: int | None) -> dict[str, np.ndarray]:
    return {key: cols[key][:n] for key in ("lln", "uln", "baseline") if key in cols}


if __name__ == "__main__":
    main()
