"""RECIST 1.1 measurable lesions from tumour-size observations (mCODE TumorSize, LOINC 21889-1).

Each recent observation is one lesion: its longest diameter (value), and as components its
short axis, slice thickness, nodal flag and prior irradiation; the method (CT, MRI, calliper…)
comes from ``Observation.method``. Measurability itself is ``core.rules.recist``.
"""

from __future__ import annotations

from decimal import Decimal

from trialdesk.core.criteria.ast import MeasurableLesionsCheck
from trialdesk.core.i18n import Message
from trialdesk.core.record import ObservationRecord, Quantity
from trialdesk.core.rules.recist import Lesion, assess_measurability
from trialdesk.core.screening.context import Context
from trialdesk.core.screening.evaluators.findings import CLINICAL, _evidence
from trialdesk.core.screening.evaluators.measurements import holds
from trialdesk.core.screening.evaluators.texts import joined_tests_text
from trialdesk.core.screening.outcome import Outcome, Truth
from trialdesk.core.units import convert
from trialdesk.errors import TrialDeskError

__all__ = ["evaluate_lesions"]

M = Message.of
_TUMOUR_SIZE = (("loinc", "21889-1"), ("loinc", "33728-7"))


def _lesion_of(observation: ObservationRecord) -> Lesion:
    longest = observation.value.value if isinstance(observation.value, Quantity) else None
    if isinstance(observation.value, Quantity) and observation.value.unit != "mm":
        longest = convert(observation.value.value, observation.value.unit, "mm")
    parts: dict[str, object] = {}
    for component in observation.components:
        for coding in component.codes:
            if coding.system == CLINICAL:
                parts[coding.code] = component.value
    short = parts.get("short-axis")
    thickness = parts.get("slice-thickness")
    method = observation.method[0].code if observation.method else "other"
    return Lesion(
        longest_diameter_mm=longest,
        short_axis_mm=convert(short.value, short.unit, "mm")
        if isinstance(short, Quantity)
        else None,
        is_nodal=parts.get("lesion-nodal") is True,
        method=_METHODS.get(method.casefold(), method),
        slice_thickness_mm=convert(thickness.value, thickness.unit, "mm")
        if isinstance(thickness, Quantity)
        else None,
        previously_irradiated=parts.get("previously-irradiated") is True,
        id=observation.ref.id,
    )


def _size_values(observation: ObservationRecord) -> list[Quantity]:
    """The sizes measurability reads: the longest diameter and the short axis."""
    values = [observation.value] if isinstance(observation.value, Quantity) else []
    for component in observation.components:
        short = any(c.system == CLINICAL and c.code == "short-axis" for c in component.codes)
        if short and isinstance(component.value, Quantity):
            values.append(component.value)
    return values


def _bounds(observation: ObservationRecord) -> set[str]:
    return {q.comparator for q in _size_values(observation) if q.comparator}


def _sizes(observation: ObservationRecord) -> str:
    return ", ".join(str(q) for q in _size_values(observation))


def _settled_by(measurable: bool | None, bounds: set[str]) -> bool:
    """Whether the verdict read at the bounds holds for every size they allow."""
    if measurable is True:
        return bounds <= {">", ">="}
    if measurable is False:
        return bounds <= {"<", "<="}
    return False


_METHODS = {
    "77477000": "CT",
    "113091000": "MRI",
    "ct": "CT",
    "mri": "MRI",
    "caliper": "caliper",
    "xray": "xray",
    "x-ray": "xray",
    "pet": "PET",
    "ultrasound": "ultrasound",
    "bone-scan": "bone_scan",
}


def evaluate_lesions(node: MeasurableLesionsCheck, ctx: Context) -> Outcome:
    window = node.window or ctx.window("imaging")
    start = window.before(ctx.as_of)
    scans = [
        o
        for o in ctx.index.observations(_TUMOUR_SIZE)
        if o.effective is not None
        and not ctx.in_future(o.effective)
        and o.status in ("final", "amended", "corrected")
    ]
    recent = [o for o in scans if o.effective is not None and o.effective.earliest >= start]
    if not recent:
        return Outcome.unknown(
            M("lesions.missing", window=str(window)), M("lesions.need", window=str(window))
        )
    evidence, measurable, undetermined = [], 0, 0
    modified = next((o for o in recent if o.unknown_modifiers), None)
    for observation in recent:
        try:
            verdict = assess_measurability(_lesion_of(observation))
        except TrialDeskError as exc:
            evidence.append(
                _evidence("lesion", "Tumour lesion", observation, None, ctx, note=exc.message)
            )
            undetermined += 1
            continue
        note = f"{verdict.category.value}: {verdict.reason} ({verdict.rule})"
        bounds = _bounds(observation)
        if bounds and not _settled_by(verdict.measurable, bounds):
            # A size known only as a bound ("< 12 mm") decides only when every size it allows
            # gives the same answer: read at the bound, a lower bound that is measurable is,
            # an upper bound that is not is not; anything else needs the exact size.
            evidence.append(
                _evidence(
                    "lesion", "Tumour lesion", observation, _sizes(observation), ctx,
                    note="size recorded only as a bound: the exact size decides",
                )
            )  # fmt: skip
            undetermined += 1
            continue
        measurable += verdict.measurable is True
        undetermined += verdict.measurable is None
        evidence.append(
            _evidence(
                "lesion",
                "Tumour lesion",
                observation,
                f"{verdict.measured_mm} mm" if verdict.measured_mm is not None else None,
                ctx,
                threshold=f">= {verdict.threshold_mm} mm"
                if verdict.threshold_mm is not None
                else None,
                note=note,
            )
        )
    if modified is not None:
        return Outcome.review(
            M(
                "record.unknown_modifier",
                resource=str(modified.ref),
                urls=", ".join(modified.unknown_modifiers),
            ),
            M("record.modifier_need"),
            *evidence,
        )
    count = Decimal(measurable)
    tests = joined_tests_text(node.tests)
    met = all(holds(count, t.op, t.number) for t in node.tests)
    if not met and undetermined:
        return Outcome(
            Truth.UNKNOWN,
            evidence,
            [M("lesions.undetermined", count=measurable, undetermined=undetermined)],
            [M("lesions.need_details")],
            no_data=True,
        )
    return Outcome(
        Truth.TRUE if met else Truth.FALSE,
        evidence,
        [M("lesions.count", count=measurable, test=tests)],
    )
