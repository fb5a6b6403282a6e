"""RECIST 1.1 §3.1 measurability: the paper's thresholds and every boundary."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trialdesk.core.rules.recist import (
    Lesion,
    LesionKind,
    MeasurabilityCategory,
    Method,
    assess_measurability,
)
from trialdesk.errors import InputError

D = Decimal


def ct(ld: str, slice_mm: str | None = "5", **kw: object) -> Lesion:
    thickness = None if slice_mm is None else D(slice_mm)
    return Lesion(longest_diameter_mm=D(ld), slice_thickness_mm=thickness, **kw)  # type: ignore[arg-type]


def node(short_axis: str, method: str = "CT") -> Lesion:
    return Lesion(
        short_axis_mm=D(short_axis), is_nodal=True, method=method, slice_thickness_mm=D(5)
    )


@pytest.mark.parametrize(
    ("ld", "slice_mm", "expected"),
    [
        ("10", "5", True),
        ("9.99", "5", False),
        ("10", "1", True),
        ("12", "8", False),  # clinical-rules §2.9: needs >= 16 mm
        ("15.9", "8", False),
        ("16", "8", True),
        ("10", "5.01", False),
        ("10.02", "5.01", True),
    ],
)
def test_ct_minimum_is_10_mm_or_twice_a_thick_slice(ld: str, slice_mm: str, expected: bool) -> None:
    result = assess_measurability(ct(ld, slice_mm))
    assert result.measurable is expected
    assert result.rule.startswith("RECIST 1.1 §3.1.1")


def test_twelve_mm_on_8_mm_slices_names_the_16_mm_minimum() -> None:
    result = assess_measurability(ct("12", "8"))
    assert result.threshold_mm == D(16)
    assert "2 x slice" in result.reason
    assert "§3.1.2" in result.rule


def test_mri_follows_the_same_rule_as_ct() -> None:
    assert assess_measurability(ct("10", "5", method="MRI")).measurable is True
    assert assess_measurability(ct("12", "8", method=Method.MRI)).measurable is False


def test_unknown_slice_thickness_leaves_a_large_lesion_undetermined() -> None:
    result = assess_measurability(ct("12", None))
    assert result.measurable is None
    assert result.category is MeasurabilityCategory.UNDETERMINED
    assert "slice thickness" in result.reason


def test_unknown_slice_thickness_does_not_matter_below_10_mm() -> None:
    assert assess_measurability(ct("9", None)).measurable is False


@pytest.mark.parametrize(
    ("short_axis", "measurable", "category"),
    [
        ("15", True, MeasurabilityCategory.MEASURABLE),
        ("14.9", False, MeasurabilityCategory.PATHOLOGICAL_NODE),  # §2.9: non-target
        ("10", False, MeasurabilityCategory.PATHOLOGICAL_NODE),
        ("9.9", False, MeasurabilityCategory.NORMAL_NODE),
    ],
)
def test_nodes_are_judged_on_short_axis(
    short_axis: str, measurable: bool, category: MeasurabilityCategory
) -> None:
    result = assess_measurability(node(short_axis))
    assert (result.measurable, result.category) == (measurable, category)


def test_a_node_uses_its_short_axis_not_its_long_axis() -> None:
    lesion = Lesion(longest_diameter_mm=D(30), short_axis_mm=D(12), is_nodal=True)
    assert assess_measurability(lesion).measurable is False


def test_a_node_without_short_axis_is_undetermined() -> None:
    lesion = Lesion(longest_diameter_mm=D(30), is_nodal=True, slice_thickness_mm=D(5))
    assert assess_measurability(lesion).measurable is None


@pytest.mark.parametrize(("ld", "expected"), [("10", True), ("9.9", False)])
def test_callipers_need_10_mm(ld: str, expected: bool) -> None:
    lesion = Lesion(longest_diameter_mm=D(ld), method="caliper")
    assert assess_measurability(lesion).measurable is expected


@pytest.mark.parametrize(("ld", "expected"), [("20", True), ("19.9", False)])
def test_chest_xray_needs_20_mm(ld: str, expected: bool) -> None:
    lesion = Lesion(longest_diameter_mm=D(ld), method="Chest X-ray")
    assert assess_measurability(lesion).measurable is expected


@pytest.mark.parametrize("method", ["PET", "ultrasound", "bone_scan", Method.PET])
def test_pet_ultrasound_and_bone_scan_cannot_measure(method: str) -> None:
    result = assess_measurability(Lesion(longest_diameter_mm=D(50), method=method))
    assert result.measurable is False
    assert "§3.2" in result.rule


def test_an_unnamed_method_needs_review() -> None:
    result = assess_measurability(Lesion(longest_diameter_mm=D(50), method="thermography"))
    assert result.measurable is None


@pytest.mark.parametrize(
    "kind",
    [
        "leptomeningeal",
        "ascites",
        "pleural_effusion",
        "pericardial_effusion",
        "inflammatory_breast",
        "lymphangitic",
        "abdominal_mass_exam_only",
        "blastic_bone",
        "bone_without_soft_tissue",
    ],
)
def test_truly_non_measurable_kinds_are_never_measurable(kind: str) -> None:
    result = assess_measurability(ct("80", "1", kind=kind))
    assert result.measurable is False
    assert result.category is MeasurabilityCategory.NON_MEASURABLE


def test_a_simple_cyst_is_not_a_lesion() -> None:
    result = assess_measurability(ct("40", kind=LesionKind.SIMPLE_CYST))
    assert result.category is MeasurabilityCategory.NOT_A_LESION
    assert result.measurable is False


def test_lytic_bone_counts_by_its_soft_tissue_part_on_ct_only() -> None:
    assert assess_measurability(ct("20", kind="lytic_bone_with_soft_tissue")).measurable is True
    on_xray = Lesion(longest_diameter_mm=D(40), method="xray", kind="lytic_bone_with_soft_tissue")
    assert assess_measurability(on_xray).measurable is False


def test_cystic_metastasis_is_measurable_by_size() -> None:
    result = assess_measurability(ct("25", kind="cystic_metastasis"))
    assert result.measurable is True
    assert "§3.1.3" in result.rule


@pytest.mark.parametrize(("progression", "expected"), [(None, None), (False, False), (True, True)])
def test_irradiated_lesions_count_only_after_progression(
    progression: bool | None, expected: bool | None
) -> None:
    lesion = ct("30", previously_irradiated=True, progression_since_local_treatment=progression)
    result = assess_measurability(lesion)
    assert result.measurable is expected


def test_an_unknown_kind_is_an_input_error() -> None:
    with pytest.raises(InputError, match="unknown lesion kind"):
        assess_measurability(ct("30", kind="tumour-ish"))


def test_result_serialises_with_rule_and_sizes() -> None:
    data = assess_measurability(node("15")).to_dict()
    assert data["measurable"] is True
    assert data["threshold_mm"] == "15"
    assert data["rule"] == "RECIST 1.1 §3.1.1"


sizes = st.decimals(min_value=0, max_value=200, places=1)
slices = st.one_of(st.none(), st.decimals(min_value=1, max_value=12, places=1))
methods = st.sampled_from(["CT", "MRI", "caliper", "xray"])


@given(a=sizes, b=sizes, slice_mm=slices, method=methods, nodal=st.booleans())
def test_a_larger_lesion_is_never_less_measurable(
    a: Decimal, b: Decimal, slice_mm: Decimal | None, method: str, nodal: bool
) -> None:
    small, large = sorted((a, b))

    def verdict(size: Decimal) -> bool | None:
        lesion = Lesion(
            longest_diameter_mm=size,
            short_axis_mm=size,
            is_nodal=nodal,
            method=method,
            slice_thickness_mm=slice_mm,
        )
        return assess_measurability(lesion).measurable

    rank = {False: 0, None: 1, True: 2}
    assert rank[verdict(small)] <= rank[verdict(large)]
