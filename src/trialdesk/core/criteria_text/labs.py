"""Lab, vital and echo thresholds: "ANC ≥ 1.5 × 10^9/L", "AST, ALT ≤ 3 × ULN (≤ 5 × ULN if
liver metastases)", "INR or PT ≤ 1.5 × ULN", "blood pressure > 140/90 mmHg".

A threshold is read only when an analyte mention is followed, after a few filler words, by a
comparison; a unit that does not fit the analyte drops the threshold (neutrophils "> 50%" is a
differential, not an absolute count). Analytes listed together share the comparison; "or"
between them puts them in one group.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal

from trialdesk.core.analytes import analyte, convert
from trialdesk.core.criteria_text.concepts import condition_set
from trialdesk.core.criteria_text.lexicon import Mention, lexicon
from trialdesk.core.criteria_text.model import Constraint, ConstraintKind
from trialdesk.core.criteria_text.quantities import Atom, read_comparison, read_number, read_unit
from trialdesk.errors import TrialDeskError

__all__ = ["implied_unit", "lab_constraints"]

_FILLER_WORDS = (
    r"level|levels|count|counts|value|values|concentration|concentrations|result|results|of|is|are|"
    r"must|be|should|shall|was|were|has|have|had|to|serum|plasma|blood|total|the|a|an|"
    r"at(?!\s+(?:least|most)\b)|screening|"
    r"baseline|ratio|time|activity|absolute|number|score|measured|measurement|rate|with|"
    r"within|test|by|echocardiogram|echocardiography|muga|scan|on|room|air|resting|fasting|"
    r"cell|cells|index|both|each|either|mean|calculated|estimated|using|formula|cockcroft-gault|"
    r"mdrd|ckd-epi|equation|sitting|supine|\([^)]{0,30}\)"
)
_FILLER = re.compile(rf"(?i)(?:[\s:,\-–)）]|(?:{_FILLER_WORDS})\b)*")
_LIST_GAP = re.compile(r"(?i)\s*\)?\s*(?:,|/|;)?\s*(?:and/or|or|and|&|,)?\s*(?:serum\s+)?\(?\s*")
_ALIAS_GAP = re.compile(r"\s*[(（]\s*")
_CONDITION = re.compile(
    r"(?i)\s*[,;]?\s*(?:\(\s*)?(?:if|when|where|in\s+(?:the\s+)?(?:case|presence)\s+of|in|for|with)\s+"
    r"(?:(?:patients?|subjects?|participants?|those|cases?|people)\s+(?:with|who\s+have|having)\s+)?"
    r"(?:(?:there\s+(?:is|are)\s+)|(?:known\s+|documented\s+))?([^;()\n]{3,80}?)(?=\s*(?:[;)\n]|$|,\s|\.\s|\.$|\s+or\s+[<>≤≥]))"
)
_ALTERNATIVE = re.compile(r"(?i)\s*(?:[,;(]\s*)?(?:or|and|but|/)?\s*(?:\(\s*)?")
_SEX_WORDS = r"(males?|men|man|boys|(?:fe)?males?|women|woman|girls)"
_SEX_AFTER = re.compile(rf"(?i)\s*,?\s*(?:in|for|among)\s+{_SEX_WORDS}\b")
_SEX_BEFORE = re.compile(rf"(?i)(?:^|[\s(,;:])(?:for\s+|in\s+)?{_SEX_WORDS}\s*[:,]?\s*$")
_MAX_GAP = 45
_CONCESSIVE = re.compile(r"(?i)\b(?:even\s+(?:if|when|though)|regardless\s+of|despite)\b[^;.]*$")


@dataclass(slots=True)
class _Subjects:
    analytes: list[str]
    start: int
    end: int
    alternative: bool = False


def lab_constraints(text: str, start: int, end: int, next_group: int) -> list[Constraint]:
    """Thresholds in ``text[start:end]``; group numbers start at ``next_group``."""
    found: list[Constraint] = []
    for subjects in _subject_lists(text, start, end):
        if _CONCESSIVE.search(text, max(start, subjects.start - 40), subjects.start):
            continue  # "unstable even if haemoglobin > 6 g/dL": not a limit the trial sets
        limit = _limit_after(subjects, text, end)
        atoms = _atoms(text, subjects, limit)
        if not atoms:
            continue
        group = next_group if subjects.alternative and len(subjects.analytes) > 1 else None
        next_group += 1 if group is not None else 0
        for analyte_id in subjects.analytes:
            found.extend(_constraints(text, analyte_id, subjects, atoms, group))
    return found


def _limit_after(subjects: _Subjects, text: str, end: int) -> int:
    semicolon = text.find(";", subjects.end, end)
    return semicolon if semicolon != -1 else end


def _subject_lists(text: str, start: int, end: int) -> list[_Subjects]:
    mentions = [
        Mention(m.start + start, m.end + start, m.analytes)
        for m in lexicon().mentions(text[start:end])
    ]
    lists: list[_Subjects] = []
    for mention in mentions:
        previous = lists[-1] if lists else None
        gap = text[previous.end : mention.start] if previous else ""
        if previous and _ALIAS_GAP.fullmatch(gap):
            _extend(previous, mention, alternative=False)
        elif previous and _LIST_GAP.fullmatch(gap) and not _has_comparison(previous, text):
            _extend(previous, mention, alternative=bool(re.search(r"(?i)\bor\b|/", gap)))
        else:
            lists.append(_Subjects(list(mention.analytes), mention.start, mention.end))
    return lists


def _has_comparison(subjects: _Subjects, text: str) -> bool:
    return bool(read_comparison(text, subjects.end, min(len(text), subjects.end + 40)))


def _extend(subjects: _Subjects, mention: Mention, alternative: bool) -> None:
    for analyte_id in mention.analytes:
        if analyte_id not in subjects.analytes:
            subjects.analytes.append(analyte_id)
    subjects.end = mention.end
    subjects.alternative = subjects.alternative or alternative


def _atoms(text: str, subjects: _Subjects, limit: int) -> list[tuple[Atom, str | None]]:
    filler = _FILLER.match(text, subjects.end, limit)
    cursor = filler.end() if filler else subjects.end
    if cursor - subjects.end > _MAX_GAP:
        return []
    if subjects.analytes == ["systolic_bp", "diastolic_bp"]:
        return _pressure(text, cursor, limit)
    first = read_comparison(text, cursor, limit)
    if not first:
        return []
    result: list[tuple[Atom, str | None]] = []
    leading = _SEX_BEFORE.search(text[max(0, subjects.start - 14) : subjects.start])
    condition, cursor = _condition(text, _past_restatement(text, first[-1], limit), limit)
    if leading and condition is None:
        condition = _sex_condition(leading.group(1))
    result.extend((_through(atom, condition, cursor), condition) for atom in first)
    while True:
        joint = _ALTERNATIVE.match(text, cursor, limit)
        sex = (
            re.compile(rf"(?i){_SEX_WORDS}\s*[:,]?\s*").match(text, joint.end(), limit)
            if joint
            else None
        )
        start = sex.end() if sex else joint.end() if joint else cursor
        more = read_comparison(text, start, limit) if joint else []
        if not more:
            return _fill_units(result)
        condition, cursor = _condition(text, _past_restatement(text, more[-1], limit), limit)
        if sex and condition is None:
            condition = _sex_condition(sex.group(1))
        result.extend((_through(atom, condition, cursor), condition) for atom in more)


_RESTATED_OPEN = re.compile(r"\s*[(（]\s*(?:[<>≤≥＜＞]=?\s*)?")
_RESTATED_DASH = re.compile(r"\s*(?:-|–|to)\s*")
# A unit the units module may not know ("mM"), but never a reference or a word of a sentence.
_RESTATED_TOKEN = re.compile(
    r"(?i)\s*(?!(?:uln|lln|unl|x|times|upper|lower)\b)[a-zµμ°][\w/^*.°µμ]{0,10}"
)
_RESTATED_CLOSE = re.compile(r"\s*[)）]")


def _past_restatement(text: str, atom: Atom, limit: int) -> int:
    """Where the limit ends once a restatement in another unit is skipped.

    "35-37.9 °C (95-100.3 °F)", "< 115 g/L (7.1 mM) in women": the bracket holds the same
    limit converted for convenience. Reading it as a second limit doubles the rule (and its
    rounding can disagree at the edge); skipping it lets a condition after it ("in women")
    reach the limit it belongs to. Only a bracket that holds nothing but number(s) and a unit
    is skipped; "(≤ 5 × ULN if liver metastases)" is a conditional alternative, and is read.
    """
    if atom.unit is None or atom.reference is not None:
        return atom.end
    opened = _RESTATED_OPEN.match(text, atom.end, limit)
    number = read_number(text, opened.end(), limit) if opened else None
    if number is None:
        return atom.end
    cursor = number[1]
    dash = _RESTATED_DASH.match(text, cursor, limit)
    second = read_number(text, dash.end(), limit) if dash else None
    cursor = second[1] if second else cursor
    unit = read_unit(text, cursor, limit)
    token = _RESTATED_TOKEN.match(text, cursor, limit)
    cursor = unit[1] if unit else token.end() if token else cursor
    close = _RESTATED_CLOSE.match(text, cursor, limit) if unit or token else None
    return close.end() if close else atom.end


def _through(atom: Atom, condition: str | None, cursor: int) -> Atom:
    """A conditional limit's span runs through its condition ("< 3 x ULN if Gilbert's")."""
    return replace(atom, end=max(atom.end, cursor)) if condition is not None else atom


