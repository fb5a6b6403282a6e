"""The result of a population screening: one row per person and criterion, verdicts, funnel."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from trialdesk.core.protocol.protocol import Protocol
from trialdesk.core.screening.result import Status, Verdict, verdict_of

if TYPE_CHECKING:
    from trialdesk.population.engine import Plan

__all__ = ["PopulationResult", "assemble"]

_SEVERITY = {"fail": 3, "unknown": 2, "review": 1}
_VERDICT_BY_SEVERITY = {
    3: str(Verdict.INELIGIBLE),
    2: str(Verdict.INCOMPLETE),
    1: str(Verdict.NEEDS_REVIEW),
    0: str(Verdict.ELIGIBLE),
}


@dataclass
class PopulationResult:
    """``rows``: person_id, criterion_id, kind, status, reason, evaluated_by, verdict."""

    trial: str
    as_of: str
    engine: str
    criteria: list[tuple[str, str, str]]  # (id, kind, evaluated_by)
    rows: pd.DataFrame

    def verdicts(self) -> pd.Series:
        return self.rows.groupby("person_id")["verdict"].first()

    def verdict_counts(self) -> dict[str, int]:
        counts = self.verdicts().value_counts()
        return {str(v): int(counts.get(str(v), 0)) for v in Verdict}

    def funnel(self) -> list[tuple[str, int]]:
        """People not yet failed after each criterion, in protocol order."""
        failed = self.rows.assign(f=self.rows["status"] == "fail").pivot(
            index="person_id", columns="criterion_id", values="f"
        )
        remaining = pd.Series(True, index=failed.index)
        out = []
        for cid, _kind, _by in self.criteria:
            remaining &= ~failed[cid].astype(bool)
            out.append((cid, int(remaining.sum())))
        return out

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pandas(self.rows, preserve_index=False)
        meta = {b"trialdesk.trial": self.trial.encode(), b"trialdesk.as_of": self.as_of.encode()}
        pq.write_table(
            table.replace_schema_metadata({**(table.schema.metadata or {}), **meta}), path
        )


def assemble(
    protocol: Protocol,
    plan: Plan,
    persons: pa.Table,
    sql_rows: pa.Table | None,
    fallback_rows: pa.Table | None,
    engine: str,
) -> PopulationResult:
    parts = []
    if sql_rows is not None:
        frame = sql_rows.to_pandas()
        index = frame.pop("criterion_index").to_numpy().astype(np.int64)
        frame["criterion_id"] = np.array(plan.compiled_ids, dtype=object)[index]
        frame["evaluated_by"] = f"sql:{engine}"
        parts.append(frame)
    if fallback_rows is not None:
        frame = fallback_rows.to_pandas()
        untranslated = (frame["reason"] == "population.not_compiled").any()
        frame["evaluated_by"] = "not_compiled" if untranslated else "python"
        parts.append(frame)
    columns = ["person_id", "criterion_id", "status", "reason", "evaluated_by"]
    rows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    rows["person_id"] = rows["person_id"].astype("int64")
    ids = [c.id for c in protocol.criteria]
    kinds = {c.id: c.kind for c in protocol.criteria}
    rows["criterion_id"] = pd.Categorical(rows["criterion_id"], categories=ids, ordered=True)
    rows["kind"] = rows["criterion_id"].map(kinds).astype("category")
    for column in ("status", "reason", "evaluated_by"):
        rows[column] = rows[column].astype("category")
    severity = rows["status"].map(_SEVERITY).astype("float").fillna(0).astype("int8")
    worst = severity.groupby(rows["person_id"].to_numpy()).transform("max")
    rows["verdict"] = pd.Categorical.from_codes(
        3 - worst.to_numpy(), categories=[_VERDICT_BY_SEVERITY[s] for s in (3, 2, 1, 0)]
    )
    rows = rows.sort_values(["person_id", "criterion_id"], kind="stable").reset_index(drop=True)
    by = dict.fromkeys(plan.compiled_ids, f"sql:{engine}")
    if fallback_rows is not None and plan.fallback_ids:
        how = str(parts[-1]["evaluated_by"].iloc[0]) if len(parts[-1]) else "python"
        by.update(dict.fromkeys(plan.fallback_ids, how))
    criteria = [(c.id, c.kind, by.get(c.id, "")) for c in protocol.criteria]
    columns = ["person_id", "criterion_id", "kind", "status", "reason", "evaluated_by", "verdict"]
    return PopulationResult(
        protocol.nct_id, plan.as_of.isoformat(), engine, criteria, rows[columns]
    )


def _check_precedence() -> None:
    """The severity table above must agree with the core's verdict rule."""
    for status, severity in _SEVERITY.items():
        assert str(verdict_of([Status(status)])) == _VERDICT_BY_SEVERITY[severity]
