"""Coded history leaves (``condition``, ``procedure``, ``medication``, ``allergy``) in SQL.

The in-memory evaluators (:mod:`trialdesk.core.screening.evaluators.history`) over the OMOP
reading of :mod:`trialdesk.population.records` decide as follows, and so does this SQL:

* a row matches a leaf when its ``*_source_value``, read as ``system:code`` (a bare code takes
  the table's default system), is in the leaf's code set. The match is decided in Python by the
  core's own :meth:`CodeSet.matches` on every distinct source value of the table (ICD-10
  hierarchy, ranges and prefixes included) and reaches the SQL as rows ``(leaf, source_value)``:
  the join is an equality, the same on every engine;
* a condition counts unless its start date is after the as-of date or before the leaf's window;
  ``status=active`` wants no ``condition_end_date`` (records.py reads a condition with an end
  date as resolved), ``status=resolved`` wants one;
* a procedure counts unless its date is after the as-of date or before the window;
* a drug counts unless it starts after the as-of date; ``status=active`` wants no
  ``drug_exposure_end_date`` (an end date, even a future one, reads as completed) and ignores
  the window; otherwise an exposure that ended before the window does not count;
* OMOP holds no allergies in the TrialDesk reading, so an allergy leaf never matches;
* a drug in scope that the leaf's code set cannot place (:meth:`CodeSet.can_place`: its
  source value is in no system the set is written in, e.g. RxNorm against an ATC class, or
  it has none) makes the leaf REVIEW (``medication.unclassified``) unless another drug matches.

One match is TRUE (``<kind>.found``). No match depends on which answer helps eligibility at the
leaf (``context.absent``): UNKNOWN for want of data (``<kind>.not_recorded``) where TRUE helps,
else FALSE (``<kind>.none``). OMOP records carry no verification status, no unknown modifier
extensions and always a clinical status, so the evaluators' other REVIEW paths cannot arise
here.

Each OMOP table is read once for all the leaves on it: joined to its (leaf, source value) table
and aggregated per (leaf, person).
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

import pyarrow as pa

from trialdesk.core.criteria import ast as a
from trialdesk.core.record import Coding
from trialdesk.core.screening.outcome import Truth
from trialdesk.errors import TrialDeskError
from trialdesk.population.families.base import LeafFamily, Setting, outcome
from trialdesk.population.omop import split_code

__all__ = ["HISTORY_SOURCES", "HistoryFamily"]

History = (a.ConditionCheck, a.ProcedureCheck, a.MedicationCheck, a.AllergyCheck)


# kind → (OMOP table, source-value column, default code system as records.py reads it)
HISTORY_SOURCES: dict[str, tuple[str, str, str]] = {
    "condition": ("condition_occurrence", "condition_source_value", "snomed"),
    "procedure": ("procedure_occurrence", "procedure_source_value", "snomed"),
    "medication": ("drug_exposure", "drug_source_value", "rxnorm"),
}

# The rows of each kind that count for a leaf, before the code join (``x`` is the OMOP row,
# ``l`` the leaf's parameters, ``pr`` the as-of date).
_CONDITION_HITS = """
SELECT m.leaf, x.person_id, m.unclassified
FROM condition_occurrence x
JOIN td_history_code m ON m.kind = 'condition' AND m.source_value = x.condition_source_value
JOIN td_history_leaf l ON l.leaf = m.leaf
CROSS JOIN td_params pr
WHERE (x.condition_start_date IS NULL OR CAST(x.condition_start_date AS DATE) <= pr.as_of)
  AND (l.window_start IS NULL OR x.condition_start_date IS NULL
       OR CAST(x.condition_start_date AS DATE) >= l.window_start)
  AND (NOT l.want_active OR x.condition_end_date IS NULL
       OR CAST(x.condition_end_date AS DATE) > pr.as_of)
  AND (NOT l.want_resolved OR CAST(x.condition_end_date AS DATE) <= pr.as_of)
