"""RECIST 1.1 baseline (§4.2): which lesions are targets, which are non-targets, the baseline sum.

Targets are the investigator's choice when the input marks them (``target: true``); otherwise
TrialDesk picks the largest measurable lesions, at most 5 in all and 2 per organ. All lymph
nodes count as one organ (recist.eortc.org clarification "Two target lesions").
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from trialdesk.core.rules.recist.assessment import BaselineIn, LesionIn
from trialdesk.core.rules.recist.measurability import (
    Measurability,
    MeasurabilityCategory,
    assess_measurability,
)
from trialdesk.errors import InputError, Problem

__all__ = ["MAX_PER_ORGAN", "MAX_TARGETS", "Baseline", "BaselineLesion", "classify_baseline"]

MAX_TARGETS = 5
MAX_PER_ORGAN = 2
_NODE_ORGAN = "lymph node"


@dataclass(frozen=True, slots=True)
class BaselineLesion:
    id: str
    organ: str
    nodal: bool
    role: str  # target | non_target | excluded
    size_mm: Decimal | None
    measurability: Measurability
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "organ": self.organ,
            "nodal": self.nodal,
            "role": self.role,
            "size_mm": None if self.size_mm is None else str(self.size_mm),
            "measurability": self.measurability.to_dict(),
        }
        if self.note:
            data["note"] = self.note
        return data


@dataclass(frozen=True, slots=True)
class Baseline:
    lesions: tuple[BaselineLesion, ...]
    sum_mm: Decimal | None  # None when there is no target (non-target disease only)
    chosen_by: str  # investigator | trialdesk

    @property
    def targets(self) -> tuple[BaselineLesion, ...]:
        return tuple(lesion for lesion in self.lesions if lesion.role == "target")

    @property
    def non_targets(self) -> tuple[BaselineLesion, ...]:
        return tuple(lesion for lesion in self.lesions if lesion.role == "non_target")


def organ_key(lesion: LesionIn) -> str:
    return _NODE_ORGAN if lesion.nodal else lesion.organ.strip().lower()


def classify_baseline(baseline: BaselineIn, *, file: str | None = None) -> Baseline:
    """Measurability of every lesion, the target set, and the baseline sum of diameters."""
    assessed = [(lesion, assess_measurability(lesion.as_lesion())) for lesion in baseline.lesions]
    designated = any(lesion.target is not None for lesion in baseline.lesions)
    if designated:
        _check_designated(assessed, file)
        target_ids = {lesion.id for lesion in baseline.lesions if lesion.target}
    else:
        target_ids = _choose_targets(assessed)
    lesions = tuple(_place(lesion, m, lesion.id in target_ids) for lesion, m in assessed)
    sizes = [lesion.size_mm for lesion in lesions if lesion.role == "target"]
    total = sum((s for s in sizes if s is not None), Decimal(0)) if sizes else None
    if not any(lesion.role != "excluded" for lesion in lesions):
        raise InputError(
            "no tumour lesion at baseline: RECIST needs at least one target or non-target lesion",
            file=file,
            where="baseline.lesions",
        )
    return Baseline(lesions, total, "investigator" if designated else "trialdesk")


def _size(lesion: LesionIn) -> Decimal | None:
    return lesion.short_axis_mm if lesion.nodal else lesion.longest_diameter_mm


def _choose_targets(assessed: list[tuple[LesionIn, Measurability]]) -> set[str]:
    # Largest first; ties broken by id so that the choice is reproducible.
    candidates = [lesion for lesion, m in assessed if m.measurable is True]
    candidates.sort(key=lambda lesion: (-(_size(lesion) or Decimal(0)), lesion.id))
    chosen: list[LesionIn] = []
    per_organ: Counter[str] = Counter()
    for lesion in candidates:
        if len(chosen) == MAX_TARGETS:
            break
        if per_organ[organ_key(lesion)] < MAX_PER_ORGAN:
            chosen.append(lesion)
            per_organ[organ_key(lesion)] += 1
    return {lesion.id for lesion in chosen}


def _check_designated(assessed: list[tuple[LesionIn, Measurability]], file: str | None) -> None:
    problems: list[Problem] = []
    targets = [(i, lesion, m) for i, (lesion, m) in enumerate(assessed) if lesion.target]
    for index, lesion, m in targets:
        if m.measurable is not True:
            problems.append(
                Problem(
                    f"baseline.lesions[{index}].target",
                    f"lesion {lesion.id} cannot be a target: {m.reason}",
                    expected="a measurable lesion",
                    got=str(m.category),
                )
            )
    if len(targets) > MAX_TARGETS:
        problems.append(
            Problem(
                "baseline.lesions", "too many targets", f"at most {MAX_TARGETS}", str(len(targets))
            )
        )
    per_organ = Counter(organ_key(lesion) for _, lesion, _ in targets)
    for organ, count in sorted(per_organ.items()):
        if count > MAX_PER_ORGAN:
            problems.append(
                Problem(
                    "baseline.lesions",
                    f"too many targets in {organ}",
                    f"at most {MAX_PER_ORGAN}",
                    str(count),
                )
            )
    if problems:
        raise InputError(
            "the designated target lesions break RECIST 1.1 §4.2",
            file=file,
            where=problems[0].where,
            problems=problems,
            hint="Mark only measurable lesions as targets: at most 5, at most 2 per organ.",
        )


def _place(lesion: LesionIn, m: Measurability, is_target: bool) -> BaselineLesion:
    size = _size(lesion)
    if is_target:
        return BaselineLesion(lesion.id, lesion.organ, lesion.nodal, "target", size, m)
    if m.category in (MeasurabilityCategory.NORMAL_NODE, MeasurabilityCategory.NOT_A_LESION):
        excluded = "not followed: " + m.reason
        return BaselineLesion(lesion.id, lesion.organ, lesion.nodal, "excluded", size, m, excluded)
    note = None
    if m.measurable is None:
        note = "measurability undetermined, followed as a non-target: " + m.reason
    return BaselineLesion(lesion.id, lesion.organ, lesion.nodal, "non_target", size, m, note)
