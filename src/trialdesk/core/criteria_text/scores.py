"""Performance status, life expectancy and washout windows.

"ECOG 0-2", "ECOG performance status of 0, 1, or 2", "Karnofsky ≥ 70%", "Lansky ≥ 50 for
children ≤ 16 years", "life expectancy of at least 12 weeks", "at least 4 weeks since prior
chemotherapy", "chemotherapy within 28 days before the first dose".
"""

from __future__ import annotations

import re
from decimal import Decimal

from trialdesk.core.criteria_text.model import Constraint, ConstraintKind, Operator
from trialdesk.core.criteria_text.quantities import read_comparison, read_number, read_operator

__all__ = ["life_expectancy_constraints", "performance_constraints", "washout_constraints"]

_SCALE = re.compile(
    r"(?i)\b(?:(ECOG|Eastern\s+Cooperative\s+Oncology\s+Group|WHO|Zubrod)|"
    r"(Karnofsky|KPS)|(Lansky|LPS))\b"
    r"(?:\s*(?:\(ECOG\)|\(KPS\)|\(LPS\)))?"
    r"(?:\s*(?:performance|play|functional)?\s*(?:status|score|scale|index|PS)\b)*"
    r"(?:\s*\((?:ECOG|PS|KPS|LPS|ECOG\s+PS)\))?"
    r"(?:\s*(?:score|grade|level|must\s+be|should\s+be|is|of|:|=(?=\s*\d\s*(?:-|to|or|,))))*\s*"
)
_LIST = re.compile(r"(\d{1,3})(?:\s*(?:,\s*(?:or|and)?|or|and|-|–|to|~)\s*(\d{1,3}))*")
_EXPECTANCY = re.compile(
    r"(?i)\b(?:life\s+expectancy|expected\s+survival(?:\s+time)?|survival\s+expectancy|"
    r"expected\s+to\s+(?:live|survive)|anticipated\s+survival|estimated\s+survival|"
    r"predicted\s+survival|prognosis)\b(?:\s*(?:of|is|:|must\s+be|should\s+be|time|with|for|be)\b)*\s*"
)
_DURATION_UNIT = re.compile(r"(?i)\s*(days?|weeks?|wks?|months?|mos?|years?|yrs?)\b")
_DURATION_UCUM = {"d": "d", "w": "wk", "m": "mo", "y": "a"}
_THERAPY = re.compile(
    r"(?i)\b((?:systemic\s+|cytotoxic\s+|myelosuppressive\s+|anti-?cancer\s+|prior\s+|previous\s+)*"
    r"(?:chemotherapy|radiotherapy|radiation(?:\s+therapy)?|immunotherapy|surgery|"
    r"investigational\s+(?:agents?|drugs?|products?)|monoclonal\s+antibod(?:y|ies)|"
    r"biologic(?:al)?\s+therapy|targeted\s+therapy|hormonal\s+therapy|anti-?cancer\s+therapy|"
    r"major\s+surgery|stem\s+cell\s+transplant\w*))\b"
)
_WINDOW = re.compile(
    r"(?i)\b(?:within|in\s+the\s+(?:last|past|previous)|during\s+the\s+(?:last|past|previous)|"
    r"(?:at\s+least|a\s+minimum\s+of|more\s+than|≥|>=|>)\s*)\s*(\d{1,3})\s*"
    r"(days?|weeks?|wks?|months?|mos?|years?|yrs?)\b"
)


def performance_constraints(text: str, start: int, end: int) -> list[Constraint]:
    result = []
    for match in _SCALE.finditer(text, start, end):
        scale = "ecog" if match.group(1) else "karnofsky" if match.group(2) else "lansky"
        atom = _performance_atom(text, match.end(), end, scale)
        if atom is None:
            continue
        operator, value, stop = atom
        result.append(
            Constraint(
                kind=ConstraintKind.PERFORMANCE,
                span=(match.start(), stop),
                text=text[match.start() : stop],
                confidence=0.9,
                operator=operator,
                value=value,
                scale=scale,
            )
        )
    return result


def _performance_atom(
    text: str, cursor: int, end: int, scale: str
) -> tuple[Operator, Decimal, int] | None:
    atoms = read_comparison(text, cursor, end)
    if len(atoms) == 1 and atoms[0].reference is None and atoms[0].unit in (None, "%"):
        return atoms[0].operator, atoms[0].value, atoms[0].end
    if len(atoms) == 2:
        low, high = atoms
        if scale == "ecog" and low.value == 0:
            return Operator.LE, high.value, high.end
        if scale != "ecog" and high.value == 100:
            return Operator.GE, low.value, high.end
        return None
    listed = _LIST.match(text, cursor, end)
    if listed is None:
        return None
    values = [int(v) for v in re.findall(r"\d+", listed.group(0))]
    is_range = len(values) == 2 and re.fullmatch(r"\d+\s*(?:-|–|to|~)\s*\d+", listed.group(0))
    if is_range and values[0] < values[1]:
        # "ECOG 0-2" is ECOG <= 2; "Karnofsky 70-100" is Karnofsky >= 70.
        if scale == "ecog" and values[0] == 0:
            return Operator.LE, Decimal(values[1]), listed.end()
        if scale != "ecog" and values[1] == 100:
            return Operator.GE, Decimal(values[0]), listed.end()
        return None
    if scale != "ecog" or values != list(range(len(values))) or len(values) < 2:
        return None
    return Operator.LE, Decimal(values[-1]), listed.end()


def life_expectancy_constraints(text: str, start: int, end: int) -> list[Constraint]:
    result = []
    for match in _EXPECTANCY.finditer(text, start, end):
        operator = read_operator(text, match.end(), end)
        number = read_number(text, operator[1], end) if operator else None
        unit = _DURATION_UNIT.match(text, number[1], end) if number else None
        if operator is None or number is None or unit is None:
            continue
        result.append(
            Constraint(
                kind=ConstraintKind.LIFE_EXPECTANCY,
                span=(match.start(), unit.end()),
                text=text[match.start() : unit.end()],
                confidence=0.9,
                operator=operator[0],
                value=number[0],
                unit=_DURATION_UCUM[unit.group(1)[0].lower()],
            )
        )
    return result


def washout_constraints(text: str, start: int, end: int) -> list[Constraint]:
    """A therapy and a time window in the same clause; the rule decides the direction."""
    therapy = _THERAPY.search(text, start, end)
    window = _WINDOW.search(text, start, end)
    if (
        therapy is None
        or window is None
        or ";" in text[min(therapy.end(), window.end()) : max(therapy.start(), window.start())]
    ):
        return []
    span = (min(therapy.start(), window.start()), max(therapy.end(), window.end()))
    return [
        Constraint(
            kind=ConstraintKind.WASHOUT,
            span=span,
            text=text[span[0] : span[1]],
            confidence=0.7,
            value=Decimal(window.group(1)),
            unit=_DURATION_UCUM[window.group(2)[0].lower()],
            detail=re.sub(r"\s+", " ", therapy.group(1).lower()),
            value_set="chemotherapy" if "chemotherapy" in therapy.group(1).lower() else None,
        )
    ]
