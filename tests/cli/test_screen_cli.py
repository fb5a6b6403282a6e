"""``trialdesk screen`` end to end, in process through ``cli.app.main``: output formats, batch
with progress, --lang zh, the JSON schema, and every bad-input error with its exit code."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from rich.console import Console

from trialdesk.cli import screen as screen_cli
from trialdesk.cli.app import main
from trialdesk.testing.examples import EXAMPLES

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES_DIR = ROOT / "examples" / "patients"
ELIGIBLE = EXAMPLES_DIR / "eligible-maintenance.json"
SCHEMA = json.loads((ROOT / "docs" / "screening-result.schema.json").read_text("utf-8"))


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(["screen", *args])
    out, err = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else 1), out, err


# -- a small structural validator for the subset of JSON Schema the schema file uses -----------
def check(value: Any, schema: dict[str, Any], path: str = "$") -> None:
    if "$ref" in schema:
        schema = SCHEMA["$defs"][schema["$ref"].rsplit("/", 1)[1]]
    if "enum" in schema:
        assert value in schema["enum"], f"{path}: {value!r} not in {schema['enum']}"
    kind = schema.get("type")
    if kind == "object":
        assert isinstance(value, dict), path
        for key in schema.get("required", []):
            assert key in value, f"{path}: missing {key}"
        properties = schema.get("properties", {})
        if schema.get("additionalProperties") is False:
            assert set(value) <= set(properties), f"{path}: extra {set(value) - set(properties)}"
        for key, item in value.items():
            if key in properties:
                check(item, properties[key], f"{path}.{key}")
    elif kind == "array":
        assert isinstance(value, list), path
        for index, item in enumerate(value):
            check(item, schema["items"], f"{path}[{index}]")
    elif kind == "string":
        assert isinstance(value, str), f"{path}: {value!r} is not a string"
        if "pattern" in schema:
            import re

            assert re.search(schema["pattern"], value), f"{path}: {value!r}"


def test_the_validator_can_fail() -> None:
    with pytest.raises(AssertionError):
        check({"trial": "NCT06948994"}, SCHEMA)
    with pytest.raises(AssertionError):
        check({"status": "maybe"}, SCHEMA["$defs"]["criterion"])


# -- one patient ------------------------------------------------------------------------------
def test_json_output_matches_the_schema_and_the_issue_contract(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(
        capsys, "--trial", "NCT06948994", "--as-of", "2026-06-01", str(ELIGIBLE), "--format", "json"
    )
    assert code == 0
    data = json.loads(out)
    check(data, SCHEMA)
    assert list(data)[:6] == [
        "trial",
        "protocol_version",
        "patient",
        "as_of",
        "verdict",
        "criteria",
    ]
    assert data["verdict"] == "eligible"
    assert len(data["criteria"]) == 24


def test_every_example_validates_against_the_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--as-of", "2026-06-01", "--format", "json", str(EXAMPLES_DIR))
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == len(EXAMPLES)
    for line in lines:
        check(line, SCHEMA)
    expected = {e.name: e.verdict for e in EXAMPLES}
    assert {line["patient"]: line["verdict"] for line in lines} == expected
    statuses = {c["status"] for line in lines for c in line["criteria"]}
    assert statuses == {"pass", "fail", "unknown", "review", "not_applicable"}


def test_table_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--as-of", "2026-06-01", str(EXAMPLES_DIR / "hiv-positive.json"))
    assert code == 0
    assert "verdict ineligible" in out
    assert "exc-hiv" in out


def test_chinese_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "--as-of",
        "2026-06-01",
        "--format",
        "json",
        "--lang",
        "zh",
        str(EXAMPLES_DIR / "incomplete-stale-labs.json"),
    )
    assert code == 0
    data = json.loads(out)
    check(data, SCHEMA)
    hemoglobin = next(c for c in data["criteria"] if c["id"] == "inc-hemoglobin")
    assert hemoglobin["status"] == "unknown"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in hemoglobin["reason"]), hemoglobin["reason"]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in m) for m in hemoglobin["missing"])


def test_out_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "result.json"
    code, out, _ = run(
        capsys, "--as-of", "2026-06-01", "--format", "json", "--out", str(target), str(ELIGIBLE)
    )
    assert code == 0
    assert out == ""
    assert orjson.loads(target.read_bytes())["verdict"] == "eligible"


# -- batch ------------------------------------------------------------------------------------
def _ndjson(tmp_path: Path, names: list[str]) -> Path:
    lines = []
    for name in names:
        bundle = orjson.loads((EXAMPLES_DIR / f"{name}.json").read_bytes())
        lines += [orjson.dumps(entry["resource"]) for entry in bundle["entry"]]
    path = tmp_path / "export.ndjson"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_ndjson_batch_gives_one_json_line_per_patient(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    names = ["eligible-maintenance", "hiv-positive", "relapsed-no-imaging"]
    code, out, err = run(
        capsys, "--as-of", "2026-06-01", "--format", "json", str(_ndjson(tmp_path, names))
    )
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["patient"] for line in lines] == sorted(names) or {
        line["patient"] for line in lines
    } == set(names)
    assert {line["patient"]: line["verdict"] for line in lines} == {
        "eligible-maintenance": "eligible",
        "hiv-positive": "ineligible",
        "relapsed-no-imaging": "incomplete",
    }
    assert "Screened 3 patient(s)" in err
    assert "eligible: 1, incomplete: 1, ineligible: 1" in err


def test_batch_shows_a_progress_bar_on_a_terminal(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    screen_out = io.StringIO()
    terminal = Console(file=screen_out, force_terminal=True, width=100, color_system=None)
    monkeypatch.setattr(screen_cli, "_stderr", lambda: terminal)
    code, out, _ = run(capsys, "--as-of", "2026-06-01", "--format", "json", str(EXAMPLES_DIR))
    assert code == 0
    shown = screen_out.getvalue()
    assert "screening" in shown
    assert f"{len(EXAMPLES)}/{len(EXAMPLES)} patients" in shown
    assert "━" in shown  # the bar itself
    assert len(out.splitlines()) == len(EXAMPLES)


# -- bad input: the file, the path in it, what was expected; exit 2 (usage) or 1 (failure) ------
def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


_PATIENT = {"resourceType": "Patient", "id": "p", "birthDate": "2017-01-05"}


def _bundle(*resources: dict[str, Any]) -> str:
    return json.dumps(
        {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [{"resource": r} for r in resources],
        }
    )


_HB = {
    "resourceType": "Observation", "id": "o1", "status": "final",
    "subject": {"reference": "Patient/p"}, "effectiveDateTime": "2026-05-30",
    "code": {"coding": [{"system": "http://loinc.org", "code": "718-7"}]},
}  # fmt: skip

BAD_INPUT = [
    ("not-json", '{"resourceType": "Bundle", "entry": [', ["not JSON", "line 1, column"]),
    ("not-fhir", '{"hello": 1}', ["JSON but not FHIR", "expected a FHIR Bundle"]),
    ("no-patient", _bundle({**_HB, "subject": None}), ["no Patient resource", "expected at least one Patient"]),
    ("bad-date", _bundle({**_PATIENT, "birthDate": "2017-13-45"}), ["entry[0].resource.birthDate", "invalid date", "expected a FHIR date"]),
    ("bad-unit", _bundle(_PATIENT, {**_HB, "valueQuantity": {"value": 1, "system": "http://unitsofmeasure.org", "code": "furlong"}}), ["entry[1].resource.valueQuantity.code", "unknown unit 'furlong'", "expected a UCUM code"]),
]  # fmt: skip


@pytest.mark.parametrize(("name", "text", "says"), BAD_INPUT, ids=[b[0] for b in BAD_INPUT])
def test_bad_patient_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, text: str, says: list[str]
) -> None:
    path = _write(tmp_path, f"{name}.json", text)
    code, out, err = run(capsys, "--as-of", "2026-06-01", str(path))
    assert code == 2
    assert out == ""
    assert err.startswith("Error: ")
    assert str(path) in err
    for fragment in says:
        assert fragment in err


def test_missing_patient_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, str(tmp_path / "nope.json"))
    assert code == 2
    assert "no such file or folder" in err


def test_broken_protocol_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    text = (
        (ROOT / "protocols" / "NCT06948994.yaml")
        .read_text("utf-8")
        .replace("rule: lab(albumin) >= 28 g/L", "rule: lab(albumen) >= 28")
    )
    protocol = _write(tmp_path, "broken.yaml", text)
    code, _, err = run(capsys, "--trial", str(protocol), "--as-of", "2026-06-01", str(ELIGIBLE))
    assert code == 2
    assert f"{protocol}: the protocol has 1 problem" in err
    assert "criteria[6].rule (line" in err
    assert "unknown analyte 'albumen'" in err


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--as-of", "2026-13-01"], "expected YYYY-MM-DD, got 2026-13-01"),
        (["--format", "xml"], "expected json or table, got xml"),
        (["--lang", "fr"], "expected en or zh, got fr"),
        (["--trial", "NCT00000000"], "no bundled protocol NCT00000000"),
    ],
)
def test_usage_errors_exit_2(
    capsys: pytest.CaptureFixture[str], args: list[str], says: str
) -> None:
    code, _, err = run(capsys, *args, str(ELIGIBLE))
    assert code == 2
    assert says in err


def test_an_unwritable_output_is_a_failure_exit_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(
        capsys, "--format", "json", "--out", str(tmp_path / "missing" / "out.json"), str(ELIGIBLE)
    )
    assert code == 1
    assert "cannot write the output file" in err
    assert "missing/out.json" in err
