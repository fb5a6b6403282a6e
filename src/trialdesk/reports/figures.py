"""Figures with matplotlib (Agg backend, no display): CONSORT flow, Kaplan-Meier curves with
numbers at risk, waterfall, swimmer and spider plots. Each returns a Figure; ``save`` writes
SVG and/or PNG reproducibly (no timestamps, fixed SVG ids) so samples diff cleanly.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyBboxPatch

from trialdesk.core.reporting.consort import ConsortFlow
from trialdesk.core.reporting.efficacy import KaplanMeier
from trialdesk.core.reporting.plots_data import SwimmerLane, WaterfallBar

__all__ = [
    "RESPONSE_COLOURS",
    "consort_figure",
    "km_figure",
    "save",
    "spider_figure",
    "svg_text",
    "swimmer_figure",
    "waterfall_figure",
]

plt.rcParams["svg.hashsalt"] = "trialdesk"  # stable element ids in SVG output
plt.rcParams["font.family"] = "DejaVu Sans"
plt.rcParams["svg.fonttype"] = "none"  # text stays text: searchable, accessible, smaller

# Colour-blind-safe (Okabe-Ito) colours per response category.
RESPONSE_COLOURS = {
    "CR": "#0072B2",
    "PR": "#56B4E9",
    "MR": "#009E73",
    "SD": "#F0E442",
    "NON_CR_NON_PD": "#F0E442",
    "PD": "#D55E00",
    "NE": "#999999",
}


def save(figure: Figure, path: Path) -> Path:
    """Write ``path`` (.svg or .png) without timestamps, and close the figure."""
    kind = path.suffix.lstrip(".").lower()
    metadata = {"Date": None} if kind == "svg" else {"Software": None}
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format=kind, metadata=metadata, dpi=150, bbox_inches="tight")
    return path


def svg_text(figure: Figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def _box(ax: Axes, x: float, y: float, w: float, h: float, text: str) -> None:
    ax.add_patch(
        FancyBboxPatch(
            (x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.01", fc="white", ec="black", lw=1
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=8, wrap=True)


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float]) -> None:
    ax.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "->", "lw": 1})


def consort_figure(flow: ConsortFlow) -> Figure:
    figure = plt.figure(figsize=(8, 7.5))
    ax = figure.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.axis("off")
    _box(ax, 0.3, 0.92, 0.36, 0.07, f"Assessed for eligibility (n = {flow.assessed})")
    reasons = "\n".join(f"• {reason} (n = {n})" for reason, n in flow.exclusion_reasons)
    _box(ax, 0.74, 0.76, 0.48, 0.06 + 0.035 * len(flow.exclusion_reasons),
         f"Excluded (n = {flow.excluded})\n{reasons}")  # fmt: skip
    _box(ax, 0.3, 0.58, 0.36, 0.07, f"Enrolled (n = {flow.enrolled})")
    _box(ax, 0.3, 0.44, 0.36, 0.08,
         f"Treated (n = {flow.treated})\nEnrolled, not treated (n = {flow.not_treated})")  # fmt: skip
    stopped = "\n".join(f"• {reason} (n = {n})" for reason, n in flow.discontinuation_reasons)
    _box(ax, 0.74, 0.3, 0.48, 0.06 + 0.035 * len(flow.discontinuation_reasons),
         f"Discontinued before cut-off (n = {flow.discontinued})\n{stopped}")  # fmt: skip
    _box(ax, 0.3, 0.12, 0.4, 0.1,
         f"Analysed for safety (n = {flow.analysed_safety})\n"
         f"Analysed for response (n = {flow.analysed_efficacy})")  # fmt: skip
    _arrow(ax, (0.3, 0.885), (0.3, 0.615))
    _arrow(ax, (0.3, 0.76), (0.5, 0.76))
    _arrow(ax, (0.3, 0.545), (0.3, 0.48))
    _arrow(ax, (0.3, 0.40), (0.3, 0.17))
    _arrow(ax, (0.3, 0.30), (0.5, 0.30))
    ax.text(0.02, 0.02, "Reasons can overlap: a child may fail several criteria.", fontsize=7)
    return figure


def km_figure(curves: Iterable[KaplanMeier], title: str) -> Figure:
    curves = list(curves)
    figure, (ax, table) = plt.subplots(2, 1, figsize=(7, 5), gridspec_kw={"height_ratios": [4, 1]})
    days = sorted({day for curve in curves for day, _ in curve.at_risk} | {0})
    for curve in curves:
        ax.step(curve.times, curve.survival, where="post", label=curve.endpoint)
        ax.fill_between(curve.times, curve.lower, curve.upper, step="post", alpha=0.15)
        censored = [
            next(s for t, s in zip(reversed(curve.times), reversed(curve.survival), strict=True)
                 if t <= c)
            for c in curve.censored_times
        ]  # fmt: skip
        ax.plot(curve.censored_times, censored, "|", color="black", markersize=8)
    right = max(days[-1], *(max(c.times) for c in curves), 1) * 1.02
    if not any(c.subjects for c in curves):
        _no_data(ax)
    ax.set_xlim(-right * 0.02, right)
    ax.set_xticks(days)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("Probability")
    ax.set_xlabel("Days from start of treatment (| censored)")
    ax.set_title(title)
    ax.legend(loc="lower left")
    ax.grid(alpha=0.3)
    table.set_xlim(ax.get_xlim())
    table.set_ylim(0, 1)
    table.axis("off")
    table.text(0, 0.95, "Numbers at risk", fontsize=8, ha="left", va="top",
               transform=table.transAxes)  # fmt: skip
    for row, curve in enumerate(curves):
        y = 0.55 - 0.35 * row
        table.text(-right * 0.03, y, curve.endpoint, ha="right", fontsize=8)
        for day, n in curve.at_risk:
            table.text(day, y, str(n), ha="center", fontsize=8)
    figure.tight_layout()
    return figure


def waterfall_figure(bars: list[WaterfallBar]) -> Figure:
    figure, ax = plt.subplots(figsize=(7, 4))
    ax.bar(
        range(len(bars)),
        [float(b.best_change_percent) for b in bars],
        color=[RESPONSE_COLOURS.get(b.best_response, "#999999") for b in bars],
        edgecolor="black",
        linewidth=0.5,
    )
    ax.set_xticks(range(len(bars)), [b.subject_id for b in bars], rotation=90, fontsize=7)
    ax.axhline(20, ls="--", color="grey", lw=0.8)
    ax.axhline(-30, ls="--", color="grey", lw=0.8)
    if not bars:
        _no_data(ax)
    ax.set_ylabel("Best change in target-lesion sum (%)")
    ax.set_title("Waterfall plot: best percent change from baseline")
    _response_legend(ax, {b.best_response for b in bars})
    figure.tight_layout()
    return figure


def spider_figure(series: dict[str, list[tuple[int, Decimal]]], best: dict[str, str]) -> Figure:
    figure, ax = plt.subplots(figsize=(7, 4))
    for subject_id, points in series.items():
        ax.plot([d for d, _ in points], [float(v) for _, v in points], marker="o",
                markersize=3, color=RESPONSE_COLOURS.get(best.get(subject_id, "NE"), "#999999"),
                lw=1)  # fmt: skip
    ax.axhline(20, ls="--", color="grey", lw=0.8)
    ax.axhline(-30, ls="--", color="grey", lw=0.8)
    if not series:
        _no_data(ax)
    ax.set_xlabel("Days from start of treatment")
    ax.set_ylabel("Change in target-lesion sum (%)")
    ax.set_title("Spider plot")
    _response_legend(ax, {best.get(s, "NE") for s in series})
    figure.tight_layout()
    return figure


def swimmer_figure(lanes: list[SwimmerLane]) -> Figure:
    figure, ax = plt.subplots(figsize=(7, 1.6 + 0.3 * max(len(lanes), 3)))
    for row, lane in enumerate(reversed(lanes)):
        ax.barh(row, lane.days_on_study, color="#dddddd", edgecolor="black", lw=0.5)
        for day, response in lane.responses:
            ax.plot(day, row, "o", color=RESPONSE_COLOURS.get(response, "#999999"), markersize=5)
        if lane.death_day is not None:
            ax.plot(lane.death_day, row, "x", color="black", markersize=6)
        if lane.ongoing:
            ax.annotate("", xy=(lane.days_on_study + 15, row), xytext=(lane.days_on_study, row),
                        arrowprops={"arrowstyle": "->"})  # fmt: skip
    ax.set_yticks(range(len(lanes)), [lane.subject_id for lane in reversed(lanes)], fontsize=7)
    if not lanes:
        _no_data(ax)
    ax.set_xlabel("Days from start of treatment (x: death; arrow: ongoing)")
    ax.set_title("Swimmer plot: time on study and responses")
    _response_legend(ax, {r for lane in lanes for _, r in lane.responses})
    figure.tight_layout()
    return figure


def _no_data(ax: Axes) -> None:
    ax.text(0.5, 0.5, "No data up to the cut-off", ha="center", va="center",
            transform=ax.transAxes, fontsize=10, color="#555555")  # fmt: skip


def _response_legend(ax: Axes, present: set[str]) -> None:
    handles = [
        Line2D([], [], marker="s", ls="", color=colour, label=name, markersize=8)
        for name, colour in RESPONSE_COLOURS.items()
        if name in present
    ]
    if handles:
        ax.legend(handles=handles, fontsize=7, loc="best")
