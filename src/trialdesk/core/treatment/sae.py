"""The serious-adverse-event reporting clock: the sponsor must hear within N hours (24 by
default, the protocol's ``sae_report_hours``) of the site becoming aware."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from trialdesk.errors import InputError

__all__ = ["SaeClock", "SaeClockStatus", "sae_clock"]


class SaeClockStatus(StrEnum):
    RUNNING = "running"
    OVERDUE = "overdue"
    REPORTED_ON_TIME = "reported_on_time"
    REPORTED_LATE = "reported_late"


@dataclass(frozen=True, slots=True)
class SaeClock:
    aware_at: datetime
    deadline: datetime
    status: SaeClockStatus
    remaining: timedelta  # negative once overdue; zero once reported
    reported_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "aware_at": self.aware_at.isoformat(),
            "deadline": self.deadline.isoformat(),
            "status": str(self.status),
            "remaining_hours": round(self.remaining.total_seconds() / 3600, 2),
            "reported_at": None if self.reported_at is None else self.reported_at.isoformat(),
        }


def sae_clock(
    aware_at: datetime, now: datetime, hours: int = 24, reported_at: datetime | None = None
) -> SaeClock:
    if aware_at.tzinfo is None or now.tzinfo is None:
        raise InputError(
            "the SAE clock needs times with a time zone",
            where="aware_at",
            expected="an ISO time with offset, e.g. 2026-03-10T08:00:00+08:00",
            got=aware_at.isoformat(),
        )
    deadline = aware_at + timedelta(hours=hours)
    if reported_at is not None:
        status = (
            SaeClockStatus.REPORTED_ON_TIME
            if reported_at <= deadline
            else SaeClockStatus.REPORTED_LATE
        )
        return SaeClock(aware_at, deadline, status, timedelta(0), reported_at)
    remaining = deadline - now
    status = SaeClockStatus.RUNNING if remaining > timedelta(0) else SaeClockStatus.OVERDUE
    return SaeClock(aware_at, deadline, status, remaining, None)
