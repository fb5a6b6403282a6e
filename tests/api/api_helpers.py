"""The test client and small helpers shared by the API tests."""

from __future__ import annotations

import warnings

from starlette.exceptions import StarletteDeprecationWarning

with warnings.catch_warnings():
    # Starlette 1.x deprecates its httpx-based TestClient in favour of httpx2, which is not a
    # dependency here; the client itself works unchanged. Only this import is silenced.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

__all__ = ["API", "TestClient"]

API = "/api/v1"
