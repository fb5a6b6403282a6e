"""Labs, vital signs and echocardiography: the latest result in its window against a threshold.

A threshold is absolute (in any unit convertible to the result's) or a multiple of the ULN/LLN.
The ULN/LLN is the result's own reference range for the child's age and sex; failing that,
every default interval (one per assay method) for the age and sex. When methods would decide
differently, or the default is unconfirmed, the answer is REVIEW, never a guess.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from trialdesk.core.analytes import Analyte
from trialdesk.core.analytes import convert as convert_analyte
from trialdesk.core.criteria.ast import LabCheck, NumericTest
from trialdesk.core.durations import Duration
from trialdesk.core.i18n import Message
from trialdesk.core.protocol.model import RecencyWindows
from trialdesk.core.record import ObservationRecord, Quantity
from trialdesk.core.screening.context import USABLE_OBSERVATION_STATUSES, Context
from trialdesk.core.screening.evaluators.reference_limits import Limit, reference_limits
from trialdesk.core.screening.evaluators.texts import described
from trialdesk.core.screening.outcome import Outcome, Truth
from trialdesk.core.screening.result import Evidence
from trialdesk.core.units import compare
from trialdesk.errors import UnitError

__all__ = [
    "LabEvaluator",
    "compile_measurement",
    "holds",
    "holds_with_comparator",
    "latest_in_window",
    "undated_outcome",
    "undated_results",
]

_SUPPLEMENTAL_O2 = {("loinc", "3151-8"), ("loinc", "3150-0")}  # inhaled O2 flow / concentration
M = Message.of
_new_message = tuple.__new__  # Message(key, params) without the NamedTuple constructor


_OPS: dict[str, Callable[[int, int], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
    "=": operator.eq,
    "!=": operator.ne,
}


def holds(value: Decimal, op: str, limit: Decimal) -> bool:
    return _OPS[op](compare(value, limit), 0)


def latest_in_window(
    candidates: list[ObservationRecord], ctx: Context, start: date
) -> tuple[list[ObservationRecord], ObservationRecord | None]:
    """(results of the newest day inside the window, the newest result overall if stale)."""
    as_of = ctx.as_of
    dated = [
        o
        for o in candidates
        if o.effective is not None
        and not o.effective.earliest > as_of  # not in the future (``ctx.in_future``)
        and o.status in USABLE_OBSERVATION_STATUSES
    ]
    if not dated:
        return [], None
    newest = dated[0]
    assert newest.effective is not None
    if newest.effective.earliest < start:
        return [], newest
    day = newest.effective.latest
    same_day = [o for o in dated if o.effective is not None and o.effective.latest == day]
    return same_day, None


def undated_results(
    candidates: list[ObservationRecord], as_of: date, newest: date
) -> list[ObservationRecord]:
    """The results with no effective date that may be the newest one: taken on or after
    ``newest`` (the newest dated day in the window, else the window's start) as far as the
    record says. The sample was taken on or before its release (``issued``), so only a release
    before ``newest``, or after the as-of day (not yet known then), rules one out."""
    if not candidates or candidates[-1].effective is not None:
        return []  # undated results sort last (``RecordIndex``): none here
    return [
        o
        for o in candidates
        if o.effective is None
        and o.status in USABLE_OBSERVATION_STATUSES
        and (o.issued is None or (o.issued.latest >= newest and o.issued.earliest <= as_of))
    ]


def undated_outcome(
    item: Analyte, undated: list[ObservationRecord], window_text: str, ctx: Context
) -> Outcome:
    """Unknown: a result that cannot be placed in the window may be the newest one; the date
    its sample was taken settles it (never read as "no result" nor as the dated one)."""
    first = undated[0]
    resource = str(first.ref)
    reason = (
        M("lab.undated", resource=resource, analyte=item.name, window=window_text)
        if first.issued is None
        else M(
            "lab.undated_issued",
            resource=resource,
            analyte=item.name,
            window=window_text,
            issued=str(first.issued),
        )
    )
    return Outcome.unknown(
        reason,
        M("lab.need_date", analyte=item.name, resource=resource),
        *(_evidence(item, o, None, ctx, note="no effective date") for o in undated),
    )


def compile_measurement(node: LabCheck, windows: RecencyWindows) -> LabEvaluator:
    """The evaluator of one lab, vital or echo check, with what depends on the protocol only
    (codes, window, threshold texts) computed once instead of for every patient."""
    return LabEvaluator(node, windows)


class LabEvaluator:
    """``evaluator(ctx)``: the latest result in the window against the node's tests."""

    __slots__ = ("_memo", "_missing", "_window", "_windows", "item", "keys", "node")

    def __init__(self, node: LabCheck, windows: RecencyWindows) -> None:
        self.node = node
        self.item = node.analyte
        self.keys = tuple(("loinc", code) for code in node.analyte.loinc)
        self._windows = windows
        # The protocol's recency window is looked up at the first screening, as the
        # interpreted engine did, so that a broken window fails where it used to.
        self._window: tuple[Duration, str] | None = (
            (node.window, str(node.window)) if node.window is not None else None
        )
        # (as-of day, window start, the "lab.need" message for that day): shared by every
        # patient screened as of that day, like the "lab.missing" message below.
        self._memo: tuple[date, date, Message] | None = None
        self._missing: Message | None = None

    def window(self) -> tuple[Duration, str]:
        if self._window is None:
            window = self._windows.window(self.node.category)
            self._window = (window, str(window))
        return self._window

    def _missing_message(self, window_text: str) -> Message:
        if self._missing is None:
            self._missing = M("lab.missing", analyte=self.item.name, window=window_text)
        return self._missing

    def __call__(self, ctx: Context) -> Outcome:
        node, item = self.node, self.item
        window, window_text = self.window()
        as_of = ctx.as_of
        memo = self._memo
        if memo is not None and memo[0] == as_of:
            start, need = memo[1], memo[2]
        else:
            start = window.before(as_of)
            need = M("lab.need", analyte=item.name, window=window_text, as_of=as_of.isoformat())
            self._memo = (as_of, start, need)
        candidates = ctx.index.observations(self.keys)
        if node.room_air:
            candidates = [o for o in candidates if not _on_supplemental_oxygen(o)]
        same_day, stale = latest_in_window(candidates, ctx, start)
        dated_day = same_day[0].effective if same_day else None
        undated = undated_results(candidates, as_of, dated_day.latest if dated_day else start)
        if undated:
            return undated_outcome(item, undated, window_text, ctx)
        if stale is not None:
            assert stale.effective is not None
            return Outcome.unknown(
                M("lab.stale", analyte=item.name, date=str(stale.effective), window=window_text),
                need,
                _evidence(item, stale, None, ctx, note="outside the recency window"),
            )
        if not same_day:
            return Outcome.unknown(self._missing_message(window_text), need)
        if len(same_day) == 1:
            return _judge(node, same_day[0], ctx, window_text)
        outcomes = [_judge(node, observation, ctx, window_text) for observation in same_day]
        truths = {o.truth for o in outcomes}
        if len(truths) > 1:
            merged = Outcome.review(M("lab.same_day_conflict", analyte=item.name))
            for outcome in outcomes:
                merged.evidence.extend(outcome.evidence)
            return merged
        return outcomes[0]


def _on_supplemental_oxygen(observation: ObservationRecord) -> bool:
    for component in observation.components:
        if any(c.key() in _SUPPLEMENTAL_O2 for c in component.codes):
            value = component.value
            if isinstance(value, Quantity) and value.value > (21 if value.unit == "%" else 0):
                return True
    return False


def _judge(
    node: LabCheck, observation: ObservationRecord, ctx: Context, window_text: str
) -> Outcome:
    item = node.analyte
    if observation.unknown_modifiers:
        return Outcome.review(
            M(
                "record.unknown_modifier",
                resource=str(observation.ref),
                urls=", ".join(observation.unknown_modifiers),
            ),
            M("record.modifier_need"),
            _evidence(item, observation, None, ctx),
        )
    value = observation.value
    if not isinstance(value, Quantity):
        reason = observation.data_absent_reason or "no numeric value"
        return Outcome.unknown(
            M("lab.no_value", analyte=item.name, resource=str(observation.ref), reason=reason),
            M(
                "lab.need",
                analyte=item.name,
                window=window_text,
                as_of=ctx.as_of.isoformat(),
            ),
            _evidence(item, observation, None, ctx),
        )
    if len(node.tests) == 1:  # the common case: the merge below would return it unchanged
        single = _test(node, node.tests[0], observation, value, ctx)
        return Outcome(single.truth, single.evidence, single.reasons, single.missing)
    results = [_test(node, test, observation, value, ctx) for test in node.tests]
    verdicts = {r.truth for r in results}
    truth = (
        Truth.FALSE
        if Truth.FALSE in verdicts
        else next((t for t in (Truth.UNKNOWN, Truth.REVIEW) if t in verdicts), Truth.TRUE)
    )
    merged = Outcome(truth)
    for result in results:
        if result.truth is truth or truth is Truth.TRUE:
            merged.reasons.extend(result.reasons)
            merged.missing.extend(result.missing)
        merged.evidence.extend(result.evidence)
    return merged


def _test(
    node: LabCheck, test: NumericTest, observation: ObservationRecord, value: Quantity, ctx: Context
) -> Outcome:
    item = node.analyte
    if test.reference_limit is None:
        try:
            measured = convert_analyte(item, value.value, value.unit, test.unit)
        except UnitError:
            return Outcome.unknown(
                M(
                    "lab.bad_unit",
                    analyte=item.name,
                    unit=value.unit,
                    expected=test.unit or item.unit,
                ),
                M("lab.need_unit", analyte=item.name, expected=test.unit or item.unit),
                _evidence(item, observation, test, ctx),
            )
        if value.comparator is None:
            return _absolute(item, observation, value, measured, test, ctx)
        limit = Limit(test.number, described(test), ctx.threshold_source())
        return _decide(item, observation, value, measured, test, (limit,), ctx)
    try:
        limits = reference_limits(item, test, observation, value.unit, ctx)
    except UnitError:  # a valid unit of the wrong kind (ALT in mmol/L): no limit to compare with
        return Outcome.unknown(
            M("lab.bad_unit", analyte=item.name, unit=value.unit, expected=item.unit),
            M("lab.need_unit", analyte=item.name, expected=item.unit),
            _evidence(item, observation, test, ctx),
        )
    if isinstance(limits, Outcome):
        return limits
    return _decide(item, observation, value, value.value, test, limits, ctx)


def _decide(
    item: Analyte,
    observation: ObservationRecord,
    value: Quantity,
    measured: Decimal,
    test: NumericTest,
    limits: tuple[Limit, ...],
    ctx: Context,
) -> Outcome:
    answers = []
    evidence = []
    for limit in limits:
        threshold = limit.value * test.number if test.reference_limit else limit.value
        answers.append(holds_with_comparator(measured, value.comparator, test.op, threshold))
        evidence.append(_evidence(item, observation, test, ctx, limit=limit, threshold=threshold))
    if None in answers:
        return Outcome(
            Truth.UNKNOWN,
            evidence,
            [M("lab.censored", analyte=item.name, value=str(value))],
            [M("lab.need_exact", analyte=item.name)],
            no_data=True,
        )
    if len(answers) > 1 and len(set(answers)) > 1:
        return Outcome(
            Truth.REVIEW,
            evidence,
            [M("lab.methods_disagree", analyte=item.name)],
            [M("lab.need_range", analyte=item.name)],
        )
    if not all(limit.confirmed for limit in limits):
        return Outcome(
            Truth.REVIEW,
            evidence,
            [M("lab.unconfirmed_default", analyte=item.name)],
            [M("lab.need_range", analyte=item.name)],
        )
    key = "lab.meets" if answers[0] else "lab.does_not_meet"
    reason = M(
        key,
        analyte=item.name,
        value=f"{value.comparator or ''}{value.value} {value.unit}",
        test=described(test),
        date=str(observation.effective),
    )
    return Outcome(Truth.TRUE if answers[0] else Truth.FALSE, evidence, [reason])


def _absolute(
    item: Analyte,
    observation: ObservationRecord,
    value: Quantity,
    measured: Decimal,
    test: NumericTest,
    ctx: Context,
) -> Outcome:
    """``_decide`` for the common case, an exact result against one absolute threshold: the
    same outcome, built without the general case's lists of limits and answers."""
    met = holds(measured, test.op, test.number)
    threshold_text = described(test)
    when = str(observation.effective)
    evidence = Evidence(
        item.category,
        item.name,
        str(observation.ref),
        str(value.value),
        value.unit,
        when,
        threshold_text,
        ctx.threshold_source(),
        observation.ref.file,
        None,
    )
    reason = _new_message(
        Message,
        (
            "lab.meets" if met else "lab.does_not_meet",
            (
                ("analyte", item.name),
                ("value", f"{value.value} {value.unit}"),
                ("test", threshold_text),
                ("date", when),
            ),
        ),
    )
    return Outcome(Truth.TRUE if met else Truth.FALSE, [evidence], [reason])


def holds_with_comparator(
    measured: Decimal, comparator: str | None, op: str, limit: Decimal
) -> bool | None:
    """Whether ``x op limit`` holds, when the lab reported only ``x comparator measured``."""
    if comparator is None:
        return holds(measured, op, limit)
    # The true value lies just inside the reported bound; test both a point at the bound
    # (when the comparator includes it) and a point just past it on the open side.
    epsilon = abs(measured) * Decimal("1e-9") + Decimal("1e-12")
    inside = measured - epsilon if comparator in ("<", "<=") else measured + epsilon
    points = [inside, measured] if comparator in ("<=", ">=") else [inside]
    far = Decimal("-1e18") if comparator in ("<", "<=") else Decimal("1e18")
    answers = {holds(p, op, limit) for p in (*points, far)}
    return answers.pop() if len(answers) == 1 else None


def _evidence(
    item: Analyte,
    observation: ObservationRecord,
    test: NumericTest | None,
    ctx: Context,
    *,
    limit: Limit | None = None,
    threshold: Decimal | None = None,
    note: str | None = None,
) -> Evidence:
    value = observation.value
    shown = unit = None
    if isinstance(value, Quantity):
        shown, unit = f"{value.comparator or ''}{value.value}", value.unit
    threshold_text = described(test) if test is not None else None
    if test is not None and test.reference_limit and limit is not None and threshold is not None:
        threshold_text = f"{described(test)} = {_fmt(threshold)} {unit}; {limit.described}"
    source = ctx.threshold_source()
    if limit is not None and test is not None and test.reference_limit:
        source = f"{source}; {test.reference_limit}: {limit.source}"
    return Evidence(
        item.category,  # kind
        item.name,  # description
        str(observation.ref),  # resource
        shown,  # value
        unit,
        str(observation.effective) if observation.effective else None,  # date
        threshold_text,  # threshold
        source if test is not None else None,  # threshold_source
        observation.ref.file,  # source_file
        note,
    )


def _fmt(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return text if "." not in text or len(text.split(".")[1]) <= 4 else f"{value:.4f}"
