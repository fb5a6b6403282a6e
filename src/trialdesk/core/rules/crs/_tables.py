"""The CRS grading tables (``data/crs/crs.toml``), read and checked once."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from trialdesk.core.rules.crs.oxygen import OxygenSupport
from trialdesk.core.rules.recist._data import decimal_of, load_table, require_keys, text_of
from trialdesk.errors import ReferenceDataError

__all__ = ["CrsTables", "crs_tables"]

_FILE = "crs/crs.toml"
_HYPOTENSION = ("none", "no_vasopressor", "one_vasopressor", "multiple_vasopressors")


@dataclass(frozen=True, slots=True)
class CrsTables:
    source_astct: str
    source_ctcae: str
    fever_min_celsius: Decimal
    hypotension: dict[str, int]
    low_flow_max_l_min: Decimal
    oxygen_grade: dict[OxygenSupport, int]
    oxygen_label: dict[OxygenSupport, str]
    astct_text: dict[int, str]
    astct_confirmation: dict[int, str]
    ctcae_text: dict[int, str]
    ctcae_fio2_threshold: Decimal


@lru_cache(maxsize=1)
def crs_tables() -> CrsTables:
    table = load_table(_FILE)
    require_keys(
        table,
        file=_FILE,
        where="(top level)",
        required=("source_astct", "source_ctcae", "confirmation_status", "astct", "ctcae"),
    )
    astct, ctcae = table["astct"], table["ctcae"]
    require_keys(
        astct, file=_FILE, where="[astct]", required=("fever", "hypotension", "oxygen", "grades")
    )
    require_keys(ctcae, file=_FILE, where="[ctcae]", required=("fio2_threshold_percent", "grades"))
    require_keys(
        astct["hypotension"], file=_FILE, where="[astct.hypotension]", required=_HYPOTENSION
    )
    grades, labels, flow = _oxygen(astct["oxygen"])
    return CrsTables(
        source_astct=text_of(table["source_astct"], file=_FILE, where="source_astct"),
        source_ctcae=text_of(table["source_ctcae"], file=_FILE, where="source_ctcae"),
        fever_min_celsius=decimal_of(
            astct["fever"]["min_celsius"], file=_FILE, where="astct.fever.min_celsius"
        ),
        hypotension={k: int(v) for k, v in astct["hypotension"].items()},
        low_flow_max_l_min=flow,
        oxygen_grade=grades,
        oxygen_label=labels,
        astct_text=_texts(astct["grades"], "astct.grades"),
        astct_confirmation={int(g): str(e["confirmation"]) for g, e in astct["grades"].items()},
        ctcae_text=_texts(ctcae["grades"], "ctcae.grades"),
        ctcae_fio2_threshold=decimal_of(
            ctcae["fio2_threshold_percent"], file=_FILE, where="ctcae.fio2_threshold_percent"
        ),
    )


def _oxygen(
    raw: dict[str, Any],
) -> tuple[dict[OxygenSupport, int], dict[OxygenSupport, str], Decimal]:
    entries = {k: v for k, v in raw.items() if k != "low_flow_max_l_min"}
    expected = {o.value for o in OxygenSupport} - {OxygenSupport.NASAL_CANNULA.value}
    if set(entries) != expected:
        raise ReferenceDataError(
            "[astct.oxygen] must list every oxygen support",
            file=f"data/{_FILE}",
            where="[astct.oxygen]",
            expected=str(sorted(expected)),
            got=str(sorted(entries)),
        )
    grades: dict[OxygenSupport, int] = {}
    labels: dict[OxygenSupport, str] = {}
    for name, entry in entries.items():
        require_keys(entry, file=_FILE, where=f"[astct.oxygen.{name}]", required=("grade", "label"))
        grades[OxygenSupport(name)] = int(entry["grade"])
        labels[OxygenSupport(name)] = str(entry["label"])
    flow = decimal_of(
        raw["low_flow_max_l_min"], file=_FILE, where="astct.oxygen.low_flow_max_l_min"
    )
    return grades, labels, flow


def _texts(raw: dict[str, Any], section: str) -> dict[int, str]:
    texts: dict[int, str] = {}
    for grade, entry in raw.items():
        require_keys(
            entry,
            file=_FILE,
            where=f"[{section}.{grade}]",
            required=("text",),
            optional=("confirmation",),
        )
        texts[int(grade)] = text_of(entry["text"], file=_FILE, where=f"{section}.{grade}.text")
    return texts
