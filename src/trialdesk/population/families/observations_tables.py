"""The observation family's parameter tables: every value the SQL compares, as rows.

* ``td_obs_code`` / ``td_obs_mkey``: each spelling of a leaf's codes in ``observation`` (text)
  and each code id in the shared measurement rows, with the leaf's slot, code rank, window
  and outcome indices (:class:`~.observations_plan.Roles`), so that one join gives a row
  everything its evaluation needs;
* ``td_obs_reading``: (leaf, ``value_as_string``) → outcome index, for the strings whose
  reading (token among the wanted values, yes/no answer, positive/negative result) changes the
  leaf's outcome, read by the record reader's own :func:`observation_value`;
* ``td_obs_numeric``: per numeric leaf and readable unit spelling, whether the unit converts
  (life expectancy: to months; performance: any unit, read as recorded) and, per test, the
  values in the row's unit below and above which the converted value rounds (12 significant
  digits) past the threshold (:func:`cuts`), with the test's answer below, on and above;
"""

from __future__ import annotations

import math
from decimal import Decimal, localcontext
from fractions import Fraction

import pyarrow as pa

from trialdesk.core.criteria import ast as a
from trialdesk.core.record import ObservationRecord, SourceRef
from trialdesk.core.screening.evaluators import findings
from trialdesk.core.units import SIGNIFICANT_DIGITS, conversion_factor, round_significant
from trialdesk.errors import TrialDeskError
from trialdesk.population.families.base import Setting
from trialdesk.population.families.measurement_rows import Key
from trialdesk.population.families.observations_plan import (
    Roles,
    codes_of,
    rank_radix,
    roles_of,
    slots_of,
    window_start,
)
from trialdesk.population.omop import split_code
from trialdesk.population.params import _answer
from trialdesk.population.records import observation_value

__all__ = [
    "code_table",
    "edges",
    "measurement_key_table",
    "numeric_table",
    "reading_table",
]

Leaves = list[tuple[int, a.Rule]]

# A value is read with six decimals; from 10**9 on it compares by its sign alone.
_DECIMALS = 6
_HUGE = 10**9
#: DECIMAL(18, 6): an int64 inside on every engine, comparisons without 128-bit arithmetic.
_VALUE = pa.decimal128(18, 6)
#: Values from this magnitude on (an integer: every engine's table types hold it) are not
#: cast to DECIMAL(18, 6) (they would not fit): they compare by their sign, as every value
#: beyond 10**9 does.
CAST_LIMIT = 10**11
_SOURCE = SourceRef("Observation", "distinct-value")

_ROLE_FIELDS = ("stale", "other", "yes", "no", "unconvertible", "holds", "fails")
_LEAF_SCHEMA = [
    ("leaf", pa.int32()),
    ("order_base", pa.int32()),
    ("chunk", pa.int32()),
    ("col", pa.int32()),
    ("trend", pa.bool_()),
    ("numeric", pa.bool_()),
    ("as_of", pa.date32()),
    ("window_start", pa.date32()),
    *((f"{name}_o", pa.int32()) for name in _ROLE_FIELDS),
]


def _per_leaf(leaves: Leaves, setting: Setting) -> dict[tuple[int, str], dict[str, object]]:
    """(leaf, variant) → the columns its rows carry (slot, window, outcome indices)."""
    nodes = dict(leaves)
    out: dict[tuple[int, str], dict[str, object]] = {}
    for slot in slots_of(leaves):
        node = nodes[slot.leaf]
        roles: Roles = roles_of(node)
        out[slot.leaf, slot.variant] = {
            "leaf": slot.leaf,
            "chunk": slot.chunk,
            "col": slot.column,
            "trend": slot.variant == "mcode",
            "numeric": isinstance(node, (a.LifeExpectancyCheck, a.PerformanceCheck)),
            "as_of": setting.as_of,
            "window_start": window_start(node, setting),
            **{f"{name}_o": getattr(roles, name) for name in _ROLE_FIELDS},
        }
    return out


