"""The record classes' ``__init__`` (stores through slot descriptors, round 6 of the screening
benchmark) keeps the dataclass contract: parameters, defaults, immutability, equality, pickling."""

from __future__ import annotations

import dataclasses
import inspect
import pickle
from datetime import date
from decimal import Decimal

import pytest

from trialdesk.core import record as r

_CLASSES = [
    r.Coding, r.SourceRef, r.FuzzyDate, r.Quantity, r.ReferenceRange, r.Component,
    r.ObservationRecord, r.ConditionRecord, r.ProcedureRecord, r.MedicationRecord,
    r.AllergyRecord, r.AdverseEventRecord, r.ConsentRecord, r.PatientInfo, r.PatientRecord,
]  # fmt: skip


@pytest.mark.parametrize("cls", _CLASSES, ids=lambda c: c.__name__)
def test_the_signature_is_the_fields_in_order_with_their_defaults(cls: type) -> None:
    params = list(inspect.signature(cls).parameters.values())
    assert [p.name for p in params] == [f.name for f in dataclasses.fields(cls)]
    for param, f in zip(params, dataclasses.fields(cls), strict=True):
        expected = inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default
        assert param.default == expected
        assert param.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD


def _observation() -> r.ObservationRecord:
    day = r.FuzzyDate(date(2026, 5, 1), date(2026, 5, 1), "2026-05-01")
    return r.ObservationRecord(
        r.SourceRef("Observation", "hb", "b.json"),
        (r.Coding("loinc", "718-7"),),
        "final",
        day,
        r.Quantity(Decimal("101"), "g/L"),
        performer="Dr X",
    )


def test_fields_positional_keyword_and_default() -> None:
    obs = _observation()
    assert obs.ref == r.SourceRef(resource_type="Observation", id="hb", file="b.json")
    assert obs.codes[0].display is None
    assert obs.reference_ranges == ()
    assert obs.performer == "Dr X"
    assert obs.value == r.Quantity(Decimal("101"), "g/L", None, None)


def test_instances_stay_frozen_hashable_and_picklable() -> None:
    obs = _observation()
    with pytest.raises(dataclasses.FrozenInstanceError):
        obs.status = "amended"  # type: ignore[misc]
    assert hash(obs) == hash(_observation())
    assert obs == _observation()
    assert pickle.loads(pickle.dumps(obs)) == obs
    assert dataclasses.replace(obs, status="amended").status == "amended"


def test_a_missing_argument_is_still_a_type_error() -> None:
    with pytest.raises(TypeError):
        r.Coding("loinc")  # type: ignore[call-arg]
