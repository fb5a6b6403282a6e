from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "ctgov"


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def seed_study() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / "NCT06948994.json").read_text("utf-8"))
    return data
