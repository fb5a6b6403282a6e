"""The three INRC 2017 components: primary tumour, soft-tissue/bone metastases, bone marrow.

Each function returns a :class:`ComponentResult` naming the rule (``data/inrc/inrc-2017.toml``)
that decided it, the measured evidence, and the items behind it that are not confirmed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from trialdesk.core.rules.inrc.assessment import (
    BoneIn,
    MarrowIn,
    MetastasesIn,
    PrimaryIn,
    SoftTissueIn,
)
from trialdesk.core.rules.inrc.tables import InrcTables
from trialdesk.core.units import compare

__all__ = [
    "ComponentResult",
    "Response",
    "evaluate_marrow",
    "evaluate_metastases",
    "evaluate_primary",
]

_ZERO = Decimal(0)


class Response(StrEnum):
    CR = "CR"
    PR = "PR"
    MR = "MR"  # overall only
    SD = "SD"
    PD = "PD"
    MD = "MD"  # marrow only: minimal disease
    NI = "NI"  # not involved at baseline and still not involved
    NE = "NE"  # not evaluable: data missing


@dataclass(frozen=True, slots=True)
class ComponentResult:
    name: str
    response: Response
    rule: str
    rule_text: str
    reasons: tuple[str, ...]
    evidence: dict[str, str | None]
    not_confirmed: tuple[str, ...]
    review: tuple[str, ...] = ()
    # Marrow MD only: whether the baseline was above the minimal-disease cut (improved into MD).
    improved_into_md: bool = False

    @property
    def confirmed(self) -> bool:
        return not self.not_confirmed

    def to_dict(self) -> dict[str, Any]:
        return {
            "component": self.name,
            "response": str(self.response),
            "rule": self.rule,
            "rule_text": self.rule_text,
            "confirmed": self.confirmed,
            "not_confirmed": list(self.not_confirmed),
            "reasons": list(self.reasons),
            "evidence": dict(self.evidence),
            "review": list(self.review),
        }


@dataclass
class _Builder:
    name: str
    tables: InrcTables
    evidence: dict[str, str | None] = field(default_factory=dict)
    review: list[str] = field(default_factory=list)

    def done(
        self, response: Response, rule: str, *reasons: str, improved_into_md: bool = False
    ) -> ComponentResult:
        return ComponentResult(
            name=self.name,
            response=response,
            rule=rule,
            rule_text=self.tables.rules[rule].text,
            reasons=reasons,
            evidence=dict(self.evidence),
            not_confirmed=self.tables.basis(rule),
            review=tuple(self.review),
            improved_into_md=improved_into_md,
        )


def _text(value: Decimal | int | None) -> str | None:
    return None if value is None else str(value)


def _ratio(now: Decimal, reference: Decimal) -> Decimal | None:
    return None if reference == _ZERO else now / reference


_TWENTY_PERCENT = Decimal("0.20")


def _progressed(now: Decimal, nadir: Decimal, t: InrcTables, b: _Builder) -> bool:
    """>= 20 % above the nadir and >= 5 mm larger (both thresholds from the table)."""
    rise = now - nadir
    relative = _ratio(rise, nadir)
    if relative is not None and compare(relative, _TWENTY_PERCENT) == 0 and rise >= 5:
        b.review.append(
            "exactly +20 % over the nadir: PD as the NCI PDQ reads ('by 20 %'); the recalled "
            "Park 2017 table said '> 20 %' (SD). Check against the article."
        )
    grew_enough = t["pd_increase"].met_by(relative) if relative is not None else rise > _ZERO
    return grew_enough and t["pd_absolute_mm"].met_by(rise)


def _shrunk(now: Decimal, baseline: Decimal, t: InrcTables) -> bool:
    decrease = _ratio(baseline - now, baseline)
    return decrease is not None and t["pr_decrease"].met_by(decrease)


# --- primary tumour ------------------------------------------------------------------------


def evaluate_primary(primary: PrimaryIn | None, tables: InrcTables) -> ComponentResult:
    b = _Builder("primary tumour", tables)
    if primary is None:
        return b.done(Response.NE, "primary_ne", "the primary tumour was not assessed")
    if not primary.present_at_baseline:
        return b.done(Response.NI, "primary_ni", "no primary tumour at baseline")
    baseline = primary.baseline_longest_diameter_mm
    assert baseline is not None  # the input model requires it when present
    given = primary.nadir_longest_diameter_mm
    nadir = baseline if given is None else min(baseline, given)
    now = primary.longest_diameter_mm
    b.evidence |= {
        "baseline_longest_diameter_mm": _text(baseline),
        "nadir_longest_diameter_mm": _text(nadir),
        "longest_diameter_mm": _text(now),
        "uptake": primary.uptake,
    }
    if primary.nadir_longest_diameter_mm is None:
        b.review.append("nadir not given: the baseline was used as the smallest value on study")
    if now is None:
        return b.done(Response.NE, "primary_ne", "longest diameter not measured")
    change = _ratio(now - baseline, baseline)
    b.evidence["change_from_baseline"] = None if change is None else f"{change:.4f}"
    b.evidence["change_from_nadir_mm"] = _text(now - nadir)
    if _progressed(now, nadir, tables, b):
        return b.done(
            Response.PD, "primary_pd", f"LD {now} mm vs smallest {nadir} mm: >= 20 % and >= 5 mm"
        )
    if tables["primary_cr_max_mm"].met_by(now):
        if primary.uptake == "resolved":
            return b.done(
                Response.CR, "primary_cr", f"residual {now} mm (< 10 mm) and uptake resolved"
            )
        b.review.append(
            f"residual {now} mm is below 10 mm but uptake is {primary.uptake or 'not reported'}; "
            "CR needs MIBG/FDG uptake at the primary completely resolved"
        )
    if _shrunk(now, baseline, tables):
        shrank = f"LD {baseline} -> {now} mm (>= 30 % smaller)"
        if primary.uptake == "increased":
            b.review.append("LD shrank >= 30 % but uptake at the primary increased")
            return b.done(Response.SD, "primary_sd_uptake_increased", shrank, "uptake increased")
        return b.done(Response.PR, "primary_pr", shrank)
    return b.done(Response.SD, "primary_sd", f"LD {baseline} -> {now} mm: neither PR nor PD")


# --- soft-tissue and bone metastases --------------------------------------------------------


def evaluate_metastases(
    metastases: MetastasesIn | None, mibg_avid: bool, tables: InrcTables
) -> ComponentResult:
    b = _Builder("soft-tissue and bone metastases", tables)
    if metastases is None:
        return b.done(Response.NE, "metastases_ne", "metastases were not assessed")
    new_pd = _qualifying_new_lesions(metastases, mibg_avid, b)
    soft = _soft_tissue(metastases.soft_tissue, tables, b)
    bone = _bone(metastases.bone, tables, b)
    if new_pd:
        return b.done(Response.PD, "metastases_pd_new_lesion", *new_pd)
    for part in (soft, bone):
        if part is not None and part[0] is Response.PD:
            return b.done(Response.PD, part[1], part[2])
    parts = [p for p in (soft, bone) if p is not None]
    if not parts:
        return b.done(Response.NI, "metastases_ni", "no soft-tissue or bone metastasis at baseline")
    reasons = tuple(p[2] for p in parts)
    if any(p[0] is Response.NE for p in parts):
        return b.done(Response.NE, "metastases_ne", *reasons)
    if all(p[0] is Response.CR for p in parts):
        return b.done(Response.CR, "metastases_cr", *reasons)
    if all(p[0] in (Response.CR, Response.PR) for p in parts):
        return b.done(Response.PR, "metastases_pr", *reasons)
    return b.done(Response.SD, "metastases_sd", *reasons)


def _qualifying_new_lesions(m: MetastasesIn, mibg_avid: bool, b: _Builder) -> list[str]:
    found: list[str] = []
    for index, lesion in enumerate(m.new_lesions):
        label = f"new {lesion.site.replace('_', '-')} lesion {lesion.description or index + 1}"
        if lesion.site == "soft_tissue":
            qualifies = lesion.evidence in ("mibg_avid", "fdg_avid", "biopsy_proven")
        elif lesion.evidence == "fdg_avid":
            # FDG-PET defines new bone disease only where the tumour does not take up MIBG.
            qualifies = not mibg_avid
            if mibg_avid:
                b.review.append(f"{label}: FDG-avid in an MIBG-avid tumour; confirm on MIBG")
        else:
            qualifies = lesion.evidence in ("mibg_avid", "biopsy_proven")
        if qualifies:
            found.append(f"{label} ({lesion.evidence})")
        else:
            b.review.append(f"{label} ({lesion.evidence}): not PD yet; follow it up")
    return found


def _soft_tissue(
    soft: SoftTissueIn | None, t: InrcTables, b: _Builder
) -> tuple[Response, str, str] | None:
    if soft is None:
        return None
    base, now = soft.baseline_sum_mm, soft.sum_mm
    nadir = min(base, soft.nadir_sum_mm if soft.nadir_sum_mm is not None else base)
    b.evidence |= {
        "soft_tissue_baseline_sum_mm": _text(base),
        "soft_tissue_nadir_sum_mm": _text(nadir),
        "soft_tissue_sum_mm": _text(now),
        "soft_tissue_non_targets": soft.non_targets,
    }
    if base == _ZERO and soft.non_targets == "none_at_baseline":
        return None
    if soft.non_targets == "progression":
        return Response.PD, "metastases_pd_non_target", "non-target soft tissue progressed"
    if base == _ZERO:
        # Non-target soft-tissue disease only: no sum to shrink, so CR or stable, never PR.
        gone = soft.non_targets == "absent" or bool(soft.all_lesions_below_10_mm)
        if gone and soft.uptake == "resolved":
            return Response.CR, "metastases_cr", "non-target soft tissue gone, uptake resolved"
        if gone:
            b.review.append("non-target soft tissue gone but uptake not reported resolved: not CR")
        return Response.SD, "metastases_sd", "non-target soft-tissue disease only"
    if now is None:
        return Response.NE, "metastases_ne", "soft-tissue sum of diameters not measured"
    if _progressed(now, nadir, t, b):
        return (
            Response.PD,
            "metastases_pd_soft_tissue",
            f"soft-tissue sum {now} mm vs smallest {nadir} mm: >= 20 % and >= 5 mm",
        )
    if soft.all_lesions_below_10_mm and soft.uptake == "resolved":
        return Response.CR, "metastases_cr", "every soft-tissue lesion < 10 mm, uptake resolved"
    if soft.all_lesions_below_10_mm:
        b.review.append("soft-tissue lesions < 10 mm but uptake not reported resolved: not CR")
    if _shrunk(now, base, t):
        return Response.PR, "metastases_pr", f"soft-tissue sum {base} -> {now} mm (>= 30 % less)"
    return Response.SD, "metastases_sd", f"soft-tissue sum {base} -> {now} mm"


def _bone(bone: BoneIn | None, t: InrcTables, b: _Builder) -> tuple[Response, str, str] | None:
    if bone is None:
        return None
    if bone.method == "fdg_pet":
        base_n, now_n = bone.baseline_avid_lesions, bone.avid_lesions
        b.evidence |= {
            "bone_method": bone.method,
            "bone_baseline_avid_lesions": _text(base_n),
            "bone_avid_lesions": _text(now_n),
        }
        if not base_n:
            return None
        if now_n is None:
            return Response.NE, "metastases_ne", "FDG-avid bone lesions not counted"
        if now_n == 0:
            return Response.CR, "metastases_cr", "no FDG-avid bone lesion left"
        fewer = Decimal(base_n - now_n) / Decimal(base_n)
        if t["fdg_pr_decrease"].met_by(fewer):
            return Response.PR, "metastases_pr", f"FDG-avid bone lesions {base_n} -> {now_n}"
        return Response.SD, "metastases_sd", f"FDG-avid bone lesions {base_n} -> {now_n}"
    base, now = bone.baseline_score, bone.score
    assert base is not None  # the input model requires it for MIBG
    b.evidence |= {
        "bone_method": bone.method,
        "bone_baseline_score": _text(base),
        "bone_score": _text(now),
    }
    if base == _ZERO:
        return None
    if now is None:
        return Response.NE, "metastases_ne", "MIBG bone score not reported"
    relative = now / base
    b.evidence["bone_relative_score"] = f"{relative:.4f}"
    if t["mibg_pd_relative_min"].met_by(relative):
        return Response.PD, "metastases_pd_mibg", f"relative MIBG score {relative:.2f} (>= 1.2)"
    if compare(now, _ZERO) == 0:
        return Response.CR, "metastases_cr", "MIBG bone score 0"
    if t["mibg_pr_relative_max"].met_by(relative):
        return Response.PR, "metastases_pr", f"relative MIBG score {relative:.2f} (<= 0.5)"
    return Response.SD, "metastases_sd", f"relative MIBG score {relative:.2f}"


# --- bone marrow ----------------------------------------------------------------------------


def evaluate_marrow(marrow: MarrowIn | None, tables: InrcTables) -> ComponentResult:
    b = _Builder("bone marrow", tables)
    if marrow is None:
        return b.done(Response.NE, "marrow_ne", "the bone marrow was not assessed")
    base, now = marrow.baseline_percent, marrow.percent
    b.evidence |= {
        "baseline_percent": _text(base),
        "percent": _text(now),
        "method": marrow.method,
    }
    if base is None or now is None:
        return b.done(Response.NE, "marrow_ne", "baseline or current infiltration missing")
    md_cut = tables["marrow_minimal_disease_max_percent"]
    if base == _ZERO:
        if now == _ZERO:
            return b.done(Response.NI, "marrow_ni", "no tumour in the marrow, before or now")
        if tables["marrow_pd_new_min_percent"].met_by(now):
            if compare(now, tables["marrow_pd_new_min_percent"].value) == 0:
                b.review.append(
                    "exactly 5 % from a negative marrow: PD as the NCI PDQ reads ('at least 5 %'); "
                    "the recalled Park 2017 table said '> 5 %' (MD). Check against the article."
                )
            return b.done(Response.PD, "marrow_pd_new", f"0 % -> {now} % (>= 5 %)")
        return b.done(Response.MD, "marrow_md", f"0 % -> {now} % (new, < 5 %)")
    if now == _ZERO:
        if not marrow.two_biopsies_two_aspirates:
            b.review.append(
                "marrow CR needs no tumour in two biopsies and two aspirates at one time point "
                "(NCI PDQ); confirm the sampling"
            )
        return b.done(Response.CR, "marrow_cr", f"{base} % -> 0 %")
    fold = now / base
    if tables["marrow_pd_fold"].met_by(fold) and tables["marrow_pd_min_percent"].met_by(now):
        if compare(fold, tables["marrow_pd_fold"].value) == 0:
            b.review.append(
                "exactly twice the baseline: PD as the NCI PDQ reads ('increases twofold'); the "
                "recalled Park 2017 table said 'more than 2-fold'. Check against the article."
            )
        return b.done(Response.PD, "marrow_pd_rise", f"{base} % -> {now} % (>= 2 x and > 20 %)")
    if md_cut.met_by(now):
        improved = not md_cut.met_by(base)
        high = tables["marrow_pd_min_percent"].met_by(base)
        rule = "marrow_md_from_5_to_20" if improved and not high else "marrow_md"
        return b.done(Response.MD, rule, f"{base} % -> {now} % (<= 5 %)", improved_into_md=improved)
    return b.done(Response.SD, "marrow_sd", f"{base} % -> {now} % (still > 5 %)")
