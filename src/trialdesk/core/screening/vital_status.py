"""Whether the record says the patient had died by the screening day.

No protocol lists "alive" among its criteria, yet a screening that calls a deceased child
"eligible" would send a coordinator to a bereaved family. So the record's own statement of death
bounds the verdict, whatever the criteria say, and a note explains why.
"""

from __future__ import annotations

from datetime import date

from trialdesk.core.i18n import Message
from trialdesk.core.record import PatientInfo
from trialdesk.core.screening.result import Verdict

__all__ = ["DIED_BY_AS_OF", "vital_status"]

M = Message.of

#: The note keys of a death on or before the as-of day: the screening is ineligible.
DIED_BY_AS_OF = frozenset({"record.deceased", "record.deceased_on"})


def vital_status(patient: PatientInfo, as_of: date) -> tuple[Verdict | None, Message | None]:
    """The verdict the record's death imposes (None: no bound) and the note that says why.

    Died on or before the as-of day, or deceased with no date: ineligible. A date of death
    known only to the month or year that may fall either side of the as-of day: the reading is
    left to a person (needs review). Died after the as-of day (a screening of an earlier
    day): no bound, only a note.
    """
    if not patient.deceased:
        return None, None
    died = patient.deceased_on
    if died is None:
        return Verdict.INELIGIBLE, M("record.deceased")
    if died.latest <= as_of:
        return Verdict.INELIGIBLE, M("record.deceased_on", date=died.text)
    if died.earliest > as_of:
        return None, M("record.deceased_after", date=died.text, as_of=as_of.isoformat())
    return Verdict.NEEDS_REVIEW, M(
        "record.deceased_uncertain", date=died.text, as_of=as_of.isoformat()
    )
