"""A patient's clinical record as the domain core sees it.

Adapters (FHIR R4 bundles, NDJSON, OMOP tables) build a :class:`PatientRecord`; the
screener, the clinical rules and the study service read it. It holds facts, not FHIR:
codes, values with UCUM units, dates (possibly partial), reference ranges and where each
fact came from, so that every verdict can cite its evidence.

Dates: FHIR allows partial dates ("2025", "2025-03"). A :class:`FuzzyDate` keeps the
earliest and latest day it can mean; rules take the reading that is safe for them
(for recency, the earliest; for "not after the as-of date", the latest).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import MISSING, dataclass, field, fields
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

__all__ = [
    "AdverseEventRecord",
    "AllergyRecord",
    "Coding",
    "Component",
    "ConditionRecord",
    "ConsentRecord",
    "FuzzyDate",
    "MedicationRecord",
    "ObservationRecord",
    "ObservationValue",
    "PatientInfo",
    "PatientRecord",
    "ProcedureRecord",
    "Quantity",
    "ReferenceRange",
    "Sex",
    "SourceRef",
]


class Sex(StrEnum):
    """FHIR administrative gender."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Coding:
    system: str
    code: str
    display: str | None = None

    def key(self) -> tuple[str, str]:
        return (self.system, self.code)


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where a fact came from: ``Observation/hb-1`` in ``file`` (a path or a label)."""

    resource_type: str
    id: str
    file: str | None = None

    def __str__(self) -> str:
        return f"{self.resource_type}/{self.id}"


@dataclass(frozen=True, slots=True)
class FuzzyDate:
    """A date known to a day, a month or a year: every day from ``earliest`` to ``latest``."""

    earliest: date
    latest: date
    text: str

    @classmethod
    def exact(cls, day: date) -> FuzzyDate:
        return cls(day, day, day.isoformat())

    @property
    def is_exact(self) -> bool:
        return self.earliest == self.latest

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class Quantity:
    """A value in a UCUM unit. ``comparator`` is FHIR's ``<``, ``<=``, ``>=`` or ``>``."""

    value: Decimal
    unit: str
    comparator: str | None = None
    unit_text: str | None = None

    def __str__(self) -> str:
        prefix = self.comparator or ""
        return f"{prefix}{self.value} {self.unit}"


ObservationValue = Quantity | bool | Coding | str | int | None


@dataclass(frozen=True, slots=True)
class ReferenceRange:
    """A normal range as the lab reported it; ``age_*`` in years, ``sex`` when it applies to one."""

    low: Quantity | None = None
    high: Quantity | None = None
    age_low_years: Decimal | None = None
    age_high_years: Decimal | None = None
    sex: Sex | None = None
    text: str | None = None
    kind: str | None = None  # FHIR referenceRange.type code, e.g. "normal"


@dataclass(frozen=True, slots=True)
class Component:
    codes: tuple[Coding, ...]
    value: ObservationValue


@dataclass(frozen=True, slots=True)
class ObservationRecord:
    ref: SourceRef
    codes: tuple[Coding, ...]
    status: str
    effective: FuzzyDate | None
    value: ObservationValue
    reference_ranges: tuple[ReferenceRange, ...] = ()
    components: tuple[Component, ...] = ()
    interpretation: tuple[Coding, ...] = ()
    categories: tuple[Coding, ...] = ()
    method: tuple[Coding, ...] = ()
    data_absent_reason: str | None = None
    performer: str | None = None
    unknown_modifiers: tuple[str, ...] = ()
    # When the result was released (FHIR Observation.issued). Only read for a result with no
    # effective date: the sample was taken on or before it, so it bounds the unknown day.
    issued: FuzzyDate | None = None


