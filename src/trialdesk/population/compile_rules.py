"""Criteria AST → SQL column expressions that reproduce the screener's five-valued logic.

Every node of a criterion's rule becomes three columns per person: its truth as a small
integer (``TRUTH_CODES``: 0 TRUE, 1 FALSE, 2 UNKNOWN, 3 REVIEW, 4 not applicable), its first
reason as an integer code (a message key of the reason dictionary, times ``REASON_STEP``, as
the in-memory screener's first reason) and ``no_data`` (UNKNOWN because nothing usable exists,
which ``each_available`` needs). Integers, not text: the layers run over millions of rows, and
comparing and moving integers costs a fraction of doing so with strings. The combination rules mirror
:mod:`trialdesk.core.screening.outcome` and :mod:`trialdesk.core.screening.engine` exactly:
``and``/``or`` choose the decisive value, then UNKNOWN, then REVIEW, ignoring NA; the reason is
that of the first item holding the chosen value.

The expressions contain only column names and the truth codes: every
threshold lives in a parameter table (:mod:`trialdesk.population.params`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from trialdesk.core.criteria import ast as a
from trialdesk.core.screening.outcome import Truth
from trialdesk.population.families import family_of

__all__ = [
    "REASON_STEP",
    "TRUTH_CODES",
    "Compiled",
    "Layer",
    "NodeColumns",
    "NodeOp",
    "RuleCompiler",
    "compilable",
    "truth_code",
]

#: The truth codes, by index: the SQL carries ``TRUTH_CODES.index(letter)``. For an inclusion
#: the index is also the status code (``result.STATUS_CODES``: pass, fail, unknown, review, n/a).
TRUTH_CODES = ("T", "F", "U", "R", "N")
#: A leaf's outcome travels as one integer: truth + 8 * no_data + REASON_STEP * reason code, so
#: that the reason part is ``x - x % REASON_STEP`` (no integer division, which the dialects
#: spell differently); reason columns hold the code times REASON_STEP.
REASON_STEP = 64


def truth_code(letter: str) -> str:
    """The SQL integer literal of a truth letter (T, F, U, R, N)."""
    return str(TRUTH_CODES.index(letter))


_T, _F, _U, _R, _N = (truth_code(x) for x in TRUTH_CODES)

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


@dataclass(frozen=True, slots=True)
class NodeOp:
    """One combination node as data, beside its SQL text: what the numpy twin of the layers
    (:mod:`trialdesk.population.combine_numpy`) evaluates. ``kind``: ``any``, ``all``,
    ``each`` (each_available), ``not``, ``review_if`` or ``if`` (items: condition, then and,
    if given, otherwise); ``out``: the node's own columns."""

    kind: str
    items: tuple[NodeColumns, ...]
    out: NodeColumns


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
    #: every combination node in evaluation order (children before parents)
    nodes: list[NodeOp] = field(default_factory=list)


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
                return self._op("any", cols, self._combine(cols, height, _T, _F, None)), height
            members = None
            if isinstance(node, a.EachAvailable):
                avail = [f"NOT ({c.t} = {_U} AND {c.n})" for c in cols]
                none = f"NOT ({' OR '.join(avail)})"
                members = [f"({x} OR {none})" for x in avail]
            kind = "each" if members else "all"
            return self._op(kind, cols, self._combine(cols, height, _F, _T, members)), height
        if isinstance(node, (a.NotOf, a.ReviewIf)):
            below_favourable = (
                _FLIP.get(favourable) if isinstance(node, a.NotOf) else Truth.FALSE  # type: ignore[arg-type]
            )
            kid, below = self._node(node.item, below_favourable)
            height = below + 1
            if isinstance(node, a.NotOf):
                truth = f"CASE {kid.t} WHEN {_T} THEN {_F} WHEN {_F} THEN {_T} ELSE {kid.t} END"
            else:
                truth = f"CASE {kid.t} WHEN {_T} THEN {_R} ELSE {kid.t} END"
            kind = "not" if isinstance(node, a.NotOf) else "review_if"
            return self._op(kind, [kid], self._emit(height, truth, kid.r, kid.n)), height
        if isinstance(node, a.IfThen):
            return self._if(node, favourable)
        raise TypeError(f"not compilable: {type(node).__name__}")

    def _op(self, kind: str, items: list[NodeColumns], out: NodeColumns) -> NodeColumns:
        self.out.nodes.append(NodeOp(kind, tuple(items), out))
        return out

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
        # ``m AND c.t = value`` with value one of T, F, U, R already excludes not-applicable
        # items, and without membership conditions (all but each_available) the term is just
        # ``c.t = value``: the planner evaluates every term per person, so they stay short.
        member = members or [""] * len(cols)

        def when(m: str, term: str) -> str:
            return f"({m} AND {term})" if m else term

        def any_with(value: str) -> str:
            return " OR ".join(
                when(m, f"{c.t} = {value}") for m, c in zip(member, cols, strict=True)
            )

        relevant = " OR ".join(when(m, f"{c.t} <> {_N}") for m, c in zip(member, cols, strict=True))
        truth = (
            f"CASE WHEN {any_with(decisive)} THEN {decisive} "
            f"WHEN {any_with(_U)} THEN {_U} WHEN {any_with(_R)} THEN {_R} "
            f"WHEN {relevant} THEN {default} ELSE {_N} END"
        )
        chosen = [when(m, f"{c.t} = {{t}}") for m, c in zip(member, cols, strict=True)]
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
            settled = f"{then.t} IN ({_T}, {_F})"
            on_false = (_N, cond.r, "FALSE")
        else:
            settled = f"{then.t} IN ({_T}, {_F}) AND {then.t} = {other.t}"
            on_false = (other.t, other.r, other.n)
        truth = (
            f"CASE WHEN {cond.t} = {_T} THEN {then.t} WHEN {cond.t} = {_F} THEN {on_false[0]} "
            f"WHEN {settled} THEN {then.t} ELSE {cond.t} END"
        )
        reason = (
            f"CASE WHEN {cond.t} = {_T} THEN {cond.r} WHEN {cond.t} = {_F} THEN {on_false[1]} "
            f"WHEN {settled} THEN {then.r} ELSE {cond.r} END"
        )
        nodata = (
            f"CASE WHEN {cond.t} = {_T} THEN {then.n} WHEN {cond.t} = {_F} THEN {on_false[2]} "
            f"WHEN {settled} THEN {then.n} ELSE {cond.n} END"
        )
        items = [cond, then] + ([other] if other is not None else [])
        return self._op("if", items, self._emit(height, truth, reason, nodata)), height
