"""The statements of the observation family (DuckDB dialect; identifiers, plan constants and
outcome placeholders only: every value is a row of a parameter table).

``td_obs_rows`` (a view): every row carrying a leaf's code, from ``observation`` and from the
shared measurement rows, not after the as-of date, read as the record reader reads it (string
first, then number with its unit, then a Yes/No concept) and evaluated at once to the leaf's
outcome index ``o`` (:data:`~.observations_plan.OUTCOMES`), then packed under the screener's
order into one BIGINT ``pick``: newest day, then the leaf's code order and measurement before
observation, then the smallest id, the outcome index in the lowest five bits. A row whose id
or day does not fit the packed bits gets the largest BIGINT (outcome bits ``UNPACKED``).

``td_obs_packed`` (materialised, one row per person and chunk of slots): ``MAX(pick)`` per
slot, kept as its outcome index: the maximum is the row the screener keeps, so no ranking, no
join back and no text column reaches the aggregate (a 64-bit integer: DuckDB's 128-bit
arithmetic costs ~1 µs a row).

``td_obs_exact`` (materialised, usually empty): the persons with an unpacked row, ranked
exactly with ``ROW_NUMBER`` (the join to them prunes the scan of everyone else).
``td_obs_top`` (a view): the packed picks, the exact ones where a row was not packed.

The leaf view: one row per (leaf, person) with a pick (a performance leaf: everyone, since
the scale may need the birth date), its index turned into the packed outcome code; a
disease-status leaf whose pick is stale, or absent, is REVIEW where an mCODE trend is in
the window.
"""

from __future__ import annotations

from trialdesk.population.families.age import _MONTHS
from trialdesk.population.families.base import outcome
from trialdesk.population.families.observations_plan import (
    OUTCOME_SPAN,
    OUTCOMES,
    UNPACKED,
    Slot,
)

__all__ = ["exact_sql", "leaf_sql", "packed_sql", "row_bits", "rows_sql", "top_sql"]

#: Bits of the packed pick for the day (rows up to 2**16 days, ~179 years, before the as-of
#: date) and for the outcome index; the code rank and the table take theirs, the id the rest.
_DAY_BITS = 16
_OUTCOME_BITS = OUTCOME_SPAN.bit_length() - 1
#: The largest BIGINT: its outcome bits read UNPACKED, and it beats every packed pick.
_UNPACKED_PICK = 2**63 - 1
assert _UNPACKED_PICK % OUTCOME_SPAN == UNPACKED
_LEAF_COLUMNS = """c.as_of, c.leaf, c.chunk, c.col, c.trend, c.window_start, c.order_base, c.numeric,
      c.stale_o, c.other_o, c.yes_o, c.no_o, c.unconvertible_o, c.holds_o, c.fails_o"""


def _numeric_columns(number: str, tests: int) -> str:
    """What a numeric reading needs from ``td_obs_numeric`` (``s``): whether the unit converts
    (NULL: no readable unit), the value as DECIMAL(18, 6) (cast only where it is compared and
    fits), its sign where it is too large to cast, and each test's cuts and answers."""
    if tests == 0:
        return "CAST(NULL AS BOOLEAN) AS convertible"
    per_test = ", ".join(
        f"s.{k}{t}" for t in range(tests) for k in ("lo", "hi", "below", "at", "above")
    )
    return f"""s.convertible, s.huge,
      CASE WHEN c.numeric AND ABS({number}) < s.cast_limit
           THEN CAST({number} AS DECIMAL(18, 6)) END AS q,
      CASE WHEN {number} >= s.cast_limit THEN 1 WHEN {number} <= -s.cast_limit THEN -1
           END AS big,
      {per_test}"""


