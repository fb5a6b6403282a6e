"""Criteria AST → SQL column expressions that reproduce the screener's five-valued logic.

Every node of a criterion's rule becomes three columns per person: its truth (``T``, ``F``,
``U`` unknown, ``R`` review, ``N`` not applicable), its first reason (a message key, as the
in-memory screener's first reason) and ``no_data`` (UNKNOWN because nothing usable exists,
which ``each_available`` needs). The combination rules mirror
:mod:`trialdesk.core.screening.outcome` and :mod:`trialdesk.core.screening.engine` exactly:
``and``/``or`` choose the decisive value, then UNKNOWN, then REVIEW, ignoring NA; the reason is
that of the first item holding the chosen value.

The expressions contain only column names, the five truth codes and message keys: every
threshold lives in a parameter table (:mod:`trialdesk.population.params`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from trialdesk.core.criteria import ast as a
from trialdesk.core.screening.outcome import Truth
from trialdesk.population.families import family_of

__all__ = ["Compiled", "Layer", "NodeColumns", "RuleCompiler", "compilable"]

_COMBINATORS = (a.AllOf, a.AnyOf, a.NotOf, a.IfThen, a.EachAvailable, a.ReviewIf)


def compilable(node: a.Rule) -> bool:
    """Whether the SQL path evaluates this rule itself (else the criterion falls back)."""
    if isinstance(node, a.ReviewAlways) or family_of(node) is not None:
        return True
    if isinstance(node, (a.AllOf, a.AnyOf, a.EachAvailable)):
        return all(compilable(item) for item in node.items)
    if isinstance(node, (a.NotOf, a.ReviewIf)):
        return compilable(node.item)
    if isinstance(node, a.IfThen):
        parts = [node.condition, node.then] + ([node.otherwise] if node.otherwise else [])
        return all(compilable(p) for p in parts)
    return False


@dataclass(frozen=True, slots=True)
class NodeColumns:
    t: str
    r: str
    n: str


@dataclass
class Layer:
    """Columns computed together: each may only read columns of earlier layers."""

    columns: list[tuple[str, str]] = field(default_factory=list)  # (alias, expression)


@dataclass
class Compiled:
    leaves: list[tuple[int, a.Rule]] = field(default_factory=list)
    layers: dict[int, Layer] = field(default_factory=dict)  # by layer number
    roots: dict[str, NodeColumns] = field(default_factory=dict)  # criterion id → columns
    #: leaf → the answer that helps eligibility there, as the screener passes ``favourable``
    #: down: TRUE at an inclusion's root, FALSE at an exclusion's, flipped by ``not``, none in
    #: an ``if`` condition, FALSE inside ``review_if``. Some leaves read "nothing recorded" by it.
    favourable: dict[int, Truth | None] = field(default_factory=dict)


_FLIP = {Truth.TRUE: Truth.FALSE, Truth.FALSE: Truth.TRUE}


class RuleCompiler:
    def __init__(self) -> None:
        self.out = Compiled()
        self._count = 0

    def criterion(self, criterion_id: str, rule: a.Rule, kind: str = "inclusion") -> None:
        start = Truth.TRUE if kind == "inclusion" else Truth.FALSE
        columns, _ = self._node(rule, start)
        self.out.roots[criterion_id] = columns

    # -- nodes ------------------------------------------------------------------------------
    def _new(self) -> str:
        self._count += 1
        return f"n{self._count}"

    def _node(self, node: a.Rule, favourable: Truth | None) -> tuple[NodeColumns, int]:
        """The node's columns and its height (leaves 0)."""
        if isinstance(node, a.ReviewAlways) or family_of(node) is not None:
            leaf = len(self.out.leaves) + 1
            self.out.leaves.append((leaf, node))
            self.out.favourable[leaf] = favourable
            return NodeColumns(f"l{leaf}_t", f"l{leaf}_r", f"l{leaf}_n"), 0
        if isinstance(node, (a.AllOf, a.AnyOf, a.EachAvailable)):
            kids = [self._node(item, favourable) for item in node.items]
            cols = [k[0] for k in kids]
            height = 1 + max(k[1] for k in kids)
            if isinstance(node, a.AnyOf):
                return self._combine(cols, height, "T", "F", None), height
            members = None
            if isinstance(node, a.EachAvailable):
                avail = [f"NOT ({c.t} = 'U' AND {c.n})" for c in cols]
                none = f"NOT ({' OR '.join(avail)})"
                members = [f"({x} OR {none})" for x in avail]
            return self._combine(cols, height, "F", "T", members), height
        if isinstance(node, (a.NotOf, a.ReviewIf)):
            below_favourable = (
                _FLIP.get(favourable) if isinstance(node, a.NotOf) else Truth.FALSE  # type: ignore[arg-type]
            )
            kid, below = self._node(node.item, below_favourable)
            height = below + 1
            if isinstance(node, a.NotOf):
                truth = f"CASE {kid.t} WHEN 'T' THEN 'F' WHEN 'F' THEN 'T' ELSE {kid.t} END"
            else:
                truth = f"CASE {kid.t} WHEN 'T' THEN 'R' ELSE {kid.t} END"
            return self._emit(height, truth, kid.r, kid.n), height
        if isinstance(node, a.IfThen):
            return self._if(node, favourable)
        raise TypeError(f"not compilable: {type(node).__name__}")

    def _emit(self, height: int, truth: str, reason: str, nodata: str) -> NodeColumns:
        """Truth in layer 2h-1; reason and no_data (which may read the truth) in layer 2h."""
        name = self._new()
        self.out.layers.setdefault(2 * height - 1, Layer()).columns.append((f"{name}_t", truth))
        second = self.out.layers.setdefault(2 * height, Layer()).columns
        second.append((f"{name}_r", reason.replace("{t}", f"{name}_t")))
        second.append((f"{name}_n", nodata.replace("{t}", f"{name}_t")))
        return NodeColumns(f"{name}_t", f"{name}_r", f"{name}_n")

    def _combine(
        self,
        cols: list[NodeColumns],
        height: int,
        decisive: str,
        default: str,
        members: list[str] | None,
    ) -> NodeColumns:
        member = members or ["TRUE"] * len(cols)
        relevant = [f"({m} AND {c.t} <> 'N')" for m, c in zip(member, cols, strict=True)]

        def any_with(value: str) -> str:
            return " OR ".join(
                f"({r} AND {c.t} = '{value}')" for r, c in zip(relevant, cols, strict=True)
            )

        truth = (
            f"CASE WHEN {any_with(decisive)} THEN '{decisive}' "
            f"WHEN {any_with('U')} THEN 'U' WHEN {any_with('R')} THEN 'R' "
            f"WHEN {' OR '.join(relevant)} THEN '{default}' ELSE 'N' END"
        )
        chosen = [f"({m} AND {c.t} = {{t}})" for m, c in zip(member, cols, strict=True)]
        reason = (
            "CASE "
            + " ".join(f"WHEN {ch} THEN {c.r}" for ch, c in zip(chosen, cols, strict=True))
            + f" ELSE {cols[0].r} END"
        )
        nodata = " AND ".join(f"(NOT {ch} OR {c.n})" for ch, c in zip(chosen, cols, strict=True))
        return self._emit(height, truth, reason, nodata)

    def _if(self, node: a.IfThen, favourable: Truth | None) -> tuple[NodeColumns, int]:
        cond, h1 = self._node(node.condition, None)
        then, h2 = self._node(node.then, favourable)
        other, h3 = self._node(node.otherwise, favourable) if node.otherwise else (None, 0)
        height = 1 + max(h1, h2, h3)
        if other is None:
            settled = f"{then.t} IN ('T', 'F')"
            on_false = ("'N'", cond.r, "FALSE")
        else:
            settled = f"{then.t} IN ('T', 'F') AND {then.t} = {other.t}"
            on_false = (other.t, other.r, other.n)
        truth = (
            f"CASE WHEN {cond.t} = 'T' THEN {then.t} WHEN {cond.t} = 'F' THEN {on_false[0]} "
            f"WHEN {settled} THEN {then.t} ELSE {cond.t} END"
        )
        reason = (
            f"CASE WHEN {cond.t} = 'T' THEN {cond.r} WHEN {cond.t} = 'F' THEN {on_false[1]} "
            f"WHEN {settled} THEN {then.r} ELSE {cond.r} END"
        )
        nodata = (
            f"CASE WHEN {cond.t} = 'T' THEN {then.n} WHEN {cond.t} = 'F' THEN {on_false[2]} "
            f"WHEN {settled} THEN {then.n} ELSE {cond.n} END"
        )
        return self._emit(height, truth, reason, nodata), height
