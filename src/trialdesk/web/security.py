"""Security for the web pages: headers, CSRF tokens, a per-IP rate limit, signed form state.

- Headers: a strict Content-Security-Policy (only this site's own scripts and styles, no
  framing), ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer`` (a page
  address never leaks to another site) and ``Cache-Control: no-store`` on every page; HSTS
  when the installation runs behind HTTPS (``TRIALDESK_COOKIE_SECURE=true``). The
  API under ``/api/`` keeps its own headers (its docs page loads its own assets).
- CSRF: the double-submit pattern. A random token lives in an HttpOnly, SameSite=Strict
  cookie; every form carries the same token in a hidden field; a POST whose field does not
  match the cookie is refused with 403.
- Rate limit: a sliding window per client IP and action, in memory (one process serves the
  site; behind a proxy put the limit there as well).
- Signed state: the pre-screen answers travel from the result page to the application form
  inside the form body, signed with the installation's secret so they cannot be altered.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp

__all__ = [
    "CSP",
    "CSRF_COOKIE",
    "CSRF_FIELD",
    "RateLimiter",
    "SecurityHeaders",
    "Signer",
    "csrf_token",
    "csrf_valid",
]

CSRF_COOKIE = "trialdesk_csrf"
CSRF_FIELD = "csrf_token"

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)


class SecurityHeaders(BaseHTTPMiddleware):
    """``hsts``: also send Strict-Transport-Security (only behind HTTPS: cookie_secure=true)."""

    def __init__(self, app: ASGIApp, hsts: bool = False) -> None:
        super().__init__(app)
        self.hsts = hsts

    async def dispatch(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if self.hsts:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if not request.url.path.startswith("/api/"):
            response.headers["Content-Security-Policy"] = CSP
            response.headers["X-Frame-Options"] = "DENY"
            response.headers.setdefault(
                "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
            )
            if not request.url.path.startswith("/static/"):
                response.headers["Cache-Control"] = "no-store"
        return response


def csrf_token(request: Request) -> str:
    """The token of this browser, made on first use; the caller sets the cookie."""
    existing = request.cookies.get(CSRF_COOKIE)
    if existing and len(existing) >= 32:
        return existing
    token: str | None = getattr(request.state, "new_csrf", None)
    if token is None:
        token = secrets.token_urlsafe(32)
        request.state.new_csrf = token
    return token


def set_csrf_cookie(request: Request, response: Response, secure: bool) -> None:
    token = getattr(request.state, "new_csrf", None)
    if token:
        response.set_cookie(
            CSRF_COOKIE, token, httponly=True, samesite="strict", secure=secure, path="/"
        )


def csrf_valid(request: Request, submitted: object) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie or not isinstance(submitted, str) or not submitted:
        return False
    return hmac.compare_digest(cookie.encode(), submitted.encode())


class RateLimiter:
    """At most ``limit`` events per ``window`` seconds per key; thread-safe."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._events: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def allow(self, key: str, now: float | None = None) -> bool:
        moment = time.monotonic() if now is None else now
        with self._lock:
            events = self._events[key]
            while events and events[0] <= moment - self.window:
                events.popleft()
            if len(events) >= self.limit:
                return False
            events.append(moment)
            return True


class Signer:
    """Signs small JSON values that must come back unchanged in a later form post."""

    def __init__(self, secret: str, salt: str, max_age_seconds: int) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt=salt)
        self._max_age = max_age_seconds

    def dumps(self, value: Any) -> str:
        return self._serializer.dumps(value)

    def loads(self, token: str) -> Any | None:
        try:
            return self._serializer.loads(token, max_age=self._max_age)
        except BadSignature:
            return None
