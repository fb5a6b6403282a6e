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
"""

from __future__ import annotations

from decimal import Decimal, localcontext
from typing import ClassVar

import pyarrow as pa

from trialdesk.core.criteria import ast as a
from trialdesk.core.record import ObservationRecord, SourceRef
from trialdesk.core.screening.evaluators import findings
from trialdesk.core.units import SIGNIFICANT_DIGITS, conversion_factor, round_significant
from trialdesk.errors import TrialDeskError
from trialdesk.population.families.base import LeafFamily, Setting
from trialdesk.population.families.measurement_rows import (
    Key,
    code_ids,
    shared_tables,
    spelling_table,
)
from trialdesk.population.families.observations_sql import (
    OBS_CANDIDATES,
    OBS_LEAF,
    OBS_MEASURE,
    OBS_MULTI,
    OBS_PERFORMANCE,
    OBS_PICK,
    OBS_ROWS,
    OBS_SCALE,
    OBS_TREND,
)
from trialdesk.population.omop import split_code
from trialdesk.population.params import FACTOR
from trialdesk.population.records import (
    ANSWER_CONCEPTS,
    OBSERVATION_SCHEMA,
    observation_value,
    readable_unit,
)

__all__ = ["ObservationFamily"]

# value (6 decimals, |value| < 10**9, else compared by its sign alone) × mantissa
# (DECIMAL(13, 0)) is exact in DECIMAL(38, 12), and compares exactly with DECIMAL(38, 12) edges.
_MANTISSA = pa.decimal128(13, 0)
_MANTISSA_LIMIT = Decimal(10) ** 13
_HUGE = Decimal(10) ** 9
_EDGE = pa.decimal128(38, 12)
_EDGE_SCALE = -12
_EDGE_LIMIT = Decimal(10) ** 26
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
_SOURCE = SourceRef("Observation", "distinct-value")


def _kind(node: a.Rule) -> str:
    return {
        a.CodedStatusCheck: "status",
        a.FindingCheck: "finding",
        a.AttestationCheck: "attestation",
        a.ToxicityCheck: "toxicity",
        a.TestResultCheck: "test",
        a.LifeExpectancyCheck: "life",
        a.PerformanceCheck: "performance",
    }[type(node)]


class ObservationFamily(LeafFamily):
    name = "obs"
    reused: ClassVar[frozenset[str]] = frozenset(
        {"td_obs_candidates", "td_obs_multi", "td_obs_pick", "td_obs_trend"}
    )
    reads_measurement: ClassVar[bool] = True
    emits_codes = True

    def accepts(self, node: a.Rule) -> bool:
        # Adverse events are not in OMOP: the toxicity leaf is its attestation or unknown.
        return isinstance(node, _ACCEPTED)

    def missing(self, node: a.Rule) -> tuple[str, str, str]:
        return _MISSING[_kind(node)]

    def statements(self, leaves: list[tuple[int, a.Rule]]) -> list[tuple[str, str]]:
        scored = any(isinstance(n, a.PerformanceCheck) for _, n in leaves)
        candidates = OBS_CANDIDATES.format(
            scale_join="LEFT JOIN td_obs_scale s ON s.person_id = r.person_id" if scored else "",
            scale_test="OR r.variant = s.scale" if scored else "",
        )
        steps = [("td_obs_scale", OBS_SCALE)] if scored else []
        steps += [
            ("td_obs_rows", OBS_ROWS),
            ("td_obs_candidates", candidates),
            ("td_obs_multi", OBS_MULTI),
            ("td_obs_pick", OBS_PICK),
            ("td_obs_trend", OBS_TREND),
            ("td_obs_measure", OBS_MEASURE),
        ]
        leaf = OBS_LEAF + (OBS_PERFORMANCE if scored else "")
        return [*steps, (self.leaf_view, leaf)]

    def tables(self, leaves: list[tuple[int, a.Rule]], setting: Setting) -> dict[str, pa.Table]:
        kinds = {number: _kind(node) for number, node in leaves}
        extra: dict[str, pa.Table] = {}
        try:
            observed = setting.distinct("observation", "observation_source_value")
        except Exception:  # each engine has its own "no such table" error
            # The observation table is optional in an OMOP folder (the record reader then
            # reads none): an empty one with the v5.4 columns stands in for it.
            observed = []
            extra["observation"] = OBSERVATION_SCHEMA.empty_table()
        written = sorted(observed)
        values = [] if extra else setting.distinct("observation", "value_as_string")
        needs_units = any(k in ("life", "performance") for k in kinds.values())
        spellings = [] if extra else setting.distinct("observation", "unit_source_value")
        units = (
            _readable(spellings + setting.distinct("measurement", "unit_source_value"))
            if needs_units
            else {}
        )
        factors = _factors(leaves, sorted(set(units.values())))
        return {
            **extra,
            "td_obs_leaf": _leaf_table(leaves, kinds, setting),
            **shared_tables(setting),
            "td_obs_mcode": spelling_table(setting, _measurement_keys(leaves)),
            "td_obs_code": _code_table(leaves, written, setting),
            "td_obs_mkey": _measurement_key_table(leaves, code_ids(setting)),
            "td_obs_value": _value_table(values),
            "td_obs_wanted": _wanted_table(leaves),
            "td_obs_answer_concept": pa.table(
                {
                    "concept_id": pa.array(list(ANSWER_CONCEPTS), pa.int32()),
                    "answer": pa.array(list(ANSWER_CONCEPTS.values()), pa.bool_()),
                }
            ),
            "td_obs_unit": pa.table(
                {
                    "unit_source_value": pa.array(list(units), pa.string()),
                    "unit": pa.array(list(units.values()), pa.string()),
                }
            ),
            "td_obs_factor": _factor_table(factors),
            "td_obs_edge": _edge_table(leaves, factors),
        }


def _window_start(node: a.Rule, setting: Setting) -> object:
    """The first day of the leaf's window, or None for "any time" (as each evaluator picks it)."""
    windows = setting.windows
    if isinstance(node, a.CodedStatusCheck):
        if node.window is not None:
            return node.window.before(setting.as_of)
        if node.kind in ("disease_status", "treatment_phase"):
            return windows.window(node.kind).before(setting.as_of)
        return None
    own = getattr(node, "window", None)
    category = {
        a.FindingCheck: "echo",
        a.AttestationCheck: "attestation",
        a.ToxicityCheck: "attestation",
        a.TestResultCheck: "test",
        a.LifeExpectancyCheck: "life_expectancy",
        a.PerformanceCheck: "performance",
    }[type(node)]
    return (own or windows.window(category)).before(setting.as_of)


