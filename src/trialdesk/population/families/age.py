"""Age leaves (``age() between 1 and 18``, months or completed years) in SQL.

A birth date known only to the month or year is a range of days: the leaf holds only when it
holds for both the earliest and the latest possible birth date, else it is unknown
(``age.imprecise``), as in the in-memory screener.
"""

from __future__ import annotations

import pyarrow as pa

from trialdesk.core.criteria import ast as a
from trialdesk.population.families.base import LeafFamily, Setting, outcome
from trialdesk.population.params import VALUE

__all__ = ["AgeFamily"]

# Completed months as dateutil's relativedelta counts them (a birthday on the 31st is reached
# on the last day of a shorter month); years are whole twelves of months.
_MONTHS = """((pr.as_of_year - YEAR({b})) * 12 + (pr.as_of_month - MONTH({b}))
  - CASE WHEN pr.as_of_day < DAY({b}) AND NOT pr.as_of_month_end THEN 1 ELSE 0 END)"""

_AGE_TEST = """
SELECT t.leaf, p.person_id, p.birth_earliest IS NULL AS no_birth,
  BOOL_AND(oe.answer) AS holds_earliest, BOOL_AND(ol.answer) AS holds_latest
FROM td_person p
CROSS JOIN td_params pr
CROSS JOIN td_age_test t
LEFT JOIN td_op oe ON oe.op = t.op AND oe.sign = SIGN(
  CASE WHEN t.months THEN {me} ELSE FLOOR({me} / 12) END - t.number)
LEFT JOIN td_op ol ON ol.op = t.op AND ol.sign = SIGN(
  CASE WHEN t.months THEN {ml} ELSE FLOOR({ml} / 12) END - t.number)
GROUP BY t.leaf, p.person_id, p.birth_earliest IS NULL
""".format(me=_MONTHS.format(b="p.birth_earliest"), ml=_MONTHS.format(b="p.birth_latest"))

_AGE_LEAF = f"""
SELECT leaf, person_id,
  CASE WHEN no_birth THEN {outcome("U", "age.no_birth_date", True)}
       WHEN holds_earliest <> holds_latest THEN {outcome("U", "age.imprecise", True)}
       WHEN holds_latest THEN {outcome("T", "age.meets", False)}
       ELSE {outcome("F", "age.does_not_meet", False)} END AS code
FROM td_age_eval
"""  # noqa: S608 (message keys only, checked by outcome())


class AgeFamily(LeafFamily):
    name = "age"
    emits_codes = True

    def accepts(self, node: a.Rule) -> bool:
        return isinstance(node, a.AgeCheck)

    def missing(self, node: a.Rule) -> tuple[str, str, str]:
        return ("'U'", "'age.no_birth_date'", "TRUE")

    def statements(self, leaves: list[tuple[int, a.Rule]]) -> list[tuple[str, str]]:
        return [("td_age_eval", _AGE_TEST), (self.leaf_view, _AGE_LEAF)]

    def tables(self, leaves: list[tuple[int, a.Rule]], setting: Setting) -> dict[str, pa.Table]:
        return {"td_age_test": _age_tests([(n, x) for n, x in leaves if isinstance(x, a.AgeCheck)])}


def _age_tests(ages: list[tuple[int, a.AgeCheck]]) -> pa.Table:
    leaf, test_idx, months, op, number = [], [], [], [], []
    for leaf_no, node in ages:
        for index, test in enumerate(node.tests):
            leaf.append(leaf_no)
            test_idx.append(index)
            months.append((test.unit or "a") != "a")
            op.append(test.op)
            number.append(test.number)
    return pa.table(
        {
            "leaf": pa.array(leaf, pa.int32()),
            "test_idx": pa.array(test_idx, pa.int32()),
            "months": pa.array(months, pa.bool_()),
            "op": pa.array(op, pa.string()),
            "number": pa.array(number, VALUE),
        }
    )
