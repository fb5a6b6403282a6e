"""Leaves about the person as a whole (``sex(...)``, ``pregnant``, ``breastfeeding``) in SQL.

Read from ``td_person`` (OMOP's gender concept: male 8507, female 8532, anything else unknown),
as :mod:`trialdesk.core.screening.evaluators.patient` reads the record: a sex rule on an
unknown sex is unknown (``sex.unknown``); pregnancy and breastfeeding are not held in the OMOP
reading, so they are false for a boy (``pregnancy.male``) and a clinician's question (review)
for everyone else.
"""

from __future__ import annotations

import pyarrow as pa

from trialdesk.core.criteria import ast as a
from trialdesk.population.families.base import LeafFamily, Setting

__all__ = ["PersonFactFamily"]

_PERSON_LEAF = """
SELECT l.leaf, p.person_id,
  CASE WHEN l.kind = 'sex' THEN
         CASE WHEN p.known_sex IS NULL THEN 'U' WHEN s.sex IS NOT NULL THEN 'T' ELSE 'F' END
       WHEN p.known_sex = 'male' THEN 'F' ELSE 'R' END AS t,
  CASE WHEN l.kind = 'sex' THEN
         CASE WHEN p.known_sex IS NULL THEN 'sex.unknown' ELSE 'sex.is' END
       WHEN p.known_sex = 'male' THEN 'pregnancy.male' ELSE l.review_reason END AS r,
  (l.kind = 'sex' AND p.known_sex IS NULL) AS n
FROM td_person p
CROSS JOIN td_person_fact l
LEFT JOIN td_person_sex s ON s.leaf = l.leaf AND s.sex = p.known_sex
"""


class PersonFactFamily(LeafFamily):
    name = "person_fact"

    def accepts(self, node: a.Rule) -> bool:
        return isinstance(node, (a.SexCheck, a.PregnancyCheck))

    def missing(self, node: a.Rule) -> tuple[str, str, str]:
        # Never used: the leaf view has a row for every person.
        return ("'U'", "'sex.unknown'", "TRUE")

    def statements(self, leaves: list[tuple[int, a.Rule]]) -> list[tuple[str, str]]:
        return [(self.leaf_view, _PERSON_LEAF)]

    def tables(self, leaves: list[tuple[int, a.Rule]], setting: Setting) -> dict[str, pa.Table]:
        leaf: list[int] = []
        kind: list[str] = []
        review: list[str | None] = []
        sex_leaf: list[int] = []
        sexes: list[str] = []
        for number, node in leaves:
            leaf.append(number)
            if isinstance(node, a.SexCheck):
                kind.append("sex")
                review.append(None)
                for sex in node.sexes:
                    sex_leaf.append(number)
                    sexes.append(sex)
            elif isinstance(node, a.PregnancyCheck):
                kind.append("pregnancy")
                review.append(f"pregnancy.{node.kind}.review")
        return {
            "td_person_fact": pa.table(
                {
                    "leaf": pa.array(leaf, pa.int32()),
                    "kind": pa.array(kind, pa.string()),
                    "review_reason": pa.array(review, pa.string()),
                }
            ),
            "td_person_sex": pa.table(
                {"leaf": pa.array(sex_leaf, pa.int32()), "sex": pa.array(sexes, pa.string())}
            ),
        }
