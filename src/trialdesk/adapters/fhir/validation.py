"""Optional strict validation against the FHIR models of ``fhir.resources``.

``fhir.resources`` 8 ships FHIR R5 at its top level and R4B (4.3.0) and STU3 as subpackages;
it has no R4 (4.0.1) package. R4B is the closest: it changed none of the resources TrialDesk
reads in ways that make valid R4 invalid, so strict mode validates with ``fhir.resources.R4B``.
It is slow (pydantic models for every element), so it is off the screening hot path and runs
only when asked (``--strict``).
"""

from __future__ import annotations

from typing import Any

from trialdesk.errors import Problem, RecordError

__all__ = ["FHIR_MODELS_VERSION", "validate_with_fhir_models"]

FHIR_MODELS_VERSION = "R4B (4.3.0) models of fhir.resources"


def validate_with_fhir_models(obj: dict[str, Any], source: str = "<memory>") -> None:
    """Raise RecordError listing every schema problem of a resource or Bundle; None when valid."""
    from fhir.resources.R4B import get_fhir_model_class
    from pydantic import ValidationError

    kind = obj.get("resourceType") if isinstance(obj, dict) else None
    if not isinstance(kind, str):
        raise RecordError(
            "JSON but not FHIR: no resourceType",
            file=source,
            expected="a FHIR resource",
            got=type(obj).__name__,
        )
    try:
        model = get_fhir_model_class(kind)
    except ValueError:
        raise RecordError(
            f"unknown resourceType {kind!r}",
            file=source,
            where="resourceType",
            expected=f"a FHIR resource type ({FHIR_MODELS_VERSION})",
            got=kind,
        ) from None
    try:
        model.model_validate(obj)
    except ValidationError as exc:
        problems = [
            Problem(".".join(str(p) for p in err["loc"]), err["msg"], got=_short(err.get("input")))
            for err in exc.errors()
        ]
        raise RecordError(
            f"{len(problems)} FHIR schema problems",
            file=source,
            expected=f"valid FHIR ({FHIR_MODELS_VERSION})",
            problems=problems,
            hint="Fix the listed elements, or read without --strict to use what TrialDesk needs.",
        ) from None


def _short(value: Any) -> str | None:
    if value is None:
        return None
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