def _holds(tests: int) -> str:
    """Whether the number meets every test read for its unit (NULL: no test is read), in the
    outcome CASE, so that only the numeric rows evaluate it.

    Each test's comparison sign comes from its cuts (``observations_tables.cuts``): the value
    as DECIMAL(18, 6) against two DECIMAL(18, 6), exact and int64 on every engine; from 10**9
    on (and, not cast, from ``cast_limit`` on) by the value's sign alone."""
    parts = [
        f"CASE WHEN r.lo{t} IS NULL THEN TRUE"
        f" WHEN r.big = 1 OR r.q >= r.huge THEN r.above{t}"
        f" WHEN r.big = -1 OR r.q <= -r.huge THEN r.below{t}"
        f" WHEN r.q < r.lo{t} THEN r.below{t} WHEN r.q > r.hi{t} THEN r.above{t}"
        f" ELSE r.at{t} END"
        for t in range(tests)
    ]
    none = " AND ".join(f"r.lo{t} IS NULL" for t in range(tests))
    every = " AND ".join(f"({p})" for p in parts)
    return f"CASE WHEN {none} THEN NULL ELSE {every} END"


def _numeric_join(spelling: str, tests: int) -> str:
    if tests == 0:
        return ""
    return (
        f"\n    LEFT JOIN td_obs_numeric s ON s.leaf = c.leaf AND s.unit_source_value = {spelling}"
    )


def _observation_rows(tests: int) -> str:
    return f"""
    SELECT {_LEAF_COLUMNS},
      o.person_id, o.observation_id AS row_id, CAST(o.observation_date AS DATE) AS d,
      rd.o AS read_o, (o.value_as_string IS NOT NULL AND o.value_as_string <> '') AS has_string,
      o.value_as_number IS NULL AS no_number, ac.answer,
      {_numeric_columns("o.value_as_number", tests)}
    FROM observation o
    JOIN td_obs_code c ON c.code = o.observation_source_value
    LEFT JOIN td_obs_reading rd
      ON rd.leaf = c.leaf AND rd.value_as_string = o.value_as_string
    LEFT JOIN td_obs_answer_concept ac ON ac.concept_id = o.value_as_concept_id\
{_numeric_join("o.unit_source_value", tests)}"""  # noqa: S608 (identifiers only)


def _measurement_rows(tests: int) -> str:
    """The shared measurement rows of every leaf (few: a number, its unit, no string). A
    number under an operator other than "=" is a bound, not a value: read as no number, as
    the record reader reads it (``records._measurement``)."""
    units = "\n    LEFT JOIN td_munit mu ON mu.unit_id = m.unit_id" if tests else ""
    number = "(CASE WHEN m.plain THEN m.v END)"
    return f"""
    SELECT {_LEAF_COLUMNS},
      m.person_id, m.measurement_id AS row_id, m.d,
      CAST(NULL AS INTEGER) AS read_o, FALSE AS has_string, {number} IS NULL AS no_number,
      CAST(NULL AS BOOLEAN) AS answer,
      {_numeric_columns(number, tests)}
    FROM td_meas m
    JOIN td_obs_mkey c ON c.code_id = m.code_id{units}\
{_numeric_join("mu.unit_source_value", tests)}"""  # noqa: S608 (identifiers only)


def row_bits(rank_radix: int) -> int:
    """The packed pick's bits for the row id: what the day, order and outcome leave of 63."""
    return 63 - _DAY_BITS - _OUTCOME_BITS - (2 * rank_radix - 1).bit_length()


