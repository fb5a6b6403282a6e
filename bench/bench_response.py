"""Throughput of the tumour-response rules: evaluate_inrc and evaluate_recist per second.

Usage (from the repository root):

    .venv/bin/python bench/bench_response.py [--n 2000]

Each call validates the input document (pydantic), applies the rules and builds the result with
its evidence, as a caller would; the rule tables are loaded once (cached). Inputs are the
synthetic examples under ``examples/assessments/``, varied per call so no result is cached.
"""

from __future__ import annotations

import argparse
import copy
import json
import time
from decimal import Decimal
from pathlib import Path

from trialdesk.core.rules.inrc import evaluate_inrc
from trialdesk.core.rules.recist import evaluate_recist

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "assessments"


def _load(name: str) -> dict[str, object]:
    data: dict[str, object] = json.loads((EXAMPLES / name).read_text("utf-8"), parse_float=Decimal)
    return data


def _rate(label: str, calls: int, seconds: float) -> None:
    print(f"{label:<38} {calls:>7} calls  {seconds:8.3f} s  {calls / seconds:10.0f} /s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=2000)
    n = parser.parse_args().n

    inrc = _load("inrc-partial-response.json")
    docs = []
    for i in range(n):
        doc = copy.deepcopy(inrc)
        doc["primary"]["longest_diameter_mm"] = Decimal(20 + i % 60)  # type: ignore[index]
        doc["marrow"]["percent"] = Decimal(i % 40)  # type: ignore[index]
        docs.append(doc)
    evaluate_inrc(docs[0])  # load the tables before timing
    start = time.perf_counter()
    for doc in docs:
        evaluate_inrc(doc)
    _rate("evaluate_inrc (one reassessment)", n, time.perf_counter() - start)

    recist = _load("recist-partial-response.json")
    rdocs = []
    for i in range(n):
        doc = copy.deepcopy(recist)
        doc["timepoints"][1]["measurements"]["L1"] = Decimal(10 + i % 50)  # type: ignore[index]
        rdocs.append(doc)
    evaluate_recist(rdocs[0])
    start = time.perf_counter()
    for doc in rdocs:
        evaluate_recist(doc)
    _rate("evaluate_recist (5 lesions, 2 visits)", n, time.perf_counter() - start)


if __name__ == "__main__":
    main()
