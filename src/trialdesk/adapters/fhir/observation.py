"""Observation → :class:`ObservationRecord`, with reference ranges by age and sex."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from trialdesk.adapters.fhir.dates import choice_date, fuzzy_date
from trialdesk.adapters.fhir.elements import (
    UNREAD_VALUE_TYPES,
    codings,
    codings_of_all,
    first_code,
    quantity,
    value_of,
)
from trialdesk.adapters.fhir.problems import Located, Problems, join
from trialdesk.core.record import (
    Component,
    ObservationRecord,
    Quantity,
    ReferenceRange,
    Sex,
    SourceRef,
)
from trialdesk.core.units import convert
from trialdesk.errors import UnitError

__all__ = ["observation", "reference_range", "unread_value_note"]

# appliesTo codes that name one sex: FHIR administrative-gender, HL7 v2 table 0001, SNOMED CT.
_SEX_CODES: dict[str, Sex] = {
    "male": Sex.MALE,
    "female": Sex.FEMALE,
    "M": Sex.MALE,
    "F": Sex.FEMALE,
    "248153007": Sex.MALE,
    "248152002": Sex.FEMALE,
}
_AGE_UNITS = "an age in a (years), mo (months), wk (weeks) or d (days)"


def observation(loc: Located, problems: Problems, modifiers: tuple[str, ...]) -> ObservationRecord:
    r = loc.resource
    where = loc.where
    effective = choice_date(r, "effective", loc, problems)
    return ObservationRecord(
        ref=SourceRef("Observation", _id(loc), loc.file),
        codes=codings(r.get("code")),
        status=str(r.get("status", "unknown")),
        effective=effective,
        value=value_of(r, loc, where, problems),
        reference_ranges=tuple(
            reference_range(rr, loc, join(where, f"referenceRange[{i}]"), problems)
            for i, rr in enumerate(r.get("referenceRange") or ())
        ),
        components=_components(r.get("component"), loc, problems),
        interpretation=codings_of_all(r.get("interpretation")),
        categories=codings_of_all(r.get("category")),
        method=codings(r.get("method")),
        data_absent_reason=_absent_reason(r.get("dataAbsentReason")),
        performer=_performer(r.get("performer")),
        unknown_modifiers=modifiers,
        # Read only where it is used: for a result with no effective date.
        issued=None
        if effective is not None
        else fuzzy_date(r.get("issued"), loc, join(where, "issued"), problems),
    )


def unread_value_note(loc: Located) -> str | None:
    """A note for ``ignored`` when the value is of a type the core cannot hold."""
    r = loc.resource
    for key in UNREAD_VALUE_TYPES:
        if key in r:
            return f"Observation/{_id(loc)}: {key} not read (value left empty)"
    return None


def _id(loc: Located) -> str:
    return str(loc.resource.get("id") or loc.where or "?")


def _components(items: Any, loc: Located, problems: Problems) -> tuple[Component, ...]:
    if not items:
        return ()
    base = join(loc.where, "component")
    return tuple(
        Component(codings(c.get("code")), value_of(c, loc, f"{base}[{i}]", problems))
        for i, c in enumerate(items)
    )


def _absent_reason(concept: Any) -> str | None:
    code = first_code(concept)
    if code is not None:
        return code
    text = concept.get("text") if isinstance(concept, dict) else None
    return text if isinstance(text, str) else None


def _performer(refs: Any) -> str | None:
    if not refs or not isinstance(refs, list) or not isinstance(refs[0], dict):
        return None
    first = refs[0]
    value = first.get("display") or first.get("reference")
    return str(value) if value is not None else None


def reference_range(rr: Any, loc: Located, where: str, problems: Problems) -> ReferenceRange:
    if not isinstance(rr, dict):
        problems.add(loc, where, "a referenceRange must be an object", "{low, high}", repr(rr))
        return ReferenceRange()
    age_low, age_high = _age_range(rr.get("age"), loc, join(where, "age"), problems)
    return ReferenceRange(
        low=_bound(rr, "low", loc, where, problems),
        high=_bound(rr, "high", loc, where, problems),
        age_low_years=age_low,
        age_high_years=age_high,
        sex=_sex_of(rr.get("appliesTo")),
        text=rr.get("text"),
        kind=first_code(rr.get("type")),
    )


def _bound(
    rr: dict[str, Any], key: str, loc: Located, where: str, problems: Problems
) -> Quantity | None:
    if key not in rr:
        return None
    return quantity(rr[key], loc, join(where, key), problems)


def _sex_of(applies_to: Any) -> Sex | None:
    sexes = {_SEX_CODES[c.code] for c in codings_of_all(applies_to or ()) if c.code in _SEX_CODES}
    return sexes.pop() if len(sexes) == 1 else None


def _age_range(
    age: Any, loc: Located, where: str, problems: Problems
) -> tuple[Decimal | None, Decimal | None]:
    if not isinstance(age, dict):
        return None, None
    return (
        _years(age.get("low"), loc, join(where, "low"), problems),
        _years(age.get("high"), loc, join(where, "high"), problems),
    )


def _years(q: Any, loc: Located, where: str, problems: Problems) -> Decimal | None:
    if q is None:
        return None
    parsed = quantity(q, loc, where, problems)
    if parsed is None:
        return None
    try:
        years = convert(parsed.value, parsed.unit, "a")
    except UnitError:
        problems.add(
            loc, where, "an age must be a duration", _AGE_UNITS, parsed.unit, kind=UnitError
        )
        return None
    # 6 mo → 0.5 rather than 0.500000000000; whole years stay plain (12, not 1.2E+1).
    return years.quantize(Decimal(1)) if years == years.to_integral() else years.normalize()
