"""Age limits and sex: "Age 1-18 years (including 18 years)", "18 years of age or older",
"aged ≥ 65", "between the ages of 6 months and 17 years", "female patients only".

A number counts as an age only with an age cue: "age"/"aged" just before it, "old"/"of age"
just after, "older/younger than", or a person word ("patients", "women") before it. A
duration cue ("for", "since", "within", "history of") just before it vetoes the reading.
"""

from __future__ import annotations

import re
from decimal import Decimal

from trialdesk.core.criteria_text.model import Constraint, ConstraintKind, Operator
from trialdesk.core.criteria_text.quantities import read_number, read_operator

__all__ = ["age_constraints", "sex_constraints"]

_UNIT = re.compile(
    r"(?i)[ \t]*[-‑]?(years?|yrs?|y(?=\b|\s|\.)|yo\b|months?|mos?\b|m(?=\b)|weeks?|wks?\b|days?)\b\.?"
)
_UCUM = {"y": "a", "m": "mo", "w": "wk", "d": "d"}
_OLD = re.compile(r"(?i)(?:[ \t]*(?:of[ \t]+age|old|of[ \t]+old|\(?inclusive\)?|inclusively)\b)+")
_SUFFIX = re.compile(
    r"(?i)[ \t]*,?[ \t]*(?:or|and)[ \t]+(?:(older|above|over|more|greater|elder|upwards?)|"
    r"(younger|below|under|less))\b"
)
# Cues look back within the same line: a new line is a new statement.
# An "or"/"and" or a score's name between the cue and the number ends the cue: in "16 years
# of age or Lansky >= 50" the 50 is a Lansky score.
_AGE_WORDS = re.compile(
    r"(?i)\b(?:ages?|aged|age[ \t]+range|age[ \t]+group)\b"
    r"(?:(?!\b(?:or|and|Lansky|Karnofsky|ECOG|KPS|LPS|score|scale)\b)[^.;\d\n]){0,25}$"
)
_PERSON_WORDS = re.compile(
    r"(?i)\b(?:patients?|subjects?|men|women|adults?|children|participants?|volunteers?|"
    r"individuals?|persons?|people|males?|females?|boys|girls|infants?|adolescents?|"
    r"pediatric|paediatric|recipients?|donors?|candidates?)\b[^.;\d\n]{0,30}$"
)
_DURATION = re.compile(
    r"(?i)\b(?:for|since|within|last|past|previous|prior|duration|history|after|before|"
    r"ago|during|interval|least\s+\d+\s+\w+\s+since)\b[^\d]{0,12}$"
    # "life expectancy of less than 1 year", "expected survival > 6 months": a time to live.
    r"|\b(?:expectancy|survival|survive|prognosis)\b[^.;\d]{0,25}$"
)
# "Age >= 65 years, < 90 years": the second limit continues the first.
_CHAIN = re.compile(r"(?i)\s*(?:,|and|or|but)?\s*")
# Ages that are not the patient's age in years since birth.
_OTHER_AGE = re.compile(
    r"(?i)\b(?:bone|gestational|skeletal|post-?menstrual|post-?conceptional|corrected|mental|"
    r"developmental|reading|fetal|gestation|mean|median|average)\b[^.;\d]{0,20}$"
    # "(mean age of Meniere's disease 40 to 50 years)": a statistic about a population, and
    # whatever it is "of" can be long.
    r"|\b(?:mean|median|average|typical)\s+ages?\s+(?:of|at)\b[^.;\d]{0,40}$"
)
_OTHER_AGE_AFTER = re.compile(r"(?i)\s*(?:(?:of\s+)?(?:gestation|pregnancy|amenorrh)|ago\b)")
_SHARED_TAIL = re.compile(r"(?i)[ \t]*(?:and|to|-|–|,)[ \t]*(?=[<>≤≥＜＞])")
_AGE_JUST_BEFORE = re.compile(r"(?i)\bage[ds]?[ \t]*[:=]?[ \t]*$")
_OLDER = re.compile(r"(?i)(older|younger)[ \t]+than[ \t]*")
_THE_AGE_OF = re.compile(r"(?i)(?:the\s+)?ages?\s+of\s+")
_RANGE_JOIN = re.compile(r"(?i)[ \t]*(?:-|–|—|~|to|and|through|until)[ \t]*")
_BETWEEN = re.compile(r"(?i)(?:between|from)[ \t]+(?:the[ \t]+ages?[ \t]+of[ \t]+)?")
_START = re.compile(
    r"(?i)(?=[<>≤≥＞＜])|(?<![\w.])(?=[³£]|\d|(?:at|no|not|greater|more|less|older|younger|"
    r"over|under|above|below|between|from|equal|minimum|maximum|up)\b)"
)


