"""The SQL of the laboratory leaves (:mod:`trialdesk.population.families.labs`), step by step.

Reading order:

1. ``td_lab_newest`` — one row per person and *chunk* of up to :data:`SLOTS` leaves: the newest
   day of each leaf of the chunk (a ``MAX(CASE …)`` per slot). Grouping per person (a million
   groups at a million people) instead of per (leaf, person) (13 million) is what keeps the
   aggregate and the join back cheap; chunking keeps the per-row CASEs bounded however many
   laboratory leaves a protocol has (each leaf's ``chunk`` and ``slot`` are rows of
   ``td_lab_code``/``td_lab_leaf``).
2. ``td_lab_day`` — each leaf's newest-day rows when that day is in the window (the measurement
   rows joined back to their person's row), one row per test of the leaf, values cast to exact
   decimals and each test evaluated at once where it needs no default limit: the unit factor
   (absolute) or the row's own range (× ULN/LLN). A stale leaf has no row here: its outcome
   comes straight from ``td_lab_newest``. ``td_lab_multi``: the (person, chunk) with several
   rows for one leaf that day (few), found per person: the sum of the rows' leaf bits differs
   from their bitwise OR exactly when a leaf has two rows.
3. The tests left (a usable row, a relative test, no own range) read the default limits: for a
   child born on a known day, the one age band of the test, unit and sex (``td_lab_band``,
   :mod:`.lab_bands`); otherwise every default interval for the youngest and oldest reading of
   the age, aggregated. Each row's outcome (the worst of its tests) is materialised once,
   narrow (``td_lab_row_eval``).
4. One outcome per (leaf, person): stale; the newest day's single row; or, for the few
   (person, chunk) of ``td_lab_multi``, review when a leaf's rows disagree, else the first by
   code order, then measurement id.

Materialised: ``td_lab_newest``, ``td_lab_day``, ``td_lab_multi``, ``td_lab_pending`` and
``td_lab_row_eval``; the leaf view reads the last two and is read once by the combination.
"""

from __future__ import annotations

from trialdesk.population.families.base import outcome as _O

__all__ = ["REUSED", "SLOTS", "TRUTH_ORDER", "lab_leaf", "lab_steps", "slots_used"]

#: The truth letters in the order of their integer codes (``code % 8``), as
#: :data:`trialdesk.population.compile_rules.TRUTH_CODES` numbers them (a test checks it).
TRUTH_ORDER = ("T", "F", "U", "R", "N")
_TRUTH = "(e.code % 8)"  # the truth part of a packed outcome (no-data bit 8, reasons × 64)

#: Leaves per chunk: each measurement row evaluates one CASE per slot of its chunk.
SLOTS = 16


def _newest(slots: int) -> str:
    """The newest day of each slot's leaf, per person (of ``td_person``) and chunk, in one
    aggregate over the shared measurement rows of the wanted codes (integer joins; nothing cast
    or stored per row). The person's sex and birth range are not carried here: only the rows
    that need a default limit read them (``td_lab_pending``), about a fifth of the newest-day
    rows."""
    columns = ",\n    ".join(
        f"MAX(CASE WHEN c.slot = {k} THEN m.d END) AS s{k}" for k in range(slots)
    )
    return f"""
SELECT a.*
FROM (
  SELECT m.person_id, c.chunk,
    {columns}
  FROM td_meas m
  JOIN td_lab_code c ON c.code_id = m.code_id
  GROUP BY m.person_id, c.chunk
) a
JOIN td_person p ON p.person_id = a.person_id
"""  # noqa: S608


def _slot_day(slots: int, table: str, slot: str) -> str:
    """The newest day of the row's leaf: the slot column its ``slot`` names."""
    cases = " ".join(f"WHEN {k} THEN {table}.s{k}" for k in range(slots))
    return f"(CASE {slot} {cases} END)"


def _own(ranges: frozenset[str]) -> str:
    """The row's own limit a relative test reads (``use_high``: the upper one), from the range
    columns ``td_meas`` carries (only the sides some test reads: another side is no test's)."""
    high = "m.range_high" if "range_high" in ranges else "CAST(NULL AS DOUBLE)"
    low = "m.range_low" if "range_low" in ranges else "CAST(NULL AS DOUBLE)"
    return f"CASE WHEN t.use_high THEN {high} ELSE {low} END"