def _keyed_table(
    key: tuple[str, pa.DataType], rows: list[tuple[object, dict[str, object]]]
) -> pa.Table:
    """The rows (key value, the leaf's columns) as a table keyed by ``key`` (name, type)."""
    schema = pa.schema([key, *_LEAF_SCHEMA])
    columns: dict[str, list[object]] = {field.name: [] for field in schema}
    for value, row in rows:
        columns[key[0]].append(value)
        for name, _type in _LEAF_SCHEMA:
            columns[name].append(row[name])
    return pa.table(columns, schema=schema)


def _order_base(radix: int, rank: int, measurement: bool) -> int:
    """A row's place after its day: the leaf's code order, then measurement before
    observation (the screener's record lists measurements first); higher is picked first."""
    return (radix - 1 - rank) * 2 + (1 if measurement else 0)


def code_table(leaves: Leaves, written: list[str], setting: Setting) -> pa.Table:
    """Every spelling in ``observation`` (``LOINC:x``, a bare LOINC code...) of each leaf's codes."""
    spellings: dict[tuple[str, str], list[str]] = {}
    for text in written:
        key = split_code(text, "loinc")
        if key is not None:
            spellings.setdefault(key, []).append(text)
    per_leaf = _per_leaf(leaves, setting)
    radix = rank_radix(leaves)
    rows: list[tuple[object, dict[str, object]]] = []
    for number, node in leaves:
        for rank, (key, variant) in enumerate(codes_of(node)):
            for text in spellings.get(key, ()):
                base = _order_base(radix, rank, measurement=False)
                rows.append((text, {**per_leaf[number, variant], "order_base": base}))
    return _keyed_table(("code", pa.string()), rows)


def measurement_key_table(leaves: Leaves, ids: dict[Key, int], setting: Setting) -> pa.Table:
    """Per leaf, the code id of each of its keys seen in measurement, with its columns."""
    per_leaf = _per_leaf(leaves, setting)
    radix = rank_radix(leaves)
    rows: list[tuple[object, dict[str, object]]] = []
    for number, node in leaves:
        for rank, (key, variant) in enumerate(codes_of(node)):
            if key in ids:
                base = _order_base(radix, rank, measurement=True)
                rows.append((ids[key], {**per_leaf[number, variant], "order_base": base}))
    return _keyed_table(("code_id", pa.int32()), rows)


def reading_table(leaves: Leaves, texts: list[str]) -> pa.Table:
    """(leaf, value_as_string, o): the strings a leaf reads as its wanted value, an answer or
    a result. Any other non-empty string reads as nothing (the leaf's ``other`` outcome)."""
    readings = []
    for text in texts:
        if not text:
            continue  # an empty string is no value: the number or concept is read instead
        value = observation_value(text, None, None, None)
        tokens = findings._value_codes(value)
        record = ObservationRecord(_SOURCE, (), "final", None, value)
        # One token, as the screener's single-valued readings give (a Coding or a word).
        token = next(iter(tokens)) if tokens else None
        answer = value if isinstance(value, bool) else None
        readings.append((text, token, answer, findings._qualitative(record)))
    leaf_col: list[int] = []
    text_col: list[str] = []
    o_col: list[int] = []
    for number, node in leaves:
        roles = roles_of(node)
        wanted = (
            {v.casefold() for v in node.values}
            if isinstance(node, (a.CodedStatusCheck, a.FindingCheck))
            else set()
        )
        for text, token, answer, qual in readings:
            o: int | None = None
            if isinstance(node, (a.CodedStatusCheck, a.FindingCheck)):
                o = roles.matched if token is not None and token in wanted else None
            elif isinstance(node, (a.AttestationCheck, a.ToxicityCheck)):
                o = None if answer is None else roles.matched if answer else roles.unmatched
            elif isinstance(node, a.TestResultCheck) and qual is not None:
                o = roles.matched if qual == node.expected else roles.unmatched
            if o is not None:
                leaf_col.append(number)
                text_col.append(text)
                o_col.append(o)
    return pa.table(
        {
            "leaf": pa.array(leaf_col, pa.int32()),
            "value_as_string": pa.array(text_col, pa.string()),
            "o": pa.array(o_col, pa.int32()),
        }
    )


