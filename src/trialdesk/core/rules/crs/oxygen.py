"""Oxygen support as ASTCT 2019 names it, with the spellings people write."""

from __future__ import annotations

from enum import StrEnum

from trialdesk.errors import InputError

__all__ = ["OxygenSupport"]


class OxygenSupport(StrEnum):
    NONE = "none"
    NASAL_CANNULA = "nasal_cannula"  # low or high flow: decided by the flow rate
    LOW_FLOW_NASAL_CANNULA = "low_flow_nasal_cannula"
    BLOW_BY = "blow_by"
    HIGH_FLOW_NASAL_CANNULA = "high_flow_nasal_cannula"
    FACEMASK = "facemask"
    NON_REBREATHER = "non_rebreather"
    VENTURI = "venturi"
    CPAP = "cpap"
    BIPAP = "bipap"
    MECHANICAL_VENTILATION = "mechanical_ventilation"

    @classmethod
    def parse(cls, text: str) -> OxygenSupport:
        key = text.strip().lower().replace("-", "_").replace(" ", "_")
        key = _OXYGEN_SPELLINGS.get(key, key)
        try:
            return cls(key)
        except ValueError:
            raise InputError(
                f"unknown oxygen support {text!r}",
                where="oxygen",
                expected=", ".join(o.value for o in cls),
                got=text,
            ) from None


_OXYGEN_SPELLINGS = {
    "low_flow": "low_flow_nasal_cannula",
    "lfnc": "low_flow_nasal_cannula",
    "high_flow": "high_flow_nasal_cannula",
    "hfnc": "high_flow_nasal_cannula",
    "face_mask": "facemask",
    "nrb": "non_rebreather",
    "non_rebreather_mask": "non_rebreather",
    "venturi_mask": "venturi",
    "intubation": "mechanical_ventilation",
    "ventilation": "mechanical_ventilation",
    "ventilator": "mechanical_ventilation",
    "cannula": "nasal_cannula",
}
