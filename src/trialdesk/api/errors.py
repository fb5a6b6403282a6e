"""Every error leaves the API as one structured body: what, where, why.

The body is :meth:`TrialDeskError.to_dict` (``error``, ``message``, ``where``, ``expected``,
``got``, ``hint``, ``problems``). Request validation reports every problem at once (422), a
stale edit is a 409, an unknown route a 404, an oversized body a 413. Bodies never echo
submitted values that could be patient data; only the location and the kind of problem.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from trialdesk.errors import ConflictError, InputError, Problem, TrialDeskError

__all__ = ["error_body", "install_error_handlers"]

log = logging.getLogger("trialdesk.api")


def error_body(error: TrialDeskError) -> dict[str, Any]:
    return error.to_dict()


def _respond(error: TrialDeskError, status: int | None = None) -> JSONResponse:
    return JSONResponse(error_body(error), status_code=status or error.http_status)


def _where(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in loc) or "request"


def _validation_problems(exc: RequestValidationError) -> list[Problem]:
    problems = []
    for item in exc.errors():
        problems.append(
            Problem(
                where=_where(item.get("loc", ())),
                message=str(item.get("msg", "invalid")),
                expected=str(item.get("type")) if item.get("type") else None,
            )
        )
    return problems


async def _on_validation(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = _validation_problems(exc)
    error = InputError(
        f"the request has {len(problems)} problem(s)",
        where="request",
        problems=problems,
        hint="fix every listed field and send the request again",
    )
    return _respond(error, 422)


async def _on_trialdesk(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, TrialDeskError)
    if exc.http_status >= 500:
        log.error("request failed: %s (%s)", type(exc).__name__, exc.where)
    return _respond(exc)


async def _on_stale(_request: Request, _exc: Exception) -> JSONResponse:
    return _respond(
        ConflictError(
            "the record changed since you read it",
            where="version",
            hint="reload the record and apply your change again",
        )
    )


async def _on_integrity(_request: Request, exc: Exception) -> JSONResponse:
    # Constraint names only: the driver's message may quote submitted values.
    log.warning("integrity conflict: %s", type(exc).__name__)
    return _respond(
        ConflictError(
            "the change conflicts with a stored record (a duplicate or a race)",
            hint="reload and try again",
        )
    )


async def _on_data(_request: Request, exc: Exception) -> JSONResponse:
    log.warning("database refused a value: %s", type(exc).__name__)
    return _respond(
        InputError(
            "a value does not fit the database (too long, or out of range)",
            where="body",
            hint="shorten or correct the values and send the request again",
        )
    )


async def _on_busy(_request: Request, exc: Exception) -> JSONResponse:
    log.error("database unavailable: %s", type(exc).__name__)
    error = TrialDeskError("the database is busy or unavailable", hint="try again shortly")
    return _respond(error, 503)


async def _on_http(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    error = TrialDeskError(str(exc.detail), where="request")
    return JSONResponse(error_body(error), status_code=exc.status_code, headers=exc.headers)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(TrialDeskError, _on_trialdesk)
    app.add_exception_handler(StaleDataError, _on_stale)
    app.add_exception_handler(IntegrityError, _on_integrity)
    app.add_exception_handler(DataError, _on_data)
    app.add_exception_handler(OperationalError, _on_busy)
    app.add_exception_handler(StarletteHTTPException, _on_http)
