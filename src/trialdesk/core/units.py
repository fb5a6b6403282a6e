"""Quantities in UCUM units, converted by pint (through the ucumvert UCUM grammar).

Values and thresholds are :class:`~decimal.Decimal` so that a boundary is a boundary: 120 U/L
against a ULN of 40 U/L is exactly 3.0 × ULN. Conversion factors come from pint as floats and
are rounded to 12 significant digits before use; comparisons round both sides to the same
precision (the pharmaverse admiral approach to cut-offs, done in decimal).

Two equivalences that UCUM keeps apart are made on purpose, and documented in
``docs/clinical-rules.md``:

* enzyme activity ``U/L`` and ``[IU]/L`` are the same number (clinical labs use them
  interchangeably for ALT, AST, ALP, GGT);
* mass and substance concentrations convert through the analyte's molar mass, which the
  caller passes (it lives in the analyte catalogue, not here).
"""

from __future__ import annotations

from decimal import (
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from functools import lru_cache
from typing import Any

from trialdesk.errors import UnitError

__all__ = [
    "SIGNIFICANT_DIGITS",
    "canonical_unit",
    "compare",
    "conversion_factor",
    "convert",
    "is_known_unit",
    "round_significant",
    "same_dimension",
]

SIGNIFICANT_DIGITS = 12

# Spellings seen in lab feeds and registry text that are not UCUM codes, mapped to UCUM.
# Keys are compared after stripping spaces; UCUM is case-sensitive, so only unambiguous
# case variants are listed.
_ALIASES: dict[str, str] = {
    "g/dl": "g/dL",
    "mg/dl": "mg/dL",
    "g/l": "g/L",
    "mmol/l": "mmol/L",
    "umol/l": "umol/L",
    "µmol/L": "umol/L",
    "µmol/l": "umol/L",
    "μmol/L": "umol/L",
    "μmol/l": "umol/L",
    "mEq/L": "meq/L",
    "meq/l": "meq/L",
    "IU/L": "U/L",
    "IU/l": "U/L",
    "iu/l": "U/L",
    "u/l": "U/L",
    "[IU]/L": "U/L",
    "U/l": "U/L",
    "x10^9/L": "10*9/L",
    "x10^9/l": "10*9/L",
    "×10^9/L": "10*9/L",
    "×10⁹/L": "10*9/L",
    "x10⁹/L": "10*9/L",
    "10^9/L": "10*9/L",
    "10^9/l": "10*9/L",
    "10E9/L": "10*9/L",
    "10e9/L": "10*9/L",
    "G/L": "10*9/L",
    "x10^3/uL": "10*3/uL",
    "x10^3/µL": "10*3/uL",
    "10^3/uL": "10*3/uL",
    "10^3/µL": "10*3/uL",
    "10*3/µL": "10*3/uL",
    "K/uL": "10*3/uL",
    "K/µL": "10*3/uL",
    "k/uL": "10*3/uL",
    "thou/uL": "10*3/uL",
    "x10^12/L": "10*12/L",
    "10^12/L": "10*12/L",
    "/µL": "/uL",
    "cells/uL": "/uL",
    "cells/µL": "/uL",
    "{cells}/uL": "/uL",
    "cells/mm3": "/mm3",
    "/mm^3": "/mm3",
    "cells/mm^3": "/mm3",
    "mm Hg": "mm[Hg]",
    "mmHg": "mm[Hg]",
    "°C": "Cel",
    "degC": "Cel",
    "C": "Cel",
    "°F": "[degF]",
    "degF": "[degF]",
    "F": "[degF]",
    "sec": "s",
    "seconds": "s",
    "{INR}": "1",
    "INR": "1",
    "{ratio}": "1",
    "{score}": "1",  # UCUM annotation for scale scores (Lansky, Karnofsky, ECOG)
    "{Score}": "1",
    "ratio": "1",
    "percent": "%",
    "mL/min/1.73m2": "mL/min/{1.73_m2}",
    "mL/min/1.73 m2": "mL/min/{1.73_m2}",
    "ml/min/1.73m2": "mL/min/{1.73_m2}",
    "years": "a",
    "year": "a",
    "yr": "a",
    "months": "mo",
    "month": "mo",
    "days": "d",
    "day": "d",
    "weeks": "wk",
    "week": "wk",
}


@lru_cache(maxsize=1)
def _registry() -> Any:
    # Built once: constructing the UCUM registry costs about a third of a second.
    from ucumvert import PintUcumRegistry

    return PintUcumRegistry()


def canonical_unit(unit: str) -> str:
    """The UCUM code for a unit as written (``"x10^9/L"`` → ``"10*9/L"``); raises UnitError."""
    return _canonical(unit.strip())


@lru_cache(maxsize=512)
def _canonical(unit: str) -> str:
    compact = unit.replace(" ", "")
    for candidate in (unit, compact):
        if candidate in _ALIASES:
            return _ALIASES[candidate]
    if compact in ("", "1"):
        return "1"
    try:
        _parse(compact)
    except UnitError:
        raise UnitError(
            f"unknown unit {unit!r}",
            expected="a UCUM code such as g/L, 10*9/L, umol/L, U/L or %",
            got=unit,
            hint="Write the unit as a UCUM code (https://ucum.org); see docs/input-contract.md.",
        ) from None
    return compact


@lru_cache(maxsize=512)
def _parse(code: str) -> Any:
    if code == "1":
        return _registry().Quantity(1, "dimensionless")
    try:
        quantity = _registry().from_ucum(code)
        # A bare annotation such as {score} parses to a token, not a quantity.
        quantity.dimensionality  # noqa: B018
    except Exception as exc:  # ucumvert raises lark and pint errors of many kinds
        raise UnitError(f"unknown unit {code!r}", got=code, expected="a UCUM code") from exc
    return quantity


def is_known_unit(unit: str) -> bool:
    try:
        canonical_unit(unit)
    except UnitError:
        return False
    return True


def same_dimension(a: str, b: str) -> bool:
    qa, qb = _parse(canonical_unit(a)), _parse(canonical_unit(b))
    return bool(qa.dimensionality == qb.dimensionality)


def round_significant(value: Decimal, digits: int = SIGNIFICANT_DIGITS) -> Decimal:
    if value.is_zero() or not value.is_finite():
        return value
    if len(value.as_tuple().digits) <= digits:
        return value  # already short enough: rounding would not change it (hot path)
    with localcontext() as ctx:
        ctx.prec = digits
        return +value


def compare(a: Decimal, b: Decimal) -> int:
    """-1, 0 or 1 after rounding both sides to SIGNIFICANT_DIGITS (exact at cut-offs)."""
    # ``_SIGNIFICANT.plus`` is ``round_significant`` for comparing: the same rounding (a value
    # of at most SIGNIFICANT_DIGITS digits comes back equal), in C, without entering a local
    # context or taking the value apart; the screener compares every result with its limits.
    ra, rb = _significant(a), _significant(b)
    return (ra > rb) - (ra < rb)


_SIGNIFICANT = Context(
    prec=SIGNIFICANT_DIGITS,
    rounding=ROUND_HALF_EVEN,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)
_significant = _SIGNIFICANT.plus


_MASS = "[mass]"
_SUBSTANCE = "[substance]"


@lru_cache(maxsize=2048)
def conversion_factor(from_unit: str, to_unit: str, molar_mass: Decimal | None = None) -> Decimal:
    """Multiply a value in ``from_unit`` by this to get it in ``to_unit``.

    ``molar_mass`` (g/mol) is needed only between mass and substance concentrations.
    Offset units (temperatures) have no factor: use :func:`convert`.
    """
    src, dst = canonical_unit(from_unit), canonical_unit(to_unit)
    if src == dst:
        return Decimal(1)
    qs, qd = _parse(src), _parse(dst)
    if qs.dimensionality == qd.dimensionality:
        if _is_offset(qs) or _is_offset(qd):
            raise UnitError(
                f"{src} and {dst} differ by an offset, not a factor",
                hint="use convert() for temperatures",
            )
        factor = qs.to(qd.units).magnitude / qd.magnitude
        return round_significant(Decimal(repr(float(factor))))
    ds, dd = dict(qs.dimensionality), dict(qd.dimensionality)
    rest_s = {k: v for k, v in ds.items() if k not in (_MASS, _SUBSTANCE)}
    rest_d = {k: v for k, v in dd.items() if k not in (_MASS, _SUBSTANCE)}
    bridgeable = rest_s == rest_d
    mass_to_substance = bridgeable and ds.get(_MASS) == 1 and dd.get(_SUBSTANCE) == 1
    substance_to_mass = bridgeable and ds.get(_SUBSTANCE) == 1 and dd.get(_MASS) == 1
    if (mass_to_substance or substance_to_mass) and molar_mass is not None:
        per_mol = qs._REGISTRY.Quantity(float(molar_mass), "g/mol")
        bridged = qs * (1 / per_mol) if mass_to_substance else qs * per_mol
        factor = bridged.to(qd.units).magnitude / qd.magnitude
        return round_significant(Decimal(repr(float(factor))))
    hint = None
    if mass_to_substance or substance_to_mass:
        hint = "a mass/substance conversion needs the analyte's molar mass"
    raise UnitError(
        f"cannot convert {src} to {dst}",
        expected=f"a unit of the same kind as {dst}",
        got=src,
        hint=hint,
    )


def _is_offset(quantity: Any) -> bool:
    return str(quantity.units) in ("degree_Celsius", "degree_Fahrenheit")


@lru_cache(maxsize=512)
def _is_offset_code(code: str) -> bool:
    # Cached per unit code: formatting a pint unit to text is slow on the screening hot path.
    return _is_offset(_parse(code))


def convert(
    value: Decimal, from_unit: str, to_unit: str, molar_mass: Decimal | None = None
) -> Decimal:
    """``value`` in ``from_unit`` expressed in ``to_unit``, as a Decimal."""
    factor = _factor_or_none(from_unit, to_unit, molar_mass)
    if factor is _SAME:
        return value
    if factor is not None:
        return round_significant(value * factor)
    src, dst = canonical_unit(from_unit), canonical_unit(to_unit)
    qs, qd = _parse(src), _parse(dst)
    if qs.dimensionality != qd.dimensionality:
        raise UnitError(f"cannot convert {src} to {dst}", got=src, expected=dst)
    converted = qs._REGISTRY.Quantity(float(value), qs.units).to(qd.units).magnitude
    return round_significant(Decimal(repr(float(converted))))


_SAME = Decimal(1)  # a distinct object: "the same unit", returned only by _factor_or_none


@lru_cache(maxsize=4096)
def _factor_or_none(from_unit: str, to_unit: str, molar_mass: Decimal | None) -> Decimal | None:
    """How ``convert`` converts between two units as written, decided once per pair (the
    screening hot path converts the same few pairs for every patient): ``_SAME`` for the same
    unit (the value is returned untouched), a factor, or None for offset units (temperatures,
    converted by pint value by value). Raises UnitError, uncached, for an unknown unit or one
    of another kind."""
    src, dst = canonical_unit(from_unit), canonical_unit(to_unit)
    if src == dst:
        return _SAME
    if _is_offset_code(src) or _is_offset_code(dst):
        return None
    return conversion_factor(src, dst, molar_mass)
