from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from trialdesk.core.protocol import Protocol, protocol_from_mapping

ProtocolFactory = Callable[..., Protocol]


def make_protocol(
    nct: str,
    *,
    min_age: str | None = None,
    max_age: str | None = None,
    sex: str = "ALL",
    status: str = "RECRUITING",
    conditions: tuple[str, ...] = ("Neuroblastoma",),
    rules: tuple[tuple[str, str], ...] = (("inclusion", "age() >= 0"),),
) -> Protocol:
    """A small synthetic protocol; ``rules`` are (kind, rule) pairs."""
    document: dict[str, Any] = {
        "schema": "trialdesk.protocol/1",
        "protocol_version": "1",
        "version_date": "2025-01-01",
        "registry": {
            "nct_id": nct,
            "brief_title": f"Synthetic trial {nct}",
            "sponsor": {"name": "Synthetic"},
            "overall_status": status,
            "enrollment": {"target": 10},
            "eligibility": {"min_age": min_age, "max_age": max_age, "sex": sex},
            "conditions": list(conditions),
        },
        "criteria": [
            {"id": f"{kind[:3]}-{n}", "kind": kind, "text": rule, "rule": rule}
            for n, (kind, rule) in enumerate(rules, start=1)
        ],
    }
    return protocol_from_mapping(document)


@pytest.fixture
def protocol() -> ProtocolFactory:
    return make_protocol
