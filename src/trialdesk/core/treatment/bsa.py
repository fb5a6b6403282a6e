"""Body-surface area from height and weight, by a named formula.

* Mosteller RD. Simplified calculation of body-surface area. N Engl J Med 1987;317:1098:
  BSA (m²) = sqrt(height cm × weight kg / 3600).
* Haycock GB, Schwartz GJ, Wisotsky DH. Geometric method for measuring body surface area:
  a height-weight formula validated in infants, children, and adults. J Pediatr
  1978;93:62-66: BSA (m²) = 0.024265 × weight kg^0.5378 × height cm^0.3964.

Height and weight arrive in any UCUM length and mass unit and are converted by core.units.
Arithmetic is decimal; the result keeps 4 decimals and the rounded 2-decimal value that dose
calculations conventionally use is given alongside.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any, Literal

from trialdesk.core.units import convert, same_dimension
from trialdesk.errors import InputError, UnitError

__all__ = ["BodySurfaceArea", "BsaFormula", "body_surface_area"]

BsaFormula = Literal["mosteller", "haycock"]

_SOURCES: dict[str, str] = {
    "mosteller": "Mosteller RD, N Engl J Med 1987;317:1098: sqrt(height cm × weight kg / 3600)",
    "haycock": (
        "Haycock GB et al., J Pediatr 1978;93:62-66: 0.024265 × weight kg^0.5378 × height cm^0.3964"
    ),
}
_FOUR_PLACES = Decimal("0.0001")
_TWO_PLACES = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class BodySurfaceArea:
    m2: Decimal  # 4 decimals
    rounded_m2: Decimal  # 2 decimals, half up: what a dose is multiplied by
    formula: BsaFormula
    height_cm: Decimal
    weight_kg: Decimal
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "m2": str(self.m2),
            "rounded_m2": str(self.rounded_m2),
            "formula": self.formula,
            "height_cm": str(self.height_cm),
            "weight_kg": str(self.weight_kg),
            "source": self.source,
        }


def _in(value: Decimal, unit: str, wanted: str, what: str) -> Decimal:
    if value <= 0:
        raise InputError(
            f"{what} must be above zero", where=what, expected="a positive number", got=str(value)
        )
    try:
        if not same_dimension(unit, wanted):
            raise UnitError(
                f"{what} is in {unit!r}, which is not a unit of the right kind",
                where=what,
                expected=f"a unit convertible to {wanted}",
                got=unit,
            )
    except UnitError as exc:
        if exc.where is None:
            exc.where = what
        raise
    return convert(value, unit, wanted)


def body_surface_area(
    height: Decimal,
    height_unit: str,
    weight: Decimal,
    weight_unit: str,
    formula: BsaFormula = "mosteller",
) -> BodySurfaceArea:
    height_cm = _in(height, height_unit, "cm", "height")
    weight_kg = _in(weight, weight_unit, "kg", "weight")
    with localcontext() as ctx:
        ctx.prec = 28
        if formula == "mosteller":
            value = (height_cm * weight_kg / Decimal(3600)).sqrt()
        elif formula == "haycock":
            value = (
                Decimal("0.024265")
                * weight_kg ** Decimal("0.5378")
                * height_cm ** Decimal("0.3964")
            )
        else:  # pragma: no cover - Literal keeps this out at type-check time
            raise InputError(
                f"unknown BSA formula {formula!r}", expected="mosteller or haycock", got=formula
            )
    return BodySurfaceArea(
        m2=value.quantize(_FOUR_PLACES, rounding=ROUND_HALF_UP),
        rounded_m2=value.quantize(_TWO_PLACES, rounding=ROUND_HALF_UP),
        formula=formula,
        height_cm=height_cm,
        weight_kg=weight_kg,
        source=_SOURCES[formula],
    )
