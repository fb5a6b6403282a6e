"""Criteria the SQL compiler does not translate: evaluated per person, or sent to review.

Never silently passed: ``python`` runs the in-memory screener on the OMOP→record reading
(exactly what ``trialdesk screen`` would say), ``review`` marks them ``review`` with the reason
``population.not_compiled`` so that a person is at best ``needs_review``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import numpy as np
import pyarrow as pa

from trialdesk.core.protocol.protocol import Protocol
from trialdesk.core.screening.engine import screen
from trialdesk.population.records import records_from_tables

__all__ = ["NOT_COMPILED", "fallback_results"]

NOT_COMPILED = "population.not_compiled"


def fallback_results(
    protocol: Protocol,
    tables: Callable[[], dict[str, pa.Table]],
    persons: pa.Table,
    as_of: date,
    ids: list[str],
    mode: str,
) -> pa.Table:
    """Rows (person_id, criterion_id, status, reason) for the fallback criteria; ``tables``
    reads the OMOP tables whole (only the ``python`` mode needs them), ``persons`` has every
    person_id."""
    wanted = set(ids)
    person, criterion, status, reason = [], [], [], []
    if mode == "review":
        people = persons.column("person_id").to_numpy().astype(np.int64)
        count = len(people) * len(ids)
        return pa.table(
            {
                "person_id": pa.array(np.repeat(people, len(ids))),
                "criterion_id": pa.array(np.tile(np.array(ids, dtype=object), len(people))),
                "status": pa.array(np.full(count, "review", dtype=object)),
                "reason": pa.array(np.full(count, NOT_COMPILED, dtype=object)),
            }
        )
    else:
        for record in records_from_tables(tables(), source="omop", as_of=as_of):
            result = screen(protocol, record, as_of)
            for item in result.criteria:
                if item.id in wanted:
                    person.append(int(record.patient.ref.id))
                    criterion.append(item.id)
                    status.append(str(item.status))
                    reason.append(item.reasons[0].key if item.reasons else "")
    return pa.table(
        {
            "person_id": pa.array(person, pa.int64()),
            "criterion_id": pa.array(criterion, pa.string()),
            "status": pa.array(status, pa.string()),
            "reason": pa.array(reason, pa.string()),
        }
    )
