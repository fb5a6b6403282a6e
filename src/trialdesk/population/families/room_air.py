"""Room-air vital signs (``vital(spo2, room_air=true) >= 92 %``) in SQL.

The laboratory family's statements and tables, run over the measurements not taken on
supplemental oxygen: a reading is left out when the same child has, on the same day, an
inhaled-oxygen measurement (LOINC 3151-8 flow above 0, or 3150-0 concentration above 21 %),
as the record reader attaches those as components and the screener skips such readings
(:func:`trialdesk.core.screening.evaluators.measurements._on_supplemental_oxygen`).

Every identifier of the laboratory family is prefixed (``td_lab_rows`` → ``td_air_lab_rows``),
so that both families run side by side on their own leaves.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import ClassVar

import pyarrow as pa

from trialdesk.core.criteria import ast as a
from trialdesk.population.families.base import Setting
from trialdesk.population.families.labs import LabFamily
from trialdesk.population.omop import split_code
from trialdesk.population.params import VALUE, common_tables
from trialdesk.population.records import INHALED_OXYGEN, readable_unit

__all__ = ["RoomAirFamily"]

_SHARED = "|".join(
    sorted(n.removeprefix("td_") for n in {*common_tables(date(2000, 1, 1)), "td_person"})
)
# Every td_ identifier of the laboratory family except the shared ones and ours.
_OWN_NAME = re.compile(rf"\btd_(?!air_)(?!(?:{_SHARED})\b)(\w+)")
_MEASUREMENT = re.compile(r"\bmeasurement\b")

_ON_OXYGEN = """
SELECT DISTINCT m.person_id, CAST(m.measurement_date AS DATE) AS d
FROM measurement m
JOIN td_air_o2_code c ON c.code = m.measurement_source_value
JOIN td_air_o2_unit u ON u.unit_source_value = m.unit_source_value
WHERE CAST(m.value_as_number AS DECIMAL(20, 6)) > u.above
"""

_ROOM_AIR = """
SELECT m.* FROM measurement m
WHERE m.measurement_source_value IN (SELECT code FROM td_air_lab_code)
  AND NOT EXISTS (
    SELECT 1 FROM td_air_on_oxygen x
    WHERE x.person_id = m.person_id AND x.d = CAST(m.measurement_date AS DATE))
"""


def _rename(sql: str) -> str:
    return _MEASUREMENT.sub("td_air_measurement", _OWN_NAME.sub(r"td_air_\1", sql))


class RoomAirFamily(LabFamily):
    name = "air_lab"
    reused: ClassVar[frozenset[str]] = frozenset(
        {_rename(step) for step in LabFamily.reused} | {"td_air_on_oxygen"}
    )

    def accepts(self, node: a.Rule) -> bool:
        return isinstance(node, a.LabCheck) and node.room_air

    def statements(self, leaves: list[tuple[int, a.Rule]]) -> list[tuple[str, str]]:
        lab = [(_rename(name), _rename(sql)) for name, sql in super().statements(leaves)]
        return [("td_air_on_oxygen", _ON_OXYGEN), ("td_air_measurement", _ROOM_AIR), *lab]

    def tables(self, leaves: list[tuple[int, a.Rule]], setting: Setting) -> dict[str, pa.Table]:
        tables = {_rename(name): table for name, table in super().tables(leaves, setting).items()}
        codes = [
            text
            for text in setting.distinct("measurement", "measurement_source_value")
            if split_code(text, "loinc") in INHALED_OXYGEN
        ]
        units: dict[str, Decimal] = {}
        for text in setting.distinct("measurement", "unit_source_value"):
            unit = readable_unit(text)
            if unit is not None:
                units[text] = Decimal(21) if unit == "%" else Decimal(0)
        tables["td_air_o2_code"] = pa.table({"code": pa.array(codes, pa.string())})
        tables["td_air_o2_unit"] = pa.table(
            {
                "unit_source_value": pa.array(list(units), pa.string()),
                "above": pa.array(list(units.values()), VALUE),
            }
        )
        return tables