def age_constraints(text: str, start: int, end: int) -> list[Constraint]:
    result: list[Constraint] = []
    cursor = start
    while cursor < end:
        begin = _START.search(text, cursor, end)
        if begin is None:
            break
        chained = bool(result) and bool(_CHAIN.fullmatch(text, result[-1].span[1], begin.start()))
        parsed = _age_at(
            text, begin.start(), end, chained or _alone(text, start, end, begin.start())
        )
        if parsed:
            result.extend(parsed)
            cursor = parsed[-1].span[1]
        else:
            cursor = begin.start() + 1
    return result


def _alone(text: str, item_start: int, item_end: int, start: int) -> bool:
    """An item that is nothing but a span of years ("18-45 years", "≥ 18 years") in an
    eligibility list states the age limits."""
    if text[item_start:start].strip(" \t-*•:"):
        return False
    rest = text[start:item_end].strip(" \t.;")
    return bool(re.fullmatch(r"(?i)[<>≤≥＜＞=\d\s.\-–~to]+(?:years?|yrs?)(?:\s+old)?", rest))


def _age_at(text: str, start: int, end: int, chained: bool) -> list[Constraint]:
    for reader in (_between, _older_than, _prefixed, _range, _suffixed):
        found = reader(text, start, end)
        if found is not None:
            atoms, stop, explicit = found
            if chained or _is_age(text, start, stop, explicit):
                return [
                    _constraint(text, start, stop, op, value, unit) for op, value, unit in atoms
                ]
    return []


_Atoms = list[tuple[Operator, Decimal, str]]
_Found = tuple[_Atoms, int, bool] | None


def _value(text: str, start: int, end: int) -> tuple[Decimal, str | None, int] | None:
    number = read_number(text, start, end)
    if number is None or number[0] != number[0].to_integral_value() or number[0] > 120:
        return None
    if re.match(r"[ \t]*%", text[number[1] : number[1] + 3]):
        return None  # "at least 80% of their intake": a percentage is never an age
    unit = _UNIT.match(text, number[1], end)
    if unit:
        return number[0], _UCUM[unit.group(1)[0].lower()], unit.end()
    return number[0], None, number[1]


def _tail(text: str, stop: int, end: int) -> tuple[int, bool]:
    old = _OLD.match(text, stop, end)
    return (old.end(), True) if old else (stop, False)


def _between(text: str, start: int, end: int) -> _Found:
    opener = _BETWEEN.match(text, start, end)
    return _range(text, opener.end(), end, start) if opener else None


def _range(text: str, cursor: int, end: int, start: int | None = None) -> _Found:
    low = _value(text, cursor, end)
    join = _RANGE_JOIN.match(text, low[2], end) if low else None
    high = _value(text, join.end(), end) if join else None
    if low is None or high is None or high[0] < low[0]:
        return None
    unit = high[1] or low[1]
    # "aged 12-65", "female age 18-47": a bare range right after "age" is in years.
    right_after_age = bool(_AGE_JUST_BEFORE.search(text, max(0, cursor - 12), cursor))
    if unit is None and start is None and not right_after_age:
        return None
    stop, old = _tail(text, high[2], end)
    atoms = [(Operator.GE, low[0], low[1] or unit or "a"), (Operator.LE, high[0], unit or "a")]
    return atoms, stop, old or right_after_age


def _older_than(text: str, start: int, end: int) -> _Found:
    match = _OLDER.match(text, start, end)
    value = _value(text, match.end(), end) if match else None
    if match is None or value is None:
        return None
    operator = Operator.GT if match.group(1).lower() == "older" else Operator.LT
    stop, _ = _tail(text, value[2], end)
    return [(operator, value[0], value[1] or "a")], stop, True