"""

_PROCEDURE_HITS = """
SELECT m.leaf, x.person_id, m.unclassified
FROM procedure_occurrence x
JOIN td_history_code m ON m.kind = 'procedure' AND m.source_value = x.procedure_source_value
JOIN td_history_leaf l ON l.leaf = m.leaf
CROSS JOIN td_params pr
WHERE (x.procedure_date IS NULL OR CAST(x.procedure_date AS DATE) <= pr.as_of)
  AND (l.window_start IS NULL OR x.procedure_date IS NULL
       OR CAST(x.procedure_date AS DATE) >= l.window_start)
"""

_MEDICATION_HITS = """
SELECT m.leaf, x.person_id, m.unclassified
FROM drug_exposure x
JOIN td_history_code m ON m.kind = 'medication'
  AND m.source_value = COALESCE(x.drug_source_value, '')
JOIN td_history_leaf l ON l.leaf = m.leaf
CROSS JOIN td_params pr
WHERE (x.drug_exposure_start_date IS NULL
       OR CAST(x.drug_exposure_start_date AS DATE) <= pr.as_of)
  AND CASE WHEN l.want_active THEN x.drug_exposure_end_date IS NULL
             OR CAST(x.drug_exposure_end_date AS DATE) >= pr.as_of
           ELSE l.window_start IS NULL OR x.drug_exposure_end_date IS NULL
             OR CAST(x.drug_exposure_end_date AS DATE) >= l.window_start END