def _leaf_table(
    leaves: list[tuple[int, a.Rule]], kinds: dict[int, str], setting: Setting
) -> pa.Table:
    rows: dict[str, list[object]] = {
        k: [] for k in ("leaf", "kind", "window_start", "negate", "expected", "auto")
    }
    for number, node in leaves:
        rows["leaf"].append(number)
        rows["kind"].append(kinds[number])
        rows["window_start"].append(_window_start(node, setting))
        rows["negate"].append(isinstance(node, a.FindingCheck) and node.negate)
        rows["expected"].append(node.expected if isinstance(node, a.TestResultCheck) else None)
        rows["auto"].append(isinstance(node, a.PerformanceCheck) and node.scale == "auto")
    schema = pa.schema(
        [
            ("leaf", pa.int32()),
            ("kind", pa.string()),
            ("window_start", pa.date32()),
            ("negate", pa.bool_()),
            ("expected", pa.string()),
            ("auto", pa.bool_()),
        ]
    )
    return pa.table(rows, schema=schema)


def _codes_of(node: a.Rule) -> list[tuple[tuple[str, str], str]]:
    """The (system, code) keys the evaluator looks up, in its order, with a scale variant."""
    if isinstance(node, a.CodedStatusCheck):
        keys = [(key, "") for key in findings._STATUS_CODES[node.kind]]
        if node.kind == "disease_status":  # read only where no disease status is (OBS_TREND)
            keys.append((findings.MCODE_DISEASE_STATUS, "mcode"))
        return keys
    if isinstance(node, a.FindingCheck):
        return [((node.code.system, node.code.code), "")]
    if isinstance(node, a.AttestationCheck):
        return [((findings.ATTESTATION, node.code), "")]
    if isinstance(node, a.ToxicityCheck):
        # Without an attestation the leaf is unknown for everyone (no rows: ``missing``).
        return [((findings.ATTESTATION, node.attestation), "")] if node.attestation else []
    if isinstance(node, a.TestResultCheck):
        patterns = node.codes.patterns
        return [((p.system, p.code), "") for p in patterns if not p.prefix and p.upper is None]
    if isinstance(node, a.LifeExpectancyCheck):
        return [((findings.CLINICAL, "life-expectancy"), "")]
    if isinstance(node, a.PerformanceCheck):
        if node.scale == "auto":
            return [(findings._PERFORMANCE[s], s) for s in ("lansky", "karnofsky")]
        return [(findings._PERFORMANCE[node.scale], "")]
    raise TypeError(type(node).__name__)


