"""Where a population's OMOP tables are: files in a folder, or tables already in the engine.

A research warehouse keeps its OMOP CDM in a database schema (PostgreSQL ``cdm``, a Spark
database, a DuckDB file's schema); copying it out to Parquet first would double the storage
and the time. ``OmopSchema`` names such a schema; each engine makes the tables it finds there
readable under their plain names (person, measurement, ...) for the compiled screening.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from trialdesk.errors import InputError

__all__ = ["OmopSchema", "OmopSource", "omop_source"]

# Plain SQL identifiers only: the name is quoted into SQL text (identifiers cannot be bound
# parameters), so anything else is refused rather than escaped.
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")


@dataclass(frozen=True, slots=True)
class OmopSchema:
    """``schema`` or ``catalog.schema`` holding the OMOP tables (each part a plain identifier)."""

    parts: tuple[str, ...]

    @classmethod
    def parse(cls, text: str, where: str = "--tables") -> OmopSchema:
        parts = tuple(text.strip().split("."))
        if not 1 <= len(parts) <= 2 or not all(_IDENTIFIER.fullmatch(p) for p in parts):
            raise InputError(
                "not a schema name",
                where=where,
                expected="SCHEMA or CATALOG.SCHEMA, each a plain identifier (letters, digits, _)",
                got=text,
            )
        return cls(parts)

    @property
    def schema(self) -> str:
        return self.parts[-1]

    @property
    def catalog(self) -> str | None:
        return self.parts[0] if len(self.parts) == 2 else None

    def schema_only(self, why: str, expected: str) -> str:
        """The schema, for an engine that reads one catalog (``why`` says which)."""
        if self.catalog is not None:
            raise InputError(why, where="--tables", expected=expected, got=str(self))
        return self.schema

    def __str__(self) -> str:
        return ".".join(self.parts)


OmopSource = Path | OmopSchema


def omop_source(data: Path | None, tables: str | None) -> OmopSource:
    """The CLI's ``--data`` folder or ``--tables`` schema: exactly one of them."""
    if (data is None) == (tables is None):
        raise InputError(
            "say where the OMOP tables are",
            where="--data / --tables",
            expected="either --data DIR (Parquet/CSV files) or --tables SCHEMA (tables in the "
            "engine's database), not both",
            got="both" if data is not None else "neither",
        )
    return data if data is not None else OmopSchema.parse(tables or "")
