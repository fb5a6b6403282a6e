"""The example patients of ``examples/patients/``: one per verdict and one per tricky case.

Each example is built here from ``eligible_maintenance()`` / ``eligible_relapsed()`` with one
change, so the files can be regenerated and a test checks they never drift from this source::

    uv run python -m trialdesk.testing.examples examples/patients

Expected verdicts are as of 2026-06-01 (``patients.AS_OF``). Synthetic data only.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from trialdesk.testing.fhir import BundleBuilder
from trialdesk.testing.patients import (
    LAB_DAY,
    PANEL,
    add_labs,
    eligible_maintenance,
    eligible_relapsed,
    quantity_component,
    without,
)

__all__ = ["EXAMPLES", "Example", "index_markdown", "write_examples"]


@dataclass(frozen=True, slots=True)
class Example:
    name: str  # file stem and Patient id
    verdict: str
    shows: str  # what the example demonstrates
    build: Callable[[str], BundleBuilder]
    key_criteria: tuple[tuple[str, str], ...] = ()  # (criterion id, status) worth pinning


def _labs_in(unit_system: str) -> Callable[[str], BundleBuilder]:
    si = {
        "718-7": (11.2, "g/dL"),
        "751-8": (1800, "/uL"),
        "777-3": (210, "10*3/uL"),
        "1975-2": (0.35, "mg/dL"),
        "2160-0": (0.45, "mg/dL"),
        "1751-7": (4.0, "g/dL"),
    }
    mmol = {"718-7": (6.9, "mmol/L"), "751-8": (1800, "/mm3"), "777-3": (210000, "/mm3")}

    def build(name: str) -> BundleBuilder:
        table = si if unit_system == "conventional" else mmol
        builder = without(eligible_maintenance(name), *(f"'{code}'" for code in table))
        for code, (value, unit) in table.items():
            builder.lab(code, value, unit, LAB_DAY)  # no own range: the default table decides
        return builder

    return build


def _range(low: float, high: float, unit: str, age: tuple[int, int]) -> dict[str, Any]:
    def q(value: float, code: str) -> dict[str, Any]:
        return {"value": value, "unit": code, "system": "http://unitsofmeasure.org", "code": code}

    return {
        "low": q(low, unit),
        "high": q(high, unit),
        "age": {"low": q(age[0], "a"), "high": q(age[1], "a")},
    }


def _alp(value: float, ranges: list[dict[str, Any]]) -> Callable[[str], BundleBuilder]:
    def build(name: str) -> BundleBuilder:
        builder = without(eligible_maintenance(name), "'6768-6'")
        return builder.lab("6768-6", value, "U/L", LAB_DAY, extra={"referenceRange": ranges})

    return build


def _with(change: Callable[[BundleBuilder], object]) -> Callable[[str], BundleBuilder]:
    def build(name: str) -> BundleBuilder:
        builder = eligible_maintenance(name)
        change(builder)
        return builder

    return build


def _stale_labs(name: str) -> BundleBuilder:
    builder = without(eligible_maintenance(name), *(f"'{row[1]}'" for row in PANEL))
    return add_labs(builder, day="2026-05-10")  # 22 days old: outside the 14-day window


def _no_attestations(name: str) -> BundleBuilder:
    builder = without(eligible_maintenance(name), "CodeSystem/attestation")
    return builder.adverse_event(
        "meddra:10029354", 3, "2026-01-15", outcome="resolved", resolved="2026-02-01"
    )


def _modifier(name: str) -> BundleBuilder:
    builder = without(eligible_maintenance(name), "'718-7'")
    flag = {"url": "https://hospital.example.org/fhir/StructureDefinition/result-under-dispute", "valueBoolean": True}  # fmt: skip
    return builder.lab("718-7", 112, "g/L", LAB_DAY, low=115, high=155, extra={"modifierExtension": [flag]})  # fmt: skip


def _entered_in_error(builder: BundleBuilder) -> None:
    builder.lab("777-3", 20, "10*9/L", "2026-05-30", status="entered-in-error")
    builder.condition("snomed:86406008", verification="entered-in-error")


def _relapsed_small_lesion(name: str) -> BundleBuilder:
    builder = eligible_relapsed(name, lesion=False)
    return builder.coded(
        "loinc:21889-1",
        8,
        "2026-05-20",
        unit="mm",
        method="snomed:77477000",
        components=[quantity_component("trialdesk-clinical:slice-thickness", 3, "mm")],
    )


EXAMPLES: tuple[Example, ...] = (
    Example("eligible-maintenance", "eligible", "every criterion met: high-risk neuroblastoma in maintenance, labs within every trial limit (each with its own range), consent, five attestations", eligible_maintenance, (("inc-measurable-lesion", "not_applicable"), ("exc-organ-transplant", "pass"))),
    Example("eligible-relapsed-measurable", "eligible", "relapsed disease with one CT-measurable 24 mm lesion", lambda n: eligible_relapsed(n), (("inc-measurable-lesion", "pass"),)),
    Example("needs-review-no-attestations", "needs_review", "no clinician attestations (the toxicity history is recorded instead): review-type criteria stay review", _no_attestations, (("exc-allergic-constitution", "review"), ("exc-investigator-judgement", "review"))),
    Example("incomplete-stale-labs", "incomplete", "every lab is 22 days old, outside the 14-day window: unknown, not pass", _stale_labs, (("inc-hemoglobin", "unknown"), ("inc-alt", "unknown"))),
    Example("ineligible-low-platelets", "ineligible", "platelets 60 x 10^9/L, below 75", lambda n: without(eligible_maintenance(n), "'777-3'").lab("777-3", 60, "10*9/L", LAB_DAY, low=150, high=450), (("inc-platelets", "fail"),)),
    Example("conventional-units", "eligible", "g/dL, /uL, 10*3/uL and mg/dL results, no own ranges: converted, CALIPER defaults", _labs_in("conventional"), (("inc-bilirubin", "pass"), ("inc-creatinine", "pass"))),
    Example("si-units-mmol", "eligible", "haemoglobin in mmol/L and counts per mm3", _labs_in("mmol"), (("inc-hemoglobin", "pass"), ("inc-platelets", "pass"))),
    Example("own-reference-range", "ineligible", "ALP 1000 U/L: the lab's own ULN 300 (x3 = 900) decides, not the CALIPER default 369", _alp(1000, [_range(100, 300, "U/L", (1, 12))]), (("inc-alp", "fail"),)),
    Example("adult-range-ignored", "eligible", "ALP 400 U/L with only an adult range (ULN 130): never applied to a child; the CALIPER child default (ULN 369) is", _alp(400, [_range(40, 130, "U/L", (18, 120))]), (("inc-alp", "pass"),)),
    Example("uln-boundary-alt", "eligible", "ALT 75 U/L with ULN 25: exactly 3.0 x ULN passes (decimal arithmetic)", lambda n: without(eligible_maintenance(n), "'1742-6'").lab("1742-6", 75, "U/L", LAB_DAY, low=9, high=25), (("inc-alt", "pass"),)),
    Example("relapsed-no-measurable-lesion", "ineligible", "relapsed disease whose only lesion is 8 mm (RECIST needs >= 10 mm on CT)", _relapsed_small_lesion, (("inc-measurable-lesion", "fail"),)),
    Example("relapsed-no-imaging", "incomplete", "relapsed disease without imaging in the 28-day window", lambda n: eligible_relapsed(n, lesion=False), (("inc-measurable-lesion", "unknown"),)),
    Example("autologous-hsct", "eligible", "an autologous stem-cell rescue (SNOMED 709115004) is not an organ transplant", eligible_maintenance, (("exc-organ-transplant", "pass"),)),
    Example("allogeneic-hsct", "needs_review", "an allogeneic stem-cell transplant goes to the investigator (review), not an automatic exclusion", _with(lambda b: b.procedure("snomed:174241000112100", "2023-11-02", display="Allogeneic HSCT")), (("exc-organ-transplant", "review"),)),
    Example("kidney-transplant", "ineligible", "a solid-organ (kidney) transplant excludes", _with(lambda b: b.procedure("snomed:70536003", "2021-06-01")), (("exc-organ-transplant", "fail"),)),
    Example("hiv-positive", "ineligible", "a positive HIV-1/2 test excludes", lambda n: without(eligible_maintenance(n), "56888-1").coded("loinc:56888-1", "snomed:10828004", "2026-04-20"), (("exc-hiv", "fail"),)),
    Example("unknown-modifier-extension", "needs_review", "a haemoglobin result carrying an unknown modifierExtension: review, never silently used", _modifier, (("inc-hemoglobin", "review"),)),
    Example("entered-in-error", "eligible", "a platelet count of 20 and an HIV diagnosis, both entered-in-error: ignored", _with(_entered_in_error), (("inc-platelets", "pass"), ("exc-hiv", "pass"))),
    Example("nineteenth-birthday", "ineligible", "born 2007-06-01: 19 on the screening day 2026-06-01", lambda n: eligible_maintenance(n, birth_date="2007-06-01", sex="male"), (("inc-age", "fail"),)),
    Example("day-before-19th-birthday", "eligible", "born 2007-06-02: still 18 on 2026-06-01", lambda n: eligible_maintenance(n, birth_date="2007-06-02", sex="male"), (("inc-age", "pass"),)),
    Example("unresolved-toxicity", "ineligible", "grade 2 peripheral neuropathy still ongoing (alopecia grade 2 alongside is allowed)", _with(lambda b: (b.adverse_event("meddra:10029331", 2, "2026-02-10", display="Peripheral sensory neuropathy"), b.adverse_event("meddra:10001760", 2, "2026-02-10", display="Alopecia"))), (("exc-unresolved-toxicity", "fail"),)),
)  # fmt: skip


def index_markdown() -> str:
    """``examples/patients/README.md``: every example, its expected verdict and what it shows."""
    lines = [
        "# Example patients for NCT06948994",
        "",
        "Audience: research coordinators, developers and reviewers. Type: reference (examples).",
        "",
        "Synthetic FHIR R4 collection bundles, never real patients. Each is one change away from",
        "`eligible-maintenance.json`; the verdicts hold **as of 2026-06-01** and are pinned by",
        "`tests/core/screening/test_screen_examples.py`. Screen one, or the whole folder:",
        "",
        "```",
        "uv run trialdesk screen --as-of 2026-06-01 examples/patients/eligible-maintenance.json",
        "uv run trialdesk screen --as-of 2026-06-01 --format json examples/patients/",
        "```",
        "",
        "The files are generated from `src/trialdesk/testing/examples.py`",
        "(`uv run python -m trialdesk.testing.examples examples/patients`); edit that, not the JSON.",
        "",
        "| file | verdict | what it shows |",
        "|---|---|---|",
    ]
    lines += [f"| `{e.name}.json` | {e.verdict} | {e.shows} |" for e in EXAMPLES]
    return "\n".join(lines) + "\n"


def write_examples(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "README.md").write_text(index_markdown(), "utf-8")
    written = []
    for example in EXAMPLES:
        path = folder / f"{example.name}.json"
        path.write_bytes(orjson.dumps(example.build(example.name).bundle(), option=orjson.OPT_INDENT_2) + b"\n")  # fmt: skip
        written.append(path)
    return written


if __name__ == "__main__":  # pragma: no cover - a maintenance command
    for written_path in write_examples(
        Path(sys.argv[1] if len(sys.argv) > 1 else "examples/patients")
    ):
        print(written_path)