def _code_table(leaves: list[tuple[int, a.Rule]], written: list[str], setting: Setting) -> pa.Table:
    """Every spelling in the data (``LOINC:x``, a bare LOINC code...) of each leaf's codes."""
    spellings: dict[tuple[str, str], list[str]] = {}
    for text in written:
        key = split_code(text, "loinc")
        if key is not None:
            spellings.setdefault(key, []).append(text)
    rows: dict[str, list[object]] = {k: [] for k in ("code", "leaf", "code_rank", "variant")}
    for number, node in leaves:
        for rank, (key, variant) in enumerate(_codes_of(node)):
            for text in spellings.get(key, ()):
                rows["code"].append(text)
                rows["leaf"].append(number)
                rows["code_rank"].append(rank)
                rows["variant"].append(variant)
    schema = pa.schema(
        [
            ("code", pa.string()),
            ("leaf", pa.int32()),
            ("code_rank", pa.int32()),
            ("variant", pa.string()),
        ]
    )
    return pa.table(rows, schema=schema)


def _measurement_keys(leaves: list[tuple[int, a.Rule]]) -> set[Key]:
    return {key for _, node in leaves for key, _variant in _codes_of(node)}


def _measurement_key_table(leaves: list[tuple[int, a.Rule]], ids: dict[Key, int]) -> pa.Table:
    """Per leaf, the code id of each of its keys seen in measurement, with rank and variant."""
    rows: dict[str, list[object]] = {k: [] for k in ("code_id", "leaf", "code_rank", "variant")}
    for number, node in leaves:
        for rank, (key, variant) in enumerate(_codes_of(node)):
            if key in ids:
                rows["code_id"].append(ids[key])
                rows["leaf"].append(number)
                rows["code_rank"].append(rank)
                rows["variant"].append(variant)
    schema = pa.schema(
        [
            ("code_id", pa.int32()),
            ("leaf", pa.int32()),
            ("code_rank", pa.int32()),
            ("variant", pa.string()),
        ]
    )
    return pa.table(rows, schema=schema)


def _value_table(texts: list[str]) -> pa.Table:
    """Each distinct value_as_string: its token, yes/no answer, and qualitative result."""
    rows: dict[str, list[object]] = {k: [] for k in ("value_as_string", "token", "answer", "qual")}
    for text in texts:
        if not text:
            continue  # an empty string is no value: the number or concept is read instead
        value = observation_value(text, None, None, None)
        tokens = findings._value_codes(value)
        record = ObservationRecord(_SOURCE, (), "final", None, value)
        rows["value_as_string"].append(text)
        rows["token"].append(next(iter(tokens)) if tokens else None)
        rows["answer"].append(value if isinstance(value, bool) else None)
        rows["qual"].append(findings._qualitative(record))
    schema = pa.schema(
        [
            ("value_as_string", pa.string()),
            ("token", pa.string()),
            ("answer", pa.bool_()),
            ("qual", pa.string()),
        ]
    )
    return pa.table(rows, schema=schema)


def _wanted_table(leaves: list[tuple[int, a.Rule]]) -> pa.Table:
    leaf, token = [], []
    for number, node in leaves:
        if isinstance(node, (a.CodedStatusCheck, a.FindingCheck)):
            for value in sorted({v.casefold() for v in node.values}):
                leaf.append(number)
                token.append(value)
    return pa.table({"leaf": pa.array(leaf, pa.int32()), "token": pa.array(token, pa.string())})


