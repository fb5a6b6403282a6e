"""The INRC 2017 thresholds, rules and decisions (``data/inrc/inrc-2017.toml``) with their status.

Every item says whether it was confirmed in a source that was read, recalled but unconfirmed,
or a TrialDesk decision; :meth:`InrcTables.basis` turns the rule an evaluator used into the list
of items that are not confirmed, so each result can carry that flag.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any, Literal

from trialdesk.core.rules.recist._data import decimal_of, load_table, require_keys, text_of
from trialdesk.core.units import compare
from trialdesk.errors import ReferenceDataError

__all__ = ["InrcTables", "Item", "Status", "Threshold", "inrc_tables"]

_FILE = "inrc/inrc-2017.toml"
Status = Literal["confirmed", "unconfirmed", "decision"]
_STATUSES: frozenset[str] = frozenset({"confirmed", "unconfirmed", "decision"})
_COMPARISONS = frozenset({">=", ">", "<=", "<"})
_THRESHOLDS = (
    "primary_cr_max_mm",
    "pr_decrease",
    "pd_increase",
    "pd_absolute_mm",
    "soft_tissue_cr_max_mm",
    "mibg_pr_relative_max",
    "mibg_pd_relative_min",
    "fdg_pr_decrease",
    "marrow_minimal_disease_max_percent",
    "marrow_pd_new_min_percent",
    "marrow_pd_fold",
    "marrow_pd_min_percent",
)


@dataclass(frozen=True, slots=True)
class Item:
    """A rule or a decision: its status, where it comes from, and what it uses."""

    name: str
    status: Status
    source: str
    text: str
    uses: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Threshold:
    name: str
    value: Decimal
    comparison: str
    status: Status
    source: str
    text: str

    def met_by(self, measured: Decimal) -> bool:
        """Whether ``measured`` meets the threshold, compared exactly (core.units.compare)."""
        order = compare(measured, self.value)
        return {">=": order >= 0, ">": order > 0, "<=": order <= 0, "<": order < 0}[self.comparison]


@dataclass(frozen=True, slots=True)
class InrcTables:
    source: str
    version: str
    confirmation_status: str
    thresholds: dict[str, Threshold]
    decisions: dict[str, Item]
    rules: dict[str, Item]

    def __getitem__(self, name: str) -> Threshold:
        return self.thresholds[name]

    def basis(self, rule: str) -> tuple[str, ...]:
        """``rule`` and every item it uses that is not confirmed, as ``name (status)``."""
        item = self.rules[rule]
        found: list[str] = []
        if item.status != "confirmed":
            found.append(f"rules.{rule} ({item.status})")
        for name in item.uses:
            used = self.thresholds.get(name) or self.decisions[name]
            kind = "thresholds" if name in self.thresholds else "decisions"
            if used.status != "confirmed":
                found.append(f"{kind}.{name} ({used.status})")
        return tuple(found)


@lru_cache(maxsize=1)
def inrc_tables() -> InrcTables:
    table = load_table(_FILE)
    require_keys(
        table,
        file=_FILE,
        where="(top level)",
        required=("source", "version", "confirmation_status", "thresholds", "decisions", "rules"),
    )
    require_keys(table["thresholds"], file=_FILE, where="[thresholds]", required=_THRESHOLDS)
    thresholds = {name: _threshold(name, entry) for name, entry in table["thresholds"].items()}
    decisions = {
        name: _item(name, entry, f"decisions.{name}", with_uses=False)
        for name, entry in table["decisions"].items()
    }
    rules = {
        name: _item(name, entry, f"rules.{name}", with_uses=True)
        for name, entry in table["rules"].items()
    }
    for rule in rules.values():
        unknown = [u for u in rule.uses if u not in thresholds and u not in decisions]
        if unknown:
            raise ReferenceDataError(
                "a rule uses unknown items",
                file=f"data/{_FILE}",
                where=f"rules.{rule.name}.uses",
                expected="names of [thresholds] or [decisions] entries",
                got=str(unknown),
            )
    return InrcTables(
        source=text_of(table["source"], file=_FILE, where="source"),
        version=text_of(table["version"], file=_FILE, where="version"),
        confirmation_status=text_of(
            table["confirmation_status"], file=_FILE, where="confirmation_status"
        ),
        thresholds=thresholds,
        decisions=decisions,
        rules=rules,
    )


def _threshold(name: str, entry: dict[str, Any]) -> Threshold:
    where = f"thresholds.{name}"
    require_keys(
        entry,
        file=_FILE,
        where=f"[{where}]",
        required=("value", "comparison", "status", "source", "text"),
    )
    if entry["comparison"] not in _COMPARISONS:
        raise ReferenceDataError(
            "bad comparison",
            file=f"data/{_FILE}",
            where=where,
            expected=str(sorted(_COMPARISONS)),
            got=str(entry["comparison"]),
        )
    return Threshold(
        name,
        decimal_of(entry["value"], file=_FILE, where=where),
        str(entry["comparison"]),
        _status(entry, where),
        text_of(entry["source"], file=_FILE, where=f"{where}.source"),
        text_of(entry["text"], file=_FILE, where=f"{where}.text"),
    )


def _item(name: str, entry: dict[str, Any], where: str, *, with_uses: bool) -> Item:
    required = ("status", "source", "text", "uses") if with_uses else ("status", "source", "text")
    require_keys(entry, file=_FILE, where=f"[{where}]", required=required)
    uses = entry.get("uses", [])
    if not isinstance(uses, list) or not all(isinstance(u, str) for u in uses):
        raise ReferenceDataError(
            "bad uses", file=f"data/{_FILE}", where=where, expected="a list of names", got=str(uses)
        )
    return Item(
        name,
        _status(entry, where),
        text_of(entry["source"], file=_FILE, where=f"{where}.source"),
        text_of(entry["text"], file=_FILE, where=f"{where}.text"),
        tuple(uses),
    )


def _status(entry: dict[str, Any], where: str) -> Status:
    status = entry["status"]
    if status not in _STATUSES:
        raise ReferenceDataError(
            "bad status",
            file=f"data/{_FILE}",
            where=where,
            expected=str(sorted(_STATUSES)),
            got=str(status),
        )
    return status  # type: ignore[no-any-return]
