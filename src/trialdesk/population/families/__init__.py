"""The leaf families a compiled population screening is built from, in evaluation order."""

from trialdesk.core.criteria.ast import Rule
from trialdesk.population.families.age import AgeFamily
from trialdesk.population.families.base import LeafFamily, Setting
from trialdesk.population.families.history import HistoryFamily
from trialdesk.population.families.labs import LabFamily
from trialdesk.population.families.observations import ObservationFamily
from trialdesk.population.families.person_facts import PersonFactFamily
from trialdesk.population.families.room_air import RoomAirFamily

__all__ = ["FAMILIES", "LeafFamily", "Setting", "family_of"]

#: Every family the compiler knows; a leaf no family accepts makes its criterion fall back.
FAMILIES: tuple[LeafFamily, ...] = (
    AgeFamily(),
    LabFamily(),
    HistoryFamily(),
    ObservationFamily(),
    PersonFactFamily(),
    RoomAirFamily(),
)


def family_of(node: Rule) -> LeafFamily | None:
    for family in FAMILIES:
        if family.accepts(node):
            return family
    return None
