"""Default reference limits as age bands per test, unit and sex: ``td_lab_band``.

A result without its own reference range is read against every default interval for the
child's sex and for the age on the result's day (:mod:`trialdesk.core.reference_intervals`);
when several intervals apply (two methods, or a band edge) they must agree. Joining each such
result to every interval of its analyte and aggregating back cost two seconds at a million
people. For a child whose birth date is known to the day, the intervals that apply depend only
on (test, unit, sex, age band), so they are summarised here once: the ages are cut at every
interval edge, and each band keeps what the comparison needs of the intervals covering it —
the least and the greatest limit × the test's number (a result meets every limit exactly when
it meets the strictest, and meets one when it meets the most lenient), whether all are
confirmed. A result then joins one band and is compared twice.

Left to the general aggregate (``_LAB_DEFAULT`` in :mod:`.lab_sql`): a child whose birth date
is known only to the month or year (two ages, so two bands), no birth date, and ``=`` or
``!=`` tests (meeting one of several limits exactly is not a question of the least and the
greatest).

Exact: the products are Decimal arithmetic on the very values the engines would multiply (the
parameter tables' own decimals), stored with every digit (scale 24).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal, localcontext
from itertools import pairwise

import pyarrow as pa

from trialdesk.population.params import LIMIT

__all__ = ["BAND_OPS", "SEX_KEYS", "band_table"]

#: The comparisons a band decides (``=`` and ``!=`` take the general aggregate).
BAND_OPS = (">=", ">", "<=", "<")
#: ``COALESCE(known_sex, '')``: a child of unknown sex is read against both sexes' intervals.
SEX_KEYS = ("female", "male", "")
#: limit (scale 18) × number (scale 6): every digit of the product.
PRODUCT = pa.decimal128(38, 24)

#: sex, from, to, limit (None: not readable in the unit), confirmed
_Interval = tuple[str | None, Decimal, Decimal, Decimal | None, bool]
#: from, to, least and greatest limit × number (None: a limit not readable), all confirmed
_Band = tuple[Decimal, Decimal, Decimal | None, Decimal | None, bool]


def band_table(tests: pa.Table, defaults: pa.Table) -> pa.Table:
    """``tests``: ``td_lab_test``; ``defaults``: ``td_default`` (with ``unit_id``). One row per
    (leaf, test, unit id, sex key, age band) that some interval covers: ``all_at`` is the limit
    × number a result must meet to meet every interval, ``any_at`` the one it must meet to
    meet at least one; both null where an interval of the band is not readable in the unit."""
    by_key: dict[tuple[str, int, bool], list[_Interval]] = defaultdict(list)
    for row in defaults.to_pylist():
        by_key[row["analyte"], row["unit_id"], row["use_high"]].append(
            (row["sex"], row["age_from"], row["age_to"], row["limit_value"], row["confirmed"])
        )
    units: dict[tuple[str, bool], set[int]] = defaultdict(set)
    for analyte, unit_id, use_high in by_key:
        units[analyte, use_high].add(unit_id)
    out: dict[str, list[object]] = {
        name: []
        for name in (
            "leaf",
            "test_idx",
            "unit_id",
            "sex_key",
            "age_from",
            "age_to",
            "all_at",
            "any_at",
            "confirmed",
        )
    }
    for test in tests.to_pylist():
        if not test["relative"] or test["op"] not in BAND_OPS:
            continue
        key = (test["analyte"], test["use_high"])
        for unit_id in sorted(units.get(key, ())):
            intervals = by_key[test["analyte"], unit_id, test["use_high"]]
            for sex_key in SEX_KEYS:
                for start, end, low, high, confirmed in _bands(intervals, sex_key, test["number"]):
                    # ">=" / ">" hold for every limit at the greatest product, for one at the
                    # least; "<=" / "<" the other way round.
                    upward = test["op"] in (">=", ">")
                    out["leaf"].append(test["leaf"])
                    out["test_idx"].append(test["test_idx"])
                    out["unit_id"].append(unit_id)
                    out["sex_key"].append(sex_key)
                    out["age_from"].append(start)
                    out["age_to"].append(end)
                    out["all_at"].append(high if upward else low)
                    out["any_at"].append(low if upward else high)
                    out["confirmed"].append(confirmed)
    schema = pa.schema(
        [
            ("leaf", pa.int32()),
            ("test_idx", pa.int32()),
            ("unit_id", pa.int32()),
            ("sex_key", pa.string()),
            ("age_from", LIMIT),
            ("age_to", LIMIT),
            ("all_at", PRODUCT),
            ("any_at", PRODUCT),
            ("confirmed", pa.bool_()),
        ]
    )
    return pa.table(out, schema=schema)


def _bands(intervals: list[_Interval], sex_key: str, number: Decimal) -> list[_Band]:
    """(from, to, least product, greatest product, all confirmed) per age band covered by an
    interval that applies to ``sex_key`` (as the SQL reads sex: an interval for any sex, or
    a child of unknown sex, always applies); no products where a limit of the band is not
    readable in the unit (the screener's "bad unit")."""
    applying = [i for i in intervals if i[0] is None or not sex_key or i[0] == sex_key]
    edges = sorted({i[1] for i in applying} | {i[2] for i in applying})
    bands: list[_Band] = []
    with localcontext() as exact:
        exact.prec = 100  # products of scale-18 and scale-6 decimals, never rounded
        for start, end in pairwise(edges):
            cover = [i for i in applying if i[1] <= start and end <= i[2]]
            if not cover:
                continue
            confirmed = all(i[4] for i in cover)
            limits = [i[3] for i in cover]
            if None in limits:  # a limit not readable in this unit: the screener's "bad unit"
                bands.append((start, end, None, None, confirmed))
                continue
            products = [limit * number for limit in limits if limit is not None]
            bands.append((start, end, min(products), max(products), confirmed))
    return bands