def _day(slots: int, ranges: frozenset[str]) -> str:
    """A second pass keeps only the rows of each leaf's newest day, when it is inside the
    window, one row per test of the leaf, each evaluated at once where its outcome needs no
    default limit (``code``: null where it does; only those rows' value, unit and day are
    read later). Only these rows are cast."""
    sql = f"""
SELECT q.leaf, q.person_id, q.chunk, q.measurement_id, q.code_rank, q.test_idx,
  CASE
    WHEN NOT q.usable THEN NO_VALUE
    WHEN NOT q.relative THEN CASE WHEN q.factor IS NULL THEN BAD_UNIT
      WHEN HOLDS_ABS THEN MEETS ELSE FAILS END
    WHEN q.own IS NOT NULL THEN CASE WHEN HOLDS_OWN THEN MEETS ELSE FAILS END
  END AS code,
  q.v, q.unit_id, q.d
FROM (
  SELECT c.leaf, m.person_id, c.chunk, m.measurement_id, c.code_rank, t.test_idx, t.op,
    t.number, t.relative, f.factor,
    CAST(m.v AS DECIMAL(20, 6)) AS v,
    m.unit_id,
    CAST({_own(ranges)} AS DECIMAL(20, 6)) AS own,
    (m.v IS NOT NULL AND m.unit_id IS NOT NULL AND m.plain) AS usable, m.d
  FROM td_meas m
  JOIN td_lab_code c ON c.code_id = m.code_id
  JOIN td_lab_newest n ON n.person_id = m.person_id AND n.chunk = c.chunk
  JOIN td_lab_leaf l ON l.leaf = c.leaf
  JOIN td_lab_test t ON t.leaf = c.leaf
  LEFT JOIN td_factor f ON f.leaf = t.leaf AND f.test_idx = t.test_idx AND f.unit_id = m.unit_id
  WHERE m.d = {_slot_day(slots, "n", "c.slot")} AND m.d >= l.window_start
) q
"""  # noqa: S608
    sql = sql.replace("HOLDS_ABS", _holds("q.op", "q.v * q.factor", "q.number"))
    return _coded(sql.replace("HOLDS_OWN", _holds("q.op", "q.v", "q.own * q.number")))


# The (person, chunk) whose newest days hold several rows for one leaf (rare): the only ones
# that need ranking. A leaf's bit counted once per row: the sum exceeds the bitwise OR exactly
# when some leaf has two rows (no overflow: a chunk's bits stay below 2^SLOTS).
_LAB_MULTI = """
SELECT r.person_id, r.chunk
FROM td_lab_day r
JOIN td_lab_leaf l ON l.leaf = r.leaf
WHERE r.test_idx = 0
GROUP BY r.person_id, r.chunk
HAVING SUM(l.bit) <> BIT_OR(l.bit)
"""


def _holds(op: str, left: str, right: str) -> str:
    """``left op right`` for the test's comparison code (a CASE on the six operator codes, so
    that the decimal values are compared directly, exactly, with no join)."""
    cases = " ".join(
        f"WHEN '{code}' THEN {left} {sql} {right}"
        for code, sql in (
            (">=", ">="),
            ("<=", "<="),
            (">", ">"),
            ("<", "<"),
            ("=", "="),
            ("!=", "<>"),
        )
    )
    return f"(CASE {op} {cases} END)"


# Tests on default limits, general form: every interval for the youngest or oldest reading of
# the age on the result's day and for the child's sex (both sexes when it is not female or
# male), the ages computed once per row, before the join; the outcome straight from the
# aggregate. A row without a birth date (or with no interval) keeps one row with no limit
# (``n_limits`` 0). Only the rows the bands cannot decide (``BANDED`` false) come here.
_LAB_DEFAULT = """
SELECT q.leaf, q.person_id, q.chunk, q.measurement_id, q.code_rank, q.test_idx,
  CASE
    WHEN q.no_birth THEN NO_RANGE_NO_AGE
    WHEN q.n_limits = 0 THEN NO_RANGE
    WHEN q.unconvertible THEN BAD_UNIT
    WHEN q.all_true <> q.any_true THEN METHODS_DISAGREE
    WHEN NOT q.confirmed THEN UNCONFIRMED
    WHEN q.all_true THEN MEETS ELSE FAILS END AS code
FROM (
  SELECT r.leaf, r.person_id, r.chunk, r.measurement_id, r.code_rank, r.test_idx,
    COUNT(d.analyte) AS n_limits,
    BOOL_AND(HOLDS_DEFAULT) AS all_true,
    BOOL_OR(HOLDS_DEFAULT) AS any_true,
    BOOL_AND(d.confirmed) AS confirmed,
    BOOL_OR(d.analyte IS NOT NULL AND d.limit_value IS NULL) AS unconvertible,
    BOOL_OR(r.no_birth) AS no_birth
  FROM (
    SELECT r.leaf, r.person_id, r.chunk, r.measurement_id, r.code_rank, r.unit_id, r.v,
      r.test_idx, t.analyte, t.use_high, t.op, t.number, r.sex_key,
      r.old IS NULL AS no_birth, r.young, r.old
    FROM td_lab_pending r
    JOIN td_lab_test t ON t.leaf = r.leaf AND t.test_idx = r.test_idx
    WHERE NOT BANDED
  ) r
  LEFT JOIN td_default d
    ON d.analyte = r.analyte AND d.unit_id = r.unit_id AND d.use_high = r.use_high
    AND (d.sex IS NULL OR r.sex_key = '' OR d.sex = r.sex_key)
    AND ((r.young >= d.age_from AND r.young < d.age_to)
      OR (r.old >= d.age_from AND r.old < d.age_to))
  GROUP BY r.leaf, r.person_id, r.chunk, r.measurement_id, r.code_rank, r.test_idx
) q
"""
# The rows whose test needs a default limit, with what chooses it: the child's sex (both sexes
# when it is not female or male) and the youngest and oldest reading of the age on the
# result's day (days × 100: they compare with years × 36525, exactly). Joined to the person
# here, for these rows only (about a fifth), rather than carried through the join back for
# every row; materialised, as both default-limit steps read it.
_LAB_PENDING = """
SELECT r.*, COALESCE(p.known_sex, '') AS sex_key,
  DATE_DIFF('day', p.birth_latest, r.d) * 100 AS young,
  DATE_DIFF('day', p.birth_earliest, r.d) * 100 AS old
FROM td_lab_day r
JOIN td_person p ON p.person_id = r.person_id
WHERE r.code IS NULL
"""

