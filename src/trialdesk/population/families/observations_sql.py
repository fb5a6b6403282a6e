"""The statements of the observation family (DuckDB dialect; identifiers and keys only)."""

from __future__ import annotations

from trialdesk.population.families.age import _MONTHS
from trialdesk.population.families.base import outcome

__all__ = [
    "OBS_CANDIDATES",
    "OBS_LEAF",
    "OBS_MEASURE",
    "OBS_MULTI",
    "OBS_PERFORMANCE",
    "OBS_PICK",
    "OBS_ROWS",
    "OBS_SCALE",
    "OBS_TREND",
]

# The rows carrying a leaf's codes, from both tables, not after the as-of date; the value as
# the record reader reads it (string first, then number with its unit, then a Yes/No concept).
# Measurement rows come from the shared rows (``td_meas``: already cut at the as-of date).
OBS_ROWS = """
SELECT c.leaf, c.variant, o.person_id, c.code_rank, 1 AS tbl, o.observation_id AS row_id,
  CAST(o.observation_date AS DATE) AS d,
  v.token,
  CASE WHEN v.value_as_string IS NOT NULL THEN v.answer
       WHEN o.value_as_number IS NULL THEN ac.answer END AS answer,
  v.qual,
  CASE WHEN v.value_as_string IS NULL THEN CAST(o.value_as_number AS DECIMAL(20, 6)) END AS q,
  CASE WHEN v.value_as_string IS NULL AND o.value_as_number IS NOT NULL THEN u.unit END AS unit
FROM observation o
JOIN td_obs_code c ON c.code = o.observation_source_value
CROSS JOIN td_params pr
LEFT JOIN td_obs_value v ON v.value_as_string = o.value_as_string
LEFT JOIN td_obs_unit u ON u.unit_source_value = o.unit_source_value
LEFT JOIN td_obs_answer_concept ac ON ac.concept_id = o.value_as_concept_id
WHERE CAST(o.observation_date AS DATE) <= pr.as_of
UNION ALL
SELECT c.leaf, c.variant, m.person_id, c.code_rank, 0 AS tbl, m.measurement_id AS row_id, m.d,
  CAST(NULL AS VARCHAR) AS token, CAST(NULL AS BOOLEAN) AS answer, CAST(NULL AS VARCHAR) AS qual,
  CAST(m.v AS DECIMAL(20, 6)) AS q, u.unit
FROM td_meas m
JOIN td_obs_mkey c ON c.code_id = m.code_id
LEFT JOIN td_munit u ON u.unit_id = m.unit_id
"""

# Completed years by the earliest possible birth date (the oldest reading) choose the scale.
OBS_SCALE = """
SELECT p.person_id,
  CASE WHEN FLOOR({months} / 12) <= 16 THEN 'lansky' ELSE 'karnofsky' END AS scale
FROM td_person p CROSS JOIN td_params pr
WHERE p.birth_earliest IS NOT NULL
""".format(months=_MONTHS.format(b="p.birth_earliest"))

# The rows each leaf reads (a performance leaf: its scale's rows only), stored once.
OBS_CANDIDATES = """
SELECT r.leaf, r.person_id, r.code_rank, r.tbl, r.row_id, r.d, r.token, r.answer, r.qual,
  r.q, r.unit
FROM td_obs_rows r {scale_join}
WHERE r.variant = '' {scale_test}
"""

# (leaf, person) with several candidate rows: the only ones that need ranking.
OBS_MULTI = """
SELECT leaf, person_id FROM td_obs_candidates GROUP BY leaf, person_id HAVING COUNT(*) > 1
"""

# The screener's pick: newest day, then code order, measurement before observation, then id.
# Most (leaf, person) have a single row (taken as it is); the others are ranked.
OBS_PICK = """
SELECT r.leaf, r.person_id, r.d, r.token, r.answer, r.qual, r.q, r.unit
FROM td_obs_candidates r
LEFT JOIN td_obs_multi x ON x.leaf = r.leaf AND x.person_id = r.person_id
WHERE x.leaf IS NULL
UNION ALL
SELECT x.leaf, x.person_id, x.d, x.token, x.answer, x.qual, x.q, x.unit FROM (
  SELECT r.*, ROW_NUMBER() OVER (PARTITION BY r.leaf, r.person_id
    ORDER BY r.d DESC, r.code_rank, r.tbl, r.row_id) AS k
  FROM td_obs_candidates r
  JOIN td_obs_multi m ON m.leaf = r.leaf AND m.person_id = r.person_id
) x WHERE x.k = 1
"""

# (leaf, person) with an mCODE disease-status trend inside the leaf's window (the screener reads
# one where no disease-status observation is in the window: review, whatever its value).
OBS_TREND = """
SELECT r.leaf, r.person_id
FROM td_obs_rows r
JOIN td_obs_leaf l ON l.leaf = r.leaf
WHERE r.variant = 'mcode' AND r.d >= l.window_start
GROUP BY r.leaf, r.person_id
"""

