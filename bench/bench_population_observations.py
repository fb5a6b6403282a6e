"""Benchmark: the observation families' extra time in a DuckDB population screening (2 threads).

    uv run trialdesk synth population --patients 1000000 --seed 1 --out /tmp/o-pop/1000000
    uv run python bench/bench_population_observations.py --data /tmp/o-pop/1000000

Times (best of ``--repeat``, ``--fallback review``) the seed protocol's age and laboratory
criteria alone, then the same plus the observation criteria (status, finding, attestations,
toxicity attestation, HIV tests, life expectancy, room-air SpO2, written without the
condition parts that belong to the history family), and reports the difference.
Not a timed test: figures go to docs/benchmarks/population-observations.md.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

import yaml

from trialdesk import load_protocol
from trialdesk.population.duckdb_engine import DuckDBEngine

AS_OF = date(2026, 6, 1)
ROOT = Path(__file__).resolve().parents[1]
BASE = (
    "inc-age", "inc-hemoglobin", "inc-anc", "inc-platelets", "inc-albumin", "inc-bilirubin",
    "inc-ast", "inc-alt", "inc-alp", "inc-creatinine", "inc-coagulation-inr-pt", "inc-aptt",
)  # fmt: skip
OBSERVATIONS = {
    "inc-status": "risk_group(high) and (treatment_phase(maintenance) or disease_status(relapsed, refractory))",
    "inc-cardiac-obs": "echo(lvef) >= 50 % and finding(trialdesk-clinical:lv-diastolic-function) = normal",
    "inc-spo2": "vital(spo2, room_air=true) >= 92 %",
    "inc-life-expectancy": "life_expectancy() >= 6 months",
    "exc-toxicity": "unresolved_toxicity(above_grade=1, attestation=no-unresolved-toxicity-above-grade-1)",
    "exc-allergic": "not attested(not-highly-allergic)",
    "exc-hiv-test": "test(vs.hiv_tests) = positive",
    "exc-judgement": "not attested(no-other-investigator-concern)",
}  # fmt: skip


def _protocol(folder: Path, extra: dict[str, str]) -> Path:
    model = yaml.safe_load((ROOT / "protocols" / "NCT06948994.yaml").read_text("utf-8"))
    model["criteria"] = [c for c in model["criteria"] if c["id"] in BASE] + [
        {"id": cid, "kind": cid.split("-")[0].replace("inc", "inclusion").replace("exc", "exclusion"),
         "text": rule, "rule": rule}
        for cid, rule in extra.items()
    ]  # fmt: skip
    path = folder / f"protocol-{len(extra)}.yaml"
    path.write_text(yaml.safe_dump(model, sort_keys=False), "utf-8")
    return path


def _best(protocol_path: Path, data: Path, repeat: int) -> float:
    protocol = load_protocol(protocol_path)
    best = float("inf")
    for _ in range(repeat):
        engine = DuckDBEngine(threads=2)
        start = time.perf_counter()
        engine.screen(protocol, data, AS_OF, fallback="review")
        best = min(best, time.perf_counter() - start)
        engine.close()
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        base = _best(_protocol(folder, {}), args.data, args.repeat)
        both = _best(_protocol(folder, OBSERVATIONS), args.data, args.repeat)
    print(f"age + 11 labs: {base:.2f} s")
    print(f"+ 8 observation criteria: {both:.2f} s (extra {both - base:.2f} s)")


if __name__ == "__main__":
    main()
