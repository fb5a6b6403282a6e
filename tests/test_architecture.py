"""The domain core stays pure: no adapter, database driver, HTTP, CLI or web module is imported."""

from __future__ import annotations

import subprocess
import sys
import textwrap

FORBIDDEN = (
    "trialdesk.adapters",
    "trialdesk.cli",
    "trialdesk.service",
    "trialdesk.web",
    "trialdesk.population",
    "sqlalchemy",
    "alembic",
    "fastapi",
    "starlette",
    "httpx",
    "uvicorn",
    "duckdb",
    "pyspark",
    "psycopg",
    "fhir",
    "typer",
    "rich",
    "matplotlib",
    "weasyprint",
)


def test_core_imports_no_adapter_or_io_library() -> None:
    script = textwrap.dedent(
        f"""
        import importlib, pkgutil, sys
        import trialdesk.core as core
        for info in pkgutil.walk_packages(core.__path__, "trialdesk.core."):
            importlib.import_module(info.name)
        forbidden = {FORBIDDEN!r}
        bad = sorted(
            m for m in sys.modules if any(m == f or m.startswith(f + ".") for f in forbidden)
        )
        print("\\n".join(bad))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == [], f"the core imports I/O or adapter modules: {out}"


def test_the_guard_can_fail() -> None:
    # The same probe, pointed at an adapter-heavy library, must see it: the test above can fail.
    script = "import sys, typer; print('typer' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
