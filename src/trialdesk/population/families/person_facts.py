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
from trialdesk.population.families.base import LeafFamily, Setting, outcome

__all__ = ["PersonFactFamily"]


def _person_leaf(reviews: list[str]) -> str:
    """``reviews``: the review reasons of the pregnancy leaves (``td_person_fact.kind``)."""
    review = " ".join(f"WHEN '{key}' THEN {outcome('R', key, False)}" for key in reviews)
    # Without pregnancy leaves every leaf is a sex leaf: the branch is never taken.
    review = f"CASE l.kind {review} END" if reviews else "NULL"
    return f"""
SELECT l.leaf, p.person_id,
  CASE WHEN l.kind = 'sex' THEN
         CASE WHEN p.known_sex IS NULL THEN {outcome("U", "sex.unknown", True)}
              WHEN s.sex IS NOT NULL THEN {outcome("T", "sex.is", False)}
              ELSE {outcome("F", "sex.is", False)} END
       WHEN p.known_sex = 'male' THEN {outcome("F", "pregnancy.male", False)}
       ELSE {review} END AS code
FROM td_person p
CROSS JOIN td_person_fact l
LEFT JOIN td_person_sex s ON s.leaf = l.leaf AND s.sex = p.known_sex
"""  # noqa: S608 (message keys of the family's own leaves, checked by outcome())


class PersonFactFamily(LeafFamily):
    name = "person_fact"
    emits_codes = True

    def accepts(self, node: a.Rule) -> bool:
        return isinstance(node, (a.SexCheck, a.PregnancyCheck))

    def missing(self, node: a.Rule) -> tuple[str, str, str]:
        # Never used: the leaf view has a row for every person.
        return ("'U'", "'sex.unknown'", "TRUE")

    def statements(self, leaves: list[tuple[int, a.Rule]]) -> list[tuple[str, str]]:
        reviews = sorted(
            {_review(node) for _, node in leaves if isinstance(node, a.PregnancyCheck)}
        )
        return [(self.leaf_view, _person_leaf(reviews))]

    def tables(self, leaves: list[tuple[int, a.Rule]], setting: Setting) -> dict[str, pa.Table]:
        leaf: list[int] = []
        kind: list[str] = []
        sex_leaf: list[int] = []
        sexes: list[str] = []
        for number, node in leaves:
            leaf.append(number)
            if isinstance(node, a.SexCheck):
                kind.append("sex")
                for sex in node.sexes:
                    sex_leaf.append(number)
                    sexes.append(sex)
            elif isinstance(node, a.PregnancyCheck):
                kind.append(_review(node))
        return {
            "td_person_fact": pa.table(
                {
                    "leaf": pa.array(leaf, pa.int32()),
                    "kind": pa.array(kind, pa.string()),
                }
            ),
            "td_person_sex": pa.table(
                {"leaf": pa.array(sex_leaf, pa.int32()), "sex": pa.array(sexes, pa.string())}
            ),
        }


def _review(node: a.PregnancyCheck) -> str:
    """The review reason of a pregnancy leaf, also its ``kind`` in ``td_person_fact``."""
    return f"pregnancy.{node.kind}.review"
