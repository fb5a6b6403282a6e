"""A decoded Bundle is searched for "modifierExtension" before any tree walk (round 6 of the
screening benchmark): the pre-check may skip the walk only when the word is absent."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from trialdesk.adapters.fhir import record_from_bundle


def _bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": r} for r in resources],
    }


_PATIENT = {"resourceType": "Patient", "id": "p1", "birthDate": "2015-01-01", "gender": "male"}


def _lab(**extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": "hb",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "718-7"}]},
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": "2026-05-20",
        "valueQuantity": {"value": 101, "unit": "g/L", "system": "http://unitsofmeasure.org"},
        **extra,
    }


def test_a_bundle_without_modifier_extensions_has_none() -> None:
    record = record_from_bundle(_bundle(_PATIENT, _lab()), "b.json")
    assert record.observations[0].unknown_modifiers == ()


def test_a_deeply_nested_modifier_extension_is_still_found() -> None:
    ext = {"url": "https://x.org/deep"}
    obs = _lab(component=[{"code": {"text": "c"}, "extension": [{"modifierExtension": [ext]}]}])
    record = record_from_bundle(_bundle(_PATIENT, obs), "b.json")
    assert record.observations[0].unknown_modifiers == ("https://x.org/deep",)


def test_a_bundle_orjson_cannot_encode_is_walked() -> None:
    # Built in Python, not decoded from JSON: a Decimal in an unread element makes the
    # re-encoding fail, and the tree walk must still find the modifier.
    obs = _lab(note=[{"text": Decimal("1.5")}], modifierExtension=[{"url": "https://x.org/m"}])
    record = record_from_bundle(_bundle(_PATIENT, obs), "b.json")
    assert record.observations[0].unknown_modifiers == ("https://x.org/m",)


def test_the_word_inside_a_text_only_costs_a_walk() -> None:
    obs = _lab(note=[{"text": "no modifierExtension here"}])
    record = record_from_bundle(_bundle(_PATIENT, obs), "b.json")
    assert record.observations[0].unknown_modifiers == ()
