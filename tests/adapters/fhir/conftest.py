"""Fixtures that write synthetic FHIR files (no real patient data)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest


@pytest.fixture
def write_json(tmp_path: Path) -> Callable[[Any, str], Path]:
    def write(obj: Any, name: str = "bundle.json") -> Path:
        path = tmp_path / name
        path.write_bytes(orjson.dumps(obj))
        return path

    return write


@pytest.fixture
def write_ndjson(tmp_path: Path) -> Callable[..., Path]:
    def write(resources: list[dict[str, Any]], name: str = "data.ndjson") -> Path:
        path = tmp_path / name
        path.write_bytes(b"\n".join(orjson.dumps(r) for r in resources) + b"\n")
        return path

    return write