def _readable(spellings: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for text in spellings:
        unit = readable_unit(text)
        if unit is not None:
            out[text] = unit
    return out


def _factors(leaves: list[tuple[int, a.Rule]], units: list[str]) -> list[tuple[int, str, Decimal]]:
    """(leaf, unit, factor): row unit → months for life expectancy, 1 for performance scores
    (read as recorded, whatever the unit); a unit without a row is unreadable."""
    out = []
    for number, node in leaves:
        for written in units:
            if isinstance(node, a.PerformanceCheck):
                out.append((number, written, Decimal(1)))
            elif isinstance(node, a.LifeExpectancyCheck):
                try:
                    out.append((number, written, conversion_factor(written, "mo")))
                except TrialDeskError:
                    continue
    return out


def _factor_table(factors: list[tuple[int, str, Decimal]]) -> pa.Table:
    return pa.table(
        {
            "leaf": pa.array([leaf for leaf, _, _ in factors], pa.int32()),
            "unit": pa.array([unit for _, unit, _ in factors], pa.string()),
            "factor": pa.array([factor for _, _, factor in factors], FACTOR),
        }
    )


def _edges(number: Decimal) -> tuple[Decimal, Decimal, bool, bool]:
    """(low, high, low included, high included): x rounds (12 significant digits) to number."""
    target = round_significant(number)
    if target.is_zero():
        return target, target, True, True
    with localcontext() as ctx:
        ctx.prec = SIGNIFICANT_DIGITS
        below, above = target.next_minus(), target.next_plus()
    with localcontext() as ctx:
        ctx.prec = 60
        low, high = (below + target) / 2, (target + above) / 2
    return low, high, round_significant(low) == target, round_significant(high) == target


def _edge_table(
    leaves: list[tuple[int, a.Rule]], factors: list[tuple[int, str, Decimal]]
) -> pa.Table:
    """Per test and unit: the factor as an integer mantissa, and the edges scaled to match.

    ``value × factor`` compared with an edge is ``value × mantissa`` compared with
    ``edge × 10**exponent``: both sides exact in every engine's decimal types (Spark would
    round a product of two wide decimals).
    """
    rows: dict[str, list[object]] = {
        k: []
        for k in (
            "leaf",
            "test_idx",
            "unit",
            "op",
            "mantissa",
            "lo",
            "hi",
            "lo_in",
            "hi_in",
            "huge",
        )
    }
    tests = {
        number: node.tests
        for number, node in leaves
        if isinstance(node, (a.LifeExpectancyCheck, a.PerformanceCheck))
    }
    for number, unit, factor in factors:
        sign, digits, exponent = factor.normalize().as_tuple()
        assert isinstance(exponent, int)
        assert sign == 0
        mantissa = Decimal(int("".join(map(str, digits))))
        shift = -exponent  # factor = mantissa × 10**-shift
        for index, test in enumerate(tests[number]):
            low, high, low_in, high_in = _edges(test.number)
            low, high = low.scaleb(shift), high.scaleb(shift)
            if not all(_fits(x) for x in (low, high)) or mantissa >= _MANTISSA_LIMIT:
                continue  # beyond the exact types (not met in practice): the unit is unreadable
            rows["leaf"].append(number)
            rows["test_idx"].append(index)
            rows["unit"].append(unit)
            rows["op"].append(test.op)
            rows["mantissa"].append(mantissa)
            rows["lo"].append(low)
            rows["hi"].append(high)
            rows["lo_in"].append(low_in)
            rows["hi_in"].append(high_in)
            rows["huge"].append(_HUGE)
    schema = pa.schema(
        [
            ("leaf", pa.int32()),
            ("test_idx", pa.int32()),
            ("unit", pa.string()),
            ("op", pa.string()),
            ("mantissa", _MANTISSA),
            ("lo", _EDGE),
            ("hi", _EDGE),
            ("lo_in", pa.bool_()),
            ("hi_in", pa.bool_()),
            ("huge", _MANTISSA),
        ]
    )
    return pa.table(rows, schema=schema)


def _fits(value: Decimal) -> bool:
    exponent = value.normalize().as_tuple().exponent
    return isinstance(exponent, int) and exponent >= _EDGE_SCALE and abs(value) < _EDGE_LIMIT
