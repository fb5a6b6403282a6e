"""The DSMB report of the fixed synthetic study: HTML sections, the PDF rendered to PNG pages
(pdftoppm) and its text (pdftotext) containing every section and the hand-checked numbers."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from trialdesk.reports.dsmb import SECTIONS, render_html, write_pdf
from trialdesk.reports.fixture_study import fixture_snapshot

pytestmark = pytest.mark.skipif(
    shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None,
    reason="poppler-utils (pdftoppm, pdftotext) is not installed: apt-get install poppler-utils",
)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    html = render_html(fixture_snapshot())
    pdf = write_pdf(html, tmp_path_factory.mktemp("dsmb") / "dsmb.pdf")
    return html, pdf


def test_html_has_every_section_and_inline_figures(report: tuple[str, Path]) -> None:
    html, _ = report
    for section in SECTIONS:
        assert section in html, section
    assert html.count("data:image/svg+xml;base64,") == 5
    assert "2026-12-01" in html


@pytest.mark.slow
def test_pdf_pages_render_and_text_has_every_section(report: tuple[str, Path]) -> None:
    _, pdf = report
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    flat = " ".join(text.split())
    for section in SECTIONS:
        assert " ".join(section.split()) in flat, section
    # Hand-checked numbers (tests/core/reporting): ORR 6/15 (16.3-67.7 %), median PFS 150 days.
    assert "6 / 15" in flat
    assert "16.3 % – 67.7 %" in flat
    assert "38.4 % – 88.2 %" in flat
    assert "Data cut-off date: 2026-12-01" in flat
    assert "boundary not crossed" in flat
    pages = pdf.parent / "page"
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(pdf), str(pages)], check=True)
    images = sorted(pdf.parent.glob("page-*.png"))
    assert len(images) >= 4
    assert all(image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for image in images)