# A child born on a known day, a test the bands decide (:mod:`.lab_bands`).
_BANDED = "(t.banded AND r.old IS NOT NULL AND r.young = r.old)"
_LAB_DEFAULT = _LAB_DEFAULT.replace(
    "HOLDS_DEFAULT", _holds("r.op", "r.v", "d.limit_value * r.number")
).replace("BANDED", _BANDED)

# Tests on default limits, by band: the one band of the child's age, sex, the test and the
# row's unit (:mod:`.lab_bands`); no band: no interval applies.
_LAB_BAND = """
SELECT r.leaf, r.person_id, r.chunk, r.measurement_id, r.code_rank, r.test_idx,
  CASE
    WHEN b.leaf IS NULL THEN NO_RANGE
    WHEN b.all_at IS NULL THEN BAD_UNIT
    WHEN MEETS_ALL <> MEETS_ANY THEN METHODS_DISAGREE
    WHEN NOT b.confirmed THEN UNCONFIRMED
    WHEN MEETS_ALL THEN MEETS ELSE FAILS END AS code
FROM (
  SELECT r.leaf, r.person_id, r.chunk, r.measurement_id, r.code_rank, r.unit_id, r.v,
    r.test_idx, t.op, r.sex_key, r.young AS age
  FROM td_lab_pending r
  JOIN td_lab_test t ON t.leaf = r.leaf AND t.test_idx = r.test_idx
  WHERE BANDED
) r
LEFT JOIN td_lab_band b
  ON b.leaf = r.leaf AND b.test_idx = r.test_idx AND b.unit_id = r.unit_id
  AND b.sex_key = r.sex_key AND r.age >= b.age_from AND r.age < b.age_to
"""
_LAB_BAND = (
    _LAB_BAND.replace("MEETS_ALL", _holds("r.op", "r.v", "b.all_at"))
    .replace("MEETS_ANY", _holds("r.op", "r.v", "b.any_at"))
    .replace("BANDED", _BANDED)
)

# One outcome per test of every newest-day row (an unusable row: unknown, ``lab.no_value``);
# the tests on default limits come from their own step.
_LAB_TEST = """
SELECT leaf, person_id, chunk, measurement_id, code_rank, test_idx, code
FROM td_lab_day
WHERE code IS NOT NULL
UNION ALL
SELECT leaf, person_id, chunk, measurement_id, code_rank, test_idx, code
FROM td_lab_default_eval
UNION ALL
SELECT leaf, person_id, chunk, measurement_id, code_rank, test_idx, code
FROM td_lab_band_eval
"""

# One outcome per result row: the worst test (FALSE, then UNKNOWN, then REVIEW), its first
# reason. With one test per leaf (every leaf of the bundled protocols) it is that test's.
_LAB_ROW_ONE_TEST = (
    "SELECT leaf, person_id, chunk, measurement_id, code_rank, code FROM td_lab_test_eval"
)
_LAB_ROW_WORST_TEST = """
SELECT leaf, person_id, chunk, measurement_id, code_rank, code FROM (
  SELECT e.*, ROW_NUMBER() OVER (PARTITION BY e.leaf, e.measurement_id ORDER BY
      CASE TRUTH WHEN FALSE_ THEN 1 WHEN UNKNOWN_ THEN 2 WHEN REVIEW_ THEN 3 ELSE 4 END,
      e.test_idx) AS k
  FROM td_lab_test_eval e
) b WHERE b.k = 1
"""


