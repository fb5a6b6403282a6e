"""Who may do what on study. Reading follows the study service (``READ_STUDY`` and site
scoping through ``get_subject``); these are the on-study actions on top of it."""

from __future__ import annotations

from enum import StrEnum

from trialdesk.core.protocol import Protocol
from trialdesk.core.protocol.treatment import TreatmentPlan
from trialdesk.errors import AccessDeniedError, ConfigurationError
from trialdesk.service.access import Actor, Role

__all__ = ["TREATMENT_PERMISSIONS", "TreatmentPermission", "plan_of", "require_treatment"]


class TreatmentPermission(StrEnum):
    RECORD = "record_treatment"  # visits, doses, labs, AEs, scans, answering queries
    CLOSE_QUERY = "close_query"  # close or re-open a data query
    SAFETY_DECISION = "safety_decision"  # decide after a stopping boundary; report an SAE
    CONFIGURE_HOOK = "configure_notification_hook"


_T = TreatmentPermission
TREATMENT_PERMISSIONS: dict[Role, frozenset[TreatmentPermission]] = {
    Role.COORDINATOR: frozenset({_T.RECORD}),
    Role.INVESTIGATOR: frozenset({_T.RECORD, _T.CLOSE_QUERY, _T.SAFETY_DECISION}),
    Role.DATA_MANAGER: frozenset({_T.CLOSE_QUERY}),
    Role.MONITOR: frozenset({_T.CLOSE_QUERY}),
    Role.ADMINISTRATOR: frozenset({_T.CONFIGURE_HOOK}),
}


def require_treatment(actor: Actor, permission: TreatmentPermission) -> None:
    if actor.role is not None and permission in TREATMENT_PERMISSIONS[actor.role]:
        return
    holders = sorted(r.value for r, perms in TREATMENT_PERMISSIONS.items() if permission in perms)
    raise AccessDeniedError(
        f"the role '{actor.role}' may not {permission.value.replace('_', ' ')}",
        where=permission.value,
        expected=" | ".join(holders),
        got=str(actor.role),
        hint="ask an administrator for a role that holds this permission",
    )


def plan_of(protocol: Protocol) -> TreatmentPlan:
    plan = protocol.model.treatment
    if plan is None:
        raise ConfigurationError(
            f"{protocol.label} has no treatment section",
            where="treatment",
            expected="a treatment: section (cycles, products, visits, dlt, stopping_rules)",
            hint="add it by a protocol amendment; docs/treatment-and-safety.md shows the format",
        )
    return plan