# Cast so that every engine keeps all 12 decimals (Spark narrows a wide product's scale).
_PRODUCT = "CAST(CAST(k.q AS DECIMAL(38, 12)) * e.mantissa AS DECIMAL(38, 12))"
# Every test of a numeric leaf against the picked value (a row only for a readable quantity
# in a convertible unit): the sign after rounding to 12 significant digits, from the edges.
OBS_MEASURE = """
SELECT k.leaf, k.person_id, BOOL_AND(o.answer) AS holds
FROM td_obs_pick k
JOIN td_obs_edge e ON e.leaf = k.leaf AND e.unit = k.unit
JOIN td_op o ON o.op = e.op AND o.sign = CASE
  WHEN k.q >= e.huge THEN 1 WHEN k.q <= -e.huge THEN -1
  WHEN X < e.lo OR (X = e.lo AND NOT e.lo_in) THEN -1
  WHEN X > e.hi OR (X = e.hi AND NOT e.hi_in) THEN 1 ELSE 0 END
WHERE k.q IS NOT NULL
GROUP BY k.leaf, k.person_id
""".replace("X", _PRODUCT)

_O = outcome
# One CASE per kind, each branch a constant outcome (``outcome``: an integer code once planned).
OBS_LEAF = f"""
SELECT z.leaf, z.person_id,
  CASE WHEN z.kind IN ('status', 'finding') THEN
         CASE WHEN z.stale AND z.trend THEN {_O("R", "status.trend", False)}
              WHEN z.stale THEN {_O("U", "status.missing", True)}
              WHEN z.matched <> z.negate THEN {_O("T", "status.is", False)}
              ELSE {_O("F", "status.is", False)} END
       WHEN z.kind = 'attestation' THEN
         CASE WHEN z.stale THEN {_O("R", "attestation.stale", False)}
              WHEN z.answer IS NULL THEN {_O("R", "attestation.unreadable", False)}
              WHEN z.answer THEN {_O("T", "attestation.true", False)}
              ELSE {_O("F", "attestation.false", False)} END
       WHEN z.kind = 'toxicity' THEN
         CASE WHEN z.stale OR z.answer IS NULL THEN {_O("U", "toxicity.no_history", True)}
              WHEN z.answer THEN {_O("F", "attestation.true", False)}
              ELSE {_O("T", "attestation.false", False)} END
       WHEN z.kind = 'test' THEN
         CASE WHEN z.stale THEN {_O("U", "test.missing", True)}
              WHEN z.qual IS NULL THEN {_O("R", "test.inconclusive", False)}
              WHEN z.qual = z.expected THEN {_O("T", "test.result", False)}
              ELSE {_O("F", "test.result", False)} END
       ELSE CASE WHEN z.stale OR z.q IS NULL OR z.unit IS NULL
                   THEN {_O("R", "life_expectancy.missing", False)}
                 WHEN NOT z.convertible THEN {_O("R", "life_expectancy.unreadable", False)}
                 WHEN z.holds THEN {_O("T", "life_expectancy.is", False)}
                 ELSE {_O("F", "life_expectancy.is", False)} END END AS code
FROM (
  SELECT k.leaf, k.person_id, l.kind, l.negate, l.expected, k.answer, k.qual, k.q, k.unit,
    (l.window_start IS NOT NULL AND k.d < l.window_start) AS stale,
    (w.token IS NOT NULL) AS matched, (f.factor IS NOT NULL) AS convertible, m.holds,
    (t.leaf IS NOT NULL) AS trend
  FROM td_obs_pick k
  JOIN td_obs_leaf l ON l.leaf = k.leaf
  LEFT JOIN td_obs_wanted w ON w.leaf = k.leaf AND w.token = k.token
  LEFT JOIN td_obs_factor f ON f.leaf = k.leaf AND f.unit = k.unit
  LEFT JOIN td_obs_measure m ON m.leaf = k.leaf AND m.person_id = k.person_id
  LEFT JOIN td_obs_trend t ON t.leaf = k.leaf AND t.person_id = k.person_id
  WHERE l.kind <> 'performance'
) z
UNION ALL
SELECT t.leaf, t.person_id, {_O("R", "status.trend", False)} AS code
FROM td_obs_trend t
LEFT JOIN td_obs_pick k ON k.leaf = t.leaf AND k.person_id = t.person_id
WHERE k.leaf IS NULL
"""  # noqa: S608 (message keys only, checked by outcome())

# Performance: a row for every person (the scale may need the birth date); stale is missing.
OBS_PERFORMANCE = f"""
UNION ALL
SELECT l.leaf, p.person_id,
  CASE WHEN l.auto AND p.birth_earliest IS NULL THEN {_O("U", "age.no_birth_date", True)}
       WHEN k.person_id IS NULL THEN {_O("U", "performance.missing", True)}
       WHEN k.q IS NULL OR k.unit IS NULL THEN {_O("U", "performance.unreadable", True)}
       WHEN m.holds THEN {_O("T", "performance.is", False)}
       ELSE {_O("F", "performance.is", False)} END AS code
FROM td_person p
CROSS JOIN td_obs_leaf l
LEFT JOIN td_obs_pick k
  ON k.leaf = l.leaf AND k.person_id = p.person_id AND k.d >= l.window_start
LEFT JOIN td_obs_measure m ON m.leaf = l.leaf AND m.person_id = p.person_id
WHERE l.kind = 'performance'
"""  # noqa: S608 (message keys only, checked by outcome())
