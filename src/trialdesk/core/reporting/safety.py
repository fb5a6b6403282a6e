"""Safety tables over the safety population (treated subjects, events up to the cut-off).

* AEs by CTCAE term and worst grade per subject: a subject counts once per term, at the
  worst grade they had for it (the usual "maximum grade" convention of CTCAE summaries).
* AEs by attribution: per term, subjects with at least one event judged related (possible,
  probable or definite; CTEP's "related" set) to each intervention.
* DLT and SAE listings: one row per event.
* Lab shift tables: per test, baseline CTCAE grade against the worst grade after baseline.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from trialdesk.core.reporting.snapshot import AdverseEventFact, LabFact, StudySnapshot

__all__ = [
    "RELATED",
    "AttributionRow",
    "GradeRow",
    "LabShift",
    "adverse_events_by_attribution",
    "adverse_events_by_worst_grade",
    "dlt_listing",
    "lab_shift_tables",
    "sae_listing",
    "safety_events",
]

RELATED = ("possible", "probable", "definite")


@dataclass(frozen=True, slots=True)
class GradeRow:
    term: str
    by_grade: tuple[int, int, int, int, int]  # subjects whose worst grade is 1..5
    any_grade: int
    grade3_plus: int


@dataclass(frozen=True, slots=True)
class AttributionRow:
    term: str
    related: tuple[tuple[str, int], ...]  # (intervention, subjects with a related event)


@dataclass(frozen=True, slots=True)
class LabShift:
    test_code: str
    test_name: str
    counts: tuple[tuple[int, ...], ...]  # [baseline grade 0..4][worst grade 0..4]
    missing_baseline: int  # subjects with post-baseline values but no baseline


def safety_events(snapshot: StudySnapshot) -> list[AdverseEventFact]:
    treated = set(snapshot.treated_ids())
    return [
        ae
        for ae in snapshot.adverse_events
        if ae.subject_id in treated and ae.onset <= snapshot.cutoff
    ]


def adverse_events_by_worst_grade(snapshot: StudySnapshot) -> list[GradeRow]:
    worst: dict[str, dict[str, int]] = defaultdict(dict)
    for ae in safety_events(snapshot):
        per_subject = worst[ae.term]
        per_subject[ae.subject_id] = max(per_subject.get(ae.subject_id, 0), ae.grade)
    rows = []
    for term, per_subject in worst.items():
        grades = [0, 0, 0, 0, 0]
        for grade in per_subject.values():
            grades[grade - 1] += 1
        rows.append(
            GradeRow(
                term=term,
                by_grade=(grades[0], grades[1], grades[2], grades[3], grades[4]),
                any_grade=len(per_subject),
                grade3_plus=sum(grades[2:]),
            )
        )
    return sorted(rows, key=lambda r: (-r.any_grade, r.term))


def adverse_events_by_attribution(snapshot: StudySnapshot) -> list[AttributionRow]:
    related: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    terms: set[str] = set()
    for ae in safety_events(snapshot):
        terms.add(ae.term)
        for intervention, level in ae.attribution.items():
            if level in RELATED:
                related[ae.term][intervention].add(ae.subject_id)
    interventions = snapshot.trial.interventions or sorted(
        {i for per_term in related.values() for i in per_term}
    )
    rows = [
        AttributionRow(
            term=term,
            related=tuple((i, len(related[term].get(i, set()))) for i in interventions),
        )
        for term in terms
    ]
    return sorted(rows, key=lambda r: (-sum(n for _, n in r.related), r.term))


def dlt_listing(snapshot: StudySnapshot) -> list[AdverseEventFact]:
    return sorted(
        (ae for ae in safety_events(snapshot) if ae.dlt),
        key=lambda ae: (ae.subject_id, ae.onset, ae.ae_id),
    )


def sae_listing(snapshot: StudySnapshot) -> list[AdverseEventFact]:
    return sorted(
        (ae for ae in safety_events(snapshot) if ae.serious),
        key=lambda ae: (ae.subject_id, ae.onset, ae.ae_id),
    )


def lab_shift_tables(snapshot: StudySnapshot) -> list[LabShift]:
    """Baseline grade x worst post-baseline grade, per test; ungraded values are left out."""
    treated = set(snapshot.treated_ids())
    graded: dict[str, list[LabFact]] = defaultdict(list)
    for lab in snapshot.labs:
        if lab.subject_id in treated and lab.ctcae_grade is not None and lab.on <= snapshot.cutoff:
            graded[lab.test_code].append(lab)
    tables = []
    for code in sorted(graded):
        labs = graded[code]
        counts = [[0] * 5 for _ in range(5)]
        missing = 0
        for subject_id in sorted({lab.subject_id for lab in labs}):
            own = [lab for lab in labs if lab.subject_id == subject_id]
            base = [lab.ctcae_grade for lab in own if lab.baseline and lab.ctcae_grade is not None]
            after = [
                lab.ctcae_grade for lab in own if not lab.baseline and lab.ctcae_grade is not None
            ]
            if not after:
                continue
            if not base:
                missing += 1
                continue
            counts[base[-1]][max(after)] += 1
        tables.append(
            LabShift(
                test_code=code,
                test_name=labs[0].test_name,
                counts=tuple(tuple(row) for row in counts),
                missing_baseline=missing,
            )
        )
    return tables