def factors(leaves: Leaves, units: list[str]) -> list[tuple[int, str, Decimal]]:
    """(leaf, unit, factor): row unit → months for life expectancy, 1 for performance scores
    (read as recorded, whatever the unit); a unit without a row does not convert."""
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


def edges(number: Decimal) -> tuple[Decimal, Decimal, bool, bool]:
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


def cuts(number: Decimal, factor: Decimal) -> tuple[Decimal, Decimal]:
    """(lo, hi): for a value q with six decimals (as the SQL reads it), ``q × factor`` rounds
    below ``number`` exactly when q < lo, above it exactly when q > hi, to it otherwise.

    The products' interval (:func:`edges`) divided by the factor, in exact fractions, then
    rounded to the six-decimal grid of q: the SQL compares two DECIMAL(18, 6), an int64
    comparison on every engine, instead of a 38-digit product per row. Cuts beyond the range
    compared (|q| < 10**9, larger values compare by their sign) are clamped just outside it.
    """
    low, high, low_in, high_in = edges(number)
    scale = Fraction(10**_DECIMALS)
    t, u = Fraction(low) * scale / Fraction(factor), Fraction(high) * scale / Fraction(factor)
    # q6 = q × 10**6 is an integer: below ⟺ q6·f < low (or = low, low excluded).
    lo_cut = math.ceil(t) if low_in else math.floor(t) + 1
    hi_cut = math.floor(u) if high_in else math.ceil(u) - 1
    bound = _HUGE * 10**_DECIMALS + 1
    return tuple(  # type: ignore[return-value]
        Decimal(max(-bound, min(bound, c))).scaleb(-_DECIMALS) for c in (lo_cut, hi_cut)
    )


def numeric_table(
    leaves: Leaves, readable: dict[str, str], factor_rows: list[tuple[int, str, Decimal]]
) -> pa.Table:
    """``td_obs_numeric``: per numeric leaf and readable unit spelling, whether the unit
    converts and, per test ``t`` (columns ``lo<t>``, ``hi<t>``, ``below<t>``, ``at<t>``,
    ``above<t>``), the cuts of :func:`cuts` and the test's answer below, within and above
    them; a spelling without a row is no readable unit. One join gives a row all of it."""
    tests = {
        number: node.tests
        for number, node in leaves
        if isinstance(node, (a.LifeExpectancyCheck, a.PerformanceCheck))
    }
    count = max((len(t) for t in tests.values()), default=0)
    factor_of = {(leaf, unit): factor for leaf, unit, factor in factor_rows}
    columns: dict[str, list[object]] = {
        k: [] for k in ("leaf", "unit_source_value", "convertible", "cast_limit", "huge")
    }
    for t in range(count):
        columns.update({f"{k}{t}": [] for k in ("lo", "hi", "below", "at", "above")})
    for number, items in tests.items():
        for text, unit in readable.items():
            factor = factor_of.get((number, unit))
            columns["leaf"].append(number)
            columns["unit_source_value"].append(text)
            columns["convertible"].append(factor is not None)
            columns["cast_limit"].append(CAST_LIMIT)
            columns["huge"].append(_HUGE)
            for t in range(count):
                test = items[t] if factor is not None and t < len(items) else None
                lo, hi = (
                    cuts(test.number, factor)
                    if test is not None and factor is not None
                    else (None, None)
                )
                columns[f"lo{t}"].append(lo)
                columns[f"hi{t}"].append(hi)
                for name, sign in (("below", -1), ("at", 0), ("above", 1)):
                    columns[f"{name}{t}"].append(
                        _answer(test.op, sign) if test is not None else None
                    )
    schema = [
        ("leaf", pa.int32()),
        ("unit_source_value", pa.string()),
        ("convertible", pa.bool_()),
        ("cast_limit", pa.int64()),
        ("huge", _VALUE),
    ]
    for t in range(count):
        schema += [(f"lo{t}", _VALUE), (f"hi{t}", _VALUE)]
        schema += [(f"{k}{t}", pa.bool_()) for k in ("below", "at", "above")]
    return pa.table(columns, schema=pa.schema(schema))
