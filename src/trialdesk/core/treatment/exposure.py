"""Exposure: one administration of a product, its dose against the protocol's range.

A dose is recorded per the product's basis (NK cells in 10*6/kg, antibody in mg/m2), in any
UCUM unit convertible to the protocol's; the total amount follows from weight or from the
body-surface area by the protocol's named formula. A dose outside [min_dose, max_dose] is
flagged, never silently accepted; a dose whose unit cannot be compared is ``unknown``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from trialdesk.core.protocol.treatment import ProductSpec, TreatmentPlan
from trialdesk.core.treatment.bsa import BodySurfaceArea, body_surface_area
from trialdesk.core.units import compare, convert, same_dimension
from trialdesk.errors import InputError, UnitError

__all__ = ["DoseCheck", "DoseStatus", "Exposure", "Interruption", "check_exposure"]


class DoseStatus(StrEnum):
    IN_RANGE = "in_range"
    BELOW_RANGE = "below_range"
    ABOVE_RANGE = "above_range"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Interruption:
    start: datetime
    stop: datetime | None
    reason: str


@dataclass(frozen=True, slots=True)
class Exposure:
    product: str
    dose: Decimal
    unit: str
    start: datetime
    stop: datetime | None = None
    route: str | None = None
    height: Decimal | None = None
    height_unit: str = "cm"
    weight: Decimal | None = None
    weight_unit: str = "kg"
    interruptions: tuple[Interruption, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class DoseCheck:
    product: str
    status: DoseStatus
    dose: Decimal  # in the protocol's unit
    unit: str
    allowed: str  # e.g. "[15.75, 19.25] mg/m2"
    total: Decimal | None  # the amount given (dose × kg or × m²); None for flat doses
    total_unit: str | None
    bsa: BodySurfaceArea | None
    flags: tuple[str, ...]
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "product": self.product,
            "status": str(self.status),
            "dose": str(self.dose),
            "unit": self.unit,
            "allowed": self.allowed,
            "total": None if self.total is None else str(self.total),
            "total_unit": self.total_unit,
            "bsa": None if self.bsa is None else self.bsa.to_dict(),
            "flags": list(self.flags),
            "source": self.source,
        }


def _allowed_text(spec: ProductSpec) -> str:
    low = "-inf" if spec.min_dose is None else str(spec.min_dose)
    high = "+inf" if spec.max_dose is None else str(spec.max_dose)
    return f"[{low}, {high}] {spec.dose_unit}"


def _total_unit(spec: ProductSpec) -> str | None:
    unit = spec.dose_unit
    for suffix in ("/kg", "/m2"):
        if unit.endswith(suffix):
            return unit[: -len(suffix)] or "1"
    return None


def check_exposure(plan: TreatmentPlan, exposure: Exposure) -> DoseCheck:
    try:
        spec = plan.product(exposure.product)
    except KeyError as exc:
        raise InputError(str(exc.args[0]), where="exposure.product", got=exposure.product) from None
    if exposure.dose < 0:
        raise InputError("a dose cannot be negative", where="exposure.dose", got=str(exposure.dose))
    flags: list[str] = []
    _check_times(exposure, flags)
    if spec.route is not None and exposure.route is not None and exposure.route != spec.route:
        flags.append(f"route {exposure.route} differs from the protocol's {spec.route}")
    try:
        if not same_dimension(exposure.unit, spec.dose_unit):
            raise UnitError(f"{exposure.unit} is not {spec.dose_unit}")
        dose = convert(exposure.dose, exposure.unit, spec.dose_unit)
    except UnitError:
        return DoseCheck(
            product=spec.id,
            status=DoseStatus.UNKNOWN,
            dose=exposure.dose,
            unit=exposure.unit,
            allowed=_allowed_text(spec),
            total=None,
            total_unit=None,
            bsa=None,
            flags=(
                *flags,
                f"the dose unit {exposure.unit!r} cannot be compared with the protocol's "
                f"{spec.dose_unit!r}: re-enter the dose in {spec.dose_unit}",
            ),
            source="protocol treatment.products",
        )
    status = DoseStatus.IN_RANGE
    if spec.min_dose is not None and compare(dose, spec.min_dose) < 0:
        status = DoseStatus.BELOW_RANGE
        flags.append(f"dose {dose} {spec.dose_unit} is below the protocol's {_allowed_text(spec)}")
    if spec.max_dose is not None and compare(dose, spec.max_dose) > 0:
        status = DoseStatus.ABOVE_RANGE
        flags.append(f"dose {dose} {spec.dose_unit} is above the protocol's {_allowed_text(spec)}")
    total, bsa = _total(spec, exposure, dose, flags)
    if total is None and spec.dose_basis != "flat" and status is DoseStatus.IN_RANGE:
        flags.append("the total amount needs the subject's height and weight")
    return DoseCheck(
        product=spec.id,
        status=status,
        dose=dose,
        unit=spec.dose_unit,
        allowed=_allowed_text(spec),
        total=total,
        total_unit=_total_unit(spec),
        bsa=bsa,
        flags=tuple(flags),
        source="protocol treatment.products" + (" (EXAMPLE)" if plan.example else ""),
    )


def _check_times(exposure: Exposure, flags: list[str]) -> None:
    if exposure.stop is not None and exposure.stop < exposure.start:
        raise InputError(
            "the administration stops before it starts",
            where="exposure.stop",
            expected=f"at or after {exposure.start.isoformat()}",
            got=exposure.stop.isoformat(),
        )
    for index, pause in enumerate(exposure.interruptions):
        if not pause.reason.strip():
            raise InputError(
                "an interruption needs its reason",
                where=f"exposure.interruptions[{index}].reason",
            )
        if pause.stop is not None and pause.stop < pause.start:
            raise InputError(
                "an interruption ends before it starts",
                where=f"exposure.interruptions[{index}]",
            )
        if pause.start < exposure.start or (
            exposure.stop is not None and pause.start > exposure.stop
        ):
            flags.append(f"interruption {index + 1} lies outside the administration's times")
    if exposure.interruptions:
        flags.append(f"interrupted {len(exposure.interruptions)} time(s)")


def _total(
    spec: ProductSpec, exposure: Exposure, dose: Decimal, flags: list[str]
) -> tuple[Decimal | None, BodySurfaceArea | None]:
    if spec.dose_basis == "flat":
        return None, None
    if exposure.weight is None:
        return None, None
    if spec.dose_basis == "per_kg":
        weight_kg = convert(exposure.weight, exposure.weight_unit, "kg")
        return (dose * weight_kg).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), None
    if exposure.height is None:
        return None, None
    assert spec.bsa_formula is not None  # the protocol model requires it for per_m2
    bsa = body_surface_area(
        exposure.height,
        exposure.height_unit,
        exposure.weight,
        exposure.weight_unit,
        spec.bsa_formula,
    )
    if bsa.rounded_m2 < Decimal("0.5"):
        flags.append(
            f"BSA {bsa.rounded_m2} m² is below 0.5 m²: many paediatric protocols dose small "
            "children per kg instead; check the protocol's small-child rule"
        )
    return (dose * bsa.rounded_m2).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), bsa