def _stale(slots: int) -> str:
    """The leaves whose newest day is before their window (one select per slot: the wide row
    of a person read once per slot)."""
    return "\nUNION ALL\n".join(
        f"""SELECT l.leaf, n.person_id, STALE AS code
FROM td_lab_newest n
JOIN td_lab_leaf l ON l.chunk = n.chunk AND l.slot = {k}
WHERE n.s{k} < l.window_start"""  # noqa: S608
        for k in range(slots)
    )


# One outcome per (leaf, person), in three disjoint parts (see the module docstring, 4): the
# stale leaves (``_stale``) come first.
_LAB_FRESH = """
SELECT e.leaf, e.person_id, e.code
FROM td_lab_row_eval e
LEFT JOIN td_lab_multi x ON x.person_id = e.person_id AND x.chunk = e.chunk
WHERE x.person_id IS NULL
UNION ALL
SELECT b.leaf, b.person_id, CASE WHEN b.lo <> b.hi THEN CONFLICT ELSE b.code END AS code
FROM (
  SELECT e.leaf, e.person_id, e.code,
    MIN(TRUTH) OVER (PARTITION BY e.leaf, e.person_id) AS lo,
    MAX(TRUTH) OVER (PARTITION BY e.leaf, e.person_id) AS hi,
    ROW_NUMBER() OVER (PARTITION BY e.leaf, e.person_id
                       ORDER BY e.code_rank, e.measurement_id) AS k
  FROM td_lab_row_eval e
  JOIN td_lab_multi x ON x.person_id = e.person_id AND x.chunk = e.chunk
) b
WHERE b.k = 1
"""


# Every outcome a laboratory leaf can give (a placeholder the planner turns into its code).
_OUTCOMES = {
    "MEETS": _O("T", "lab.meets", False),
    "FAILS": _O("F", "lab.does_not_meet", False),
    "NO_VALUE": _O("U", "lab.no_value", True),
    "BAD_UNIT": _O("U", "lab.bad_unit", False),
    "NO_RANGE_NO_AGE": _O("U", "lab.no_range_no_age", False),
    "NO_RANGE": _O("U", "lab.no_range", False),
    "METHODS_DISAGREE": _O("R", "lab.methods_disagree", False),
    "UNCONFIRMED": _O("R", "lab.unconfirmed_default", False),
    "STALE": _O("U", "lab.stale", True),
    "CONFLICT": _O("R", "lab.same_day_conflict", False),
    "TRUTH": _TRUTH,
    "FALSE_": str(TRUTH_ORDER.index("F")),
    "UNKNOWN_": str(TRUTH_ORDER.index("U")),
    "REVIEW_": str(TRUTH_ORDER.index("R")),
}


def _coded(sql: str) -> str:
    # Longest names first: NO_RANGE_NO_AGE before NO_RANGE.
    for name in sorted(_OUTCOMES, key=len, reverse=True):
        sql = sql.replace(name, _OUTCOMES[name])
    return sql


_LAB_DEFAULT, _LAB_TEST = _coded(_LAB_DEFAULT), _coded(_LAB_TEST)
_LAB_BAND = _coded(_LAB_BAND)
_LAB_ROW_WORST_TEST, _LAB_FRESH = _coded(_LAB_ROW_WORST_TEST), _coded(_LAB_FRESH)

#: Steps read by several later steps (materialised); the others are inlined where read.
REUSED = frozenset(
    {"td_lab_newest", "td_lab_day", "td_lab_multi", "td_lab_pending", "td_lab_row_eval"}
)


def slots_used(leaves: int) -> int:
    """Slot columns of ``td_lab_newest`` for a family of ``leaves`` leaves."""
    return max(1, min(SLOTS, leaves))


def lab_steps(one_test: bool, leaves: int, ranges: frozenset[str]) -> list[tuple[str, str]]:
    """(view name, SELECT) in order, before the leaf view (``lab_leaf``), for a family of
    ``leaves`` leaves whose relative tests read the ``ranges`` sides of the row's own range
    (``LabFamily.measurement_columns``)."""
    slots = slots_used(leaves)
    row = _LAB_ROW_ONE_TEST if one_test else _LAB_ROW_WORST_TEST
    return [
        ("td_lab_newest", _newest(slots)),
        ("td_lab_day", _day(slots, ranges)),
        ("td_lab_multi", _LAB_MULTI),
        ("td_lab_pending", _LAB_PENDING),
        ("td_lab_default_eval", _LAB_DEFAULT),
        ("td_lab_band_eval", _LAB_BAND),
        ("td_lab_test_eval", _LAB_TEST),
        ("td_lab_row_eval", row),
    ]


def lab_leaf(leaves: int) -> str:
    """The leaf view: one outcome per (leaf, person)."""
    return _coded(_stale(slots_used(leaves))) + "\nUNION ALL" + _LAB_FRESH
