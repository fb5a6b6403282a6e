"""The study team's navigation: a registry other areas add their pages to.

Visits, adverse events and the safety dashboard come from other parts of TrialDesk; each adds
its page with one call, at import time or from its own ``mount``::

    from trialdesk.web.nav import NavItem, register
    register(NavItem("safety", "/staff/safety", "nav.safety", order=60, permission="read_study"))

``label_key`` is a key in the web catalogues (``src/trialdesk/web/i18n/*.toml``); a missing
key shows the key itself. ``permission`` is a :class:`trialdesk.service.access.Permission`
value: the item is shown only to roles that hold it.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["NavItem", "items", "register"]


@dataclass(frozen=True, slots=True)
class NavItem:
    id: str
    path: str
    label_key: str
    order: int = 50
    permission: str | None = "read_study"


_ITEMS: dict[str, NavItem] = {}


def register(item: NavItem) -> None:
    """Add or replace (same ``id``) a navigation item."""
    _ITEMS[item.id] = item


def items() -> list[NavItem]:
    return sorted(_ITEMS.values(), key=lambda item: (item.order, item.id))


for _item in (
    NavItem("dashboard", "/staff", "nav.dashboard", order=10),
    NavItem("candidates", "/staff/subjects", "nav.candidates", order=20),
    NavItem("screening_log", "/staff/screening-log", "nav.screening_log", order=30),
    NavItem("audit", "/staff/audit", "nav.audit", order=90, permission="read_audit"),
):
    register(_item)
