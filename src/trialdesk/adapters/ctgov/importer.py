"""Import ClinicalTrials.gov studies as protocol documents and write them as YAML files.

Every generated document is loaded back through the protocol model and the criteria checker
before it is written, so a file on disk always loads with ``load_protocol``. A study that
cannot be imported is reported with its file and reason, and the others go on.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from trialdesk.adapters.ctgov.eligibility import read_eligibility
from trialdesk.adapters.ctgov.registry import registry_facts
from trialdesk.adapters.ctgov.studies import StudyFile, read_studies
from trialdesk.core.codes import library_value_sets
from trialdesk.core.protocol import protocol_from_mapping
from trialdesk.errors import InputError, TrialDeskError

__all__ = ["ImportOutcome", "import_paths", "import_study", "protocol_document"]

_VALUE_SETS = "data/criteria_text/value_sets.toml"


@dataclass
class ImportOutcome:
    source: str
    nct_id: str | None = None
    document: dict[str, Any] | None = None
    written: Path | None = None
    flags: list[str] = field(default_factory=list)
    translated: int = 0
    review: int = 0
    error: TrialDeskError | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "nct_id": self.nct_id,
            "written": str(self.written) if self.written else None,
            "criteria_translated": self.translated,
            "criteria_review": self.review,
            "flags": self.flags,
            "error": _describe(self.error) if self.error else None,
        }


def _describe(error: TrialDeskError) -> str:
    parts = [error.message]
    if error.where:
        parts.append(f"at {error.where}")
    if error.expected:
        parts.append(f"expected {error.expected}" + (f", got {error.got}" if error.got else ""))
    parts.extend(p.render() for p in error.problems[:5])
    if error.hint:
        parts.append(error.hint)
    return "; ".join(parts)


@lru_cache(maxsize=1)
def _extra_value_sets() -> dict[str, dict[str, Any]]:
    text = resources.files("trialdesk.core").joinpath(_VALUE_SETS).read_text("utf-8")
    return tomllib.loads(text)


def protocol_document(study: dict[str, Any], file: str) -> tuple[dict[str, Any], ImportOutcome]:
    """The protocol mapping for one study; raises InputError when the study is unusable."""
    registry = registry_facts(study, file)
    module = study.get("protocolSection", {}).get("eligibilityModule") or {}
    if not isinstance(module, dict):
        raise InputError("eligibilityModule is not an object", file=file)
    eligibility = read_eligibility(module)
    registry["eligibility"] = eligibility.section
    sources = registry["field_sources"]
    sources["eligibility"] = (
        "protocolSection.eligibilityModule (criteria_text keeps the "
        "registry's markdown escapes; criteria source_span offsets point into it)"
    )
    for index, flag in enumerate(eligibility.flags, start=1):
        sources[f"flag.{index}"] = flag
    library = library_value_sets()
    local = {
        name: _extra_value_sets()[name]
        for name in sorted(eligibility.value_sets)
        if name not in library and name in _extra_value_sets()
    }
    version_date = (
        registry["dates"]["last_update"]
        or registry["dates"]["first_posted"]
        or registry["dates"]["first_submitted"]
    )
    if version_date is None:
        raise InputError(
            "the study has no full date to version the protocol by",
            file=file,
            where="protocolSection.statusModule.lastUpdatePostDateStruct",
            expected="a YYYY-MM-DD date (last update, first posted or first submitted)",
        )
    document: dict[str, Any] = {
        "schema": "trialdesk.protocol/1",
        "protocol_version": f"ctgov-{version_date}",
        "version_date": version_date,
        "supersedes": None,
        "status_note": (
            f"Imported from the ClinicalTrials.gov record of {registry['nct_id']} "
            f"(last update {version_date}) by 'trialdesk ctgov import'. "
            f"{eligibility.translated} criteria translated into rules, {eligibility.review} "
            "left to a clinician (review). Imported rules are drafts: confirm them before use."
            + (f" Flags: {' | '.join(eligibility.flags)}" if eligibility.flags else "")
        ),
        "registry": registry,
        "value_sets": local,
        "criteria": eligibility.criteria,
    }
    outcome = ImportOutcome(
        source=file,
        nct_id=registry["nct_id"],
        document=document,
        flags=eligibility.flags,
        translated=eligibility.translated,
        review=eligibility.review,
    )
    return document, outcome


def import_study(study: dict[str, Any], file: str) -> ImportOutcome:
    """Build and check one study's protocol; the outcome carries the error if any."""
    try:
        document, outcome = protocol_document(study, file)
        protocol_from_mapping(document, source=f"{file} (imported)")
    except TrialDeskError as exc:
        nct = study.get("protocolSection", {}).get("identificationModule", {}).get("nctId")
        return ImportOutcome(source=file, nct_id=nct if isinstance(nct, str) else None, error=exc)
    return outcome


_MARK = "imported from ClinicalTrials.gov by 'trialdesk ctgov import'"


def import_paths(
    paths: list[Path], out: Path | None, force: bool = False
) -> Iterator[ImportOutcome]:
    """Import every study found under ``paths``; write ``<out>/<NCT id>.yaml`` when ``out``.

    An existing file that the importer did not write (a hand-written protocol such as
    protocols/NCT06948994.yaml) is never replaced unless ``force``.
    """
    for found in read_studies(paths):
        yield _one(found, out, force)


def _one(found: StudyFile, out: Path | None, force: bool) -> ImportOutcome:
    if found.study is None:
        return ImportOutcome(source=found.label, error=found.error)
    outcome = import_study(found.study, found.label)
    if outcome.error is None and out is not None and outcome.document is not None:
        target = out / f"{outcome.nct_id}.yaml"
        if target.exists() and not force and _MARK not in _first_line(target):
            outcome.error = InputError(
                "a protocol that was not imported already has this name; it is kept",
                file=str(target),
                hint="Pass another --out folder, or --force to replace it.",
            )
            return outcome
        out.mkdir(parents=True, exist_ok=True)
        target.write_text(_yaml(outcome.document), "utf-8")
        outcome.written = target
    return outcome


def _first_line(path: Path) -> str:
    with path.open(encoding="utf-8", errors="replace") as handle:
        return handle.readline()


def _yaml(document: dict[str, Any]) -> str:
    header = (
        f"# {document['registry']['nct_id']}: {_MARK}.\n"
        "# Rules are machine translations of the registry text; "
        "review them (docs/ctgov-import.md).\n"
    )
    return header + yaml.safe_dump(
        document, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False
    )
