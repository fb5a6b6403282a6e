"""The protocol's treatment section as data: cycles, visits, products, the DLT definition,
the safety stopping rules and the response criteria.

Validated strictly, like the rest of the protocol (unknown keys are errors). Every part that a
study team may not have published carries ``example: true`` and a note, so the service can show
"example schedule: replace by amendment" instead of passing it off as the real protocol.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "Attribution",
    "BoundaryRow",
    "CycleSpec",
    "DltCriterion",
    "DltDefinition",
    "DltException",
    "ProductSpec",
    "ResponseSpec",
    "StoppingRule",
    "TreatmentPlan",
    "VisitSpec",
]

# The usual five-step causality scale of oncology protocols (NCI/CTEP AE reporting guidance).
Attribution = Literal["unrelated", "unlikely", "possible", "probable", "definite"]
ATTRIBUTION_ORDER: tuple[str, ...] = ("unrelated", "unlikely", "possible", "probable", "definite")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProductSpec(_Strict):
    """One product given on study and the dose range the protocol allows."""

    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    name: str
    intervention: str  # the registry intervention it belongs to (for attribution)
    dose_basis: Literal["per_kg", "per_m2", "flat"]
    dose_unit: str  # UCUM, e.g. "mg/m2", "10*6/kg" (million cells per kg)
    target_dose: Decimal | None = Field(default=None, gt=0)
    min_dose: Decimal | None = Field(default=None, ge=0)
    max_dose: Decimal | None = Field(default=None, gt=0)
    route: str | None = None  # e.g. IV, PO
    bsa_formula: Literal["mosteller", "haycock"] | None = None  # needed for per_m2
    note: str | None = None

    @model_validator(mode="after")
    def _range_and_formula(self) -> ProductSpec:
        if (
            self.min_dose is not None
            and self.max_dose is not None
            and self.min_dose > self.max_dose
        ):
            raise ValueError(f"{self.id}: min_dose is above max_dose")
        if self.dose_basis == "per_m2" and self.bsa_formula is None:
            raise ValueError(f"{self.id}: a per_m2 dose needs bsa_formula (mosteller or haycock)")
        return self


class VisitSpec(_Strict):
    """A visit on each of ``days`` of each cycle in ``cycles`` (day 1 = the cycle's first day).

    ``cycles`` may name ``count + 1``: the day the next cycle would start, used for the
    end-of-treatment assessment.
    """

    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]*$")]
    label: str
    kind: Literal["treatment", "assessment", "safety", "end_of_treatment"]
    cycles: Annotated[list[int], Field(min_length=1)]
    days: Annotated[list[int], Field(min_length=1)]
    window_before_days: Annotated[int, Field(ge=0)] = 0
    window_after_days: Annotated[int, Field(ge=0)] = 0
    products: list[str] = Field(default_factory=list)
    procedures: list[str] = Field(default_factory=list)  # labs, imaging, mibg, marrow, ...


class CycleSpec(_Strict):
    count: Annotated[int, Field(ge=1)]
    length_days: Annotated[int, Field(ge=1)]
    start_after_enrollment_days: Annotated[int, Field(ge=0)] = 0
    start_window_days: Annotated[int, Field(ge=0)] = 0  # cycle 1 day 1 may slip this much


class DltException(_Strict):
    """Events that meet a criterion but are not DLTs (for example expected, short-lived ones)."""

    terms: Annotated[list[str], Field(min_length=1)]
    max_grade: Annotated[int, Field(ge=1, le=5)]
    # Dates are recorded as days, so "resolves within 72 h" is written as 3 days.
    resolved_within_days: Annotated[int, Field(ge=0)] | None = None
    label: str


class DltCriterion(_Strict):
    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$")]
    label: str
    min_grade: Annotated[int, Field(ge=1, le=5)]
    # Which events: listed terms, or every term of the listed SOCs, or (neither) every term.
    terms: list[str] = Field(default_factory=list)
    socs: list[str] = Field(default_factory=list)
    except_terms: list[str] = Field(default_factory=list)
    except_socs: list[str] = Field(default_factory=list)
    min_duration_days: Annotated[int, Field(ge=1)] | None = None  # "lasting more than N-1 days"
    attribution_required: bool = True
    exceptions: list[DltException] = Field(default_factory=list)


class DltDefinition(_Strict):
    example: bool = False
    note: str | None = None
    window_days: Annotated[int, Field(ge=1)]  # from the first dose of ``window_from_product``
    window_from_product: str
    attributable_products: Annotated[list[str], Field(min_length=1)]
    min_attribution: Attribution = "possible"
    criteria: Annotated[list[DltCriterion], Field(min_length=1)]


class BoundaryRow(_Strict):
    treated: Annotated[int, Field(ge=1)]
    stop_at_dlts: Annotated[int, Field(ge=0)]


class StoppingRule(_Strict):
    """``bayesian_beta_binomial``: stop if P(DLT rate > theta | data) > threshold under a
    Beta(prior_a, prior_b) prior. ``boundary_table``: stop when the DLT count among the
    evaluable subjects reaches ``stop_at_dlts`` for that number treated."""

    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$")]
    kind: Literal["bayesian_beta_binomial", "boundary_table"]
    label: str
    example: bool = False
    note: str | None = None
    source: str | None = None
    theta: Annotated[Decimal, Field(gt=0, lt=1)] | None = None
    threshold: Annotated[Decimal, Field(gt=0, lt=1)] | None = None
    prior_a: Annotated[Decimal, Field(gt=0)] | None = None
    prior_b: Annotated[Decimal, Field(gt=0)] | None = None
    max_subjects: Annotated[int, Field(ge=1)] | None = None
    boundaries: list[BoundaryRow] = Field(default_factory=list)

    @model_validator(mode="after")
    def _parameters_of_kind(self) -> StoppingRule:
        if self.kind == "bayesian_beta_binomial":
            missing = [
                name
                for name in ("theta", "threshold", "prior_a", "prior_b", "max_subjects")
                if getattr(self, name) is None
            ]
            if missing:
                raise ValueError(f"{self.id}: a Bayesian rule needs {', '.join(missing)}")
        elif not self.boundaries:
            raise ValueError(f"{self.id}: a boundary_table rule needs boundaries")
        treated = [row.treated for row in self.boundaries]
        if treated != sorted(set(treated)):
            raise ValueError(f"{self.id}: boundaries must be in increasing 'treated' order")
        return self


ResponseCriteria = Literal["RECIST 1.1", "INRC 2017"]


def _recist_only() -> list[ResponseCriteria]:
    return ["RECIST 1.1"]


class ResponseSpec(_Strict):
    criteria: Annotated[list[ResponseCriteria], Field(min_length=1)] = Field(
        default_factory=_recist_only
    )
    primary: ResponseCriteria = "RECIST 1.1"
    # Best overall responses that count as disease control (RECIST and INRC categories).
    disease_control: list[str] = Field(default_factory=lambda: ["CR", "PR", "SD"])
    confirmation_required: bool = True


class TreatmentPlan(_Strict):
    example: bool = False
    note: str | None = None
    cycles: CycleSpec
    products: Annotated[list[ProductSpec], Field(min_length=1)]
    visits: Annotated[list[VisitSpec], Field(min_length=1)]
    dlt: DltDefinition
    stopping_rules: list[StoppingRule] = Field(default_factory=list)
    response: ResponseSpec = Field(default_factory=ResponseSpec)
    sae_report_hours: Annotated[int, Field(ge=1)] = 24

    @model_validator(mode="after")
    def _references_resolve(self) -> TreatmentPlan:
        products = {p.id for p in self.products}
        if len(products) != len(self.products):
            raise ValueError("product ids must be unique")
        ids = [v.id for v in self.visits]
        if len(set(ids)) != len(ids):
            raise ValueError("visit ids must be unique")
        for visit in self.visits:
            unknown = sorted(set(visit.products) - products)
            if unknown:
                raise ValueError(f"visit {visit.id!r} names unknown products {unknown}")
            late = [c for c in visit.cycles if not 1 <= c <= self.cycles.count + 1]
            if late:
                raise ValueError(
                    f"visit {visit.id!r}: cycles {late} outside 1..{self.cycles.count + 1}"
                )
            beyond = [d for d in visit.days if d > self.cycles.length_days]
            if beyond and visit.kind != "end_of_treatment":
                raise ValueError(
                    f"visit {visit.id!r}: days {beyond} are after the cycle's "
                    f"{self.cycles.length_days} days"
                )
        dlt_products = {self.dlt.window_from_product, *self.dlt.attributable_products}
        unknown = sorted(dlt_products - products)
        if unknown:
            raise ValueError(f"dlt names unknown products {unknown}")
        rule_ids = [r.id for r in self.stopping_rules]
        if len(set(rule_ids)) != len(rule_ids):
            raise ValueError("stopping rule ids must be unique")
        if self.response.primary not in self.response.criteria:
            raise ValueError("response.primary must be one of response.criteria")
        return self

    def product(self, product_id: str) -> ProductSpec:
        for item in self.products:
            if item.id == product_id:
                return item
        known = ", ".join(p.id for p in self.products)
        raise KeyError(f"unknown product {product_id!r}; the protocol has {known}")