def _sex_condition(word: str) -> str:
    return "sex:female" if word.lower().startswith(("f", "w", "g")) else "sex:male"


def _fill_units(atoms: list[tuple[Atom, str | None]]) -> list[tuple[Atom, str | None]]:
    """ "<80,000 or >700,000 cells/mm3": a unit written once serves the bare numbers."""
    units = {a.unit for a, _ in atoms if a.unit is not None}
    if len(units) != 1 or any(a.reference for a, _ in atoms):
        return atoms
    unit = units.pop()
    return [(replace(a, unit=unit) if a.unit is None else a, c) for a, c in atoms]


def _condition(text: str, cursor: int, limit: int) -> tuple[str | None, int]:
    if _ROOM_AIR_AFTER.match(text, cursor, limit):
        # "SpO2 > 90% in air and …": how the reading is taken, not a condition ("air and …")
        return None, cursor
    sex = _SEX_AFTER.match(text, cursor, limit)
    if sex:
        return _sex_condition(sex.group(1)), sex.end()
    match = _CONDITION.match(text, cursor, limit)
    if match is None:
        return None, cursor
    return match.group(1).strip(), match.end()


_PRESSURE = re.compile(r"\s*/\s*(\d{2,3})")
_ROOM_AIR_AFTER = re.compile(
    r"(?i)\s*[(,]?\s*(?:(?:on|at|breathing|in|with)?\s*(?:room|indoor|ambient)\s+air|"
    r"(?:on|in|breathing)\s+air)\b\)?"
)


