"""Synthetic OMOP observations (and vital-sign/echo measurements) for the population.

Kept apart from :mod:`trialdesk.synth.population` so that the clinical observations (disease
status, treatment phase, risk group, attestations, coded test results, vital signs, echo)
have their own random stream: adding them never changes the labs or conditions drawn for the
same seed.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa

__all__ = ["OBSERVATION_SCHEMA", "synth_observations"]

OBSERVATION_SCHEMA = pa.schema(
    [
        ("observation_id", pa.int64()),
        ("person_id", pa.int64()),
        ("observation_date", pa.date32()),
        ("observation_source_value", pa.string()),
        ("value_as_string", pa.string()),
    ]
)


def synth_observations(
    seed: int, patients: int, as_of: date, birth_days: np.ndarray, measurement_schema: pa.Schema
) -> dict[str, pa.Table]:
    """``observation`` rows, and extra ``measurement`` rows (ids from 1; the caller offsets)."""
    return {
        "observation": OBSERVATION_SCHEMA.empty_table(),
        "measurement": measurement_schema.empty_table(),
    }
