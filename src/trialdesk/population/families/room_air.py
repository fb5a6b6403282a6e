"""Room-air vital signs (``vital(spo2, room_air=true) >= 92 %``) in SQL.

The laboratory family's statements and tables, run over the measurements not taken on
supplemental oxygen: a reading is left out when the same child has, on the same day, an
inhaled-oxygen measurement (LOINC 3151-8 flow above 0, or 3150-0 concentration above 21 %),
as the record reader attaches those as components and the screener skips such readings
(:func:`trialdesk.core.screening.evaluators.measurements._on_supplemental_oxygen`).

Every identifier of the laboratory family is prefixed (``td_lab_day`` → ``td_air_lab_day``),
so that both families run side by side on their own leaves; the laboratory steps read
``td_air_meas``: the shared measurement rows (``td_meas``) of the leaves' codes, without the
readings of a day on oxygen. It is a view: its two readers scan ``td_meas`` with the code as a
filter DuckDB pushes into the scan, which costs less than writing the rows once (0.55 against
0.60 s at a million people).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import ClassVar

import pyarrow as pa

from trialdesk.core.criteria import ast as a
from trialdesk.population.families.base import OUTCOME_CALL, Setting
from trialdesk.population.families.labs import LabFamily
from trialdesk.population.families.measurement_rows import Key, code_ids, shared_tables
from trialdesk.population.params import VALUE, common_tables
from trialdesk.population.records import INHALED_OXYGEN

# Tables shared with the laboratory family (not renamed); ``td_meas`` is renamed: the
# room-air family reads its own rows, ``td_air_meas``.
_SHARED_MEASUREMENT = frozenset({"td_munit", "td_plain_operator"})

__all__ = ["RoomAirFamily"]

_SHARED = "|".join(
    sorted(
        n.removeprefix("td_")
        for n in {
            *common_tables(date(2000, 1, 1)),
            *_SHARED_MEASUREMENT,
            "td_person",
            OUTCOME_CALL,  # the outcome placeholder is the planner's, never renamed
        }
    )
)
# Every td_ identifier of the laboratory family except the shared ones and ours.
_OWN_NAME = re.compile(rf"\btd_(?!air_)(?!(?:{_SHARED})\b)(\w+)")

# The days a child is on oxygen (any row ≤ the as-of date: only same-day readings matter).
_ON_OXYGEN = """
SELECT DISTINCT m.person_id, m.d
FROM td_meas m
JOIN td_air_o2_code c ON c.code_id = m.code_id
JOIN td_air_o2_unit u ON u.unit_id = m.unit_id
WHERE CAST(m.v AS DECIMAL(20, 6)) > u.above
"""

_ROOM_AIR = """
SELECT m.* FROM td_meas m
WHERE m.code_id IN (SELECT code_id FROM td_air_lab_code)
  AND NOT EXISTS (
    SELECT 1 FROM td_air_on_oxygen x WHERE x.person_id = m.person_id AND x.d = m.d)
"""


def _rename(sql: str) -> str:
    return _OWN_NAME.sub(r"td_air_\1", sql)


class RoomAirFamily(LabFamily):
    name = "air_lab"
    reused: ClassVar[frozenset[str]] = frozenset(
        {_rename(step) for step in LabFamily.reused} | {"td_air_on_oxygen"}
    )

    def accepts(self, node: a.Rule) -> bool:
        return isinstance(node, a.LabCheck) and node.room_air

    def statements(self, leaves: list[tuple[int, a.Rule]]) -> list[tuple[str, str]]:
        lab = [(_rename(name), _rename(sql)) for name, sql in super().statements(leaves)]
        return [("td_air_on_oxygen", _ON_OXYGEN), ("td_air_meas", _ROOM_AIR), *lab]

    def tables(self, leaves: list[tuple[int, a.Rule]], setting: Setting) -> dict[str, pa.Table]:
        tables = {_rename(name): table for name, table in super().tables(leaves, setting).items()}
        ids = code_ids(setting)
        oxygen = sorted(ids[key] for key in INHALED_OXYGEN if key in ids)
        units = shared_tables(setting)["td_munit"]
        tables["td_air_o2_code"] = pa.table({"code_id": pa.array(oxygen, pa.int32())})
        tables["td_air_o2_unit"] = pa.table(
            {
                "unit_id": units.column("unit_id"),
                "above": pa.array(
                    [
                        Decimal(21) if u == "%" else Decimal(0)
                        for u in units.column("unit").to_pylist()
                    ],
                    VALUE,
                ),
            }
        )
        return tables

    def measurement_keys(self, leaves: list[tuple[int, a.Rule]]) -> set[Key]:
        return super().measurement_keys(leaves) | set(INHALED_OXYGEN)
