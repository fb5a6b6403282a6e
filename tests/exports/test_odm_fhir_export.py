"""ODM 1.3.2 (metadata, clinical data, audit trail) and the FHIR R4 Bundle of the fixture."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter

import pytest

from trialdesk.errors import RecordError
from trialdesk.exports.fhir_bundle import CTCAE_GRADE_URL, build_bundle
from trialdesk.exports.odm import ODM_NS, build_odm
from trialdesk.reports.fixture_study import fixture_snapshot

NS = {"odm": ODM_NS}
SNAPSHOT = fixture_snapshot()


def test_odm_has_metadata_data_and_audit_trail() -> None:
    root = build_odm(SNAPSHOT)
    assert root.get("ODMVersion") == "1.3.2"
    assert [child.tag.split("}")[1] for child in root] == [
        "Study",
        "AdminData",
        "ClinicalData",
    ]
    forms = [f.get("OID") for f in root.findall(".//odm:FormDef", NS)]
    assert forms == [f"F.{d}" for d in ("DM", "IE", "DS", "EX", "AE", "LB", "VS", "TU", "TR", "RS")]
    subjects = root.findall(".//odm:SubjectData", NS)
    assert len(subjects) == 20
    s01 = next(s for s in subjects if s.get("SubjectKey") == "NCT06948994-S01")
    grades = [
        i.get("Value")
        for i in s01.findall(".//odm:FormData[@FormOID='F.AE']//odm:ItemData", NS)
        if i.get("ItemOID") == "IT.AE.AETOXGR"
    ]
    assert sorted(grades) == ["2", "3", "4"]
    records = root.findall(".//odm:AuditRecords/odm:AuditRecord", NS)
    assert len(records) == len(SNAPSHOT.audit)
    assert records[0].find("odm:DateTimeStamp", NS) is not None
    # Every ItemOID used in the data is defined in the metadata.
    defined = {i.get("OID") for i in root.findall(".//odm:ItemDef", NS)}
    used = {i.get("ItemOID") for i in root.findall(".//odm:ItemData", NS)}
    assert used <= defined


def test_odm_is_reproducible() -> None:
    first = ET.tostring(build_odm(SNAPSHOT))
    assert first == ET.tostring(build_odm(fixture_snapshot()))


def test_fhir_bundle_validates_and_holds_each_resource_type() -> None:
    from trialdesk.adapters.fhir.validation import validate_with_fhir_models

    bundle = build_bundle(SNAPSHOT)
    validate_with_fhir_models(bundle)
    kinds = Counter(e["resource"]["resourceType"] for e in bundle["entry"])
    assert kinds["ResearchStudy"] == 1
    assert kinds["ResearchSubject"] == kinds["Patient"] == 20
    assert kinds["Consent"] == len(SNAPSHOT.consents)
    assert kinds["AdverseEvent"] == 15
    assert kinds["Observation"] == len(SNAPSHOT.labs) + len(SNAPSHOT.vital_signs) + len(
        SNAPSHOT.responses
    )
    events = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "AdverseEvent"
    ]
    grades = {e["extension"][0]["url"] for e in events}
    assert grades == {CTCAE_GRADE_URL}
    statuses = Counter(
        e["resource"]["status"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "ResearchSubject"
    )
    assert statuses["pending-on-study"] == 1  # our "consented" state
    assert statuses["ineligible"] == 3


def test_fhir_validation_catches_a_broken_resource() -> None:
    from trialdesk.adapters.fhir.validation import validate_with_fhir_models

    bundle = build_bundle(SNAPSHOT)
    event = next(e for e in bundle["entry"] if e["resource"]["resourceType"] == "AdverseEvent")
    del event["resource"]["actuality"]  # required in R4
    with pytest.raises(RecordError):
        validate_with_fhir_models(bundle)
