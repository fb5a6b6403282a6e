"""The web app: the public trial page and family pre-screen, and the study team's workspace.

Server-rendered pages mounted on the same FastAPI application as the ``/api/v1`` REST API.
``trialdesk.api.app.create_app`` calls :func:`mount` once, after the API routers are added.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["mount"]


def mount(app: FastAPI) -> None:
    """Add the web pages to ``app``. Services and settings come from ``app.state``."""
