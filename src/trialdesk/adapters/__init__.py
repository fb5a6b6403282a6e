"""Adapters: the edges where TrialDesk meets files, servers and databases.

Each adapter implements a port of :mod:`trialdesk.core.ports`. :func:`record_source` is the
one place that maps a source name to its adapter class; adapters are imported only when
chosen, so that reading FHIR files does not load a database driver.
"""

from __future__ import annotations

import importlib
from typing import Any

from trialdesk.core.ports import RecordSource
from trialdesk.errors import ConfigurationError

__all__ = ["RECORD_SOURCES", "record_source"]

#: Record source name → "module:Class".
RECORD_SOURCES: dict[str, str] = {
    "fhir-files": "trialdesk.adapters.fhir.source:FhirFileSource",
}


def record_source(name: str, *args: Any, **options: Any) -> RecordSource:
    """The record source called ``name``, built with ``args`` and ``options``."""
    target = RECORD_SOURCES.get(name)
    if target is None:
        raise ConfigurationError(
            f"unknown record source {name!r}",
            expected="one of " + ", ".join(sorted(RECORD_SOURCES)),
            got=name,
        )
    module_name, _, class_name = target.partition(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    source: RecordSource = cls(*args, **options)
    return source
