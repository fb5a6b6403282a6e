"""One exception hierarchy for TrialDesk.

Every error says what is wrong, where (file, record, path inside it), what was expected,
what arrived and what to do next, and keeps those facts as attributes so that the CLI,
the API and the web app can render them without parsing text.

    TrialDeskError
    ├── InputError (ValueError)            bad input from a user or a file
    │   ├── ProtocolError                  a protocol file or its criteria are invalid
    │   ├── RecordError                    a patient record (FHIR) cannot be read
    │   ├── UnitError                      an unknown unit, or one that cannot be converted
    │   └── CriteriaSyntaxError            a rule expression does not parse
    ├── ReferenceDataError (LookupError)   an unknown analyte, term, or a missing reference range
    ├── ExternalSourceError                a registry or server answered badly
    ├── WorkflowError                      the study's rules refuse an action
    │   ├── IllegalTransitionError         a subject state change that is not allowed
    │   ├── EnrollmentClosedError          the target is reached or enrollment is paused
    │   └── ConflictError                  a stale edit or a duplicate
    ├── AccessDeniedError (PermissionError) the user's role does not allow the action
    └── ConfigurationError                 settings or the installation are wrong

The core raises; the edges decide presentation: the CLI maps ``exit_code`` (2 for usage
and input errors, 1 for failures), the API maps ``http_status``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "AccessDeniedError",
    "ConfigurationError",
    "ConflictError",
    "CriteriaSyntaxError",
    "EnrollmentClosedError",
    "ExternalSourceError",
    "IllegalTransitionError",
    "InputError",
    "Problem",
    "ProtocolError",
    "RecordError",
    "ReferenceDataError",
    "TrialDeskError",
    "UnitError",
    "WorkflowError",
]


@dataclass(frozen=True, slots=True)
class Problem:
    """One validation problem; ``where`` is a path such as ``criteria[3].rule``."""

    where: str
    message: str
    expected: str | None = None
    got: str | None = None

    def render(self) -> str:
        text = f"{self.where}: {self.message}"
        if self.expected is not None:
            text += f" (expected {self.expected}"
            text += f", got {self.got})" if self.got is not None else ")"
        return text


@dataclass(eq=False)
class TrialDeskError(Exception):
    """Root of all TrialDesk errors."""

    message: str
    file: str | None = None
    where: str | None = None
    expected: str | None = None
    got: str | None = None
    hint: str | None = None
    problems: list[Problem] = field(default_factory=list)

    exit_code: int = field(default=1, init=False, repr=False)
    http_status: int = field(default=500, init=False, repr=False)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        parts: list[str] = []
        location = ":".join(p for p in (self.file, self.where) if p)
        parts.append(f"{location}: {self.message}" if location else self.message)
        if self.expected is not None:
            detail = f"expected {self.expected}"
            if self.got is not None:
                detail += f", got {self.got}"
            parts.append(detail)
        parts.extend(f"  - {p.render()}" for p in self.problems)
        if self.hint:
            parts.append(self.hint)
        return "\n".join(parts)

    def to_dict(self) -> dict[str, object]:
        """Structured body for the API: what, where, why."""
        return {
            "error": type(self).__name__,
            "message": self.message,
            "file": self.file,
            "where": self.where,
            "expected": self.expected,
            "got": self.got,
            "hint": self.hint,
            "problems": [
                {"where": p.where, "message": p.message, "expected": p.expected, "got": p.got}
                for p in self.problems
            ],
        }


class InputError(TrialDeskError, ValueError):
    """Input from a user or a file is wrong; fix the input and retry."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.exit_code = 2
        self.http_status = 422


class ProtocolError(InputError):
    """A protocol file, or a criterion in it, is invalid."""


class RecordError(InputError):
    """A patient record cannot be read as FHIR R4."""


class UnitError(InputError):
    """A unit is unknown, or cannot be converted to the unit a rule needs."""


class CriteriaSyntaxError(InputError):
    """A rule expression does not parse or does not type-check."""


class ReferenceDataError(TrialDeskError, LookupError):
    """An analyte, term or reference range is not known to TrialDesk."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.exit_code = 2
        self.http_status = 422


class ExternalSourceError(TrialDeskError):
    """A registry or a server gave an answer TrialDesk cannot use."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.http_status = 502


class WorkflowError(TrialDeskError):
    """The study's rules refuse this action in the current state."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.http_status = 409


class IllegalTransitionError(WorkflowError):
    """A subject status change that the state machine does not allow."""


class EnrollmentClosedError(WorkflowError):
    """The enrollment target is reached, or enrollment is paused by a safety rule."""


class ConflictError(WorkflowError):
    """A stale edit (the record changed since it was read) or a duplicate."""


class AccessDeniedError(TrialDeskError, PermissionError):
    """The signed-in user's role does not allow this action."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.http_status = 403


class ConfigurationError(TrialDeskError):
    """Settings or the installation are wrong."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.exit_code = 2
