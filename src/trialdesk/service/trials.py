"""The trial row: facts from the protocol, the enrollment counter and the pause flag."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.orm import Session

from trialdesk.errors import ConfigurationError, InputError
from trialdesk.service import audit
from trialdesk.service.access import Actor, Permission, require
from trialdesk.service.storage.models import TrialRow

__all__ = [
    "PublicCounters",
    "TrialFacts",
    "ensure_trial",
    "get_trial",
    "public_counters",
    "set_paused",
]


class _ProtocolLike(Protocol):
    @property
    def protocol_version(self) -> str: ...

    @property
    def registry(self) -> Any: ...

    @property
    def study(self) -> Any: ...


@dataclass(frozen=True, slots=True)
class TrialFacts:
    """What the service needs from a protocol."""

    nct_id: str
    title: str
    protocol_version: str
    overall_status: str
    target: int
    assent_min_age_years: int

    @classmethod
    def from_protocol(cls, protocol: _ProtocolLike) -> TrialFacts:
        registry = protocol.registry
        return cls(
            nct_id=registry.nct_id,
            title=registry.brief_title,
            protocol_version=protocol.protocol_version,
            overall_status=str(registry.overall_status),
            target=int(registry.enrollment.target),
            assent_min_age_years=int(protocol.study.assent_min_age_years),
        )


def ensure_trial(session: Session, actor: Actor, facts: TrialFacts) -> TrialRow:
    """Create the trial row, or bring its protocol facts up to date (the counter stays)."""
    trial = session.get(TrialRow, facts.nct_id, with_for_update=True)
    values = {
        "title": facts.title,
        "protocol_version": facts.protocol_version,
        "overall_status": facts.overall_status,
        "target": facts.target,
        "assent_min_age_years": facts.assent_min_age_years,
    }
    if trial is None:
        trial = TrialRow(id=facts.nct_id, enrolled=0, paused=False, **values)
        session.add(trial)
        session.flush()
        audit.record(session, actor, "create", "trial", trial.id, new=audit.snapshot(trial))
        return trial
    old = audit.snapshot(trial)
    if any(old[key] != value for key, value in values.items()):
        for key, value in values.items():
            setattr(trial, key, value)
        session.flush()
        audit.record(
            session,
            actor,
            "update",
            "trial",
            trial.id,
            old=old,
            new=audit.snapshot(trial),
            reason="protocol loaded",
        )
    return trial


def get_trial(session: Session, trial_id: str, *, lock: bool = False) -> TrialRow:
    trial = session.get(TrialRow, trial_id, with_for_update=lock, populate_existing=lock)
    if trial is None:
        raise ConfigurationError(
            f"the trial {trial_id} is not loaded",
            where="trials",
            hint="run 'trialdesk serve' (it loads the seed protocol) or load the protocol first",
        )
    return trial


def set_paused(
    session: Session, actor: Actor, trial_id: str, paused: bool, reason: str
) -> TrialRow:
    require(actor, Permission.PAUSE_ENROLLMENT)
    if not reason.strip():
        raise InputError("a reason is required to pause or resume enrollment", where="reason")
    trial = get_trial(session, trial_id, lock=True)
    old = audit.snapshot(trial)
    trial.paused, trial.pause_reason = paused, reason if paused else None
    session.flush()
    audit.record(
        session,
        actor,
        "update",
        "trial",
        trial.id,
        old=old,
        new=audit.snapshot(trial),
        reason=reason,
    )
    return trial


@dataclass(frozen=True, slots=True)
class PublicCounters:
    applied: int
    enrolled: int
    target: int


def public_counters(session: Session, trial_id: str) -> PublicCounters:
    trial = get_trial(session, trial_id)
    # Families who applied through the public page, not subjects the team registered.
    from trialdesk.service.applications import applied_count  # applications imports trials

    applied = applied_count(session, trial_id)
    return PublicCounters(applied=applied, enrolled=trial.enrolled, target=trial.target)
