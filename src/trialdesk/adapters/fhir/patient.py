"""Patient → :class:`PatientInfo`."""

from __future__ import annotations

from trialdesk.adapters.fhir.dates import fuzzy_date
from trialdesk.adapters.fhir.problems import Located, Problems, join
from trialdesk.core.record import PatientInfo, Sex, SourceRef

__all__ = ["patient_info"]

_SEXES = {s.value: s for s in Sex}
_GENDER = "one of male, female, other, unknown"


def patient_info(loc: Located, problems: Problems, modifiers: tuple[str, ...]) -> PatientInfo:
    r = loc.resource
    gender = r.get("gender")
    sex = _SEXES.get(gender) if isinstance(gender, str) else None
    if sex is None:
        if gender is not None:
            problems.add(loc, join(loc.where, "gender"), "unknown gender", _GENDER, repr(gender))
        sex = Sex.UNKNOWN
    deceased = r.get("deceasedBoolean") is True or r.get("deceasedDateTime") is not None
    deceased_on = fuzzy_date(
        r.get("deceasedDateTime"), loc, join(loc.where, "deceasedDateTime"), problems
    )
    return PatientInfo(
        ref=SourceRef("Patient", str(r["id"]), loc.file),
        birth_date=fuzzy_date(r.get("birthDate"), loc, join(loc.where, "birthDate"), problems),
        sex=sex,
        deceased=deceased,
        deceased_on=deceased_on,
        unknown_modifiers=modifiers,
    )
