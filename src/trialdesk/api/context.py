"""Everything a request handler (API or web page) needs, built once per application."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from trialdesk.core.protocol import Protocol
from trialdesk.service.screening import Screener
from trialdesk.service.storage.database import Database
from trialdesk.settings import Settings

__all__ = ["StudyContext"]


@dataclass(frozen=True)
class StudyContext:
    """The study an application serves.

    ``today`` is a callable so that tests and demos can fix the clock; the service never
    reads the clock for clinical dates itself.
    """

    settings: Settings
    database: Database
    protocol: Protocol
    screener: Screener
    today: Callable[[], date]

    @property
    def trial_id(self) -> str:
        return self.protocol.nct_id

    def date_today(self) -> date:
        return self.today()
