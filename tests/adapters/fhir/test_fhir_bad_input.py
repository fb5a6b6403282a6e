"""Bad input names the file, the JSON path and what was expected; all problems come at once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fhir_factories import bundle, lab, patient

from trialdesk.adapters.fhir import read_record, read_records, record_from_bundle
from trialdesk.errors import RecordError, UnitError


def test_text_that_is_not_json_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"resourceType": "Bundle",\n  "entry": [,]}')
    with pytest.raises(RecordError) as caught:
        read_record(path)
    err = caught.value
    assert err.file == str(path)
    assert err.where == "line 2, column 13"
    assert err.expected == "FHIR R4 JSON"


def test_xml_is_not_json(tmp_path: Path) -> None:
    path = tmp_path / "patient.json"
    path.write_text('<Patient xmlns="http://hl7.org/fhir"/>')
    with pytest.raises(RecordError, match="not JSON"):
        read_record(path)


def test_bad_ndjson_line_names_its_line_number(
    write_ndjson: Callable[..., Path], tmp_path: Path
) -> None:
    path = tmp_path / "data.ndjson"
    path.write_text('{"resourceType": "Patient", "id": "a"}\n\n{"resourceType": "Obs\n')
    with pytest.raises(RecordError) as caught:
        read_records(path)
    assert caught.value.where is not None
    assert caught.value.where.startswith("line 3,")


@pytest.mark.parametrize("document", ['{"name": "x"}', "[1, 2]", '"Bundle"'])
def test_json_that_is_not_fhir_is_refused(document: str, tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text(document)
    with pytest.raises(RecordError) as caught:
        read_record(path)
    assert caught.value.file == str(path)
    assert caught.value.expected is not None
    assert "Bundle" in caught.value.expected


def test_a_top_level_resource_that_is_not_a_bundle_is_refused(
    write_json: Callable[..., Path],
) -> None:
    path = write_json(lab("hb"))
    with pytest.raises(RecordError) as caught:
        read_record(path)
    err = caught.value
    assert (err.file, err.where, err.got) == (str(path), "resourceType", "'Observation'")
    assert err.hint is not None


def test_an_ndjson_line_without_resource_type_is_refused(
    write_ndjson: Callable[..., Path],
) -> None:
    path = write_ndjson([patient(), {"id": "x", "status": "final"}])
    with pytest.raises(RecordError) as caught:
        read_record(path)
    assert (caught.value.where, caught.value.file) == ("line[2]", str(path))


def test_an_entry_without_resource_type_is_refused() -> None:
    obj = bundle(patient(), {"id": "x"})
    with pytest.raises(RecordError) as caught:
        record_from_bundle(obj, "b.json")
    assert caught.value.where == "entry[1].resource"


def test_no_patient_is_an_error(write_json: Callable[..., Path]) -> None:
    path = write_json(bundle(lab("hb")))
    with pytest.raises(RecordError) as caught:
        read_record(path)
    assert caught.value.file == str(path)
    assert caught.value.expected == "at least one Patient resource"
    with pytest.raises(RecordError, match="no Patient"):
        list(read_records(path))


def test_a_patient_without_id_is_an_error() -> None:
    obj = bundle({"resourceType": "Patient", "gender": "male"})
    with pytest.raises(RecordError) as caught:
        record_from_bundle(obj, "b.json")
    assert (caught.value.file, caught.value.where) == ("b.json", "entry[0].resource.id")


def test_two_patients_with_one_id_is_an_error() -> None:
    with pytest.raises(RecordError, match="same id"):
        record_from_bundle(bundle(patient("a"), patient("a")), "b.json")


def test_unknown_unit_is_a_unit_error_with_its_path(write_json: Callable[..., Path]) -> None:
    path = write_json(bundle(patient(), lab("hb", unit="grams per litre")))
    with pytest.raises(UnitError) as caught:
        read_record(path)
    err = caught.value
    assert err.file == str(path)
    assert err.where == "entry[1].resource.valueQuantity.code"
    assert err.got == "grams per litre"
    assert err.expected is not None
    assert "UCUM" in err.expected


def test_a_value_that_is_not_a_number_is_an_error() -> None:
    obj = bundle(patient(), lab("hb", value="9.5"))
    with pytest.raises(RecordError) as caught:
        record_from_bundle(obj, "b.json")
    err = caught.value
    assert (err.where, err.expected, err.got) == (
        "entry[1].resource.valueQuantity.value",
        "a JSON number",
        "'9.5'",
    )


def test_an_invalid_date_names_its_path_and_the_format() -> None:
    obj = bundle(patient(), lab("hb", effectiveDateTime="01/03/2025"))
    with pytest.raises(RecordError) as caught:
        record_from_bundle(obj, "b.json")
    err = caught.value
    assert err.where == "entry[1].resource.effectiveDateTime"
    assert err.expected is not None
    assert "YYYY-MM-DD" in err.expected
    assert err.got == "'01/03/2025'"


def test_all_problems_of_a_file_are_raised_together(write_json: Callable[..., Path]) -> None:
    obj = bundle(
        patient(birthDate="2016-13"),
        lab("a", value=True),
        lab("b", unit="furlongs"),
        lab("c", effectiveDateTime="2025-02-30"),
    )
    path = write_json(obj)
    with pytest.raises(RecordError) as caught:
        read_record(path)
    err = caught.value
    assert err.file == str(path)
    assert [p.where for p in err.problems] == [
        "entry[1].resource.valueQuantity.value",
        "entry[2].resource.valueQuantity.code",
        "entry[3].resource.effectiveDateTime",
        "entry[0].resource.birthDate",
    ]
    assert "4 problems" in str(err)


def test_problems_across_folder_files_name_each_file(tmp_path: Path) -> None:
    import orjson

    (tmp_path / "a.ndjson").write_bytes(orjson.dumps(patient("a", birthDate="bad")))
    (tmp_path / "b.ndjson").write_bytes(orjson.dumps(lab("x", pid="a", value="1")))
    with pytest.raises(RecordError) as caught:
        list(read_records(tmp_path))
    wheres = sorted(p.where for p in caught.value.problems)
    assert wheres == [
        f"{tmp_path / 'a.ndjson'}:line[1].birthDate",
        f"{tmp_path / 'b.ndjson'}:line[1].valueQuantity.value",
    ]
    assert caught.value.file == str(tmp_path)


def test_a_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RecordError, match="no such file"):
        read_record(tmp_path / "nope.json")


def test_a_folder_without_fhir_files_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(RecordError, match="no FHIR files"):
        read_record(tmp_path)


def test_an_unknown_gender_is_an_error() -> None:
    with pytest.raises(RecordError, match="unknown gender"):
        record_from_bundle(bundle(patient(gender="F")), "b.json")