def _prefixed(text: str, start: int, end: int) -> _Found:
    operator = read_operator(text, start, end)
    the_age = _THE_AGE_OF.match(text, operator[1], end) if operator else None
    if operator is not None and the_age is not None:
        operator = (operator[0], the_age.end())
    value = _value(text, operator[1], end) if operator else None
    if operator is None or value is None:
        return None
    stop, old = _tail(text, value[2], end)
    explicit = (old and value[1] is not None) or the_age is not None
    unit = value[1]
    if unit is None:
        # ">40 and <70 years old", ">18 to < 90 years old": the second limit's unit and
        # "old" serve both.
        second = _SHARED_TAIL.match(text, stop, end)
        following = _prefixed(text, second.end(), end) if second else None
        if following is not None and following[2]:
            unit, explicit = following[0][0][2], True
    return [(operator[0], value[0], unit or "a")], stop, explicit


def _suffixed(text: str, start: int, end: int) -> _Found:
    value = _value(text, start, end)
    if value is None:
        return None
    stop, old = _tail(text, value[2], end)
    suffix = _SUFFIX.match(text, stop, end)
    if suffix is None:
        return None
    operator = Operator.GE if suffix.group(1) else Operator.LE
    explicit = old or suffix.group(1, 2) in (("older", None), (None, "younger"))
    return [(operator, value[0], value[1] or "a")], suffix.end(), explicit


def _is_age(text: str, start: int, stop: int, explicit: bool) -> bool:
    before = text[max(0, start - 40) : start]
    if _OTHER_AGE.search(before) or _OTHER_AGE_AFTER.match(text, stop):
        return False
    if _DURATION.search(before) and not _AGE_WORDS.search(before):
        return False
    if explicit or _AGE_WORDS.search(before):
        return True
    has_years = bool(re.search(r"(?i)\b(?:years?|yrs?|months?)\b", text[start:stop]))
    return has_years and bool(_PERSON_WORDS.search(before))


def _constraint(
    text: str, start: int, stop: int, operator: Operator, value: Decimal, unit: str
) -> Constraint:
    inclusive = re.search(r"(?i)\(\s*(?:including|inclusive)", text[stop : stop + 30])
    confidence = 0.95 if unit in ("a", "mo") else 0.7
    return Constraint(
        kind=ConstraintKind.AGE,
        span=(start, stop),
        text=text[start:stop],
        confidence=confidence,
        analyte="age",
        operator=operator,
        value=value,
        unit=unit,
        detail="upper limit stated as inclusive" if inclusive else None,
    )


_SEX_ALL = re.compile(
    r"(?i)\b(?:gender|sex)(?:es)?\s+(?:is\s+)?(?:not\s+(?:restricted|limited)|unrestricted|unlimited|"
    r"any|all)\b|\bboth\s+(?:sexes|genders)\b|\b(?:male|men)\s+(?:and|or|&)\s+(?:female|women)\b|"
    r"\b(?:female|women)\s+(?:and|or|&)\s+(?:male|men)\b|\bregardless\s+of\s+(?:gender|sex)\b"
)
_SEX_ONE = re.compile(
    r"(?i)\W*(?:(?:healthy|adult|postmenopausal|premenopausal)\s+)?(?:(female|women|woman|girls)|"
    r"(male|men|man|boys))\b(?:\s+(?:patients?|subjects?|participants?|volunteers?|only))?"
    # Only where the item is about who may join ("Female patients aged 18-75", "Men only"):
    # "Women of childbearing potential must…" or "Women who are pregnant" do not restrict sex.
    r"(?=\s*(?:aged\b|between\b|\d|over\b|above\b|older\b|>|≥|;|\.?$|only\b))"
)


def sex_constraints(text: str, start: int, end: int) -> list[Constraint]:
    both = _SEX_ALL.search(text, start, end)
    if both:
        return [_sex(text, both.start(), both.end(), "all")]
    one = _SEX_ONE.match(text, start, end)
    if one:
        return [_sex(text, one.start(), one.end(), "female" if one.group(1) else "male")]
    return []


def _sex(text: str, start: int, stop: int, value: str) -> Constraint:
    return Constraint(
        kind=ConstraintKind.SEX,
        span=(start, stop),
        text=text[start:stop],
        confidence=0.9,
        detail=value,
    )
