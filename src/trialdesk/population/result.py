"""The result of a population screening: one row per person and criterion, verdicts, funnel."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

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
        frame["criterion_id"] = [plan.compiled_ids[int(i)] for i in frame.pop("criterion_index")]
        frame["evaluated_by"] = f"sql:{engine}"
        parts.append(frame)
    if fallback_rows is not None:
        frame = fallback_rows.to_pandas()
        frame["evaluated_by"] = (
            "python" if (frame["reason"] != "population.not_compiled").all() else "not_compiled"
        )
        parts.append(frame)
    rows = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=["person_id", "criterion_id", "status", "reason", "evaluated_by"])
    )
    rows["person_id"] = rows["person_id"].astype("int64")
    kinds = {c.id: c.kind for c in protocol.criteria}
    order = {c.id: i for i, c in enumerate(protocol.criteria)}
    rows["kind"] = rows["criterion_id"].map(kinds)
    rows["_order"] = rows["criterion_id"].map(order)
    everyone = pd.Index(persons.column("person_id").to_pylist(), dtype="int64")
    severity = rows["status"].map(_SEVERITY).fillna(0).astype(int)
    worst = severity.groupby(rows["person_id"]).max().reindex(everyone, fill_value=0)
    rows["verdict"] = rows["person_id"].map(worst.map(_VERDICT_BY_SEVERITY))
    rows = rows.sort_values(["person_id", "_order"]).drop(columns="_order").reset_index(drop=True)
    by = dict.fromkeys(plan.compiled_ids, f"sql:{engine}")
    fallback_by = (
        rows.loc[rows["criterion_id"].isin(plan.fallback_ids)]
        .groupby("criterion_id")["evaluated_by"]
        .first()
    )
    by.update({str(k): str(v) for k, v in fallback_by.items()})
    criteria = [(c.id, c.kind, by.get(c.id, "")) for c in protocol.criteria]
    columns = ["person_id", "criterion_id", "kind", "status", "reason", "evaluated_by", "verdict"]
    return PopulationResult(
        protocol.nct_id, plan.as_of.isoformat(), engine, criteria, rows[columns]
    )


def _check_precedence() -> None:
    """The severity table above must agree with the core's verdict rule."""
    for status, severity in _SEVERITY.items():
        assert str(verdict_of([Status(status)])) == _VERDICT_BY_SEVERITY[severity]
