"""Read FHIR R4 JSON files — a Bundle, NDJSON (bulk export), or a folder of them — into records.

Every resource of the source is indexed before the first record is built, because a bulk
export keeps each resource type in its own file; records are then built one at a time.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson

from trialdesk.adapters.fhir.assemble import RecordIndex
from trialdesk.adapters.fhir.problems import Located, Problems, join
from trialdesk.core.record import PatientRecord
from trialdesk.errors import RecordError

__all__ = [
    "locate_bundle",
    "read_record",
    "read_records",
    "record_from_bundle",
    "records_from_resources",
]

NDJSON_SUFFIXES = (".ndjson", ".jsonl", ".ndjson.gz", ".jsonl.gz")
JSON_SUFFIXES = (".json", ".json.gz")
_MODIFIER = b"modifierExtension"
_BUNDLE = 'a FHIR Bundle (resourceType "Bundle")'
_RESOURCE = "a FHIR resource: a JSON object with a resourceType"


def read_records(path: str | Path) -> Iterator[PatientRecord]:
    """Every patient in a Bundle, an NDJSON file or a folder of them, one record at a time."""
    located = _locate_path(Path(path))
    return _records(RecordIndex.of(located, str(path)))


def read_record(path: str | Path) -> PatientRecord:
    """The one patient of a file; a RecordError says how many were found otherwise."""
    index = RecordIndex.of(_locate_path(Path(path)), str(path))
    return _only(index)


def record_from_bundle(obj: dict[str, Any], source: str) -> PatientRecord:
    """The one patient of an already-decoded Bundle; ``source`` names it in errors and evidence."""
    problems = Problems()
    located = locate_bundle(obj, source, problems, modifiers_possible=_may_hold_modifiers(obj))
    problems.raise_if_any(source)
    return _only(RecordIndex.of(located, source))


def _may_hold_modifiers(obj: Any) -> bool:
    """Whether a decoded document may hold a modifierExtension anywhere, as files are checked
    on their bytes: encoding it again (orjson, in C) and searching the text costs a fraction
    of walking every resource's tree in Python (a quarter of building a record). A document
    that is not plain JSON data (orjson refuses it) is walked as before."""
    try:
        return _MODIFIER in orjson.dumps(obj)
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return True


def records_from_resources(
    resources: Iterable[dict[str, Any]], source: str
) -> Iterator[PatientRecord]:
    """Records from loose resources (one per NDJSON line, a database cursor, a server page)."""
    problems = Problems()
    located = [
        loc
        for i, resource in enumerate(resources)
        for loc in _locate_any(resource, source, f"[{i}]", problems)
    ]
    problems.raise_if_any(source)
    return _records(RecordIndex.of(located, source))


def _records(index: RecordIndex) -> Iterator[PatientRecord]:
    if not index.patients and not index.problems:
        raise _no_patient(index.source)
    yield from index.records()


def _only(index: RecordIndex) -> PatientRecord:
    index.problems.raise_if_any(index.source)
    if len(index.patients) != 1:
        if not index.patients:
            raise _no_patient(index.source)
        raise RecordError(
            f"{len(index.patients)} patients found where one was expected",
            file=index.source,
            expected="exactly one Patient",
            got=f"{len(index.patients)} Patients: {', '.join(list(index.patients)[:5])}",
            hint="Use read_records() (or a batch screening) for files with several patients.",
        )
    return next(index.records())


def _no_patient(source: str) -> RecordError:
    return RecordError(
        "no Patient resource found",
        file=source,
        expected="at least one Patient resource",
        got="none",
        hint="Add the Patient the other resources refer to as subject or patient.",
    )


def _locate_path(path: Path) -> list[Located]:
    if path.is_dir():
        files = sorted(
            p
            for p in path.iterdir()
            if p.is_file() and p.name.endswith(NDJSON_SUFFIXES + JSON_SUFFIXES)
        )
        if not files:
            raise RecordError(
                "no FHIR files in the folder",
                file=str(path),
                expected="*.json bundles or *.ndjson files",
                got="none",
            )
    elif path.is_file():
        files = [path]
    else:
        raise RecordError("no such file or folder", file=str(path), expected="a path that exists")
    problems = Problems()
    located = [loc for f in files for loc in _locate_file(f, problems)]
    problems.raise_if_any(str(path))
    return located


def _locate_file(path: Path, problems: Problems) -> list[Located]:
    data = _read_bytes(path)
    if path.name.endswith(NDJSON_SUFFIXES):
        return _locate_ndjson(data, str(path), problems)
    obj = _decode(data, str(path))
    return locate_bundle(obj, str(path), problems, modifiers_possible=_MODIFIER in data)


def _read_bytes(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RecordError("cannot read the file", file=str(path), got=exc.strerror) from exc
    return gzip.decompress(data) if path.name.endswith(".gz") else data


def _decode(data: bytes, file: str, line: int | None = None) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        row = exc.lineno if line is None else line
        where = f"line {row}, column {exc.colno}"
        raise RecordError(
            f"not JSON: {exc.msg}",
            file=file,
            where=where,
            expected="FHIR R4 JSON",
            got=_snippet(data, exc.pos),
            hint="Check the file is FHIR JSON (not XML) and not truncated.",
        ) from None


def _snippet(data: bytes, pos: int) -> str:
    return repr(data[max(0, pos - 20) : pos + 20].decode("utf-8", "replace"))


def _locate_ndjson(data: bytes, file: str, problems: Problems) -> list[Located]:
    located: list[Located] = []
    for number, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        obj = _decode(line, file, number)
        located.extend(_locate_any(obj, file, f"line[{number}]", problems, _MODIFIER in line))
    return located


def _locate_any(
    obj: Any, file: str, where: str, problems: Problems, modifiers_possible: bool = True
) -> list[Located]:
    if isinstance(obj, dict) and obj.get("resourceType") == "Bundle":
        return locate_bundle(obj, file, problems, where, modifiers_possible)
    if not isinstance(obj, dict) or not isinstance(obj.get("resourceType"), str):
        problems.add(
            _root(file), where or "(document)", "not a FHIR resource", _RESOURCE, _kind(obj)
        )
        return []
    return [Located(obj, file, where, None, modifiers_possible)]


def locate_bundle(
    obj: Any,
    file: str,
    problems: Problems,
    where: str = "",
    modifiers_possible: bool = True,
) -> list[Located]:
    """The resources of a Bundle of any type (collection, searchset, transaction, …)."""
    if not isinstance(obj, dict) or "resourceType" not in obj:
        problems.add(
            _root(file),
            where or "(document)",
            "JSON but not FHIR: no resourceType",
            _BUNDLE,
            _kind(obj),
        )
        return []
    if obj["resourceType"] != "Bundle":
        problems.add(
            _root(file),
            join(where, "resourceType"),
            "not a Bundle",
            _BUNDLE,
            repr(obj["resourceType"]),
            hint="Wrap single resources in a collection Bundle, or pass an NDJSON file.",
        )
        return []
    located: list[Located] = []
    for i, entry in enumerate(obj.get("entry") or ()):
        at = join(where, f"entry[{i}]")
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if resource is None:
            continue  # a transaction DELETE, or a searchset entry without a body
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            problems.add(
                _root(file), join(at, "resource"), "not a FHIR resource", _RESOURCE, _kind(resource)
            )
            continue
        located.append(
            Located(resource, file, join(at, "resource"), entry.get("fullUrl"), modifiers_possible)
        )
    return located


def _root(file: str) -> Located:
    return Located({}, file, "")


def _kind(obj: Any) -> str:
    if isinstance(obj, dict):
        return "an object without resourceType"
    return f"a JSON {type(obj).__name__}"