def rows_sql(rank_radix: int, tests: int) -> str:
    """``td_obs_rows``: per row carrying a leaf's code, its slot (chunk, col), its order
    (day, then ``order_base``: code rank and table, then id), its outcome index ``o`` and its
    packed ``pick``.

    ``rank_radix``: more than any leaf's code rank (``order_base`` < 2 × radix); ``tests``:
    the most numeric tests of a leaf (0 without life-expectancy or performance leaves)."""
    row_max = 2 ** row_bits(rank_radix) - 1
    days = 2**_DAY_BITS
    day = "DATE_DIFF('day', r.as_of, r.d)"
    # Newest day first, then code rank and measurement before observation (order_base), then
    # the smallest id: all in one BIGINT above the outcome index (five bits).
    pick = (
        f"(CAST({day} + {days - 1} AS BIGINT) * {2 * rank_radix} + r.order_base)"
        f" * {(row_max + 1) * OUTCOME_SPAN} + ({row_max} - r.row_id) * {OUTCOME_SPAN} + r.o"
    )
    numeric = (
        f"""
         WHEN NOT r.convertible THEN r.unconvertible_o
         WHEN {_holds(tests)} THEN r.holds_o"""
        if tests
        else ""
    )
    otherwise = "r.fails_o" if tests else "r.other_o"
    union = _observation_rows(tests) + "\n    UNION ALL" + _measurement_rows(tests)
    return f"""
SELECT r.chunk, r.col, r.person_id, r.d, r.order_base, r.row_id, r.o,
  CASE WHEN r.trend THEN r.o
       WHEN r.row_id BETWEEN 0 AND {row_max} AND {day} > -{days} THEN {pick}
       ELSE {_UNPACKED_PICK} END AS pick
FROM (
  SELECT r.*,
    CASE WHEN r.trend THEN CASE WHEN r.d >= r.window_start THEN 0 END
         WHEN r.d < r.window_start THEN r.stale_o
         WHEN r.read_o IS NOT NULL THEN r.read_o
         WHEN r.has_string THEN r.other_o
         WHEN r.no_number THEN CASE WHEN r.answer THEN r.yes_o
                                    WHEN NOT r.answer THEN r.no_o ELSE r.other_o END
         WHEN NOT r.numeric OR r.convertible IS NULL THEN r.other_o{numeric}
         ELSE {otherwise} END AS o
  FROM ({union}
  ) r
  WHERE r.d <= r.as_of
) r
"""  # noqa: S608 (identifiers and plan constants only)


def _columns(slots: list[Slot]) -> int:
    return max(s.column for s in slots) + 1


def packed_sql(slots: list[Slot]) -> str:
    """``td_obs_packed``: per person and chunk, each slot's outcome index (NULL: no row;
    :data:`UNPACKED`: a row could not be packed), and whether any slot needs ``td_obs_exact``."""
    columns = _columns(slots)
    picks = ",\n    ".join(
        f"CAST(MAX(CASE WHEN r.col = {j} THEN r.pick END) % {OUTCOME_SPAN} AS SMALLINT) AS o{j}"
        for j in range(columns)
    )
    chunked = any(s.chunk for s in slots)
    chunk, group = ("r.chunk", "r.person_id, r.chunk") if chunked else ("0 AS chunk", "r.person_id")
    unpacked = " OR ".join(f"COALESCE(p.o{j}, 0) = {UNPACKED}" for j in range(columns))
    return f"""
SELECT p.*, ({unpacked}) AS exact FROM (
  SELECT r.person_id, {chunk},
    {picks}
  FROM td_obs_rows r
  GROUP BY {group}
) p
"""  # noqa: S608 (identifiers and plan constants only)


def exact_sql(slots: list[Slot]) -> str:
    """``td_obs_exact``: the picks of the (person, chunk) ``td_obs_packed`` could not pack,
    ranked exactly (the join to the few flagged persons prunes the scan of the rest)."""
    picks = ",\n  ".join(
        f"CAST(MAX(CASE WHEN x.col = {j} AND x.k = 1 THEN x.o END) AS SMALLINT) AS o{j}"
        for j in range(_columns(slots))
    )
    return f"""
SELECT x.person_id, x.chunk,
  {picks}
FROM (
  SELECT r.person_id, r.chunk, r.col, r.o,
    ROW_NUMBER() OVER (PARTITION BY r.person_id, r.chunk, r.col
      ORDER BY r.d DESC, r.order_base DESC, r.row_id NULLS LAST) AS k
  FROM td_obs_rows r
  JOIN td_obs_packed f ON f.person_id = r.person_id AND f.chunk = r.chunk
  WHERE f.exact
) x
GROUP BY x.person_id, x.chunk
"""  # noqa: S608 (identifiers and plan constants only)


