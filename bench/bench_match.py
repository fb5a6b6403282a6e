"""Benchmark: one patient against 10,000 protocols (synthetic variants of imported ones).

Usage (from the repository root; one core):

    taskset -c 0 .venv/bin/python bench/bench_match.py [--trials 10000] [--repeat 20]

Variants: the three ClinicalTrials.gov fixtures in tests/fixtures/ctgov/ are imported once
(NCT06948994 and two synthetic adult trials) and each variant takes one of them with its own
NCT id, registry age limits (and a matching age rule), sex, overall status and conditions
(drawn from 40 diseases; 1 in 40 lists neuroblastoma). Parsed criteria are shared between
variants whose rule text is identical, exactly as a rule-parse cache would share them.

Reported: time to build the 10,000 protocols and the index ("loading"), the Python heap at the
end of loading (tracemalloc) and the process's peak RSS, and the wall time of one match
(median and 95th percentile over --repeat runs) with condition pruning on (the default of
``trialdesk match``) and off (``--any-condition``). Also: loading one imported protocol file
from YAML, per file, measured on --files files.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path
from typing import Any

from trialdesk.adapters.ctgov.importer import import_paths, protocol_document
from trialdesk.adapters.fhir import read_record
from trialdesk.adapters.protocol_files import load_protocol
from trialdesk.core.criteria.ast import Criterion
from trialdesk.core.matching import MatchOptions, TrialIndex, match_patient
from trialdesk.core.protocol import Protocol, protocol_from_mapping

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "ctgov"
PATIENT = ROOT / "examples" / "patients" / "eligible-maintenance.json"
AS_OF = date(2026, 6, 1)
DISEASES = [
    "Neuroblastoma", "Breast Cancer", "Colorectal Cancer", "Non-small Cell Lung Cancer",
    "Prostate Cancer", "Melanoma", "Glioblastoma", "Acute Myeloid Leukemia",
    "Acute Lymphoblastic Leukemia", "Hodgkin Lymphoma", "Diffuse Large B-Cell Lymphoma",
    "Multiple Myeloma", "Ovarian Cancer", "Pancreatic Cancer", "Hepatocellular Carcinoma",
    "Gastric Cancer", "Renal Cell Carcinoma", "Bladder Cancer", "Osteosarcoma", "Ewing Sarcoma",
    "Rhabdomyosarcoma", "Wilms Tumor", "Medulloblastoma", "Retinoblastoma", "Asthma",
    "Type 2 Diabetes", "Heart Failure", "Rheumatoid Arthritis", "Crohn Disease",
    "Ulcerative Colitis", "Psoriasis", "Multiple Sclerosis", "Epilepsy", "Migraine",
    "Chronic Kidney Disease", "Sickle Cell Disease", "Hemophilia A", "Cystic Fibrosis",
    "Major Depressive Disorder", "Alzheimer Disease",
]  # fmt: skip
STATUSES = ["RECRUITING"] * 5 + ["NOT_YET_RECRUITING", "ACTIVE_NOT_RECRUITING", "COMPLETED"]
AGE_RANGES = [(None, None), ("18 Years", None), ("18 Years", "75 Years"), ("1 Year", "18 Years"),
              ("6 Months", "21 Years"), ("12 Years", None), ("2 Years", "30 Years"),
              ("18 Years", "65 Years"), ("28 Days", "17 Years"), (None, "39 Years")]  # fmt: skip


def base_documents() -> list[dict[str, Any]]:
    documents = []
    for name in ("NCT06948994.json", "NCT99000001.json", "NCT99000002.json"):
        study = json.loads((FIXTURES / name).read_text("utf-8"))
        documents.append(protocol_document(study, name)[0])
    return documents


def _age_rule(low: str | None, high: str | None) -> str:
    parts = []
    for limit, op in ((low, ">="), (high, "<=")):
        if limit is None:
            continue
        number, unit = limit.split()
        if unit.startswith("Day"):
            parts.append(f'(age() >= 1 months or review("minimum age {limit}"))')
        else:
            parts.append(f"age() {op} {number}" + (" months" if unit.startswith("Month") else ""))
    return " and ".join(parts) or "age() >= 0"


def variants(count: int, seed: int = 7) -> list[Protocol]:
    rng = random.Random(seed)
    bases = [protocol_from_mapping(d) for d in base_documents()]
    age_criteria: dict[tuple[str | None, str | None], Criterion] = {}
    for low, high in AGE_RANGES:
        doc = base_documents()[0]
        doc["criteria"] = [
            {
                "id": "inc-registry-age",
                "kind": "inclusion",
                "text": "age",
                "rule": _age_rule(low, high),
            }
        ]
        age_criteria[(low, high)] = protocol_from_mapping(doc).criteria[0]
    protocols = []
    for n in range(count):
        base = bases[n % len(bases)]
        low, high = rng.choice(AGE_RANGES)
        conditions = [rng.choice(DISEASES) for _ in range(rng.choice((1, 1, 2)))]
        registry = base.model.registry.model_copy(
            update={
                "nct_id": f"NCT8{n:07d}",
                "overall_status": rng.choice(STATUSES),
                "conditions": conditions,
                "keywords": [],
                "eligibility": base.model.registry.eligibility.model_copy(
                    update={
                        "min_age": low,
                        "max_age": high,
                        "sex": rng.choice(["ALL"] * 8 + ["FEMALE", "MALE"]),
                    }
                ),
            }
        )
        model = base.model.model_copy(update={"registry": registry})
        criteria = (
            age_criteria[low, high],
            *tuple(c for c in base.criteria if c.id != "inc-registry-age"),
        )
        protocols.append(Protocol(model, criteria, f"variant {n}"))
    return protocols


def yaml_load_per_file(files: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        written = [
            o.written for o in import_paths([FIXTURES], Path(folder)) if o.written is not None
        ]
        load_protocol(written[0])  # warm: grammar, catalogues, value sets
        started = time.process_time()
        for n in range(files):
            load_protocol(written[n % len(written)])
        return (time.process_time() - started) / files


def timed_matches(
    index: TrialIndex, options: MatchOptions, repeat: int
) -> tuple[float, float, float, Any]:
    """CPU time of one match (median, p95) and median wall time: CPU time is what one core
    spends, whatever else the machine is running; wall time is shown for reference."""
    record = read_record(PATIENT)
    match_patient(index, record, AS_OF, options)  # warm
    cpu, wall = [], []
    report = None
    for _ in range(repeat):
        started, clock = time.process_time(), time.perf_counter()
        report = match_patient(index, record, AS_OF, options)
        cpu.append(time.process_time() - started)
        wall.append(time.perf_counter() - clock)
    cpu.sort()
    return statistics.median(cpu), cpu[int(0.95 * (len(cpu) - 1))], statistics.median(wall), report


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--files", type=int, default=60)
    args = parser.parse_args()

    tracemalloc.start()
    started, clock = time.process_time(), time.perf_counter()
    protocols = variants(args.trials)
    index = TrialIndex(protocols)
    loading, loading_wall = time.process_time() - started, time.perf_counter() - clock
    heap, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"protocols={len(protocols)} build+index cpu={loading:.2f} s (wall {loading_wall:.2f} s, "
        f"under tracemalloc) heap={heap / 2**20:.0f} MiB peak_rss={rss_mb:.0f} MiB"
    )

    for label, options in (
        ("conditions pruned (default)", MatchOptions(top=20)),
        ("--any-condition", MatchOptions(top=20, match_conditions=False)),
        ("--recruiting-only", MatchOptions(top=20, recruiting_only=True)),
    ):
        median, p95, wall, report = timed_matches(index, options, args.repeat)
        print(
            f"match [{label}]: cpu median={median * 1000:.0f} ms p95={p95 * 1000:.0f} ms "
            f"(wall median {wall * 1000:.0f} ms) "
            f"screened={report.screened} ruled_out_age_sex={report.ruled_out} left_out={report.left_out} "
            f"top={report.matches[0].verdict if report.matches else None}"
        )
    per_file = yaml_load_per_file(args.files)
    print(f"load_protocol from YAML: cpu {per_file * 1000:.1f} ms per imported protocol file")


if __name__ == "__main__":
    main()
