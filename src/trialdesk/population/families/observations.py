"""Coded and scored observations in SQL: disease status, treatment phase, risk group, findings,
attestations (and the toxicity attestation), qualitative tests, life expectancy, performance.

Each leaf reads the rows carrying its codes, from ``observation`` and from ``measurement``
alike (the record reader puts both in one list), and keeps the one the in-memory screener
(:mod:`trialdesk.core.screening.evaluators.findings`) keeps: the newest day not after the
as-of date, ties broken by the leaf's code order, then measurement before observation, then
id; older than the window start is stale. Values are read as :func:`observation_value` reads
them; its reading of every distinct ``value_as_string`` (token, yes/no answer, positive or
negative) is computed in Python and joined as a table, so SQL never re-implements it.

Numbers compare as the screener's ``compare`` does, after rounding to 12 significant digits:
each threshold becomes the two edges of the interval of exact products that round to it.

How (:mod:`.observations_sql`): every row is evaluated to the leaf's outcome index first, and
the pick is one exact ``MAX`` of a packed key per person and leaf (:mod:`.observations_plan`):
no ranking window, no join back, no text in a materialised step.
"""

from __future__ import annotations

from typing import ClassVar

import pyarrow as pa

from trialdesk.core.criteria import ast as a
from trialdesk.errors import TrialDeskError
from trialdesk.population.families.base import LeafFamily, Setting
from trialdesk.population.families.measurement_rows import (
    Key,
    code_ids,
    shared_tables,
    spelling_table,
)
from trialdesk.population.families.observations_plan import (
    codes_of,
    kind_of,
    rank_radix,
    roles_of,
    slots_of,
    test_count,
)
from trialdesk.population.families.observations_sql import (
    exact_sql,
    leaf_sql,
    packed_sql,
    rows_sql,
    top_sql,
)
from trialdesk.population.families.observations_tables import (
    code_table,
    edges,
    factors,
    measurement_key_table,
    numeric_table,
    reading_table,
)
from trialdesk.population.records import ANSWER_CONCEPTS, OBSERVATION_SCHEMA, readable_unit

__all__ = ["ObservationFamily"]

_edges = edges  # the tests check the edges where they were first defined

_MISSING = {
    "status": ("'U'", "'status.missing'", "TRUE"),
    "finding": ("'U'", "'status.missing'", "TRUE"),
    "attestation": ("'R'", "'attestation.missing'", "FALSE"),
    "toxicity": ("'U'", "'toxicity.no_history'", "TRUE"),
    "test": ("'U'", "'test.missing'", "TRUE"),
    "life": ("'R'", "'life_expectancy.missing'", "FALSE"),
    "performance": ("'U'", "'performance.missing'", "TRUE"),
}
_ACCEPTED = (
    a.CodedStatusCheck,
    a.FindingCheck,
    a.AttestationCheck,
    a.ToxicityCheck,
    a.TestResultCheck,
    a.LifeExpectancyCheck,
    a.PerformanceCheck,
)
#: The packed pick's code-rank bits (more leave too few bits for the ids to pack).
_RANK_LIMIT = 2**20


class ObservationFamily(LeafFamily):
    name = "obs"
    reused: ClassVar[frozenset[str]] = frozenset({"td_obs_packed", "td_obs_exact"})
    reads_measurement: ClassVar[bool] = True
    emits_codes = True

    def accepts(self, node: a.Rule) -> bool:
        # Adverse events are not in OMOP: the toxicity leaf is its attestation or unknown.
        return isinstance(node, _ACCEPTED)

    def missing(self, node: a.Rule) -> tuple[str, str, str]:
        return _MISSING[kind_of(node)]

    def statements(self, leaves: list[tuple[int, a.Rule]]) -> list[tuple[str, str]]:
        slots = slots_of(leaves)
        radix = rank_radix(leaves)
        if radix > _RANK_LIMIT:
            raise TrialDeskError(
                "an observation criterion lists too many codes to rank exactly",
                where=f"leaves {[n for n, node in leaves if len(codes_of(node)) >= radix - 1]}",
                expected=f"fewer than {_RANK_LIMIT} codes per criterion",
                hint="Split the code list over several criteria.",
            )
        described = []
        for number, node in leaves:
            roles = roles_of(node)
            used = sorted({getattr(roles, f) for f in roles.__slots__})
            described.append((number, kind_of(node), used, roles.stale))
        leaf = leaf_sql(described, slots)
        if not slots:
            return [(self.leaf_view, leaf)]
        return [
            ("td_obs_rows", rows_sql(radix, test_count(leaves))),
            ("td_obs_packed", packed_sql(slots)),
            ("td_obs_exact", exact_sql(slots)),
            ("td_obs_top", top_sql(slots)),
            (self.leaf_view, leaf),
        ]

    def tables(self, leaves: list[tuple[int, a.Rule]], setting: Setting) -> dict[str, pa.Table]:
        extra: dict[str, pa.Table] = {}
        try:
            observed = setting.distinct("observation", "observation_source_value")
        except Exception:  # each engine has its own "no such table" error
            # The observation table is optional in an OMOP folder (the record reader then
            # reads none): an empty one with the v5.4 columns stands in for it.
            observed = []
            extra["observation"] = OBSERVATION_SCHEMA.empty_table()
        values = [] if extra else setting.distinct("observation", "value_as_string")
        numeric = any(isinstance(n, (a.LifeExpectancyCheck, a.PerformanceCheck)) for _, n in leaves)
        spellings = (
            [] if extra or not numeric else setting.distinct("observation", "unit_source_value")
        )
        units = (
            _readable(spellings + setting.distinct("measurement", "unit_source_value"))
            if numeric
            else {}
        )
        factor_rows = factors(leaves, sorted(set(units.values())))
        return {
            **extra,
            **shared_tables(setting),
            "td_obs_mcode": spelling_table(setting, _measurement_keys(leaves)),
            "td_obs_code": code_table(leaves, sorted(observed), setting),
            "td_obs_mkey": measurement_key_table(leaves, code_ids(setting), setting),
            "td_obs_reading": reading_table(leaves, values),
            "td_obs_answer_concept": pa.table(
                {
                    "concept_id": pa.array(list(ANSWER_CONCEPTS), pa.int32()),
                    "answer": pa.array(list(ANSWER_CONCEPTS.values()), pa.bool_()),
                }
            ),
            "td_obs_numeric": numeric_table(leaves, units, factor_rows),
        }


def _measurement_keys(leaves: list[tuple[int, a.Rule]]) -> set[Key]:
    return {key for _, node in leaves for key, _variant in codes_of(node)}


def _readable(spellings: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for text in spellings:
        unit = readable_unit(text)
        if unit is not None:
            out[text] = unit
    return out
