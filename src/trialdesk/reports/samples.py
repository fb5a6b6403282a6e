"""Regenerate the sample outputs under docs/samples from the fixed synthetic study.

    uv run python -m trialdesk.reports.samples docs/samples

Writes dsmb-report.pdf and .html, consort.svg and .png, and one PNG of each plot kind
(km, waterfall, spider, swimmer). Synthetic data only.
"""

from __future__ import annotations

import sys
from pathlib import Path

from trialdesk.core.reporting.dsmb import dsmb_content
from trialdesk.reports import figures
from trialdesk.reports.dsmb import render_html, report_figures, write_pdf
from trialdesk.reports.fixture_study import fixture_snapshot

__all__ = ["write_samples"]


def write_samples(out: Path) -> list[Path]:
    snapshot = fixture_snapshot()
    content = dsmb_content(snapshot)
    written = [figures.save(figures.consort_figure(content.consort), out / "consort.svg")]
    for name, figure in report_figures(content).items():
        written.append(figures.save(figure, out / f"{name}.png"))  # type: ignore[arg-type]
    html = render_html(snapshot, content)
    (out / "dsmb-report.html").write_text(html, encoding="utf-8")
    written += [out / "dsmb-report.html", write_pdf(html, out / "dsmb-report.pdf")]
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/samples")
    for path in write_samples(target):
        print(path)
