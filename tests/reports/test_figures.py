"""Each figure kind is written as SVG and PNG, reproducibly, and carries the fixture's numbers."""

from __future__ import annotations

from pathlib import Path

from trialdesk.core.reporting.dsmb import dsmb_content
from trialdesk.reports import figures
from trialdesk.reports.dsmb import report_figures
from trialdesk.reports.fixture_study import fixture_snapshot

CONTENT = dsmb_content(fixture_snapshot())


def test_every_figure_kind_saves_as_svg_and_png(tmp_path: Path) -> None:
    for name, figure in report_figures(CONTENT).items():
        png = figures.save(figure, tmp_path / f"{name}.png")  # type: ignore[arg-type]
        assert png.read_bytes()[:4] == b"\x89PNG"
    svg = figures.save(figures.consort_figure(CONTENT.consort), tmp_path / "consort.svg")
    text = svg.read_text()
    assert "<svg" in text


def test_consort_svg_is_reproducible_and_shows_the_counts() -> None:
    first = figures.svg_text(figures.consort_figure(CONTENT.consort))
    second = figures.svg_text(figures.consort_figure(CONTENT.consort))
    assert first == second
    assert "Assessed for eligibility (n = 20)" in first  # svg.fonttype none: text stays text
    assert "Excluded (n = 5)" in first
