"""Shared steps of the population tests: a protocol of test criteria, the session population with
one table replaced by hand-made rows, a screening on a fresh engine that is always closed
(connections, Spark sessions, spill folders), and the outcomes of chosen people."""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from trialdesk.adapters.protocol_files import bundled_protocol_dir
from trialdesk.core.protocol.protocol import Protocol
from trialdesk.population import engine_for
from trialdesk.population.result import PopulationResult
from trialdesk.population.sources import OmopSource


def write_protocol(criteria: list[tuple[str, str, str]], folder: Path, label: str) -> Path:
    """A protocol file: NCT06948994's header with ``criteria`` (id, kind, rule) as its own."""
    data = yaml.safe_load((bundled_protocol_dir() / "NCT06948994.yaml").read_text("utf-8"))
    data["criteria"] = [
        {"id": cid, "kind": kind, "text": f"{label} test {cid}", "rule": rule}
        for cid, kind, rule in criteria
    ]
    path = folder / f"{label.lower()}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
    return path


def screen_on(
    engine: str,
    protocol: Protocol,
    data: OmopSource,
    as_of: date,
    *,
    fallback: str = "review",
    **options: Any,
) -> PopulationResult:
    """One screening on a new ``engine`` (``options``: its url or session), closed after."""
    runner = engine_for(engine, **options)
    try:
        return runner.screen(protocol, data, as_of, fallback=fallback)
    finally:
        runner.close()


def with_table(population: Path, folder: Path, name: str, table: pa.Table) -> Path:
    """A copy of the OMOP folder ``population`` in ``folder`` whose table ``name`` is ``table``."""
    copy = folder / "omop"
    shutil.copytree(population, copy)
    pq.write_table(table, copy / f"{name}.parquet")
    return copy


def outcomes(
    result: PopulationResult, cid: str, persons: Iterable[int]
) -> dict[int, tuple[str, str]]:
    """(status, first reason) of criterion ``cid`` for each of ``persons``."""
    rows = result.rows[result.rows["criterion_id"] == cid]
    rows = rows[rows["person_id"].isin(list(persons))]
    return {
        int(p): (str(s), str(r))
        for p, s, r in zip(rows["person_id"], rows["status"], rows["reason"], strict=True)
    }
