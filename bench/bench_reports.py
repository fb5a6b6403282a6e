"""Reports and exports: time of each stage on the fixed synthetic study (20 subjects).

Usage (from the repository root)::

    uv run python bench/bench_reports.py

Prints wall and CPU time per stage: snapshot, lifelines import, DSMB computations, HTML with
five SVG figures, PDF (WeasyPrint), SDTM (10 domains, XPT v5 + CSV + define.xml), ODM 1.3.2,
FHIR Bundle with R4B validation. Figures in docs/benchmarks/reports.md.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def t(label: str, fn: Callable[[], Any]) -> Any:
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    print(
        f"{label:38s} wall {time.perf_counter() - wall:6.2f} s  "
        f"cpu {time.process_time() - cpu:6.2f} s"
    )
    return result


def main() -> None:
    from trialdesk.core.reporting.dsmb import dsmb_content
    from trialdesk.exports.fhir_bundle import write_bundle
    from trialdesk.exports.odm import write_odm
    from trialdesk.exports.sdtm import write_sdtm
    from trialdesk.reports.dsmb import render_html, write_pdf
    from trialdesk.reports.fixture_study import fixture_snapshot

    snap = t("fixture snapshot (20 subjects)", fixture_snapshot)
    t("import lifelines (first KM)", lambda: __import__("lifelines"))
    content = t("DSMB computations", lambda: dsmb_content(snap))
    html = t("HTML incl. 5 figures (SVG)", lambda: render_html(snap, content))
    out = Path(tempfile.mkdtemp())
    t("PDF (WeasyPrint)", lambda: write_pdf(html, out / "r.pdf"))
    t("SDTM 10 domains XPT+CSV+define", lambda: write_sdtm(snap, out / "sdtm"))
    t("ODM 1.3.2", lambda: write_odm(snap, out / "odm.xml"))
    t("FHIR Bundle + R4B validation", lambda: write_bundle(snap, out / "b.json"))


if __name__ == "__main__":
    main()
