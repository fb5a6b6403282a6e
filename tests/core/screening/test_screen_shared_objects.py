"""Round 5's allocation savings change nothing observable.

* ``Evidence``, ``CriterionResult`` and ``ScreeningResult`` have hand-written ``__init__``s
  (slot setters instead of the frozen dataclass's ``object.__setattr__``): same fields,
  defaults, keywords, equality, hashing and immutability.
* Evidence-free criterion results are shared between patients by value; a value that compares
  equal but renders differently (``1``, ``True``, ``Decimal("1.0")``) must never be shared.
"""

from __future__ import annotations

import dataclasses
import pickle
import random
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trialdesk import screen
from trialdesk.adapters.fhir import record_from_bundle
from trialdesk.core.i18n import Message
from trialdesk.core.protocol import Protocol
from trialdesk.core.screening.compiler import compiled
from trialdesk.core.screening.engine import _shared_result
from trialdesk.core.screening.result import CriterionResult, Evidence, ScreeningResult, Status
from trialdesk.synth.fhir_patients import synth_patient

_text = st.none() | st.text(max_size=4)


@given(values=st.tuples(st.text(max_size=4), st.text(max_size=4), *[_text] * 8))
def test_evidence_init_stores_every_field_in_order(values: tuple[str | None, ...]) -> None:
    evidence = Evidence(*values)  # type: ignore[arg-type]
    names = [f.name for f in dataclasses.fields(Evidence)]
    assert [getattr(evidence, name) for name in names] == list(values)
    assert evidence == Evidence(**dict(zip(names, values, strict=True)))  # type: ignore[arg-type]
    assert hash(evidence) == hash(Evidence(*values))  # type: ignore[arg-type]
    assert pickle.loads(pickle.dumps(evidence)) == evidence


def test_result_classes_keep_their_defaults_and_stay_frozen() -> None:
    evidence = Evidence("lab", "Hb")
    assert evidence.resource is None
    assert evidence.note is None
    assert dataclasses.replace(evidence, unit="g/dL").unit == "g/dL"
    result = CriterionResult("inc-x", "inclusion", Status.PASS, (Message("k"),))
    assert (result.evidence, result.missing, result.text) == ((), (), None)
    screening = ScreeningResult("NCT0", "1.0", "p", date(2026, 6, 1), "eligible", (result,))  # type: ignore[arg-type]
    assert (screening.source, screening.notes) == (None, ())
    for frozen, field in ((evidence, "kind"), (result, "status"), (screening, "verdict")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(frozen, field, None)


def test_evidence_free_results_are_shared_between_patients(protocol: Protocol) -> None:
    rng = random.Random(5)
    as_of = date(2026, 6, 1)
    results = [
        screen(
            protocol,
            record_from_bundle(synth_patient(rng, patient_id=f"s{i}", as_of=as_of), f"s{i}"),
            as_of,
        )
        for i in range(40)
    ]
    first_seen: dict[tuple[object, ...], CriterionResult] = {}
    reused = 0
    for result in results:
        for criterion in result.criteria:
            if criterion.evidence:
                continue
            key = (criterion.id, criterion.status, criterion.reasons, criterion.missing)
            if key not in first_seen:
                first_seen[key] = criterion
                continue
            first = first_seen[key]
            # A later patient with the same evidence-free outcome gets the very same object.
            assert first == criterion
            assert first is criterion or not _all_plain(criterion)
            reused += 1
    assert reused > 100


def _all_plain(criterion: CriterionResult) -> bool:
    return all(
        type(value) in (str, int)
        for message in (*criterion.reasons, *criterion.missing)
        for _, value in message.params
    )


@pytest.mark.parametrize("value", [True, Decimal("1.0"), Decimal("1"), 1.0])
def test_equal_values_that_render_differently_are_never_shared(
    protocol: Protocol, value: object
) -> None:
    criterion = compiled(protocol).criteria[0]
    as_int = _shared_result(criterion, Status.UNKNOWN, (Message("x.y", (("n", 1),)),), ())
    other = _shared_result(criterion, Status.UNKNOWN, (Message("x.y", (("n", value),)),), ())
    assert other.reasons[0].params[0][1] is value
    assert type(as_int.reasons[0].params[0][1]) is int
    assert other.reason() != as_int.reason() or str(value) == "1"
