"""Screen-fail reasons are the failed criteria of a screening, with their reasons, and a
recorded death that made the screening ineligible whatever the criteria say."""

from __future__ import annotations

from dataclasses import dataclass

from trialdesk.core.screening.result import ScreeningResult, Status, Verdict
from trialdesk.core.screening.vital_status import DIED_BY_AS_OF

__all__ = ["DECEASED", "RECORD", "ScreenFailReason", "screen_fail_reasons"]

#: The reason row of a death recorded on or before the screening day: ``kind`` is not a
#: criterion kind (SDTM IE, which lists criteria, leaves it out).
DECEASED, RECORD = "deceased", "record"


@dataclass(frozen=True, slots=True)
class ScreenFailReason:
    criterion_id: str
    kind: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"criterion_id": self.criterion_id, "kind": self.kind, "reason": self.reason}


def screen_fail_reasons(result: ScreeningResult, lang: str = "en") -> list[ScreenFailReason]:
    """Why the screening failed: a recorded death first (it decides the verdict on its own),
    then every criterion that blocks eligibility, in protocol order. Without the death row, a
    deceased child whose criteria all passed would be "ineligible, reason not recorded" in the
    screening log and the CONSORT flow."""
    reasons = [
        ScreenFailReason(c.id, c.kind, c.reason(lang) or c.text or c.id)
        for c in result.criteria
        if c.status is Status.FAIL
    ]
    if result.verdict is Verdict.INELIGIBLE:
        death = next((n for n in result.notes if n.key in DIED_BY_AS_OF), None)
        if death is not None:
            reasons.insert(0, ScreenFailReason(DECEASED, RECORD, death.render(lang)))
    return reasons
