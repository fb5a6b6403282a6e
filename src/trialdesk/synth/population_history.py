"""Synthetic coded history for the population: conditions, procedures and drug exposures.

Its own random stream (from the seed), so that adding or tuning history never changes the
persons, labs or observations drawn for the same seed. Rates are low, as in a paediatric
oncology warehouse, but high enough that a 1,200-person population reaches every branch of the
NCT06948994 history criteria (found / none, active / resolved, in the future, undated):

* infections (ICD-10 A/B chapters, pneumonia J18, cellulitis L03, UTI N39.0, SNOMED sepsis)
  active or resolved; pulmonary infections; arrhythmias (ICD-10 I44-I49, SNOMED 698247007);
  chronic lung (J45, J84, J96) and kidney disease (N04, N17, N18); HIV (B20, B24, Z21, SNOMED);
  transplant status codes (Z94.0, Z94.81, T86.0); and near misses outside every value set;
* procedures: autologous HSCT (common after high-risk induction; in no exclusion set),
  allogeneic and unspecified HSCT, solid-organ transplants, unrelated surgery and imaging;
* drug exposures by ATC (antibacterials incl. co-trimoxazole prophylaxis, antifungals,
  antivirals, immunosuppressants, systemic corticosteroids; chemotherapy and analgesics) and a
  few RxNorm codes, active (no end date), ended, ending in the future, or starting later.

Codes are spelt as sites send them: ``system:code`` (some with an upper-case system or a
lower-case ICD-10 code) and some bare codes, read with the table's default system (SNOMED CT
for conditions and procedures, RxNorm for drugs) as in docs/population.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa

__all__ = ["CONDITION_SCHEMA", "DRUG_SCHEMA", "PROCEDURE_SCHEMA", "synth_history"]

_EPOCH = date(1970, 1, 1).toordinal()
_STREAM = 0x48495354  # "HIST": this module's own random stream for a seed

CONDITION_SCHEMA = pa.schema(
    [
        ("condition_occurrence_id", pa.int64()),
        ("person_id", pa.int64()),
        ("condition_concept_id", pa.int32()),
        ("condition_start_date", pa.date32()),
        ("condition_end_date", pa.date32()),
        ("condition_type_concept_id", pa.int32()),
        ("condition_status_source_value", pa.string()),
        ("condition_source_value", pa.string()),
    ]
)
PROCEDURE_SCHEMA = pa.schema(
    [
        ("procedure_occurrence_id", pa.int64()),
        ("person_id", pa.int64()),
        ("procedure_date", pa.date32()),
        ("procedure_source_value", pa.string()),
    ]
)
DRUG_SCHEMA = pa.schema(
    [
        ("drug_exposure_id", pa.int64()),
        ("person_id", pa.int64()),
        ("drug_exposure_start_date", pa.date32()),
        ("drug_exposure_end_date", pa.date32()),
        ("drug_source_value", pa.string()),
    ]
)


@dataclass(frozen=True, slots=True)
class _Kind:
    """One kind of event: who has it (rate), its codes, and how its dates fall."""

    rate: float
    codes: tuple[str, ...]
    ended: float = 0.0  # share with an end date (resolved condition, finished drug)
    recent: bool = False  # starts within the last 90 days rather than any time since birth
    future: float = 0.03  # share starting after the as-of date
    undated: float = 0.02  # share without a start date


_CONDITIONS = (
    _Kind(
        0.06,
        (
            "icd10:B34.9",
            "icd10:A41.9",
            "icd10:L03.115",
            "icd10:N39.0",
            "ICD10:A08.4",
            "snomed:40733004",
            "91302008",  # bare: read as SNOMED CT (sepsis)
        ),
        ended=0.5,
        recent=True,
    ),
    _Kind(
        0.04,
        ("icd10:J18.9", "icd10:j15.9", "icd10:J20.9", "icd10:J85.1", "snomed:233604007"),
        ended=0.5,
        recent=True,
    ),
    _Kind(0.025, ("icd10:I47.1", "icd10:I49.9", "icd10:i45.0", "snomed:698247007"), ended=0.3),
    _Kind(
        0.05,
        (
            "icd10:J45.909",
            "icd10:J84.10",
            "icd10:J96.00",
            "icd10:N18.3",
            "icd10:N04.9",
            "icd10:N17.9",
        ),
        ended=0.3,
    ),
    _Kind(0.012, ("icd10:B20", "icd10:B24", "icd10:Z21", "snomed:86406008"), ended=0.05),
    _Kind(0.02, ("icd10:Z94.0", "icd10:Z94.81", "icd10:Z94.84", "icd10:T86.0", "icd10:T86.11")),
    # Near misses: in no value set of the trial (rhinitis, cardiomegaly, Z94.9, chronic pain).
    _Kind(0.05, ("icd10:J30.1", "icd10:I51.7", "icd10:Z94.9", "snomed:82423001"), ended=0.4),
)
_PROCEDURES = (
    _Kind(0.10, ("snomed:709115004",)),  # autologous HSCT: in no exclusion set
    _Kind(0.015, ("snomed:174241000112100", "SNOMED:234336002")),  # allogeneic / unspecified
    _Kind(0.012, ("snomed:70536003", "snomed:18027006", "32413006", "snomed:88039007")),
    _Kind(0.20, ("snomed:80146002", "snomed:387713003", "snomed:241615005", "71388002")),
)
_DRUGS = (
    # Systemic anti-infectives and immunosuppressants (ATC J01, J02, J04, J05, L04, H02).
    _Kind(
        0.10,
        (
            "atc:J01EE01",  # co-trimoxazole prophylaxis
            "atc:J01CA04",
            "atc:J02AC01",
            "ATC:J05AB01",
            "atc:L04AD01",
            "atc:H02AB02",
            "atc:J04AB02",
        ),
        ended=0.55,
        recent=True,
    ),
    # Chemotherapy, analgesics, antiemetics (ATC L01, N02, A04) and RxNorm codes (bare too).
    _Kind(
        0.25,
        ("atc:L01XX19", "atc:L01AX03", "atc:N02BE01", "atc:A04AA01", "rxnorm:161", "198211"),
        ended=0.5,
        recent=True,
    ),
)


def synth_history(
    seed: int, patients: int, as_of: date, birth_days: np.ndarray, first_condition_id: int
) -> dict[str, pa.Table]:
    """Extra ``condition_occurrence`` rows (ids from ``first_condition_id``), ``procedure_occurrence``
    and ``drug_exposure`` for persons 1..patients."""
    rng = np.random.default_rng([seed, _STREAM])
    today = as_of.toordinal()
    conditions = _events(rng, patients, today, birth_days, _CONDITIONS)
    procedures = _events(rng, patients, today, birth_days, _PROCEDURES)
    drugs = _events(rng, patients, today, birth_days, _DRUGS)
    count = len(conditions.person)
    condition_table = pa.table(
        {
            "condition_occurrence_id": np.arange(
                first_condition_id, first_condition_id + count, dtype=np.int64
            ),
            "person_id": conditions.person,
            "condition_concept_id": pa.array(np.zeros(count, dtype=np.int32)),
            "condition_start_date": conditions.start,
            "condition_end_date": conditions.end,
            "condition_type_concept_id": pa.array(np.full(count, 32817, np.int32)),  # EHR
            "condition_status_source_value": pa.DictionaryArray.from_arrays(
                pa.array(conditions.ended.astype(np.int8)), pa.array(["active", "resolved"])
            ).cast(pa.string()),
            "condition_source_value": conditions.code,
        },
        schema=CONDITION_SCHEMA,
    )
    procedure_table = pa.table(
        {
            "procedure_occurrence_id": np.arange(1, len(procedures.person) + 1, dtype=np.int64),
            "person_id": procedures.person,
            "procedure_date": procedures.start,
            "procedure_source_value": procedures.code,
        },
        schema=PROCEDURE_SCHEMA,
    )
    drug_table = pa.table(
        {
            "drug_exposure_id": np.arange(1, len(drugs.person) + 1, dtype=np.int64),
            "person_id": drugs.person,
            "drug_exposure_start_date": drugs.start,
            "drug_exposure_end_date": drugs.end,
            "drug_source_value": drugs.code,
        },
        schema=DRUG_SCHEMA,
    )
    return {
        "condition_occurrence": condition_table,
        "procedure_occurrence": procedure_table,
        "drug_exposure": drug_table,
    }


@dataclass(frozen=True, slots=True)
class _Drawn:
    person: np.ndarray
    code: pa.Array
    start: pa.Array
    end: pa.Array
    ended: np.ndarray


def _events(
    rng: np.random.Generator, n: int, today: int, birth: np.ndarray, kinds: tuple[_Kind, ...]
) -> _Drawn:
    people, codes, starts, ends, ended_all, undated_all = [], [], [], [], [], []
    vocabulary = [code for kind in kinds for code in kind.codes]
    offset = 0
    for kind in kinds:
        who = np.flatnonzero(rng.random(n) < kind.rate).astype(np.int64) + 1
        size = len(who)
        born = birth[who - 1]
        life = np.maximum(today - born, 1)
        if kind.recent:
            back = rng.integers(0, 90, size)
            start = np.maximum(today - back, born)
        else:
            start = born + (rng.random(size) * life).astype(np.int64)
        future = rng.random(size) < kind.future
        start = np.where(future, today + rng.integers(1, 60, size), start)
        ended = rng.random(size) < kind.ended
        # An end within a year of the start: before or after the as-of date.
        end = start + rng.integers(1, 365, size)
        people.append(who)
        # Codes as indices into the vocabulary (no Python string per row).
        codes.append(offset + rng.integers(0, len(kind.codes), size, dtype=np.int32))
        offset += len(kind.codes)
        starts.append(start)
        ends.append(end)
        ended_all.append(ended)
        undated_all.append(rng.random(size) < kind.undated)
    person = np.concatenate(people)
    order = np.argsort(person, kind="stable")
    start = np.concatenate(starts)[order]
    end = np.concatenate(ends)[order]
    ended = np.concatenate(ended_all)[order]
    undated = np.concatenate(undated_all)[order]
    return _Drawn(
        person=person[order],
        code=pa.DictionaryArray.from_arrays(
            pa.array(np.concatenate(codes)[order]), pa.array(vocabulary, pa.string())
        ).cast(pa.string()),
        start=pa.array((start - _EPOCH).astype(np.int32), pa.date32(), mask=undated),
        end=pa.array((end - _EPOCH).astype(np.int32), pa.date32(), mask=~ended),
        ended=ended,
    )
