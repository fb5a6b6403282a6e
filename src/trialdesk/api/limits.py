"""Refuse an oversized request body with 413 before any of it reaches an endpoint.

Checked from ``Content-Length`` when the client sends it, and by counting the bytes as they
arrive otherwise (chunked uploads), so a large body is never buffered whole.
"""

from __future__ import annotations

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from trialdesk.errors import InputError

__all__ = ["BodySizeLimit"]


class _TooLarge(Exception):
    pass


def _body(limit: int) -> bytes:
    error = InputError(
        "the request body is too large",
        where="body",
        expected=f"at most {limit} bytes",
        hint="split the upload or ask an administrator to raise TRIALDESK_MAX_UPLOAD_BYTES",
    )
    return orjson.dumps(error.to_dict())


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def _refuse(self, send: Send) -> None:
        body = _body(self.max_bytes)
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await self._refuse(send)
            return
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(send)

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"BodySizeLimit(max_bytes={self.max_bytes})"
