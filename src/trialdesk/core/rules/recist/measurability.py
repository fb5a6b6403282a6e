"""RECIST 1.1 measurability of one lesion at baseline (sections 3.1-3.2).

The thresholds, the lesion kinds and the methods are data (``data/recist/measurability.toml``);
this module applies them. ``measurable`` is three-valued: ``None`` means the data given does
not settle it (no slice thickness for a 12 mm CT lesion, an unnamed method, an irradiated
lesion with no word on progression), and the reason says what would.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from typing import Any

from trialdesk.core.rules.recist._data import (
    decimal_of,
    load_table,
    require_keys,
    text_of,
)
from trialdesk.core.units import compare
from trialdesk.errors import InputError, ReferenceDataError

__all__ = [
    "Lesion",
    "LesionKind",
    "Measurability",
    "MeasurabilityCategory",
    "Method",
    "assess_measurability",
]

_FILE = "recist/measurability.toml"


class Method(StrEnum):
    CT = "CT"
    MRI = "MRI"
    CALIPER = "caliper"
    XRAY = "xray"
    PET = "PET"
    ULTRASOUND = "ultrasound"
    BONE_SCAN = "bone_scan"
    OTHER = "other"

    @classmethod
    def parse(cls, text: str) -> Method:
        """A method as written ("ct", "Chest X-ray", "calliper"); unnamed methods are OTHER."""
        key = text.strip().lower().replace("-", "").replace(" ", "").replace("_", "")
        return _METHOD_SPELLINGS.get(key, cls.OTHER)


_METHOD_SPELLINGS: dict[str, Method] = {
    "ct": Method.CT,
    "mri": Method.MRI,
    "mr": Method.MRI,
    "caliper": Method.CALIPER,
    "calliper": Method.CALIPER,
    "callipers": Method.CALIPER,
    "calipers": Method.CALIPER,
    "clinical": Method.CALIPER,
    "xray": Method.XRAY,
    "chestxray": Method.XRAY,
    "cxr": Method.XRAY,
    "pet": Method.PET,
    "fdgpet": Method.PET,
    "petct": Method.PET,
    "ultrasound": Method.ULTRASOUND,
    "us": Method.ULTRASOUND,
    "bonescan": Method.BONE_SCAN,
    "other": Method.OTHER,
}


class LesionKind(StrEnum):
    SOLID = "solid"
    CYSTIC_METASTASIS = "cystic_metastasis"
    LYTIC_BONE_WITH_SOFT_TISSUE = "lytic_bone_with_soft_tissue"
    BONE_WITHOUT_SOFT_TISSUE = "bone_without_soft_tissue"
    BLASTIC_BONE = "blastic_bone"
    SIMPLE_CYST = "simple_cyst"
    LEPTOMENINGEAL = "leptomeningeal"
    ASCITES = "ascites"
    PLEURAL_EFFUSION = "pleural_effusion"
    PERICARDIAL_EFFUSION = "pericardial_effusion"
    INFLAMMATORY_BREAST = "inflammatory_breast"
    LYMPHANGITIC = "lymphangitic"
    ABDOMINAL_MASS_EXAM_ONLY = "abdominal_mass_exam_only"


class MeasurabilityCategory(StrEnum):
    MEASURABLE = "measurable"
    NON_MEASURABLE = "non_measurable"
    PATHOLOGICAL_NODE = "pathological_node_non_measurable"
    NORMAL_NODE = "normal_node"
    NOT_A_LESION = "not_a_lesion"
    UNDETERMINED = "undetermined"


@dataclass(frozen=True, slots=True)
class Lesion:
    """One lesion as seen at baseline; sizes in millimetres."""

    longest_diameter_mm: Decimal | None = None
    short_axis_mm: Decimal | None = None
    is_nodal: bool = False
    method: Method | str = Method.CT
    slice_thickness_mm: Decimal | None = None
    kind: LesionKind | str = LesionKind.SOLID
    previously_irradiated: bool = False
    # RECIST 3.1.3: a locally treated lesion counts only once progression in it has been shown.
    progression_since_local_treatment: bool | None = None
    id: str | None = None
    organ: str | None = None

    @property
    def method_code(self) -> Method:
        return self.method if isinstance(self.method, Method) else Method.parse(self.method)

    @property
    def kind_code(self) -> LesionKind:
        try:
            return LesionKind(self.kind)
        except ValueError:
            raise InputError(
                f"unknown lesion kind {self.kind!r}",
                where=f"lesion {self.id}" if self.id else "lesion",
                expected=", ".join(k.value for k in LesionKind),
                got=str(self.kind),
            ) from None

    @property
    def size_mm(self) -> Decimal | None:
        """The RECIST diameter: short axis for a node, longest diameter otherwise."""
        return self.short_axis_mm if self.is_nodal else self.longest_diameter_mm


@dataclass(frozen=True, slots=True)
class Measurability:
    measurable: bool | None
    category: MeasurabilityCategory
    reason: str
    rule: str
    threshold_mm: Decimal | None = None
    measured_mm: Decimal | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "measurable": self.measurable,
            "category": str(self.category),
            "reason": self.reason,
            "rule": self.rule,
            "threshold_mm": _text(self.threshold_mm),
            "measured_mm": _text(self.measured_mm),
        }


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True, slots=True)
class _Rules:
    thresholds: dict[str, Decimal]
    clauses: dict[str, str]  # id -> "RECIST 1.1 §3.1.1"
    kinds: dict[LesionKind, tuple[str, str]]  # kind -> (outcome, clause id)
    methods: dict[Method, str]


_THRESHOLDS = (
    "cross_sectional_min_mm",
    "max_slice_for_fixed_min_mm",
    "slice_multiplier",
    "caliper_min_mm",
    "chest_xray_min_mm",
    "node_measurable_short_axis_mm",
    "node_pathological_short_axis_mm",
)
_OUTCOMES = frozenset({"by_size", "non_measurable", "not_a_lesion"})
_MEASURES = frozenset({"cross_sectional", "caliper", "chest_xray", "cannot_measure", "unknown"})


@lru_cache(maxsize=1)
def _rules() -> _Rules:
    table = load_table(_FILE)
    require_keys(
        table,
        file=_FILE,
        where="(top level)",
        required=(
            "source",
            "version",
            "confirmation_status",
            "thresholds",
            "clauses",
            "kinds",
            "methods",
        ),
    )
    require_keys(table["thresholds"], file=_FILE, where="[thresholds]", required=_THRESHOLDS)
    thresholds = {
        k: decimal_of(v, file=_FILE, where=f"thresholds.{k}")
        for k, v in table["thresholds"].items()
    }
    clauses: dict[str, str] = {}
    for cid, entry in table["clauses"].items():
        require_keys(entry, file=_FILE, where=f"[clauses.{cid}]", required=("clause", "text"))
        clause = text_of(entry["clause"], file=_FILE, where=f"clauses.{cid}.clause")
        clauses[cid] = f"RECIST 1.1 §{clause}"
    return _Rules(thresholds, clauses, _kinds(table["kinds"], clauses), _methods(table["methods"]))


def _kinds(raw: dict[str, Any], clauses: dict[str, str]) -> dict[LesionKind, tuple[str, str]]:
    _require_enum_keys(raw, LesionKind, "kinds")
    kinds: dict[LesionKind, tuple[str, str]] = {}
    for name, entry in raw.items():
        require_keys(entry, file=_FILE, where=f"[kinds.{name}]", required=("outcome", "clause"))
        if entry["outcome"] not in _OUTCOMES or entry["clause"] not in clauses:
            raise ReferenceDataError(
                "bad outcome or clause",
                file=f"data/{_FILE}",
                where=f"[kinds.{name}]",
                expected=f"outcome in {sorted(_OUTCOMES)} and a clause id from [clauses]",
                got=f"{entry['outcome']!r}, {entry['clause']!r}",
            )
        kinds[LesionKind(name)] = (entry["outcome"], entry["clause"])
    return kinds


def _methods(raw: dict[str, Any]) -> dict[Method, str]:
    _require_enum_keys(raw, Method, "methods")
    methods: dict[Method, str] = {}
    for name, entry in raw.items():
        require_keys(entry, file=_FILE, where=f"[methods.{name}]", required=("measures",))
        if entry["measures"] not in _MEASURES:
            raise ReferenceDataError(
                "bad 'measures'",
                file=f"data/{_FILE}",
                where=f"[methods.{name}]",
                expected=str(sorted(_MEASURES)),
                got=str(entry["measures"]),
            )
        methods[Method(name)] = entry["measures"]
    return methods


def _require_enum_keys(raw: dict[str, Any], enum: type[StrEnum], section: str) -> None:
    expected = {member.value for member in enum}
    if set(raw) != expected:
        raise ReferenceDataError(
            f"[{section}] must list exactly the known values",
            file=f"data/{_FILE}",
            where=f"[{section}]",
            expected=str(sorted(expected)),
            got=str(sorted(raw)),
        )


def assess_measurability(lesion: Lesion) -> Measurability:
    """Whether RECIST 1.1 lets this lesion be measured (and so be a target) at baseline."""
    rules = _rules()
    outcome, clause_id = rules.kinds[lesion.kind_code]
    if outcome == "not_a_lesion":
        return _result(
            False,
            MeasurabilityCategory.NOT_A_LESION,
            "a simple cyst is not a malignant lesion",
            rules.clauses[clause_id],
        )
    if outcome == "non_measurable":
        return _result(
            False,
            MeasurabilityCategory.NON_MEASURABLE,
            f"{lesion.kind_code.value.replace('_', ' ')} is never measurable",
            rules.clauses[clause_id],
        )
    treated = _previously_treated(lesion, rules)
    if treated is not None:
        return treated
    return _by_method(lesion, rules, clause_id)


def _result(
    measurable: bool | None,
    category: MeasurabilityCategory,
    reason: str,
    rule: str,
    threshold: Decimal | None = None,
    measured: Decimal | None = None,
) -> Measurability:
    return Measurability(measurable, category, reason, rule, threshold, measured)


def _previously_treated(lesion: Lesion, rules: _Rules) -> Measurability | None:
    if not lesion.previously_irradiated:
        return None
    rule = rules.clauses["previously_treated"]
    if lesion.progression_since_local_treatment is None:
        return _result(
            None,
            MeasurabilityCategory.UNDETERMINED,
            "previously irradiated or locally treated: measurable only if progression in the "
            "lesion has been shown; record whether it has (and check the protocol)",
            rule,
        )
    if not lesion.progression_since_local_treatment:
        return _result(
            False,
            MeasurabilityCategory.NON_MEASURABLE,
            "previously irradiated or locally treated, with no progression shown in the lesion",
            rule,
        )
    return None


def _by_method(lesion: Lesion, rules: _Rules, kind_clause: str) -> Measurability:
    method = lesion.method_code
    measures = rules.methods[method]
    if measures == "cannot_measure":
        return _result(
            False,
            MeasurabilityCategory.NON_MEASURABLE,
            f"{method.value} is not used to measure lesions",
            rules.clauses["method"],
        )
    if measures == "unknown":
        return _result(
            None,
            MeasurabilityCategory.UNDETERMINED,
            "the measuring method is not one RECIST names (CT, MRI, callipers, chest X-ray)",
            rules.clauses["method"],
        )
    if lesion.is_nodal:
        return _node(lesion, method, rules)
    if lesion.kind_code is LesionKind.LYTIC_BONE_WITH_SOFT_TISSUE and measures != "cross_sectional":
        return _result(
            False,
            MeasurabilityCategory.NON_MEASURABLE,
            "a bone lesion is measurable only by its soft-tissue part on CT or MRI",
            rules.clauses["bone"],
        )
    return _non_nodal(lesion, measures, rules, kind_clause)


def _node(lesion: Lesion, method: Method, rules: _Rules) -> Measurability:
    rule = rules.clauses["node"]
    if method not in (Method.CT, Method.MRI):
        return _result(
            None,
            MeasurabilityCategory.UNDETERMINED,
            f"lymph nodes are measured by short axis on CT or MRI, not {method.value}",
            rule,
        )
    size = lesion.short_axis_mm
    if size is None:
        return _result(
            None, MeasurabilityCategory.UNDETERMINED, "the node's short axis is not given", rule
        )
    measurable_min = rules.thresholds["node_measurable_short_axis_mm"]
    pathological_min = rules.thresholds["node_pathological_short_axis_mm"]
    if compare(size, measurable_min) >= 0:
        reason = f"short axis {size} mm >= {measurable_min} mm: pathological and measurable"
        return _result(True, MeasurabilityCategory.MEASURABLE, reason, rule, measurable_min, size)
    if compare(size, pathological_min) >= 0:
        reason = (
            f"short axis {size} mm is {pathological_min} to < {measurable_min} mm: "
            "pathological but non-measurable (non-target)"
        )
        category = MeasurabilityCategory.PATHOLOGICAL_NODE
        return _result(False, category, reason, rule, measurable_min, size)
    reason = f"short axis {size} mm < {pathological_min} mm: a normal node"
    return _result(False, MeasurabilityCategory.NORMAL_NODE, reason, rule, measurable_min, size)


def _non_nodal(lesion: Lesion, measures: str, rules: _Rules, kind_clause: str) -> Measurability:
    size = lesion.longest_diameter_mm
    rule = rules.clauses["cross_sectional" if measures == "cross_sectional" else measures]
    if kind_clause != "cross_sectional":
        rule = f"{rule}; {rules.clauses[kind_clause]}"
    if size is None:
        return _result(
            None, MeasurabilityCategory.UNDETERMINED, "the longest diameter is not given", rule
        )
    minimum, why = _minimum(lesion, measures, rules)
    if minimum is None:
        if compare(size, rules.thresholds["cross_sectional_min_mm"]) < 0:
            reason = f"longest diameter {size} mm is below 10 mm whatever the slice thickness"
            category = MeasurabilityCategory.NON_MEASURABLE
            return _result(False, category, reason, f"{rule}; {rules.clauses['small']}", None, size)
        return _result(None, MeasurabilityCategory.UNDETERMINED, why, rule, None, size)
    if compare(size, minimum) >= 0:
        reason = f"longest diameter {size} mm >= {minimum} mm ({why})"
        return _result(True, MeasurabilityCategory.MEASURABLE, reason, rule, minimum, size)
    reason = f"longest diameter {size} mm < {minimum} mm ({why})"
    rule = f"{rule}; {rules.clauses['small']}"
    return _result(False, MeasurabilityCategory.NON_MEASURABLE, reason, rule, minimum, size)


def _minimum(lesion: Lesion, measures: str, rules: _Rules) -> tuple[Decimal | None, str]:
    """The smallest measurable diameter for this method, and why (None: not settled)."""
    t = rules.thresholds
    if measures == "caliper":
        return t["caliper_min_mm"], "callipers"
    if measures == "chest_xray":
        return t["chest_xray_min_mm"], "chest X-ray"
    slice_mm = lesion.slice_thickness_mm
    if slice_mm is None:
        return None, "the slice thickness is not given: with slices > 5 mm the minimum is 2 x slice"
    if compare(slice_mm, t["max_slice_for_fixed_min_mm"]) <= 0:
        return t["cross_sectional_min_mm"], f"slices {slice_mm} mm <= 5 mm"
    minimum = t["slice_multiplier"] * slice_mm
    return minimum, f"slices {slice_mm} mm > 5 mm: minimum is 2 x slice thickness"
