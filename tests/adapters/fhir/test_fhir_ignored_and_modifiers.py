"""Void resources are left out and listed; unknown modifierExtensions are kept and flagged."""

from __future__ import annotations

from typing import Any

import pytest
from fhir_factories import bundle, lab, patient

from trialdesk.adapters.fhir import record_from_bundle


def _resource(kind: str, rid: str, **extra: Any) -> dict[str, Any]:
    link = "patient" if kind in ("AllergyIntolerance", "Consent") else "subject"
    return {"resourceType": kind, "id": rid, link: {"reference": "Patient/p1"}} | extra


_EIE = {"coding": [{"code": "entered-in-error"}]}


@pytest.mark.parametrize(
    ("resource", "reason"),
    [
        (lab("hb-2", status="entered-in-error"), "entered-in-error"),
        (lab("hb-3", status="cancelled"), "cancelled"),
        (_resource("Procedure", "pr", status="not-done"), "not-done"),
        (_resource("Procedure", "pr", status="entered-in-error"), "entered-in-error"),
        (_resource("MedicationRequest", "mr", status="cancelled"), "cancelled"),
        (_resource("MedicationRequest", "mr", status="entered-in-error"), "entered-in-error"),
        (_resource("MedicationStatement", "ms", status="not-taken"), "not-taken"),
        (_resource("MedicationAdministration", "ma", status="not-done"), "not-done"),
        (_resource("Consent", "c", status="entered-in-error"), "entered-in-error"),
        (_resource("Condition", "dx", verificationStatus=_EIE), "entered-in-error"),
        (_resource("AllergyIntolerance", "al", verificationStatus=_EIE), "entered-in-error"),
        (_resource("AdverseEvent", "ae", status="entered-in-error"), "entered-in-error"),
    ],
)
def test_void_resources_are_left_out_and_listed_with_their_reason(
    resource: dict[str, Any], reason: str
) -> None:
    record = record_from_bundle(bundle(patient(), resource), "b.json")
    kept = (
        record.observations
        + record.conditions
        + record.procedures
        + record.medications
        + record.allergies
        + record.adverse_events
        + record.consents
    )
    assert kept == ()
    assert record.ignored == (f"{resource['resourceType']}/{resource['id']}: {reason}",)


@pytest.mark.parametrize("status", ["final", "amended", "corrected", "preliminary", "registered"])
def test_live_observation_statuses_are_kept(status: str) -> None:
    record = record_from_bundle(bundle(patient(), lab("hb", status=status)), "b.json")
    assert [o.status for o in record.observations] == [status]
    assert record.ignored == ()


def test_refuted_condition_is_kept_for_the_screener_to_judge() -> None:
    refuted = {"coding": [{"code": "refuted"}]}
    resource = _resource("Condition", "dx", verificationStatus=refuted)
    record = record_from_bundle(bundle(patient(), resource), "b.json")
    assert record.conditions[0].verification_status == "refuted"


def test_resource_of_a_missing_patient_is_listed_not_fatal() -> None:
    obj = bundle(patient(), lab("hb", pid="ghost"), lab("x") | {"subject": None})
    record = record_from_bundle(obj, "b.json")
    assert record.observations == ()
    assert record.ignored == (
        "Observation/hb: patient Patient/ghost not in the source",
        "Observation/x: no subject or patient reference",
    )


def test_orphans_of_a_multi_patient_source_go_to_no_record() -> None:
    from trialdesk.adapters.fhir import records_from_resources

    records = list(records_from_resources([patient("a"), patient("b"), lab("x", pid="z")], "s"))
    assert all(r.ignored == () for r in records)


def test_resource_types_not_read_are_listed() -> None:
    encounter = _resource("Encounter", "enc-1", status="finished")
    record = record_from_bundle(bundle(patient(), encounter), "b.json")
    assert record.ignored == ("Encounter/enc-1: resource type not read",)


def test_an_unread_value_type_is_noted_and_left_empty() -> None:
    obs = lab("ratio") | {"valueRatio": {"numerator": {"value": 1}}}
    del obs["valueQuantity"]
    record = record_from_bundle(bundle(patient(), obs), "b.json")
    assert record.observations[0].value is None
    assert record.ignored == ("Observation/ratio: valueRatio not read (value left empty)",)


def test_unknown_modifier_extension_on_a_resource_is_kept_and_flagged() -> None:
    obs = lab("hb", modifierExtension=[{"url": "https://x.org/not-really", "valueBoolean": True}])
    record = record_from_bundle(bundle(patient(), obs), "b.json")
    assert record.observations[0].unknown_modifiers == ("https://x.org/not-really",)
    assert record.ignored == ()


def test_nested_modifier_extensions_are_found_once_each() -> None:
    ext = {"url": "https://x.org/m", "valueCode": "z"}
    obs = lab("hb") | {
        "component": [{"code": {"text": "c"}, "modifierExtension": [ext]}],
        "referenceRange": [{"text": "n", "modifierExtension": [ext, {"valueCode": "y"}]}],
    }
    record = record_from_bundle(bundle(patient(), obs), "b.json")
    assert record.observations[0].unknown_modifiers == (
        "https://x.org/m",
        "(modifierExtension without url)",
    )


@pytest.mark.parametrize(
    "kind", ["Condition", "Procedure", "MedicationRequest", "AdverseEvent", "Consent"]
)
def test_modifier_extensions_are_flagged_on_every_resource_type(kind: str) -> None:
    ext = [{"url": "https://x.org/negated", "valueBoolean": True}]
    resource = _resource(kind, "r1", status="active", modifierExtension=ext)
    record = record_from_bundle(bundle(patient(), resource), "b.json")
    items = (
        record.conditions
        + record.procedures
        + record.medications
        + record.adverse_events
        + record.consents
    )
    assert [i.unknown_modifiers for i in items] == [("https://x.org/negated",)]


def test_modifier_extension_on_the_patient_is_flagged() -> None:
    obj = bundle(patient(modifierExtension=[{"url": "https://x.org/p"}]))
    assert record_from_bundle(obj, "b.json").patient.unknown_modifiers == ("https://x.org/p",)


def test_file_without_modifier_extensions_reads_none(write_json: Any) -> None:
    from trialdesk.adapters.fhir import read_record

    record = read_record(write_json(bundle(patient(), lab("hb"))))
    assert record.observations[0].unknown_modifiers == ()


def test_modifier_in_a_file_is_found_by_the_file_reader(write_json: Any) -> None:
    from trialdesk.adapters.fhir import read_record

    obs = lab("hb", modifierExtension=[{"url": "https://x.org/m"}])
    record = read_record(write_json(bundle(patient(), obs)))
    assert record.observations[0].unknown_modifiers == ("https://x.org/m",)