"""

_HITS = {"condition": _CONDITION_HITS, "procedure": _PROCEDURE_HITS, "medication": _MEDICATION_HITS}


def _leaf_sql(kinds: list[str]) -> str:
    """One row per (leaf, person) with a match (TRUE) or only unplaceable drugs (REVIEW,
    ``medication.unclassified``); where no match is UNKNOWN (the leaf's ``absent_unknown``), one
    row per (leaf, person) for everyone, else the family's ``missing``. ``kinds``: the leaves' kinds (``td_history_leaf.kind``), whose keys the
    outcomes name."""

    def by_kind(truth: str, suffix: str, no_data: bool) -> str:
        whens = " ".join(
            f"WHEN '{k}' THEN {outcome(truth, f'{k}.{suffix}', no_data)}" for k in kinds
        )
        return f"CASE l.kind {whens} END"

    unplaced = outcome("R", "medication.unclassified", False)

    return f"""
SELECT l.leaf, p.person_id,
  CASE WHEN h.person_id IS NULL THEN {by_kind("U", "not_recorded", True)}
       WHEN h.found THEN {by_kind("T", "found", False)} ELSE {unplaced} END AS code
FROM td_history_leaf l
CROSS JOIN td_person p
LEFT JOIN td_history_hit h ON h.leaf = l.leaf AND h.person_id = p.person_id
WHERE l.absent_unknown
UNION ALL
SELECT h.leaf, h.person_id,
  CASE WHEN h.found THEN {by_kind("T", "found", False)} ELSE {unplaced} END AS code
FROM td_history_hit h
JOIN td_history_leaf l ON l.leaf = h.leaf
WHERE NOT l.absent_unknown
"""  # noqa: S608 (kinds are the family's own names, message keys checked by outcome())


def _kind(node: a.Rule) -> str:
    return {
        a.ConditionCheck: "condition",
        a.ProcedureCheck: "procedure",
        a.MedicationCheck: "medication",
        a.AllergyCheck: "allergy",
    }[type(node)]


class HistoryFamily(LeafFamily):
    name = "history"
    emits_codes = True
    reused: ClassVar[frozenset[str]] = frozenset({"td_history_hit"})

    def accepts(self, node: a.Rule) -> bool:
        return isinstance(node, History)

    def missing(self, node: a.Rule) -> tuple[str, str, str]:
        # Leaves where no match is UNKNOWN have a row for everyone (see _LEAF): this is FALSE.
        return ("'F'", f"'{_kind(node)}.none'", "FALSE")

    def statements(self, leaves: list[tuple[int, a.Rule]]) -> list[tuple[str, str]]:
        kinds = sorted({_kind(node) for _, node in leaves} & set(_HITS))
        if kinds:
            hits = " UNION ALL ".join(_HITS[k] for k in kinds)
            hit = (
                "SELECT leaf, person_id, BOOL_OR(NOT unclassified) AS found"  # noqa: S608
                f" FROM ({hits}) x GROUP BY leaf, person_id"
            )
        else:  # allergies only: OMOP holds none
            hit = "SELECT leaf, 0 AS person_id, TRUE AS found FROM td_history_leaf WHERE FALSE"
        every = sorted({_kind(node) for _, node in leaves})
        return [("td_history_hit", hit), (self.leaf_view, _leaf_sql(every))]

    def tables(self, leaves: list[tuple[int, a.Rule]], setting: Setting) -> dict[str, pa.Table]:
        unplaced = [leaf for leaf, _ in leaves if leaf not in setting.favourable]
        if unplaced:
            raise TrialDeskError(
                "history leaves compiled without their place in the criterion",
                where=f"leaves {unplaced}",
                expected="Setting.favourable from RuleCompiler (Compiled.favourable)",
                hint="Compile with RuleCompiler.criterion(id, rule, kind) and pass its favourable.",
            )
        favourable = {leaf: setting.favourable[leaf] for leaf, _ in leaves}
        return {
            "td_history_leaf": _leaf_table(leaves, setting.as_of, favourable),
            "td_history_code": _code_table(leaves, setting),
        }


def _leaf_table(
    leaves: list[tuple[int, a.Rule]], as_of: date, favourable: dict[int, Truth | None]
) -> pa.Table:
    rows: dict[str, list[object]] = {
        k: []
        for k in (
            "leaf",
            "window_start",
            "want_active",
            "want_resolved",
            "absent_unknown",
            "kind",
        )
    }
    for leaf, node in leaves:
        kind = _kind(node)
        window = getattr(node, "window", None)
        status = getattr(node, "status", "any")
        rows["leaf"].append(leaf)
        rows["window_start"].append(window.before(as_of) if window is not None else None)
        rows["want_active"].append(status == "active")
        rows["want_resolved"].append(status == "resolved")
        rows["absent_unknown"].append(favourable[leaf] is Truth.TRUE)
        rows["kind"].append(kind)
    return pa.table(
        {
            "leaf": pa.array(rows["leaf"], pa.int32()),
            "window_start": pa.array(rows["window_start"], pa.date32()),
            "want_active": pa.array(rows["want_active"], pa.bool_()),
            "want_resolved": pa.array(rows["want_resolved"], pa.bool_()),
            "absent_unknown": pa.array(rows["absent_unknown"], pa.bool_()),
            "kind": pa.array(rows["kind"], pa.string()),
        }
    )


def _code_table(leaves: list[tuple[int, a.Rule]], setting: Setting) -> pa.Table:
    """(leaf, kind, source_value, unclassified) for every distinct source value the leaf's code
    set matches (unclassified FALSE) and, for medication leaves, every one it cannot place
    (TRUE; '' stands for a drug without a source value, joined through COALESCE)."""
    leaf_col: list[int] = []
    kind_col: list[str] = []
    value_col: list[str] = []
    unplaced_col: list[bool] = []
    by_kind: dict[str, list[tuple[int, a.Rule]]] = {}
    for leaf, node in leaves:
        by_kind.setdefault(_kind(node), []).append((leaf, node))
    for kind, items in sorted(by_kind.items()):
        if kind not in HISTORY_SOURCES:
            continue  # allergies: nothing to read
        table, column, default_system = HISTORY_SOURCES[kind]
        values = setting.distinct(table, column)
        if kind == "medication" and "" not in values:
            values = [*values, ""]
        for value in values:
            code = split_code(value, default_system)
            if code is None and kind != "medication":
                continue
            coding = (Coding(*code),) if code else ()
            for leaf, node in items:
                codes = node.codes if isinstance(node, History) else None
                if codes is None:
                    continue
                placed = codes.matches(coding) is not None
                unplaced = kind == "medication" and not placed and not codes.can_place(coding)
                if placed or unplaced:
                    leaf_col.append(leaf)
                    kind_col.append(kind)
                    value_col.append(value)
                    unplaced_col.append(unplaced)
    return pa.table(
        {
            "leaf": pa.array(leaf_col, pa.int32()),
            "kind": pa.array(kind_col, pa.string()),
            "source_value": pa.array(value_col, pa.string()),
            "unclassified": pa.array(unplaced_col, pa.bool_()),
        }
    )
