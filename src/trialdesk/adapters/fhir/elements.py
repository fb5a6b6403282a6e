"""FHIR data types the resources share: CodeableConcept, Quantity, Range, value[x], extensions.

Plain dict access on purpose: this is the screening hot path, and building pydantic FHIR
models would cost more than decoding the JSON.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from trialdesk.adapters.fhir.code_systems import short_system
from trialdesk.adapters.fhir.problems import Located, Problems, join
from trialdesk.core.record import Coding, ObservationValue, Quantity
from trialdesk.core.units import canonical_unit
from trialdesk.errors import UnitError

__all__ = [
    "KNOWN_MODIFIER_URLS",
    "UCUM_SYSTEM",
    "codings",
    "codings_of_all",
    "first_code",
    "number",
    "quantity",
    "unknown_modifiers",
    "value_of",
]

UCUM_SYSTEM = "http://unitsofmeasure.org"

#: modifierExtension URLs TrialDesk understands; any other one makes the item "review".
KNOWN_MODIFIER_URLS: frozenset[str] = frozenset()

_NUMBER = "a JSON number"


def codings(concept: Any) -> tuple[Coding, ...]:
    """The codings of a CodeableConcept (or of a bare Coding), systems shortened."""
    if not isinstance(concept, dict):
        return ()
    items = concept.get("coding")
    if items is None and "code" in concept:
        items = (concept,)
    if not items:
        return ()
    out = []
    for c in items:
        code = c.get("code") if isinstance(c, dict) else None
        if code is None:
            continue
        system = c.get("system")
        out.append(Coding(short_system(system) if system else "", str(code), c.get("display")))
    return tuple(out)


def codings_of_all(concepts: Any) -> tuple[Coding, ...]:
    """All codings of a list of CodeableConcepts (category, interpretation, bodySite…)."""
    if not isinstance(concepts, list):
        return codings(concepts)
    return tuple(c for concept in concepts for c in codings(concept))


def first_code(concept: Any) -> str | None:
    """The first code of a status-like CodeableConcept (clinicalStatus, outcome…)."""
    found = codings(concept)
    return found[0].code if found else None


def number(value: Any, loc: Located, where: str, problems: Problems) -> Decimal | None:
    # orjson gives floats; repr is the shortest decimal that reads back the same float,
    # so 12.5 stays 12.5 (trailing zeros such as 12.50 are not kept).
    if isinstance(value, bool) or not isinstance(value, int | float):
        problems.add(loc, where, "not a number", _NUMBER, repr(value))
        return None
    if isinstance(value, int):
        return Decimal(value)
    if value != value or value in (float("inf"), float("-inf")):
        problems.add(loc, where, "not a finite number", _NUMBER, repr(value))
        return None
    return Decimal(repr(value))


def quantity(q: Any, loc: Located, where: str, problems: Problems) -> Quantity | None:
    """A Quantity in its UCUM unit: ``code`` when the system is UCUM, else the ``unit`` text."""
    if not isinstance(q, dict):
        problems.add(loc, where, "a Quantity must be an object", "{value, unit}", repr(q))
        return None
    raw_value = q.get("value")
    if raw_value is None:
        return None
    # The paths of problems ("….valueQuantity.value") are joined only when there is one: a
    # batch reads millions of well-formed quantities.
    kind = type(raw_value)
    if kind is float and raw_value - raw_value == 0.0:  # finite: inf - inf and nan are nan
        value: Decimal | None = Decimal(repr(raw_value))  # as ``number`` reads it
    elif kind is int:
        value = Decimal(raw_value)
    else:
        value = number(raw_value, loc, join(where, "value"), problems)
    unit_text = q.get("unit")
    code = q.get("code")
    if code is not None and q.get("system") == UCUM_SYSTEM:
        written, unit_key = code, "code"
    elif unit_text is not None:
        written, unit_key = unit_text, "unit"
    else:
        written, unit_key = code or "", "code"
    unit = _unit(written, loc, where, unit_key, problems)
    if value is None or unit is None:
        return None
    return Quantity(value, unit, q.get("comparator"), unit_text)


def _unit(written: Any, loc: Located, where: str, key: str, problems: Problems) -> str | None:
    if not isinstance(written, str):
        problems.add(loc, join(where, key), "a unit must be a string", "a UCUM code", repr(written))
        return None
    try:
        return canonical_unit(written)
    except UnitError as exc:
        problems.add(
            loc, join(where, key), exc.message, exc.expected, exc.got, kind=UnitError, hint=exc.hint
        )
        return None


#: value[x] types the core has no slot for; the caller notes them instead of guessing.
UNREAD_VALUE_TYPES = (
    "valueRange",
    "valueRatio",
    "valueSampledData",
    "valuePeriod",
    "valueAttachment",
    "valueReference",
)


def value_of(
    element: dict[str, Any], loc: Located, where: str, problems: Problems
) -> ObservationValue:
    """An Observation's (or a component's) value[x] as the core represents it."""
    if "valueQuantity" in element:
        return quantity(element["valueQuantity"], loc, join(where, "valueQuantity"), problems)
    if "valueCodeableConcept" in element:
        concept = element["valueCodeableConcept"]
        found = codings(concept)
        if found:
            return found[0]
        text = concept.get("text") if isinstance(concept, dict) else None
        return text if isinstance(text, str) else None
    if "valueBoolean" in element:
        at = join(where, "valueBoolean")
        return _typed(element["valueBoolean"], bool, "true or false", loc, at, problems)
    if "valueInteger" in element:
        at = join(where, "valueInteger")
        return _typed(element["valueInteger"], int, "an integer", loc, at, problems)
    for key in ("valueString", "valueDateTime", "valueTime"):
        if key in element:
            return _typed(element[key], str, "a string", loc, join(where, key), problems)
    return None


def _typed(
    value: Any, kind: type, expected: str, loc: Located, where: str, problems: Problems
) -> ObservationValue:
    if isinstance(value, kind) and (kind is bool or not isinstance(value, bool)):
        return cast(ObservationValue, value)
    problems.add(loc, where, "wrong value type", expected, repr(value))
    return None


def unknown_modifiers(node: Any) -> tuple[str, ...]:
    """URLs of modifierExtensions anywhere in ``node`` that TrialDesk does not understand."""
    found: list[str] = []
    _collect_modifiers(node, found)
    return tuple(dict.fromkeys(found))


def _collect_modifiers(node: Any, found: list[str]) -> None:
    # Depth first in document order (the order the URLs are reported in); only objects and
    # arrays are descended into, so leaves cost a type test instead of a call.
    if isinstance(node, dict):
        for key, child in node.items():
            if key == "modifierExtension" and isinstance(child, list):
                for ext in child:
                    url = ext.get("url") if isinstance(ext, dict) else None
                    if url not in KNOWN_MODIFIER_URLS:
                        found.append(
                            url if isinstance(url, str) else "(modifierExtension without url)"
                        )
            if isinstance(child, _CONTAINERS):
                _collect_modifiers(child, found)
    elif isinstance(node, list):
        for child in node:
            if isinstance(child, _CONTAINERS):
                _collect_modifiers(child, found)


_CONTAINERS = (dict, list)
