"""Comparisons as registries write them: operators in symbols and words, numbers, units, × ULN.

``read_comparison(text, start, end)`` reads one comparison that begins at ``start`` ("≥ 1.5 ×
10^9/L", "at least 80 g/L", "2.5 times the upper limit of normal", "100,000/mm3 or more",
"between 18 and 65") and returns its atoms; a range gives two. Units are normalised to UCUM
through :func:`trialdesk.core.units.canonical_unit` after a few registry spellings are
rewritten here (``/mm³``, ``mcL``, ``cells/``); a unit that is not understood makes the whole
comparison unreadable rather than unit-less, because a wrong unit is worse than none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from trialdesk.core.criteria_text.model import Operator
from trialdesk.core.units import canonical_unit
from trialdesk.errors import UnitError

__all__ = ["Atom", "read_comparison", "read_number", "read_operator", "read_unit"]

_SPACE = r"[ \t\u00a0]*"
_PREFIX_OPERATORS: list[tuple[str, Operator]] = [
    (
        r"(?:>|＞)\s*or\s*=(?:\s*to\b)?|>\s*/\s*=|>=|=>|≥|≧|⩾|＞＝|\u2265|(?<![\w.])³(?=\s*\d)",
        Operator.GE,
    ),
    (r"(?:<|＜)\s*or\s*=(?:\s*to\b)?|<\s*/\s*=|<=|=<|≤|≦|⩽|＜＝|(?<![\w.])£(?=\s*\d)", Operator.LE),
    (
        r"(?:greater|more|higher|larger|bigger)\s+than\s+or\s+equal(?:\s+to)?|"
        r"(?:greater|more|higher|larger)\s+or\s+equal(?:\s+to|\s+than)?|"
        r"equal\s+(?:to\s+)?or\s+(?:greater|more|higher|above)(?:\s+than)?|"
        r"at\s+least|no\s+less\s+than|not\s+less\s+than|no\s+lower\s+than|not\s+lower\s+than|"
        r"not\s+below|no\s+fewer\s+than|(?:a\s+)?minimum\s+(?:of\s+)?|min\.?\s+(?:of\s+)?",
        Operator.GE,
    ),
    (
        r"(?:less|lower|smaller|fewer)\s+than\s+or\s+equal(?:\s+to)?|"
        r"(?:less|lower)\s+or\s+equal(?:\s+to|\s+than)?|"
        r"equal\s+(?:to\s+)?or\s+(?:less|lower|below)(?:\s+than)?|"
        r"at\s+most|no\s+more\s+than|not\s+more\s+than|no\s+greater\s+than|not\s+greater\s+than|"
        r"no\s+higher\s+than|not\s+higher\s+than|not\s+above|not\s+exceeding|not\s+to\s+exceed|"
        r"(?:does|do|should|must)\s+not\s+exceed|not\s+exceed|up\s+to|(?:a\s+)?maximum\s+(?:of\s+)?",
        Operator.LE,
    ),
    (
        r">|＞|(?:greater|more|higher|larger)\s+than|above|over|exceeding|exceeds?|"
        r"in\s+excess\s+of|elevated\s+above|superior\s+to",
        Operator.GT,
    ),
    (r"<|＜|(?:less|lower|fewer|smaller)\s+than|below|under|inferior\s+to|beneath", Operator.LT),
]
_PREFIX = [(re.compile(rf"(?i)(?:{p}){_SPACE}"), op) for p, op in _PREFIX_OPERATORS]
_SUFFIX = re.compile(
    r"(?i)\s*(?:,\s*)?(?:or|and)\s+(?:(more|greater|higher|above|over|older)|"
    r"(less|lower|below|under|younger))\b"
)
_NUMBER = re.compile(
    r"(?<![\w.])(\d{1,3}(?:(?:,|\u00a0| (?=\d00\b))\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)(?![\d])"
)
_WORD_NUMBERS = {
    "once": "1", "one": "1", "twice": "2", "two": "2", "three": "3", "four": "4", "five": "5",
    "ten": "10", "one and a half": "1.5", "one and one-half": "1.5", "1 and a half": "1.5",
}  # fmt: skip
_WORD_NUMBER = re.compile(
    r"(?i)(one\s+and\s+(?:a\s+half|one-half)|1\s+and\s+a\s+half|once|twice|one|two|three|four|"
    r"five|ten)\b"
)
_REFERENCE = re.compile(
    r"(?i)\s*(?:[x×X*]|times|fold|-fold|folds)?\s*(?:the\s+|of\s+the\s+|than\s+the\s+)?"
    r"(?:institutional\s+|local\s+|laboratory\s+|normal\s+)?"
    r"(?:(upper)\s+limits?\s+of\s+(?:the\s+)?(?:institutional\s+)?(?:normal|norm)"
    r"(?:\s+(?:range|limits?|values?|levels?))?|(lower)\s+limits?\s+of\s+(?:the\s+)?"
    r"(?:institutional\s+)?(?:normal|norm)(?:\s+(?:range|limits?|values?))?|"
    r"(ULN|UNL|ULRR|N(?=\b)|upper\s+normal\s+limit|upper\s+limit)|(LLN|lower\s+normal\s+limit))"
    r"(?:\s*\((?:ULN|LLN)\))?"
)
# "more than three times normal": a multiple of "normal" is a multiple of its upper limit, as
# "× N" is. Only with an explicit multiplication word or sign, and not "normal range/value(s)",
# which names no limit (left to review).
_TIMES_NORMAL = re.compile(
    r"(?i)\s*(?:[x×X*]|times|-?fold)\s*(?:the\s+)?normal\b"
    r"(?!\s+(?:range|values?|levels?|limits?|lower|for))"
)
_SCIENTIFIC = re.compile(
    r"\s*(?:[x×X*]|times)\s*10\s*(?:\^|\*|e|E|⁹)?\s*(\d{1,2}|⁹|³)?\s*\*?\s*/\s*"
    r"(L|l|uL|µL|μL|ul|µl|mcL|mm3|mm\^3|mm³|cmm|dL|ml|mL)\b"
)
# "10*5* IU/mL" (a lost superscript) or "1.5 x 10^9" without its denominator: not a number we trust.
_UNREADABLE_TAIL = re.compile(r"\s*(?:[*^]|[x×]\s*10\s*[\^*]?\s*\d+(?!\s*\*?\s*/))")
_UNIT_TOKEN = re.compile(
    r"(?i)\s*((?:per\s+|/\s+(?=\d|[a-z])|(?:cells|elements)\s+(?=per|/)|[a-zµμ%°\[\]{}'\d.,^*²³/]|\s(?=/)|/\s|"
    r"(?<=1[.,]73)\s(?=m)|(?<=mm)\s(?=hg\b)|°\s)+)"
)
_BARE_UNITS = {
    "%", "mg", "g", "kg", "mmhg", "mm[hg]", "ms", "msec", "s", "sec", "bpm", "mm", "cm", "u", "iu",
    "°c", "cel", "mmol", "kg/m2", "ng", "pg", "°f", "f", "celsius", "fahrenheit", "mm hg",
}  # fmt: skip
_SPELLINGS = [
    (re.compile(r"(?i)^(?:cells|cell|\{cells\}|elements)\s*(?=/|per)"), ""),
    (re.compile(r"(?i)per\s*"), "/"),
    (re.compile(r"[µμ]|mc(?=[gL]|l\b)|(?i:micro)(?=[gL]|l\b|liter|litre)"), "u"),
    (re.compile(r"(?i)(?<=u)(?:liter|litre)$"), "L"),
    (re.compile(r"mm\^?3|mm³|cmm|cu\.?mm"), "mm3"),
    (re.compile(r"²"), "2"),
    (re.compile(r"(?i)^ml"), "mL"),
    (re.compile(r"(?i)/ml$"), "/mL"),
    (re.compile(r"(?i)/dl$"), "/dL"),
    (re.compile(r"/l$"), "/L"),
    (re.compile(r"(?i)^(?:bpm|beats/min|beats\s*per\s*minute)$"), "/min"),
    (re.compile(r"(?i)^mm\s*hg$"), "mm[Hg]"),
    (re.compile(r"(?i)^msecs?$"), "ms"),
    (re.compile(r"(?i)^iu/"), "[IU]/"),
    (re.compile(r"(?i)^(?:u|iu)$"), "U"),
    (re.compile(r"(?i)^kg/m2$"), "kg/m2"),
    (re.compile(r"(?i)/min/1[.,]73\s*m2$"), "/min/{1.73_m2}"),
    (re.compile(r"(?i)^(?:°\s*f|f|fahrenheit|degrees?\s*f)$"), "[degF]"),
    (re.compile(r"(?i)^(?:°\s*c|celsius|degrees?\s*c)$"), "Cel"),
]


@dataclass(frozen=True, slots=True)
class Atom:
    operator: Operator
    value: Decimal
    unit: str | None
    reference: str | None  # "ULN" or "LLN"
    start: int
    end: int


def read_number(text: str, start: int, end: int) -> tuple[Decimal, int] | None:
    match = _NUMBER.match(text, start, end)
    if match:
        digits = re.sub(r"[,\u00a0 ]", "", match.group(1))
        try:
            return Decimal(digits), match.end()
        except InvalidOperation:
            return None
    word = _WORD_NUMBER.match(text, start, end)
    if word:
        return Decimal(_WORD_NUMBERS[re.sub(r"\s+", " ", word.group(1).lower())]), word.end()
    return None


def read_unit(text: str, start: int, end: int) -> tuple[str, int] | None:
    """A UCUM unit written at ``start`` (after optional spaces), or None."""
    science = _SCIENTIFIC.match(text, start, end)
    if science:
        exponent = {"⁹": "9", "³": "3", None: "9"}.get(science.group(1), science.group(1))
        return _ucum(_normalise(f"10*{exponent}/{science.group(2)}")), science.end()
    match = _UNIT_TOKEN.match(text, start, end)
    if not match:
        return None
    raw = match.group(1)
    for cut in range(len(raw), 0, -1):
        candidate = raw[:cut].rstrip(" .,;:)")
        if len(candidate) != cut and cut != len(raw):
            continue
        if cut < len(raw) and candidate[-1:].isalpha() and raw[cut].isalpha():
            continue  # a unit ends a word: "50 for" is not 50 °F, "10 general" not 10 g
        unit = _accept(candidate)
        if unit is not None:
            return unit, match.start(1) + len(candidate)
    return None


def _accept(candidate: str) -> str | None:
    if not candidate or candidate[0].isdigit() or candidate[0] in ".^*":
        return None
    normalised = _normalise(candidate)
    if "/" not in normalised and candidate.lower() not in _BARE_UNITS:
        return None
    if not re.search(r"[A-Za-z%]", normalised):
        return None
    try:
        return _ucum(normalised)
    except UnitError:
        return None


def _normalise(unit: str) -> str:
    unit = unit.strip()
    for pattern, replacement in _SPELLINGS:
        unit = pattern.sub(replacement, unit)
    return unit.replace(" ", "")


def _ucum(unit: str) -> str:
    return canonical_unit(unit)


def read_operator(text: str, start: int, end: int) -> tuple[Operator, int] | None:
    """An operator written at ``start`` (symbol or words) and where it ends."""
    return _prefix_operator(text, start, end)


def _prefix_operator(text: str, start: int, end: int) -> tuple[Operator, int] | None:
    for pattern, operator in _PREFIX:
        match = pattern.match(text, start, end)
        if match:
            return operator, match.end()
    return None


def _quantity(
    text: str, start: int, end: int
) -> tuple[Decimal, str | None, str | None, int] | None:
    """number [unit | × ULN]; a bare ULN ("< ULN") means 1 × ULN."""
    bare = _REFERENCE.match(text, start, end)
    if bare and bare.group(0).strip()[:1].isalpha():
        return Decimal(1), None, _reference_kind(bare), bare.end()
    number = read_number(text, start, end)
    if number is None:
        return None
    value, cursor = number
    if _UNREADABLE_TAIL.match(text, cursor, end):
        return None
    reference = _REFERENCE.match(text, cursor, end)
    if reference and _plausible_reference(reference):
        return value, None, _reference_kind(reference), reference.end()
    times_normal = _TIMES_NORMAL.match(text, cursor, end)
    if times_normal:
        return value, None, "ULN", times_normal.end()
    unit = read_unit(text, cursor, end)
    if unit is not None:
        return value, unit[0], None, unit[1]
    return value, None, None, cursor


def _plausible_reference(match: re.Match[str]) -> bool:
    # "N" alone (as in "1.5 x N") needs an explicit multiplication sign.
    return match.group(3) != "N" or bool(re.match(r"\s*[x×X*]", match.group(0)))


def _reference_kind(match: re.Match[str]) -> str:
    return "LLN" if match.group(2) or match.group(4) else "ULN"


def read_comparison(text: str, start: int, end: int) -> list[Atom]:
    """The atoms of the comparison that begins at ``start``; [] if none is there."""
    for reader in (_read_between, _read_prefixed, _read_range, _read_suffixed):
        atoms = reader(text, start, end)
        if atoms:
            return atoms
    return []


def _read_prefixed(text: str, start: int, end: int) -> list[Atom]:
    operator = _prefix_operator(text, start, end)
    if operator is None:
        return []
    quantity = _quantity(text, operator[1], end)
    if quantity is None:
        return []
    value, unit, reference, stop = quantity
    return [Atom(operator[0], value, unit, reference, start, stop)]


def _read_suffixed(text: str, start: int, end: int) -> list[Atom]:
    quantity = _quantity(text, start, end)
    if quantity is None:
        return []
    value, unit, reference, stop = quantity
    suffix = _SUFFIX.match(text, stop, end)
    if suffix is None:
        return []
    operator = Operator.GE if suffix.group(1) else Operator.LE
    return [Atom(operator, value, unit, reference, start, suffix.end())]


_BETWEEN = re.compile(r"(?i)(?:between|from)\s+")
_RANGE_JOIN = re.compile(r"(?i)\s*(?:-|–|—|~|to|and|through)\s*")


def _read_between(text: str, start: int, end: int) -> list[Atom]:
    opener = _BETWEEN.match(text, start, end)
    if opener is None:
        return []
    return _range_from(text, opener.end(), end, start)


def _read_range(text: str, start: int, end: int) -> list[Atom]:
    return _range_from(text, start, end, start, bare=True)


def _range_from(text: str, cursor: int, end: int, start: int, bare: bool = False) -> list[Atom]:
    low = _quantity(text, cursor, end)
    if low is None:
        return []
    join = _RANGE_JOIN.match(text, low[3], end)
    if join is None or (bare and not re.fullmatch(r"\s*(?:-|–|—|~|to)\s*", join.group(0))):
        return []
    high = _quantity(text, join.end(), end)
    if high is None or high[0] < low[0]:
        return []
    unit = high[1] or low[1]
    reference = high[2] or low[2]
    if (low[1] and high[1] and low[1] != high[1]) or (bare and unit is None and not reference):
        return []
    return [
        Atom(Operator.GE, low[0], unit, reference, start, high[3]),
        Atom(Operator.LE, high[0], unit, reference, start, high[3]),
    ]
