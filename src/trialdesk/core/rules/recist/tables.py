"""The RECIST 1.1 response tables (``data/recist/response.toml``), loaded and checked once.

Loading proves the time-point tables complete: every combination of target, non-target and
new-lesion status must meet a row, so a gap in the data file fails at load, not at a patient.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from typing import Any, TypeVar

from trialdesk.core.rules.recist._data import decimal_of, load_table, require_keys, text_of
from trialdesk.errors import ReferenceDataError

__all__ = [
    "Confirmation",
    "NonTargetResponse",
    "Overall",
    "ResponseTables",
    "TableRow",
    "TargetResponse",
    "response_tables",
]

_FILE = "recist/response.toml"
_E = TypeVar("_E", bound=StrEnum)


class TargetResponse(StrEnum):
    CR = "CR"
    PR = "PR"
    SD = "SD"
    PD = "PD"
    NE = "NE"


class NonTargetResponse(StrEnum):
    CR = "CR"
    NON_CR_NON_PD = "NON_CR_NON_PD"
    PD = "PD"
    NE = "NE"
    NA = "NA"  # no non-target lesion at baseline


class Overall(StrEnum):
    CR = "CR"
    PR = "PR"
    SD = "SD"
    NON_CR_NON_PD = "NON_CR_NON_PD"
    PD = "PD"
    NE = "NE"


@dataclass(frozen=True, slots=True)
class Confirmation:
    """Best-overall-response parameters; the protocol may override every one."""

    required: bool = True
    interval_days: int = 28
    min_sd_days: int = 42
    max_ne_between: int = 1
    accept_sd_between: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "required": self.required,
            "interval_days": self.interval_days,
            "min_sd_days": self.min_sd_days,
            "max_ne_between": self.max_ne_between,
            "accept_sd_between": self.accept_sd_between,
        }


@dataclass(frozen=True, slots=True)
class TableRow:
    row: str
    target: frozenset[str] | None  # None = any
    non_target: frozenset[str] | None
    new: str  # yes | no | any
    overall: Overall

    def matches(self, target: str, non_target: str, new: bool) -> bool:
        return (
            (self.target is None or target in self.target)
            and (self.non_target is None or non_target in self.non_target)
            and (self.new == "any" or (self.new == "yes") == new)
        )


@dataclass(frozen=True, slots=True)
class ResponseTables:
    source: str
    version: str
    pr_decrease: Decimal
    pd_increase: Decimal
    pd_absolute_mm: Decimal
    too_small_mm: Decimal
    node_normal_below_mm: Decimal
    defaults: Confirmation
    rank: tuple[Overall, ...]
    with_targets: tuple[TableRow, ...]
    non_target_only: tuple[TableRow, ...]

    def overall(
        self, target: TargetResponse | None, non_target: NonTargetResponse, new: bool
    ) -> TableRow:
        rows = self.with_targets if target is not None else self.non_target_only
        key = target.value if target is not None else "any"
        for row in rows:
            if row.matches(key, non_target.value, new):
                return row
        raise AssertionError("the tables were proved complete at load")  # pragma: no cover

    def better(self, a: Overall, b: Overall) -> bool:
        return self.rank.index(a) < self.rank.index(b)


@lru_cache(maxsize=1)
def response_tables() -> ResponseTables:
    table = load_table(_FILE)
    require_keys(
        table,
        file=_FILE,
        where="(top level)",
        required=(
            "source",
            "version",
            "confirmation_status",
            "best_response",
            "thresholds",
            "rank",
            "with_targets",
            "non_target_only",
        ),
    )
    t = table["thresholds"]
    keys = (
        "pr_decrease_from_baseline",
        "pd_increase_from_nadir",
        "pd_absolute_increase_mm",
        "too_small_to_measure_mm",
        "node_normal_below_mm",
    )
    require_keys(t, file=_FILE, where="[thresholds]", required=keys)
    value = {k: decimal_of(t[k], file=_FILE, where=f"thresholds.{k}") for k in keys}
    tables = ResponseTables(
        source=text_of(table["source"], file=_FILE, where="source"),
        version=text_of(table["version"], file=_FILE, where="version"),
        pr_decrease=value["pr_decrease_from_baseline"],
        pd_increase=value["pd_increase_from_nadir"],
        pd_absolute_mm=value["pd_absolute_increase_mm"],
        too_small_mm=value["too_small_to_measure_mm"],
        node_normal_below_mm=value["node_normal_below_mm"],
        defaults=_defaults(table["best_response"]),
        rank=_rank(table["rank"]),
        with_targets=tuple(_row(r, i, "with_targets") for i, r in enumerate(table["with_targets"])),
        non_target_only=tuple(
            _row(r, i, "non_target_only") for i, r in enumerate(table["non_target_only"])
        ),
    )
    _prove_complete(tables)
    return tables


def _defaults(raw: dict[str, Any]) -> Confirmation:
    keys = ("interval_days", "min_sd_days", "max_ne_between", "accept_sd_between")
    require_keys(raw, file=_FILE, where="[best_response]", required=keys)
    return Confirmation(
        required=True,
        interval_days=int(raw["interval_days"]),
        min_sd_days=int(raw["min_sd_days"]),
        max_ne_between=int(raw["max_ne_between"]),
        accept_sd_between=bool(raw["accept_sd_between"]),
    )


def _rank(raw: dict[str, Any]) -> tuple[Overall, ...]:
    require_keys(raw, file=_FILE, where="[rank]", required=("order",))
    order = tuple(_enum(Overall, v, "rank.order") for v in raw["order"])
    if set(order) != set(Overall) or len(order) != len(Overall):
        raise ReferenceDataError(
            "rank.order must list every overall response once",
            file=f"data/{_FILE}",
            where="[rank]",
            expected=str([o.value for o in Overall]),
            got=str(raw["order"]),
        )
    return order


def _row(raw: dict[str, Any], index: int, section: str) -> TableRow:
    where = f"{section}[{index}]"
    require_keys(
        raw, file=_FILE, where=where, required=("row", "target", "non_target", "new", "overall")
    )
    if raw["new"] not in ("yes", "no", "any"):
        raise ReferenceDataError(
            "bad 'new'",
            file=f"data/{_FILE}",
            where=where,
            expected="yes, no or any",
            got=str(raw["new"]),
        )
    return TableRow(
        row=text_of(raw["row"], file=_FILE, where=f"{where}.row"),
        target=_choices(raw["target"], TargetResponse, f"{where}.target"),
        non_target=_choices(raw["non_target"], NonTargetResponse, f"{where}.non_target"),
        new=raw["new"],
        overall=_enum(Overall, raw["overall"], f"{where}.overall"),
    )


def _choices(raw: Any, enum: type[StrEnum], where: str) -> frozenset[str] | None:
    if raw == "any":
        return None
    if not isinstance(raw, list):
        raise ReferenceDataError(
            "expected a list or 'any'", file=f"data/{_FILE}", where=where, got=repr(raw)
        )
    return frozenset(_enum(enum, v, where).value for v in raw)


def _enum(enum: type[_E], raw: Any, where: str) -> _E:
    try:
        return enum(raw)
    except ValueError:
        raise ReferenceDataError(
            f"unknown value {raw!r}",
            file=f"data/{_FILE}",
            where=where,
            expected=", ".join(m.value for m in enum),
            got=str(raw),
        ) from None


def _prove_complete(tables: ResponseTables) -> None:
    combos = itertools.product([*TargetResponse, None], NonTargetResponse, (True, False))
    for target, non_target, new in combos:
        if target is None and non_target is NonTargetResponse.NA:
            continue  # no disease at baseline at all: refused before the tables are consulted
        rows = tables.with_targets if target is not None else tables.non_target_only
        key = target.value if target is not None else "any"
        if not any(r.matches(key, non_target.value, new) for r in rows):
            raise ReferenceDataError(
                "the response table has no row for a combination",
                file=f"data/{_FILE}",
                got=f"target={key}, non_target={non_target.value}, new={'yes' if new else 'no'}",
            )
