"""Synthetic on-study data for the screenshots of the on-study and safety pages.

The demo study (:func:`trialdesk.service.demo.seed_demo`: four children enrolled) with its
treatment extension (:mod:`trialdesk.service.treatment.demo`: doses, labs, AEs, an SAE, a
pending lab suggestion, a query and tumour assessments), the same as ``trialdesk serve --demo``.
Synthetic data only.
"""

from __future__ import annotations

from trialdesk.core.protocol import Protocol
from trialdesk.service.storage.database import Database
from trialdesk.service.treatment.demo import ATTRIBUTED, CHINA, DEMO_TODAY

__all__ = ["ATTRIBUTED", "CHINA", "SCREENSHOT_TODAY", "seed_on_study"]

SCREENSHOT_TODAY = DEMO_TODAY  # a month after the demo's enrollments


def seed_on_study(database: Database, protocol: Protocol) -> list[str]:
    """Seed the demo and its on-study data; returns the enrolled subjects' ids."""
    from trialdesk.service.demo import DEMO_EXTENSIONS, DemoStudy, seed_demo

    enrolled: list[str] = []

    def remember(database: Database, study: DemoStudy) -> None:
        enrolled.extend(study.enrolled)

    DEMO_EXTENSIONS.append(remember)
    try:
        seed_demo(database, protocol)
    finally:
        DEMO_EXTENSIONS.remove(remember)
    return enrolled
