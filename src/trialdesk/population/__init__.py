"""Population screening: compile a protocol's criteria to SQL and run them over OMOP tables.

Adapters of the :class:`~trialdesk.population.engine.PopulationEngine` port are chosen by name
in :func:`engine_for` (duckdb, postgres, spark, memory).
"""

from trialdesk.population.factory import ENGINES, engine_for

__all__ = ["ENGINES", "engine_for"]
