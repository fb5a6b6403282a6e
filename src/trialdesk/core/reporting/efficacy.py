"""Efficacy: best overall response, ORR and DCR with exact 95 % CIs, Kaplan-Meier PFS and OS.

Conventions (docs/reports.md repeats them):

* Population: the treated subjects (at least one exposure on or before the cut-off). A
  subject without a best response counts as NE, and NE is in the denominator (a non-responder),
  as in RECIST 1.1 section 4.6 and the usual all-treated analysis.
* ORR = best response CR or PR; DCR = best response in the protocol's disease-control set.
* Exact (Clopper-Pearson) interval: lower = Beta(alpha/2; x, n-x+1), upper =
  Beta(1-alpha/2; x+1, n-x) quantiles (Clopper and Pearson, Biometrika 1934;26:404-413).
* Kaplan-Meier by lifelines; the CI of the median is lifelines' (from the exponential
  Greenwood log(-log) pointwise band); "not reached" is ``None``. Numbers at risk at day t
  count the subjects whose time is >= t.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from scipy.stats import beta as beta_distribution

from trialdesk.core.reporting.snapshot import StudySnapshot
from trialdesk.errors import InputError

__all__ = [
    "RESPONSE_ORDER",
    "BestResponseRow",
    "KaplanMeier",
    "Proportion",
    "best_response_table",
    "clopper_pearson",
    "disease_control_rate",
    "kaplan_meier",
    "objective_response_rate",
    "survival_curves",
]

RESPONSE_ORDER = ("CR", "PR", "MR", "SD", "NON_CR_NON_PD", "PD", "NE")
_FOUR = Decimal("0.0001")


@dataclass(frozen=True, slots=True)
class BestResponseRow:
    response: str
    subjects: int
    percent: Decimal


@dataclass(frozen=True, slots=True)
class Proportion:
    label: str
    events: int
    total: int
    estimate: Decimal | None
    lower: Decimal | None
    upper: Decimal | None
    method: str = "exact Clopper-Pearson 95 % CI"


@dataclass(frozen=True, slots=True)
class KaplanMeier:
    endpoint: str
    subjects: int
    events: int
    median_days: Decimal | None  # None: not reached
    median_lower: Decimal | None
    median_upper: Decimal | None  # None: not reached / not estimable
    times: tuple[int, ...]  # step times, starting at 0
    survival: tuple[float, ...]
    lower: tuple[float, ...]
    upper: tuple[float, ...]
    censored_times: tuple[int, ...]
    at_risk: tuple[tuple[int, int], ...]  # (day, subjects at risk)


def _q(value: float) -> Decimal:
    return Decimal(repr(value)).quantize(_FOUR, rounding=ROUND_HALF_EVEN)


def clopper_pearson(
    events: int, total: int, confidence: Decimal = Decimal("0.95")
) -> tuple[Decimal, Decimal]:
    if total <= 0 or not 0 <= events <= total:
        raise InputError(
            "a proportion needs 0 <= events <= total and total > 0",
            where="clopper_pearson",
            expected="0 <= events <= total, total >= 1",
            got=f"{events}/{total}",
        )
    alpha = 1 - float(confidence)
    lower = (
        0.0 if events == 0 else float(beta_distribution.ppf(alpha / 2, events, total - events + 1))
    )
    upper = (
        1.0
        if events == total
        else float(beta_distribution.ppf(1 - alpha / 2, events + 1, total - events))
    )
    return _q(lower), _q(upper)


def best_responses(snapshot: StudySnapshot) -> dict[str, str]:
    """Best overall response per treated subject; no data → NE."""
    known = {s.subject_id: s.best_response for s in snapshot.survival}
    return {sid: known.get(sid, "NE") for sid in snapshot.treated_ids()}


def best_response_table(snapshot: StudySnapshot) -> list[BestResponseRow]:
    best = best_responses(snapshot)
    counts = Counter(best.values())
    total = len(best)
    order = list(RESPONSE_ORDER) + sorted(set(counts) - set(RESPONSE_ORDER))
    return [
        BestResponseRow(
            response=r,
            subjects=counts.get(r, 0),
            percent=(
                Decimal(0)
                if total == 0
                else (Decimal(100) * counts.get(r, 0) / total).quantize(Decimal("0.1"))
            ),
        )
        for r in order
        if counts.get(r, 0) or r in ("CR", "PR", "SD", "PD", "NE")
    ]


def _proportion(label: str, events: int, total: int) -> Proportion:
    if total == 0:
        return Proportion(label, 0, 0, None, None, None)
    lower, upper = clopper_pearson(events, total)
    return Proportion(label, events, total, _q(events / total), lower, upper)


def objective_response_rate(snapshot: StudySnapshot) -> Proportion:
    best = best_responses(snapshot)
    return _proportion("ORR (CR + PR)", sum(r in ("CR", "PR") for r in best.values()), len(best))


def disease_control_rate(snapshot: StudySnapshot) -> Proportion:
    best = best_responses(snapshot)
    control = set(snapshot.trial.disease_control)
    label = "DCR (" + " + ".join(snapshot.trial.disease_control) + ")"
    return _proportion(label, sum(r in control for r in best.values()), len(best))


def kaplan_meier(
    endpoint: str, durations: list[int], events: list[bool], at_days: tuple[int, ...]
) -> KaplanMeier:
    # lifelines is imported here: it is heavy, and only this function needs it.
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    if not durations:
        return KaplanMeier(endpoint, 0, 0, None, None, None, (0,), (1.0,), (1.0,), (1.0,), (), ())
    fitter = KaplanMeierFitter()
    fitter.fit(durations, event_observed=events, label=endpoint)
    band: Any = fitter.confidence_interval_
    survival = fitter.survival_function_[endpoint]
    ci = median_survival_times(band)
    return KaplanMeier(
        endpoint=endpoint,
        subjects=len(durations),
        events=sum(events),
        median_days=_finite(fitter.median_survival_time_),
        median_lower=_finite(ci.iloc[0, 0]),
        median_upper=_finite(ci.iloc[0, 1]),
        times=tuple(int(t) for t in survival.index),
        survival=tuple(float(v) for v in survival.to_numpy()),
        lower=tuple(float(v) for v in band.iloc[:, 0].to_numpy()),
        upper=tuple(float(v) for v in band.iloc[:, 1].to_numpy()),
        censored_times=tuple(sorted(d for d, e in zip(durations, events, strict=True) if not e)),
        at_risk=tuple((t, sum(d >= t for d in durations)) for t in at_days),
    )


def _finite(value: Any) -> Decimal | None:
    number = float(value)
    if number != number or number in (float("inf"), float("-inf")):
        return None
    return Decimal(repr(number))


def survival_curves(
    snapshot: StudySnapshot, at_days: tuple[int, ...] = (0, 90, 180, 270, 365)
) -> tuple[KaplanMeier, KaplanMeier]:
    treated = set(snapshot.treated_ids())
    rows = [s for s in snapshot.survival if s.subject_id in treated]
    pfs = kaplan_meier("PFS", [r.pfs_days for r in rows], [r.pfs_event for r in rows], at_days)
    os_ = kaplan_meier("OS", [r.os_days for r in rows], [r.os_event for r in rows], at_days)
    return pfs, os_