@dataclass(frozen=True, slots=True)
class ConditionRecord:
    ref: SourceRef
    codes: tuple[Coding, ...]
    clinical_status: str | None
    verification_status: str | None
    onset: FuzzyDate | None = None
    abatement: FuzzyDate | None = None
    recorded: FuzzyDate | None = None
    stage: tuple[Coding, ...] = ()
    body_site: tuple[Coding, ...] = ()
    unknown_modifiers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ProcedureRecord:
    ref: SourceRef
    codes: tuple[Coding, ...]
    status: str
    performed: FuzzyDate | None
    unknown_modifiers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MedicationRecord:
    """A MedicationRequest, MedicationStatement or MedicationAdministration, flattened."""

    ref: SourceRef
    codes: tuple[Coding, ...]
    status: str
    start: FuzzyDate | None = None
    end: FuzzyDate | None = None
    intent: str | None = None
    unknown_modifiers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AllergyRecord:
    ref: SourceRef
    codes: tuple[Coding, ...]
    clinical_status: str | None
    verification_status: str | None
    criticality: str | None
    reaction_severities: tuple[str, ...] = ()
    recorded: FuzzyDate | None = None
    unknown_modifiers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AdverseEventRecord:
    """A past or current adverse event; ``grade`` is the CTCAE grade when one was recorded."""

    ref: SourceRef
    codes: tuple[Coding, ...]
    term: str | None
    grade: int | None
    onset: FuzzyDate | None
    resolved: FuzzyDate | None
    outcome: str | None  # FHIR outcome code: resolved, recovering, ongoing, ...
    actuality: str = "actual"
    unknown_modifiers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    ref: SourceRef
    status: str
    scope: tuple[Coding, ...]
    categories: tuple[Coding, ...]
    date: FuzzyDate | None
    policy_uris: tuple[str, ...] = ()
    performer_roles: tuple[str, ...] = ()
    unknown_modifiers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PatientInfo:
    ref: SourceRef
    birth_date: FuzzyDate | None
    sex: Sex
    deceased: bool = False
    # The day of death when the record gives one (FHIR deceasedDateTime, OMOP death_date):
    # a screening as of an earlier day still sees the patient alive.
    deceased_on: FuzzyDate | None = None
    unknown_modifiers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PatientRecord:
    """Everything known about one patient, already filtered of entered-in-error resources."""

    patient: PatientInfo
    observations: tuple[ObservationRecord, ...] = ()
    conditions: tuple[ConditionRecord, ...] = ()
    procedures: tuple[ProcedureRecord, ...] = ()
    medications: tuple[MedicationRecord, ...] = ()
    allergies: tuple[AllergyRecord, ...] = ()
    adverse_events: tuple[AdverseEventRecord, ...] = ()
    consents: tuple[ConsentRecord, ...] = ()
    source: str | None = None
    ignored: tuple[str, ...] = field(default=())  # e.g. "Observation/x: entered-in-error"

    def observations_with(self, codes: Iterable[tuple[str, str]]) -> list[ObservationRecord]:
        wanted = set(codes)
        return [o for o in self.observations if any(c.key() in wanted for c in o.codes)]


# Every record class above is a frozen slotted dataclass whose generated ``__init__`` assigns
# each field through ``object.__setattr__`` by name (frozen), about four times the cost of
# storing it through the field's slot descriptor. Adapters build tens of these objects per
# resource (a 10,000-patient batch builds millions), so each class gets an ``__init__`` with the
# same parameters, order and defaults that stores through the descriptors instead; instances
# stay immutable (``__setattr__`` still raises) and compare, hash and pickle as before.
def _slot_init(cls: type) -> Any:
    namespace: dict[str, Any] = {}
    params, body = [], []
    for f in fields(cls):
        if f.default_factory is not MISSING or not f.init or f.kw_only:
            raise TypeError(f"{cls.__name__}.{f.name}: only plain fields are supported")
        namespace[f"_set_{f.name}"] = getattr(cls, f.name).__set__
        if f.default is MISSING:
            params.append(f.name)
        else:
            namespace[f"_default_{f.name}"] = f.default
            params.append(f"{f.name}=_default_{f.name}")
        body.append(f"    _set_{f.name}(self, {f.name})")
    source = f"def __init__(self, {', '.join(params)}):\n" + "\n".join(body) + "\n"
    exec(source, namespace)  # noqa: S102 (field names of the classes above, not input)
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    return init


for _record_class in (
    Coding,
    SourceRef,
    FuzzyDate,
    Quantity,
    ReferenceRange,
    Component,
    ObservationRecord,
    ConditionRecord,
    ProcedureRecord,
    MedicationRecord,
    AllergyRecord,
    AdverseEventRecord,
    ConsentRecord,
    PatientInfo,
    PatientRecord,
):
    setattr(_record_class, "__init__", _slot_init(_record_class))  # noqa: B010 (mypy: no method assignment)
