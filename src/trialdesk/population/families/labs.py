"""Laboratory leaves (``lab(analyte) op threshold`` and ``× ULN/LLN``) in SQL: the family and
its parameter tables.

The statements are in :mod:`trialdesk.population.families.lab_sql` (newest day, its rows, each
test, one outcome per leaf and person). The thresholds, factors and default limits are rows of
parameter tables computed by the core's units, analytes and reference-interval code, exactly
as the in-memory screener computes them.
"""

from __future__ import annotations

from typing import ClassVar

import pyarrow as pa

from trialdesk.core.analytes import Analyte
from trialdesk.core.analytes import convert as convert_analyte
from trialdesk.core.criteria import ast as a
from trialdesk.core.reference_intervals import _tables as default_interval_tables
from trialdesk.core.units import canonical_unit, conversion_factor
from trialdesk.errors import UnitError
from trialdesk.population.families.base import LeafFamily, Setting
from trialdesk.population.families.lab_bands import BAND_OPS, band_table
from trialdesk.population.families.lab_sql import REUSED, SLOTS, lab_leaf, lab_steps
from trialdesk.population.families.measurement_rows import (
    PLAIN_OPERATOR_CONCEPTS,
    Key,
    code_ids,
    shared_tables,
    spelling_table,
)
from trialdesk.population.params import FACTOR, LIMIT, VALUE

__all__ = ["PLAIN_OPERATOR_CONCEPTS", "LabFamily"]


class LabFamily(LeafFamily):
    name = "lab"
    reused: ClassVar[frozenset[str]] = REUSED
    emits_codes: ClassVar[bool] = True

    reads_measurement: ClassVar[bool] = True

    def accepts(self, node: a.Rule) -> bool:
        # Supplemental-oxygen components are not in OMOP: room-air readings stay in Python.
        return isinstance(node, a.LabCheck) and not node.room_air

    def missing(self, node: a.Rule) -> tuple[str, str, str]:
        return ("'U'", "'lab.missing'", "TRUE")

    def statements(self, leaves: list[tuple[int, a.Rule]]) -> list[tuple[str, str]]:
        one_test = all(isinstance(n, a.LabCheck) and len(n.tests) == 1 for _, n in leaves)
        ranges = self.measurement_columns(leaves)
        return [
            *lab_steps(one_test, len(leaves), ranges),
            (self.leaf_view, lab_leaf(len(leaves))),
        ]

    def measurement_columns(self, leaves: list[tuple[int, a.Rule]]) -> frozenset[str]:
        """The side of the row's own range each × ULN/LLN test reads (``use_high``)."""
        return frozenset(
            "range_low" if test.reference_limit == "LLN" else "range_high"
            for _, node in leaves
            if isinstance(node, a.LabCheck)
            for test in node.tests
            if test.reference_limit is not None
        )

    def tables(self, leaves: list[tuple[int, a.Rule]], setting: Setting) -> dict[str, pa.Table]:
        labs = [(leaf, node) for leaf, node in leaves if isinstance(node, a.LabCheck)]
        readable = set(_units(setting.distinct("measurement", "unit_source_value")).values())
        starts = [
            (leaf, (node.window or setting.windows.window(node.category)).before(setting.as_of))
            for leaf, node in labs
        ]
        places = _places(labs)
        ids = code_ids(setting)
        shared = shared_tables(setting)
        spelled = shared["td_munit"]
        tests = _lab_tests(labs)
        defaults = _by_unit_id(_defaults(labs, readable), spelled)
        return {
            **shared,
            "td_lab_mcode": spelling_table(setting, self.measurement_keys(leaves)),
            "td_lab_leaf": pa.table(
                {
                    "leaf": pa.array([leaf for leaf, _ in starts], pa.int32()),
                    "window_start": pa.array([start for _, start in starts], pa.date32()),
                    "chunk": pa.array([places[leaf][0] for leaf, _ in starts], pa.int32()),
                    "slot": pa.array([places[leaf][1] for leaf, _ in starts], pa.int32()),
                    "bit": pa.array([1 << places[leaf][1] for leaf, _ in starts], pa.int64()),
                }
            ),
            "td_lab_code": _lab_codes(labs, ids, places),
            "td_lab_test": tests,
            "td_factor": _by_unit_id(_factors(labs, readable), spelled),
            "td_default": defaults,
            "td_lab_band": band_table(tests, defaults),
        }

    def measurement_keys(self, leaves: list[tuple[int, a.Rule]]) -> set[Key]:
        """The (system, code) keys the family reads from measurement."""
        return {
            ("loinc", loinc)
            for _, node in leaves
            if isinstance(node, a.LabCheck)
            for loinc in node.analyte.loinc
        }


def _by_unit_id(table: pa.Table, spelled: pa.Table) -> pa.Table:
    """Each row (keyed by a UCUM unit) once per spelling id of that unit (``td_munit``), so
    that the row outcomes join it on the integer id the shared measurement rows carry."""
    ids: dict[str, list[int]] = {}
    for unit, unit_id in zip(
        spelled.column("unit").to_pylist(), spelled.column("unit_id").to_pylist(), strict=True
    ):
        ids.setdefault(unit, []).append(unit_id)
    rows, unit_ids = [], []
    for index, unit in enumerate(table.column("unit").to_pylist()):
        for unit_id in ids.get(unit, ()):
            rows.append(index)
            unit_ids.append(unit_id)
    return table.take(pa.array(rows, pa.int64())).append_column(
        "unit_id", pa.array(unit_ids, pa.int32())
    )