def _pressure(text: str, cursor: int, limit: int) -> list[tuple[Atom, str | None]]:
    """ "> 140/90 mmHg" gives systolic > 140 and diastolic > 90, tagged by their units."""
    atoms = read_comparison(text, cursor, limit)
    if len(atoms) != 1 or atoms[0].unit is not None:
        return []
    second = _PRESSURE.match(text, atoms[0].end, limit)
    if second is None:
        return []
    unit = read_unit(text, second.end(), limit)
    stop = unit[1] if unit else second.end()
    atom = atoms[0]
    systolic = Atom(
        atom.operator, atom.value, unit[0] if unit else None, "systolic", atom.start, stop
    )
    number = read_number(text, second.start(1), limit)
    assert number is not None
    diastolic = replace(systolic, value=number[0], reference="diastolic")
    return [(systolic, None), (diastolic, None)]


def _constraints(
    text: str,
    analyte_id: str,
    subjects: _Subjects,
    atoms: list[tuple[Atom, str | None]],
    group: int | None,
) -> list[Constraint]:
    result = []
    for atom, condition in atoms:
        if atom.reference in ("systolic", "diastolic"):
            if f"{atom.reference}_bp" != analyte_id:
                continue
            atom = replace(atom, reference=None)
        if atom.unit is not None and not _fits(analyte_id, atom.unit, atom.value):
            continue
        end = atom.end
        if analyte_id == "spo2" and (air := _ROOM_AIR_AFTER.match(text, end)):
            end = air.end()  # "SpO2 >= 92% on room air": the reading must be without oxygen
        span = (subjects.start, end)
        result.append(
            Constraint(
                kind=ConstraintKind.LAB,
                span=span,
                text=text[span[0] : span[1]],
                confidence=_confidence(analyte_id, atom, condition, group),
                analyte=analyte_id,
                operator=atom.operator,
                value=atom.value,
                unit=atom.unit,
                reference=atom.reference,
                group=group,
                condition=condition,
                condition_set=_condition_set(condition),
                detail=_unit_note(analyte_id, atom),
            )
        )
    return result


def _condition_set(condition: str | None) -> str | None:
    if condition is None or condition.startswith("sex:"):
        return condition
    return condition_set(condition)


def _fits(analyte_id: str, unit: str, value: Decimal) -> bool:
    """The unit measures this analyte and the value is a plausible threshold for it."""
    try:
        canonical = convert(analyte(analyte_id), value, unit)
    except TrialDeskError:
        return False
    bounds = lexicon().plausible.get(analyte_id)
    return bounds is None or bounds[0] <= canonical <= bounds[1]


def _unit_note(analyte_id: str, atom: Atom) -> str | None:
    if atom.unit is not None or atom.reference is not None:
        return None
    implied = lexicon().implied_units.get(analyte_id)
    return f"no unit written; read as {implied}" if implied else "no unit written"


def _confidence(analyte_id: str, atom: Atom, condition: str | None, group: int | None) -> float:
    if atom.unit is None and atom.reference is None:
        score = 0.8 if analyte_id in lexicon().implied_units else 0.5
    else:
        score = 0.95 if atom.reference is None else 0.92
    if condition is not None:
        score = min(score, 0.85)
    if group is not None:
        score = min(score, 0.9)
    return score


def implied_unit(constraint: Constraint) -> str | None:
    """The unit a rule should use: the written one, else the analyte's only customary unit."""
    if constraint.unit is not None or constraint.analyte is None:
        return constraint.unit
    return lexicon().implied_units.get(constraint.analyte)
