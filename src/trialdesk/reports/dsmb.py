"""The DSMB report: HTML from a Jinja2 template with the figures inlined (SVG data URIs), and
PDF through WeasyPrint. Everything comes from one :class:`StudySnapshot`, so a report is
reproducible from a database snapshot or a backup restored elsewhere.
"""

from __future__ import annotations

import base64
from decimal import Decimal
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

import trialdesk
from trialdesk.core.reporting.dsmb import DsmbContent, dsmb_content
from trialdesk.core.reporting.plots_data import spider_series, swimmer_lanes, waterfall_bars
from trialdesk.core.reporting.snapshot import StudySnapshot
from trialdesk.reports import figures

__all__ = ["SECTIONS", "render_html", "report_figures", "write_pdf"]

# Headings every report must contain (the PDF test checks each one).
SECTIONS = (
    "Data cut-off",
    "Data available",
    "Enrollment (CONSORT flow)",
    "Stopping-rule status",
    "Adverse events by term and worst grade",
    "Adverse events by attribution",
    "Dose-limiting toxicities",
    "Serious adverse events",
    "Laboratory shift tables",
    "Best overall response",
    "Objective response and disease control rates",
    "Progression-free and overall survival",
    "Waterfall, spider and swimmer plots",
    "Methods and conventions",
)

_ENV = Environment(
    loader=PackageLoader("trialdesk.reports", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def report_figures(content: DsmbContent) -> dict[str, object]:
    """The report's figures as matplotlib Figures, by name (callers save or inline them)."""
    snapshot = content.snapshot
    best = {row.subject_id: row.best_response for row in snapshot.survival}
    return {
        "consort": figures.consort_figure(content.consort),
        "km": figures.km_figure([content.pfs, content.os], "Progression-free and overall survival"),
        "waterfall": figures.waterfall_figure(waterfall_bars(snapshot)),
        "spider": figures.spider_figure(spider_series(snapshot), best),
        "swimmer": figures.swimmer_figure(swimmer_lanes(snapshot)),
    }


def _pct(value: Decimal | None) -> str:
    return "–" if value is None else f"{value * 100:.1f} %"


def _days(value: Decimal | None) -> str:
    return "NR" if value is None else f"{value:.0f}"


def render_html(snapshot: StudySnapshot, content: DsmbContent | None = None) -> str:
    content = content or dsmb_content(snapshot)
    inline = {
        name: _data_uri(figures.svg_text(fig))  # type: ignore[arg-type]
        for name, fig in report_figures(content).items()
    }
    interventions = (
        [name for name, _ in content.ae_by_attribution[0].related]
        if (content.ae_by_attribution)
        else snapshot.trial.interventions
    )
    return _ENV.get_template("dsmb.html.j2").render(
        s=snapshot,
        c=content,
        figures=inline,
        interventions=interventions,
        version=getattr(trialdesk, "__version__", "dev"),
        pct=_pct,
        days=_days,
    )


def write_pdf(html: str, path: Path) -> Path:
    from weasyprint import HTML  # heavy; only the PDF needs it

    path.parent.mkdir(parents=True, exist_ok=True)
    HTML(string=html, base_url=str(path.parent)).write_pdf(path)
    return path
