"""Screen-fail reasons are the failed criteria of a screening, with their reasons."""

from __future__ import annotations

from dataclasses import dataclass

from trialdesk.core.screening.result import ScreeningResult, Status

__all__ = ["ScreenFailReason", "screen_fail_reasons"]


@dataclass(frozen=True, slots=True)
class ScreenFailReason:
    criterion_id: str
    kind: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"criterion_id": self.criterion_id, "kind": self.kind, "reason": self.reason}


def screen_fail_reasons(result: ScreeningResult, lang: str = "en") -> list[ScreenFailReason]:
    """Every criterion that blocks eligibility, in protocol order; empty unless it failed."""
    return [
        ScreenFailReason(c.id, c.kind, c.reason(lang) or c.text or c.id)
        for c in result.criteria
        if c.status is Status.FAIL
    ]