def top_sql(slots: list[Slot]) -> str:
    """``td_obs_top`` (a view): per person and chunk, each slot's picked outcome index."""
    names = ", ".join(f"o{j}" for j in range(_columns(slots)))
    return (
        f"SELECT person_id, chunk, {names} FROM td_obs_packed WHERE NOT exact"  # noqa: S608
        f"\nUNION ALL\nSELECT person_id, chunk, {names} FROM td_obs_exact"
    )


def _codes(index: str, used: list[int]) -> str:
    """The WHEN branches turning an outcome index into its packed code."""
    return " ".join(f"WHEN {index} = {o} THEN {outcome(*OUTCOMES[o])}" for o in used)


_TREND = outcome("R", "status.trend", False)
_NO_BIRTH = outcome("U", "age.no_birth_date", True)
_PERFORMANCE_MISSING = outcome("U", "performance.missing", True)
_SCALE_LANSKY = f"FLOOR({_MONTHS.format(b='p.birth_earliest')} / 12) <= 16"


def leaf_sql(leaves: list[tuple[int, str, list[int], int]], slots: list[Slot]) -> str:
    """The leaf view. ``leaves``: (leaf, kind, outcome indices it can take, stale index)."""
    by_leaf: dict[int, dict[str, Slot]] = {}
    for slot in slots:
        by_leaf.setdefault(slot.leaf, {})[slot.variant] = slot
    parts = []
    for leaf, kind, used, stale in leaves:
        mine = by_leaf.get(leaf)
        if mine is None:
            continue  # no code to read: the family's missing outcome for everyone
        chunk = next(iter(mine.values())).chunk
        if kind == "performance":
            if "" in mine:
                pick = f"t.o{mine[''].column}"
                first = ""
            else:
                lansky, karnofsky = mine["lansky"].column, mine["karnofsky"].column
                pick = f"CASE WHEN {_SCALE_LANSKY} THEN t.o{lansky} ELSE t.o{karnofsky} END"
                first = f"WHEN p.birth_earliest IS NULL THEN {_NO_BIRTH} "
            parts.append(
                f"SELECT {leaf} AS leaf, p.person_id, CASE {first}"
                f"WHEN {pick} IS NULL THEN {_PERFORMANCE_MISSING} {_codes(pick, used)} END AS code"
                "\nFROM td_person p CROSS JOIN td_params pr"
                f"\nLEFT JOIN td_obs_top t ON t.person_id = p.person_id AND t.chunk = {chunk}"
            )
            continue
        plain = f"t.o{mine[''].column}"
        if "mcode" in mine:
            trend = f"t.o{mine['mcode'].column}"
            code = (
                f"CASE WHEN {plain} IS NULL THEN {_TREND}"
                f" WHEN {trend} IS NOT NULL AND {plain} = {stale} THEN {_TREND}"
                f" {_codes(plain, used)} END"
            )
            present = f"({plain} IS NOT NULL OR {trend} IS NOT NULL)"
        else:
            code = f"CASE {_codes(plain, used)} END"
            present = f"{plain} IS NOT NULL"
        parts.append(
            f"SELECT {leaf} AS leaf, t.person_id, {code} AS code"
            f"\nFROM td_obs_top t WHERE t.chunk = {chunk} AND {present}"
        )
    if not parts:
        return (
            "SELECT CAST(NULL AS INTEGER) AS leaf, CAST(NULL AS BIGINT) AS person_id,"
            " CAST(NULL AS INTEGER) AS code FROM td_obs_answer_concept WHERE FALSE"
        )
    return "\nUNION ALL\n".join(parts)
