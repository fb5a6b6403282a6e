from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "ctgov"


@pytest.fixture(scope="session")
def seed_text() -> str:
    return (FIXTURES / "NCT06948994-criteria.md").read_text("utf-8")
