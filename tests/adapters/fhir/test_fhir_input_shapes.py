"""Every input shape (Bundle types, NDJSON, folders, decoded objects) gives a record per Patient."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from fhir_factories import bundle, lab, patient

from trialdesk.adapters import RECORD_SOURCES, record_source
from trialdesk.adapters.fhir import (
    FhirFileSource,
    read_record,
    read_records,
    record_from_bundle,
    records_from_resources,
)
from trialdesk.core.ports import RecordSource
from trialdesk.errors import ConfigurationError, RecordError


@pytest.mark.parametrize(
    "kind", ["collection", "searchset", "transaction", "batch", "document", "message"]
)
def test_every_bundle_type_is_read_the_same(kind: str, write_json: Callable[..., Path]) -> None:
    path = write_json(bundle(patient(), lab("hb-1"), kind=kind))
    record = read_record(path)
    assert record.patient.ref.id == "p1"
    assert [o.ref.id for o in record.observations] == ["hb-1"]
    assert record.source == str(path)
    assert record.observations[0].ref.file == str(path)


def test_transaction_bundle_links_resources_by_urn_uuid_full_url() -> None:
    obj = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": "urn:uuid:7a1c",
                "resource": patient("p9"),
                "request": {"method": "POST", "url": "Patient"},
            },
            {
                "fullUrl": "urn:uuid:11aa",
                "resource": lab("hb-1") | {"subject": {"reference": "urn:uuid:7a1c"}},
                "request": {"method": "POST", "url": "Observation"},
            },
            {"request": {"method": "DELETE", "url": "Observation/old"}},
        ],
    }
    record = record_from_bundle(obj, "tx.json")
    assert record.patient.ref.id == "p9"
    assert [o.ref.id for o in record.observations] == ["hb-1"]


def test_absolute_and_versioned_patient_references_link_to_the_patient() -> None:
    obj = bundle(
        patient(),
        lab("a", subject={"reference": "https://fhir.example.org/r4/Patient/p1"}),
        lab("b", subject={"reference": "Patient/p1/_history/3"}),
    )
    assert [o.ref.id for o in record_from_bundle(obj, "x").observations] == ["a", "b"]


def test_multi_patient_ndjson_yields_one_record_per_patient_in_order(
    write_ndjson: Callable[..., Path],
) -> None:
    resources = [
        lab("b-hb", pid="b"),
        patient("a"),
        lab("a-hb", pid="a"),
        patient("b", gender="female"),
        lab("a-plt", loinc="777-3", value=150, unit="10*9/L", pid="a"),
    ]
    records = list(read_records(write_ndjson(resources)))
    assert [r.patient.ref.id for r in records] == ["a", "b"]
    assert [o.ref.id for o in records[0].observations] == ["a-hb", "a-plt"]
    assert [o.ref.id for o in records[1].observations] == ["b-hb"]
    assert records[1].ignored == ()


def test_read_records_is_lazy_and_yields_records_one_at_a_time(
    write_ndjson: Callable[..., Path],
) -> None:
    path = write_ndjson([patient("a"), patient("b")])
    stream = read_records(path)
    assert next(stream).patient.ref.id == "a"
    assert next(stream).patient.ref.id == "b"
    with pytest.raises(StopIteration):
        next(stream)


def test_bulk_export_folder_joins_resources_across_files(tmp_path: Path) -> None:
    (tmp_path / "Patient.ndjson").write_bytes(
        orjson.dumps(patient("a")) + b"\n" + orjson.dumps(patient("b")) + b"\n"
    )
    observations = b"\n".join(orjson.dumps(lab(f"{p}-hb", pid=p)) for p in ("a", "b"))
    (tmp_path / "Observation.ndjson.gz").write_bytes(gzip.compress(observations))
    (tmp_path / "README.txt").write_text("not FHIR, skipped")
    records = {r.patient.ref.id: r for r in read_records(tmp_path)}
    assert set(records) == {"a", "b"}
    assert records["b"].observations[0].ref.file == str(tmp_path / "Observation.ndjson.gz")


def test_folder_of_bundles_and_ndjson_is_read_together(
    write_json: Callable[..., Path], write_ndjson: Callable[..., Path]
) -> None:
    write_json(bundle(patient("a")), "a.json")
    path = write_ndjson([patient("b"), lab("b-hb", pid="b")], "b.ndjson")
    assert sorted(r.patient.ref.id for r in read_records(path.parent)) == ["a", "b"]


def test_bundle_inside_ndjson_line_is_flattened(write_ndjson: Callable[..., Path]) -> None:
    path = write_ndjson([bundle(patient("a"), lab("hb", pid="a"))])
    record = read_record(path)
    assert record.observations[0].ref.id == "hb"


def test_records_from_resources_accepts_any_iterable() -> None:
    resources: Any = iter([patient("a"), lab("hb", pid="a"), patient("b")])
    records = list(records_from_resources(resources, "cursor"))
    assert [len(r.observations) for r in records] == [1, 0]
    assert records[0].source == "cursor"


def test_read_record_refuses_several_patients_and_says_how_many(
    write_ndjson: Callable[..., Path],
) -> None:
    path = write_ndjson([patient("a"), patient("b"), patient("c")])
    with pytest.raises(RecordError) as caught:
        read_record(path)
    assert caught.value.got is not None
    assert caught.value.got.startswith("3 Patients")
    assert "3 patients" in caught.value.message
    assert caught.value.file == str(path)


def test_fhir_file_source_is_a_record_source(write_json: Callable[..., Path]) -> None:
    path = write_json(bundle(patient(), lab("hb")))
    source = record_source("fhir-files", path)
    assert isinstance(source, FhirFileSource)
    assert isinstance(source, RecordSource)
    assert source.describe() == str(path)
    assert [r.patient.ref.id for r in source.records()] == ["p1"]


def test_unknown_record_source_name_lists_the_valid_names() -> None:
    with pytest.raises(ConfigurationError) as caught:
        record_source("fhir-filez", "x")
    assert caught.value.expected is not None
    for name in RECORD_SOURCES:
        assert name in caught.value.expected
