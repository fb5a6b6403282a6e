"""Find and read ClinicalTrials.gov API v2 study JSON: one file, many files, or a folder.

A file may hold one study (``{"protocolSection": …}``), a list of studies, or an API page
(``{"studies": [...]}``). Reading never stops at a bad file: each file gives either its
studies or the error that names it and says why.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from trialdesk.errors import InputError

__all__ = ["StudyFile", "read_studies"]


@dataclass(frozen=True, slots=True)
class StudyFile:
    """One study found in ``path`` (``index`` within the file), or why it could not be read."""

    path: Path
    index: int
    study: dict[str, Any] | None
    error: InputError | None = None

    @property
    def label(self) -> str:
        nct = _nct(self.study) if self.study else None
        where = f"{self.path}" + (f"[{self.index}]" if self.index else "")
        return f"{nct} ({where})" if nct else where


def read_studies(paths: list[Path]) -> Iterator[StudyFile]:
    for path in paths:
        if path.is_dir():
            files = sorted(p for p in path.rglob("*.json") if p.is_file())
            if not files:
                yield StudyFile(
                    path, 0, None, InputError("no *.json files in the folder", file=str(path))
                )
            for file in files:
                yield from _read_file(file)
        else:
            yield from _read_file(path)


def _read_file(path: Path) -> Iterator[StudyFile]:
    try:
        data = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        yield StudyFile(path, 0, None, InputError("file not found", file=str(path)))
        return
    except orjson.JSONDecodeError as exc:
        yield StudyFile(
            path,
            0,
            None,
            InputError(
                f"not valid JSON: {exc}",
                file=str(path),
                expected="a ClinicalTrials.gov API v2 study (JSON)",
                hint="Download the study with https://clinicaltrials.gov/api/v2/studies/NCT…",
            ),
        )
        return
    studies = data.get("studies") if isinstance(data, dict) and "studies" in data else data
    items = studies if isinstance(studies, list) else [studies]
    for index, study in enumerate(items):
        if not isinstance(study, dict) or not isinstance(study.get("protocolSection"), dict):
            yield StudyFile(
                path,
                index,
                None,
                InputError(
                    "not a ClinicalTrials.gov API v2 study",
                    file=str(path),
                    where=f"[{index}]" if len(items) > 1 else "(document)",
                    expected="an object with 'protocolSection'",
                    got=type(study).__name__
                    if not isinstance(study, dict)
                    else f"keys {sorted(study)[:6]}",
                ),
            )
        else:
            yield StudyFile(path, index, study)


def _nct(study: dict[str, Any]) -> str | None:
    value = study.get("protocolSection", {}).get("identificationModule", {}).get("nctId")
    return value if isinstance(value, str) else None
