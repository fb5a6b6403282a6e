"""Render a parsed criteria item as a rule of the TrialDesk criteria language.

Principles (docs/ctgov-import.md):

* an inclusion item holds when all its constraints hold (``and``); an exclusion item excludes
  when any of its constraints holds (``or``); two atoms read from one range ("1-18 years") are
  always joined with ``and``;
* analytes joined by "or" ("INR or PT ≤ 1.5 × ULN") become ``each_available(...)`` in an
  inclusion (every reported one must be within the limit) and ``or`` in an exclusion;
* a conditional limit ("≤ 5 × ULN if liver metastases") becomes ``if condition(...) then …
  else …``; a condition with no value set leaves the decision to a clinician when the two
  limits disagree;
* what the parser did not read makes the item ``review``: an inclusion becomes
  ``<read part> and review(...)``, an exclusion ``<read part> or review(...)``, so a
  read constraint can still decide against the patient but never for them. When the unread
  words could relax the read limit ("unless", "except", "allowed"), the whole item is review.

The rule text is checked by the criteria parser and binder when the protocol is loaded.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from trialdesk.core.analytes import analyte
from trialdesk.core.criteria_text.concepts import Concept, concepts
from trialdesk.core.criteria_text.labs import implied_unit
from trialdesk.core.criteria_text.model import Constraint, ConstraintKind, Item, ItemKind

__all__ = ["RuleDraft", "render_item"]

_RELAXING = re.compile(
    r"(?i)\b(?:unless|except|exception|allowed|permitted|acceptable|may\s+be\s+(?:enrolled|"
    r"included|eligible)|eligible\s+if|waived|regardless)\b"
)
_HISTORY = re.compile(r"(?i)\b(?:history|prior|previous|past|ever|known)\b")
_UNIT_WORDS = {"a": "years", "mo": "months", "wk": "weeks", "d": "days"}
_SCALES = {"ecog": "ecog", "karnofsky": "karnofsky", "lansky": "lansky"}


@dataclass(frozen=True, slots=True)
class RuleDraft:
    """A rule for one item, how sure the translation is, and what a reader should know."""

    rule: str
    confidence: float | None  # None for a review-only rule: nothing was translated
    interpretation: str
    value_sets: tuple[str, ...]  # vs.<name> references the rule makes
    translated: bool  # False when the whole item is review


def render_item(item: Item) -> RuleDraft:
    inclusion = item.kind is ItemKind.INCLUSION
    fragments: list[_Fragment] = []
    skipped: list[str] = []
    for block in _blocks(item.constraints):
        fragment = _render_block(block, inclusion, item)
        if fragment is None:
            skipped.extend(c.text for c in block)
        elif fragment.rule:
            fragments.append(fragment)
    reason = _review_reason(item, skipped)
    if fragments and reason:
        why = _partial_refusal(item, inclusion)
        if why:
            read = "; ".join(f.rule for f in fragments)
            fragments = []
            reason = f"{why}; read but not used alone: {read}"
    if not fragments:
        return RuleDraft(
            f"review({_quote(_review_text(item))})",
            None,
            f"Not translated ({reason or 'no computable constraint found'}); "
            "a clinician reads the criterion text.",
            (),
            False,
        )
    rule = _join(item, fragments, inclusion)
    if reason:
        rule = f"{_wrap(rule)} and review({_quote(_review_text(item))})"
    notes = [n for f in fragments for n in f.notes]
    if reason:
        notes.append(
            f"Partly translated ({reason}): a failed read constraint fails the item; "
            "otherwise a clinician reads the rest (review)."
        )
    return RuleDraft(
        rule,
        min(f.confidence for f in fragments),
        " ".join(notes) or "Translated from the registry text.",
        tuple(sorted({v for f in fragments for v in f.value_sets})),
        True,
    )


def _partial_refusal(item: Item, inclusion: bool) -> str | None:
    """Why a partly read item must be review as a whole, or None.

    In an exclusion, unread words usually narrow what excludes ("brain metastases *with
    symptoms*", "HBsAg positive *with HBV DNA above ULN*"), so a read constraint alone would
    exclude too many. In an inclusion, unread words add requirements, which ``and review``
    keeps, unless they relax the read limit or offer an alternative ("or").
    """
    if not inclusion:
        return "an exclusion whose unread words may narrow what excludes"
    residue = _residue(item)
    if _RELAXING.search(residue):
        return "the text may relax its own limits (unless/except/allowed)"
    if re.search(r"(?i)\bor\b", residue):
        return "the unread text offers an alternative ('or')"
    return None


_BETWEEN_FRAGMENTS = re.compile(r"(?i)^[\s,;]*(or|and)[\s,]*$")


def _join(item: Item, fragments: list[_Fragment], inclusion: bool) -> str:
    """Join fragments in reading order: an explicit "or"/"and" between two neighbours wins;
    otherwise inclusion items conjoin and exclusion items disjoin."""
    fragments = sorted(fragments, key=lambda f: f.span)
    if len(fragments) == 1:
        return fragments[0].rule
    default = "and" if inclusion else "or"
    runs: list[tuple[str, list[str]]] = []  # (joiner, rules) for runs of explicit joins
    previous: _Fragment | None = None
    for fragment in fragments:
        joiner = default
        if previous is not None:
            gap = item_gap(item, previous.span[1], fragment.span[0])
            explicit = _BETWEEN_FRAGMENTS.match(gap)
            if explicit and explicit.group(1).lower() != default:
                joiner = explicit.group(1).lower()
        if runs and joiner != default:
            runs[-1][1].append(fragment.rule)
            runs[-1] = (joiner, runs[-1][1])
        else:
            runs.append((default, [fragment.rule]))
        previous = fragment
    parts = [
        _wrap(f" {joiner} ".join(_wrap(r) for r in rules)) if len(rules) > 1 else _wrap(rules[0])
        for joiner, rules in runs
    ]
    return f" {default} ".join(parts)


def item_gap(item: Item, start: int, end: int) -> str:
    """The item's text between two absolute offsets."""
    return item.text[max(0, start - item.span[0]) : max(0, end - item.span[0])]


@dataclass(frozen=True, slots=True)
class _Fragment:
    rule: str
    confidence: float
    notes: tuple[str, ...] = ()
    value_sets: tuple[str, ...] = ()
    span: tuple[int, int] = (0, 0)


def _blocks(constraints: tuple[Constraint, ...]) -> list[list[Constraint]]:
    """Constraints that render together: one analyte (all its limits), one "or" group."""
    blocks: dict[tuple[object, ...], list[Constraint]] = {}
    for c in constraints:
        if c.kind is ConstraintKind.LAB and c.group is not None:
            key: tuple[object, ...] = ("group", c.group)
        elif c.kind in (ConstraintKind.LAB, ConstraintKind.AGE):
            key = ("analyte", c.analyte)
        elif c.kind is ConstraintKind.PERFORMANCE:
            key = ("performance",)
        else:
            key = ("single", c.kind, c.span)
        blocks.setdefault(key, []).append(c)
    return list(blocks.values())


def _render_block(block: list[Constraint], inclusion: bool, item: Item) -> _Fragment | None:
    first = block[0]
    if first.kind is ConstraintKind.CONSENT and len(item.constraints) > 1:
        # "Age >= 18 at the time of signing informed consent": consent is not the subject.
        return _Fragment("", first.confidence)
    if first.kind is ConstraintKind.PERFORMANCE:
        fragment = _performance_block(block, item.text)
    elif first.kind is ConstraintKind.LAB and first.group is not None:
        fragment = _group(block, inclusion)
    elif first.kind in (ConstraintKind.LAB, ConstraintKind.AGE):
        fragment = _limits(block, inclusion)
    else:
        render = _SINGLE.get(first.kind)
        fragment = render(first, inclusion) if render else None
    if fragment is None:
        return None
    span = (min(c.span[0] for c in block), max(c.span[1] for c in block))
    return _Fragment(fragment.rule, fragment.confidence, fragment.notes, fragment.value_sets, span)


def _group(block: list[Constraint], inclusion: bool) -> _Fragment | None:
    by_analyte: dict[str | None, list[Constraint]] = defaultdict(list)
    for c in block:
        by_analyte[c.analyte].append(c)
    parts = [_limits(cs, inclusion) for cs in by_analyte.values()]
    if any(p is None for p in parts):
        return None
    done = [p for p in parts if p is not None]
    rules = ", ".join(p.rule for p in done)
    rule = f"each_available({rules})" if inclusion else " or ".join(_wrap(p.rule) for p in done)
    note = (
        "Analytes joined by 'or': every one reported must meet the limit, and at least one "
        "must be reported."
        if inclusion
        else "Analytes joined by 'or': any one beyond the limit excludes."
    )
    return _Fragment(
        rule,
        min(p.confidence for p in done),
        (note, *(n for p in done for n in p.notes)),
        tuple(v for p in done for v in p.value_sets),
    )


def _limits(block: list[Constraint], inclusion: bool) -> _Fragment | None:
    """All the limits one text gives one analyte: plain, range, conditional, alternatives."""
    plain = [c for c in block if c.condition is None]
    conditional = [c for c in block if c.condition is not None]
    base = _atoms(plain, inclusion) if plain else None
    if plain and base is None:
        return None
    confidence = min(c.confidence for c in block)
    if not conditional:
        assert base is not None
        return _Fragment(base, confidence)
    conditions = {c.condition for c in conditional}
    if len(conditions) != 1:
        return None
    special = _atoms(conditional, inclusion)
    if special is None:
        return None
    first = conditional[0]
    test, value_sets = _condition_test(first)
    if base is None and test is not None and first.condition and first.condition.startswith("sex:"):
        return None  # a limit for one sex only: the other sex's limit is not stated
    if test is None:
        if base is None:
            return None
        rule = f"({base} and {special}) or (review({_quote(first.text)}) and ({base} or {special}))"
        note = f"The limit for '{first.condition}' names no coded condition: review when the limits disagree."
        return _Fragment(rule, min(confidence, 0.7), (note,), value_sets)
    rule = f"if {test} then {special} else {base}" if base else f"if {test} then {special}"
    note = f"Conditional limit: '{first.condition}'."
    return _Fragment(rule, min(confidence, 0.85), (note,), value_sets)


def _condition_test(constraint: Constraint) -> tuple[str | None, tuple[str, ...]]:
    condition = constraint.condition or ""
    if condition.startswith("sex:"):
        return f"sex({condition[4:]})", ()
    if constraint.condition_set:
        return f"condition(vs.{constraint.condition_set}, status=any)", (constraint.condition_set,)
    return None, ()


def _atoms(block: list[Constraint], inclusion: bool) -> str | None:
    """Atoms of one analyte: atoms of one span (a range) with ``and``; separate spans (stated
    alternatives, "< 80,000 or > 700,000") with ``or``."""
    by_span: dict[tuple[int, int], list[str]] = defaultdict(list)
    for c in block:
        atom = _atom(c)
        if atom is None:
            return None
        by_span[c.span].append(atom)
    groups = [" and ".join(atoms) for atoms in by_span.values()]
    if len(groups) == 1:
        return groups[0]
    return " or ".join(_wrap(g) if " and " in g else g for g in groups)


def _atom(c: Constraint) -> str | None:
    assert c.operator is not None
    assert c.value is not None
    if c.kind is ConstraintKind.AGE:
        unit = _UNIT_WORDS.get(c.unit or "a")
        if unit not in ("years", "months"):
            return None
        return f"age() {c.operator} {c.value}" + (" months" if unit == "months" else "")
    assert c.analyte is not None
    item = analyte(c.analyte)
    call = f"{item.category}({c.analyte}{', room_air=true' if _room_air(c) else ''})"
    if c.reference:
        return f"{call} {c.operator} {c.value} x {c.reference}"
    unit = implied_unit(c)
    if unit is None:
        return None
    return (
        f"{call} {c.operator} {c.value} {unit}" if unit != "1" else f"{call} {c.operator} {c.value}"
    )


def _room_air(c: Constraint) -> bool:
    return c.analyte == "spo2" and bool(re.search(r"(?i)\b(?:room|indoor|ambient)\s+air\b", c.text))


def _performance_block(block: list[Constraint], item_text: str) -> _Fragment | None:
    """One scale, or "Karnofsky ≥ 50 for patients > 16 years … Lansky ≥ 50 for ≤ 16": the
    COG/NCI convention that the screening engine applies as ``scale=auto``. Other splits, or
    different thresholds per scale, go to review."""
    scales = {c.scale for c in block}
    if len(block) == 1:
        return _performance(block[0], True)
    limits = {(c.operator, c.value) for c in block}
    # Any number other than the thresholds and the 16/17-year split means another split.
    item_numbers = {Decimal(n) for n in re.findall(r"\d+(?:\.\d+)?", item_text)}
    other = item_numbers - {value for _, value in limits} - {Decimal(16), Decimal(17)}
    if scales == {"karnofsky", "lansky"} and len(limits) == 1 and not other:
        operator, value = limits.pop()
        note = "Karnofsky above 16 years, Lansky up to 16 (the COG/NCI convention, scale=auto)."
        return _Fragment(
            f"performance(scale=auto) {operator} {value}",
            min(c.confidence for c in block),
            (note,),
        )
    return None


def _performance(c: Constraint, inclusion: bool) -> _Fragment | None:
    if c.scale not in _SCALES or c.operator is None or c.value is None:
        return None
    return _Fragment(f"performance(scale={_SCALES[c.scale]}) {c.operator} {c.value}", c.confidence)


def _life_expectancy(c: Constraint, inclusion: bool) -> _Fragment | None:
    unit = _UNIT_WORDS.get(c.unit or "")
    if unit is None or c.operator is None:
        return None
    return _Fragment(f"life_expectancy() {c.operator} {c.value} {unit}", c.confidence)


def _condition(c: Constraint, inclusion: bool) -> _Fragment | None:
    concept = _concept(c)
    if concept is None or concept.value_set is None:
        return None
    status = "any" if concept.status == "any" or _HISTORY.search(c.text) else "active"
    test = f"condition(vs.{concept.value_set}, status={status})"
    sets: tuple[str, ...] = (concept.value_set,)
    if concept.tests:
        test = f"({test} or test(vs.{concept.tests}) = positive)"
        sets += (concept.tests,)
    if inclusion == c.negated:  # inclusion "no HIV" / exclusion "HIV": the condition excludes
        rule = test if not inclusion else f"not {test}"
        return _Fragment(rule, c.confidence, value_sets=sets)
    return None  # inclusion "HIV-positive", exclusion "no HIV": too rare to trust


def _concept(c: Constraint) -> Concept | None:
    return next((k for k in concepts() if k.name == c.concept), None)


def _pregnancy(c: Constraint, inclusion: bool) -> _Fragment | None:
    call = "pregnant()" if c.kind is ConstraintKind.PREGNANCY else "breastfeeding()"
    if not inclusion and not c.negated:
        return _Fragment(call, c.confidence)
    if inclusion and c.negated:
        return _Fragment(f"not {call}", c.confidence)
    return None


def _consent(c: Constraint, inclusion: bool) -> _Fragment | None:
    return _Fragment("consent(research)", c.confidence) if inclusion and not c.negated else None


def _sex(c: Constraint, inclusion: bool) -> _Fragment | None:
    if c.detail == "all":
        return _Fragment("", c.confidence)  # "gender not restricted": read, and no rule
    if inclusion and c.detail in ("female", "male"):
        return _Fragment(f"sex({c.detail})", c.confidence)
    return None


_SINGLE = {
    ConstraintKind.PERFORMANCE: _performance,
    ConstraintKind.LIFE_EXPECTANCY: _life_expectancy,
    ConstraintKind.CONDITION: _condition,
    ConstraintKind.PREGNANCY: _pregnancy,
    ConstraintKind.BREASTFEEDING: _pregnancy,
    ConstraintKind.CONSENT: _consent,
    ConstraintKind.SEX: _sex,
}


def _review_reason(item: Item, skipped: list[str]) -> str:
    reasons = []
    if item.coverage != "complete":
        reasons.append("some of the text was not read" if item.constraints else "nothing was read")
    if skipped:
        reasons.append("not translatable: " + "; ".join(f"'{t}'" for t in skipped[:3]))
    return ", ".join(reasons)


def _residue(item: Item) -> str:
    characters = list(item.text)
    for c in item.constraints:
        for index in range(c.span[0] - item.span[0], c.span[1] - item.span[0]):
            if 0 <= index < len(characters):
                characters[index] = " "
    return "".join(characters)


def _review_text(item: Item) -> str:
    text = re.sub(r"\s+", " ", (f"{item.header}: " if item.header else "") + item.text).strip()
    return text if len(text) <= 300 else text[:297] + "..."


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _wrap(rule: str) -> str:
    return (
        rule
        if rule.startswith("(") and rule.endswith(")") and _balanced(rule[1:-1])
        else f"({rule})"
    )


def _balanced(text: str) -> bool:
    depth = 0
    for character in text:
        depth += {"(": 1, ")": -1}.get(character, 0)
        if depth < 0:
            return False
    return depth == 0