def _units(spellings: list[str]) -> dict[str, str]:
    readable: dict[str, str] = {}
    for written in spellings:
        if not written or not written.strip():
            continue
        try:
            readable[written] = canonical_unit(written)
        except UnitError:
            continue  # unreadable: the value is unusable (lab.no_value), as in the record reader
    return readable


def _places(labs: list[tuple[int, a.LabCheck]]) -> dict[int, tuple[int, int]]:
    """Leaf → (chunk, slot): its column in ``td_lab_newest`` (leaves in number order)."""
    ordered = sorted(leaf for leaf, _ in labs)
    return {leaf: divmod(index, SLOTS) for index, leaf in enumerate(ordered)}


def _lab_codes(
    labs: list[tuple[int, a.LabCheck]], ids: dict[Key, int], places: dict[int, tuple[int, int]]
) -> pa.Table:
    """Per leaf, the code id of each of its LOINC codes seen in the data, with its rank and
    the leaf's place (chunk, slot) in the per-person newest days."""
    leaf, code_id, rank = [], [], []
    for leaf_no, node in labs:
        for index, loinc in enumerate(node.analyte.loinc):
            if ("loinc", loinc) in ids:
                leaf.append(leaf_no)
                code_id.append(ids["loinc", loinc])
                rank.append(index)
    return pa.table(
        {
            "leaf": pa.array(leaf, pa.int32()),
            "code_id": pa.array(code_id, pa.int32()),
            "code_rank": pa.array(rank, pa.int32()),
            "chunk": pa.array([places[n][0] for n in leaf], pa.int32()),
            "slot": pa.array([places[n][1] for n in leaf], pa.int32()),
        }
    )


def _lab_tests(labs: list[tuple[int, a.LabCheck]]) -> pa.Table:
    rows: dict[str, list[object]] = {
        k: []
        for k in ("leaf", "test_idx", "analyte", "op", "number", "relative", "use_high", "banded")
    }
    for leaf_no, node in labs:
        for index, test in enumerate(node.tests):
            rows["leaf"].append(leaf_no)
            rows["test_idx"].append(index)
            rows["analyte"].append(node.analyte.id)
            rows["op"].append(test.op)
            rows["number"].append(test.number)
            rows["relative"].append(test.reference_limit is not None)
            rows["use_high"].append(test.reference_limit != "LLN")
            rows["banded"].append(test.reference_limit is not None and test.op in BAND_OPS)
    schema = pa.schema(
        [
            ("leaf", pa.int32()),
            ("test_idx", pa.int32()),
            ("analyte", pa.string()),
            ("op", pa.string()),
            ("number", VALUE),
            ("relative", pa.bool_()),
            ("use_high", pa.bool_()),
            ("banded", pa.bool_()),
        ]
    )
    return pa.table(rows, schema=schema)


def _factors(labs: list[tuple[int, a.LabCheck]], units: set[str]) -> pa.Table:
    """Row unit → the test's unit, per absolute test; no row: the unit does not convert."""
    leaf, test_idx, unit, factor = [], [], [], []
    for leaf_no, node in labs:
        item: Analyte = node.analyte
        for index, test in enumerate(node.tests):
            if test.reference_limit is not None:
                continue
            for written in sorted(units):
                try:
                    value = conversion_factor(written, test.unit or item.unit, item.molar_mass)
                except UnitError:
                    continue
                leaf.append(leaf_no)
                test_idx.append(index)
                unit.append(written)
                factor.append(value)
    return pa.table(
        {
            "leaf": pa.array(leaf, pa.int32()),
            "test_idx": pa.array(test_idx, pa.int32()),
            "unit": pa.array(unit, pa.string()),
            "factor": pa.array(factor, FACTOR),
        }
    )


def _defaults(labs: list[tuple[int, a.LabCheck]], units: set[str]) -> pa.Table:
    """Default ULN/LLN per analyte, band and method, already in each unit seen in the data
    (``limit_value`` null where the interval's unit does not convert to that one)."""
    names = ("analyte", "unit", "use_high", "sex", "age_from", "age_to", "limit_value", "confirmed")
    rows: dict[str, list[object]] = {k: [] for k in (*names, "interval_key")}
    analytes = {node.analyte.id: node.analyte for _, node in labs}
    key = 0
    for analyte_id, item in sorted(analytes.items()):
        for interval in default_interval_tables().get(analyte_id, ()):
            key += 1
            for written in sorted(units):
                for use_high in (True, False):
                    bound = interval.high if use_high else interval.low
                    try:
                        limit = convert_analyte(item, bound, interval.unit, written)
                    except UnitError:
                        # The interval applies but cannot be read in this unit: the screener
                        # says "bad unit", not "no range" (a row with no limit says so).
                        limit = None
                    rows["analyte"].append(analyte_id)
                    rows["unit"].append(written)
                    rows["use_high"].append(use_high)
                    rows["sex"].append(None if interval.sex == "any" else interval.sex)
                    # Ages compare as days × 100 against years × 36525 (exact, no division).
                    rows["age_from"].append(interval.age_from * 36525)
                    rows["age_to"].append(interval.age_to * 36525)
                    rows["limit_value"].append(limit)
                    rows["confirmed"].append(interval.confirmed)
                    rows["interval_key"].append(key)
    schema = pa.schema(
        [
            ("analyte", pa.string()),
            ("unit", pa.string()),
            ("use_high", pa.bool_()),
            ("sex", pa.string()),
            ("age_from", LIMIT),
            ("age_to", LIMIT),
            ("limit_value", LIMIT),
            ("confirmed", pa.bool_()),
            ("interval_key", pa.int32()),
        ]
    )
    return pa.table(rows, schema=schema)
