"""Eligibility of a ClinicalTrials.gov study: structured fields, the criteria text read into
rules, and the places where the two disagree.

The structured fields (``eligibilityModule.minimumAge``/``maximumAge``/``sex``) become their own
criteria (``inc-registry-age``, ``inc-registry-sex``): they are what the registry's own search
uses. A missing age limit means no limit on that side (never zero); ``sex: ALL`` means no sex
rule. The free text is split into items and each item becomes one criterion
(:func:`trialdesk.core.criteria_text.rules.render_item`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from trialdesk.core.criteria_text import ConstraintKind, ItemKind, Operator, parse_criteria
from trialdesk.core.criteria_text.markdown import unescape_markdown
from trialdesk.core.criteria_text.rules import render_item

__all__ = ["EligibilityImport", "read_eligibility"]

_MODULE = "protocolSection.eligibilityModule"
_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(year|month|week|day|hour|minute)s?\s*$", re.IGNORECASE)
_TO_YEARS = {"year": Decimal(1), "month": Decimal(1) / 12}


@dataclass
class EligibilityImport:
    section: dict[str, Any]
    criteria: list[dict[str, Any]]
    value_sets: set[str]
    flags: list[str] = field(default_factory=list)
    translated: int = 0
    review: int = 0


def read_eligibility(module: dict[str, Any]) -> EligibilityImport:
    text = module.get("eligibilityCriteria") or ""
    sex = str(module.get("sex") or "ALL").upper()
    result = EligibilityImport(
        section={
            "min_age": module.get("minimumAge"),
            "max_age": module.get("maximumAge"),
            "sex": sex if sex in ("ALL", "FEMALE", "MALE") else "ALL",
            "healthy_volunteers": module.get("healthyVolunteers"),
            "criteria_text": text or None,
        },
        criteria=[],
        value_sets=set(),
    )
    if sex not in ("ALL", "FEMALE", "MALE"):
        result.flags.append(f"{_MODULE}.sex is {sex!r}; read as ALL (no sex rule)")
    _structured(module, result)
    _text(text, result)
    if not result.criteria:
        result.criteria.append(
            {
                "id": "inc-registry-criteria",
                "kind": "inclusion",
                "text": "(the registry publishes no eligibility criteria)",
                "rule": 'review("the registry record has no eligibility criteria")',
                "interpretation": f"{_MODULE}.eligibilityCriteria is empty.",
            }
        )
        result.review += 1
    return result


def _structured(module: dict[str, Any], result: EligibilityImport) -> None:
    parts: list[str] = []
    notes: list[str] = []
    for key, operator in (("minimumAge", ">="), ("maximumAge", "<=")):
        raw = module.get(key)
        if raw in (None, ""):
            notes.append(f"no {key}: no limit on that side")
            continue
        parsed = _AGE.match(str(raw))
        if parsed is None:
            result.flags.append(f"{_MODULE}.{key} {raw!r} is not '<number> <unit>'; not used")
            continue
        number, unit = parsed.group(1), parsed.group(2).lower()
        if unit == "year":
            parts.append(f"age() {operator} {number}")
        elif unit == "month":
            parts.append(f"age() {operator} {number} months")
        elif operator == ">=":
            # The language compares age in years or months; a limit in weeks or days under one
            # month is checked by a clinician only for infants younger than one month.
            parts.append(f'(age() >= 1 months or review("minimum age {raw}"))')
            notes.append(f"minimum age {raw} is below the language's month resolution")
        else:
            parts.append(f'review("maximum age {raw}")')
    if parts:
        result.criteria.append(
            {
                "id": "inc-registry-age",
                "kind": "inclusion",
                "text": f"Registry age limits: minimum {module.get('minimumAge') or 'none'}, "
                f"maximum {module.get('maximumAge') or 'none'}",
                "rule": " and ".join(parts),
                "confidence": 1.0,
                "interpretation": "From the registry's structured fields "
                f"({_MODULE}.minimumAge/maximumAge), age in completed units on the screening "
                "date, both limits inclusive. " + "; ".join(notes),
            }
        )
        result.translated += 1
    sex = str(module.get("sex") or "ALL").upper()
    if sex in ("FEMALE", "MALE"):
        result.criteria.append(
            {
                "id": "inc-registry-sex",
                "kind": "inclusion",
                "text": f"Registry sex: {sex}",
                "rule": f"sex({sex.lower()})",
                "confidence": 1.0,
                "interpretation": f"From {_MODULE}.sex (administrative sex).",
            }
        )
        result.translated += 1


def _text(text: str, result: EligibilityImport) -> None:
    if not text.strip():
        return
    clean = unescape_markdown(text)
    parsed = parse_criteria(clean.text)
    result.flags.extend(f"criteria text: {w}" for w in parsed.warnings)
    used: set[str] = set()
    for item in parsed.items:
        draft = render_item(item)
        prefix = "inc" if item.kind is ItemKind.INCLUSION else "exc"
        identifier = f"{prefix}-{item.number.replace('.', '-')}"
        while identifier in used:
            identifier += "-b"
        used.add(identifier)
        entry: dict[str, Any] = {
            "id": identifier,
            "kind": str(item.kind),
            "text": re.sub(r"\s+", " ", item.text).strip(),
            "rule": draft.rule,
            "source_span": list(clean.original_span(item.span)),
            "interpretation": (f"Part of: {item.header} " if item.header else "")
            + draft.interpretation,
        }
        if draft.confidence is not None:
            entry["confidence"] = draft.confidence
        result.criteria.append(entry)
        result.value_sets.update(draft.value_sets)
        if draft.translated:
            result.translated += 1
        else:
            result.review += 1
    _mismatches(parsed, result)


def _mismatches(parsed: Any, result: EligibilityImport) -> None:
    """Flag where the text's ages or sex differ from the structured fields."""
    lows = [
        _years(c)
        for i in parsed.items
        if i.kind is ItemKind.INCLUSION
        for c in i.constraints
        if c.kind is ConstraintKind.AGE and c.operator in (Operator.GE, Operator.GT)
    ]
    highs = [
        _years(c)
        for i in parsed.items
        if i.kind is ItemKind.INCLUSION
        for c in i.constraints
        if c.kind is ConstraintKind.AGE and c.operator in (Operator.LE, Operator.LT)
    ]
    section = result.section
    for values, key, label in ((lows, "min_age", "minimum"), (highs, "max_age", "maximum")):
        stated = _structured_years(section[key])
        found = [v for v in values if v is not None]
        if found and stated is not None and stated not in found:
            result.flags.append(
                f"age mismatch: {_MODULE}.{'minimumAge' if key == 'min_age' else 'maximumAge'} "
                f"is {section[key]!r} but the criteria text gives a {label} of "
                f"{', '.join(str(v) for v in sorted(set(found)))} years"
            )
        if found and stated is None and section[key] is None:
            result.flags.append(
                f"age mismatch: the criteria text gives a {label} age but "
                f"{_MODULE}.{'minimumAge' if key == 'min_age' else 'maximumAge'} is not set"
            )
    sexes = {
        c.detail
        for i in parsed.items
        if i.kind is ItemKind.INCLUSION
        for c in i.constraints
        if c.kind is ConstraintKind.SEX and c.detail in ("female", "male")
    }
    if sexes and section["sex"] != "ALL" and {section["sex"].lower()} != sexes:
        result.flags.append(
            f"sex mismatch: {_MODULE}.sex is {section['sex']} but the text names {sorted(sexes)}"
        )
    if sexes and section["sex"] == "ALL":
        result.flags.append(
            f"sex mismatch: {_MODULE}.sex is ALL but the text restricts to {sorted(sexes)}"
        )


def _years(constraint: Any) -> Decimal | None:
    factor = {"a": Decimal(1), "mo": Decimal(1) / 12}.get(constraint.unit)
    return None if factor is None else (constraint.value * factor).normalize()


def _structured_years(raw: Any) -> Decimal | None:
    parsed = _AGE.match(str(raw)) if raw else None
    if parsed is None:
        return None
    factor = _TO_YEARS.get(parsed.group(2).lower())
    return None if factor is None else (Decimal(parsed.group(1)) * factor).normalize()
