"""RECIST 1.1 best overall response (§4.4.3-4.4.4, Table 3), with and without confirmation.

Only time points up to and including the first PD count. With confirmation, a CR needs a later
CR at least ``interval_days`` on, with only CR or NE between; a PR needs a later CR or PR, with
only CR, PR or NE between (and optionally one SD), and never a PR after a CR (the pharmaverse
admiralonco reading of Table 3). An unconfirmed CR or PR, an SD or a non-CR/non-PD counts as SD
only once ``min_sd_days`` have passed since the start of treatment; otherwise the answer falls
to PD if progression followed, else NE.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from trialdesk.core.rules.recist.tables import Confirmation, Overall, response_tables
from trialdesk.core.rules.recist.timepoint import TimePointResult

__all__ = ["BestResponse", "best_overall_response"]

_RULE = "RECIST 1.1 §4.4.3 Table 3"
_STABLE = (Overall.CR, Overall.PR, Overall.SD, Overall.NON_CR_NON_PD)


@dataclass(frozen=True, slots=True)
class BestResponse:
    response: Overall
    confirmation_required: bool
    date: dt.date | None  # the time point that gave the response
    confirmed_by: dt.date | None
    rule: str
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "response": str(self.response),
            "confirmation_required": self.confirmation_required,
            "date": None if self.date is None else self.date.isoformat(),
            "confirmed_by": None if self.confirmed_by is None else self.confirmed_by.isoformat(),
            "rule": self.rule,
            "reasons": list(self.reasons),
        }


def best_overall_response(
    points: Sequence[TimePointResult], confirmation: Confirmation, *, non_target_only: bool = False
) -> BestResponse:
    considered = _until_first_pd(points)
    notes = _note_a(considered)
    if confirmation.required:
        confirmed = _confirmed(considered, confirmation)
        if confirmed is not None:
            return _with_notes(confirmed, notes)
    else:
        responded = _best_response_unconfirmed(considered)
        if responded is not None:
            return _with_notes(responded, notes)
    stable = _stable(considered, confirmation, non_target_only)
    if stable is not None:
        return _with_notes(stable, notes)
    return _with_notes(_pd_or_ne(considered, confirmation), notes)


def _until_first_pd(points: Sequence[TimePointResult]) -> list[TimePointResult]:
    kept: list[TimePointResult] = []
    for point in points:
        kept.append(point)
        if point.overall is Overall.PD:
            break
    return kept


def _confirmed(points: list[TimePointResult], conf: Confirmation) -> BestResponse | None:
    for wanted, confirming in ((Overall.CR, {Overall.CR}), (Overall.PR, {Overall.CR, Overall.PR})):
        for index, point in enumerate(points):
            if point.overall is not wanted:
                continue
            by = _confirmation_of(points, index, confirming, conf)
            if by is not None:
                days = (by.date - point.date).days
                why = (
                    f"{wanted} on {point.date} confirmed by {by.overall} on {by.date}, "
                    f"{days} days later (>= {conf.interval_days})"
                )
                return BestResponse(
                    wanted, True, point.date, by.date, f"{_RULE}; §5 confirmation", (why,)
                )
    return None


def _confirmation_of(
    points: list[TimePointResult], index: int, confirming: set[Overall], conf: Confirmation
) -> TimePointResult | None:
    first = points[index]
    between = {Overall.CR} if confirming == {Overall.CR} else {Overall.CR, Overall.PR}
    ne = sd = 0
    seen_cr = first.overall is Overall.CR
    for later in points[index + 1 :]:
        if later.overall is Overall.PR and seen_cr:
            return None  # a PR after a CR means disease came back (Table 3 note a)
        if later.overall in confirming and (later.date - first.date).days >= conf.interval_days:
            return later
        if later.overall is Overall.NE and ne < conf.max_ne_between:
            ne += 1
        elif (
            later.overall is Overall.SD
            and conf.accept_sd_between
            and sd == 0
            and Overall.PR in confirming
        ):
            sd += 1
        elif later.overall in between:
            seen_cr = seen_cr or later.overall is Overall.CR
        else:
            return None
    return None


def _best_response_unconfirmed(points: list[TimePointResult]) -> BestResponse | None:
    tables = response_tables()
    best: TimePointResult | None = None
    for point in points:
        if point.overall in (Overall.CR, Overall.PR) and (
            best is None or tables.better(point.overall, best.overall)
        ):
            best = point
    if best is None:
        return None
    why = f"{best.overall} on {best.date}; confirmation not required"
    return BestResponse(best.overall, False, best.date, None, _RULE, (why,))


def _stable(
    points: list[TimePointResult], conf: Confirmation, non_target_only: bool
) -> BestResponse | None:
    label = Overall.NON_CR_NON_PD if non_target_only else Overall.SD
    for point in points:
        if point.overall in _STABLE and point.day >= conf.min_sd_days:
            why = (
                f"{point.overall} on {point.date} (day {point.day} >= {conf.min_sd_days}) "
                f"meets the minimum duration for {label}"
            )
            if point.overall in (Overall.CR, Overall.PR):
                why = f"{point.overall} on {point.date} not confirmed; " + why
            return BestResponse(
                label,
                conf.required,
                point.date,
                None,
                f"{_RULE}; §4.4.3 SD minimum duration",
                (why,),
            )
    return None


def _pd_or_ne(points: list[TimePointResult], conf: Confirmation) -> BestResponse:
    early = [p for p in points if p.overall in _STABLE]
    reasons = []
    if early:
        reasons.append(
            f"no response confirmed and no stable time point on or after day {conf.min_sd_days}"
        )
    if points and points[-1].overall is Overall.PD:
        last = points[-1]
        reasons.append(f"PD on {last.date}")
        return BestResponse(Overall.PD, conf.required, last.date, None, _RULE, tuple(reasons))
    returned = _disease_after_cr(points)
    if returned is not None:
        reasons.append(
            f"{returned.overall} on {returned.date} after a CR: disease came back, so PD "
            "(Table 3: CR then SD, SD minimum duration not met)"
        )
        return BestResponse(Overall.PD, conf.required, returned.date, None, _RULE, tuple(reasons))
    reasons.append("no evaluable response" if points else "no assessment after baseline")
    return BestResponse(Overall.NE, conf.required, None, None, _RULE, tuple(reasons))


def _disease_after_cr(points: list[TimePointResult]) -> TimePointResult | None:
    seen_cr = False
    for point in points:
        if seen_cr and point.overall in (Overall.PR, Overall.SD):
            return point
        seen_cr = seen_cr or point.overall is Overall.CR
    return None


def _note_a(points: list[TimePointResult]) -> tuple[str, ...]:
    seen_cr = False
    for point in points:
        if point.overall is Overall.PR and seen_cr:
            return (
                "a PR followed a CR: if the CR was in fact residual disease, record that first "
                "assessment as PR and the best response becomes PR (Table 3 note a)",
            )
        seen_cr = seen_cr or point.overall is Overall.CR
    return ()


def _with_notes(best: BestResponse, notes: tuple[str, ...]) -> BestResponse:
    if not notes:
        return best
    return BestResponse(
        best.response,
        best.confirmation_required,
        best.date,
        best.confirmed_by,
        best.rule,
        best.reasons + notes,
    )
