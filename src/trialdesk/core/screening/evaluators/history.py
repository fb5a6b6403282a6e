"""Coded history: conditions, procedures, medications and allergies.

A match counts when it is not refuted and not after the as-of date. An unconfirmed
(provisional, differential) diagnosis is REVIEW. What "nothing recorded" means depends on
which answer helps eligibility (see ``context.absent``).
"""

from __future__ import annotations

from trialdesk.core.codes import CodeSet
from trialdesk.core.criteria.ast import (
    AllergyCheck,
    ConditionCheck,
    MedicationCheck,
    ProcedureCheck,
)
from trialdesk.core.i18n import Message
from trialdesk.core.record import Coding, ConditionRecord, FuzzyDate, MedicationRecord
from trialdesk.core.screening.context import Context, absent
from trialdesk.core.screening.outcome import Outcome, Truth
from trialdesk.core.screening.result import Evidence

__all__ = ["evaluate_allergy", "evaluate_condition", "evaluate_medication", "evaluate_procedure"]

M = Message.of
_ACTIVE = {"active", "recurrence", "relapse"}
_RESOLVED = {"inactive", "remission", "resolved"}
_TENTATIVE = {"unconfirmed", "provisional", "differential"}
_ACTIVE_MEDICATION = {"active", "in-progress", "on-hold", "intended"}


def _modifier_review(
    modified: list[tuple[str, tuple[str, ...]]], evidence: list[Evidence]
) -> Outcome:
    """A matching resource whose meaning an unknown modifierExtension may change: review."""
    resource, urls = modified[0]
    return Outcome.review(
        M("record.unknown_modifier", resource=resource, urls=", ".join(urls)),
        M("record.modifier_need"),
        *evidence,
    )


def _date(when: FuzzyDate | None) -> str | None:
    return str(when) if when is not None else None


def _first_match(codes: CodeSet, codings: tuple[Coding, ...]) -> Coding | None:
    """``codes.matches(codings)``, remembering per code set which (system, code) pairs match:
    the same few diagnosis codes recur in every record, and a pattern test (ICD-10 ranges and
    hierarchies) costs more than a dictionary look-up."""
    known = _MATCHES.get(id(codes))
    if known is None or known[0] is not codes:
        known = _MATCHES[id(codes)] = (codes, {})
    seen = known[1]
    for coding in codings:
        key = (coding.system, coding.code)
        hit = seen.get(key)
        if hit is None:
            if len(seen) > _MAX_REMEMBERED:
                seen.clear()
            hit = seen[key] = codes.matches((coding,)) is not None
        if hit:
            return coding
    return None


# id(code set) -> (the code set, {(system, code): matches}); the code set is kept alive with
# its entry, so an id is never reused while its entry exists.
_MATCHES: dict[int, tuple[CodeSet, dict[tuple[str, str], bool]]] = {}
_MAX_REMEMBERED = 10_000


def evaluate_condition(node: ConditionCheck, ctx: Context, favourable: Truth | None) -> Outcome:
    start = node.window.before(ctx.as_of) if node.window else None
    matches: list[tuple[ConditionRecord, str]] = []
    for condition in ctx.record.conditions:
        coding = _first_match(node.codes, condition.codes)
        if coding is None or condition.verification_status == "refuted":
            continue
        when = condition.onset or condition.recorded
        if ctx.in_future(when):
            continue
        if start is not None and when is not None and when.latest < start:
            continue
        if not _status_matches(condition, node.status):
            continue
        matches.append((condition, f"{coding.system}:{coding.code}"))
    if not matches:
        truth, message = absent(
            favourable,
            M("condition.none", what=node.codes.title, count=len(ctx.record.conditions)),
            M("condition.need", what=node.codes.title),
        )
        if truth is Truth.UNKNOWN:
            return Outcome.unknown(M("condition.not_recorded", what=node.codes.title), message)
        return Outcome.of(truth, message)
    evidence = [_condition_evidence(c, code, node.codes.title) for c, code in matches]
    modifiers = [c for c, _ in matches if c.unknown_modifiers]
    if modifiers:
        return Outcome.review(
            M(
                "record.unknown_modifier",
                resource=str(modifiers[0].ref),
                urls=", ".join(modifiers[0].unknown_modifiers),
            ),
            M("record.modifier_need"),
            *evidence,
        )
    if all(c.verification_status in _TENTATIVE for c, _ in matches):
        return Outcome.review(
            M("condition.tentative", what=node.codes.title),
            M("condition.confirm", what=node.codes.title),
            *evidence,
        )
    if any(c.clinical_status is None for c, _ in matches) and node.status != "any":
        return Outcome.review(
            M("condition.no_status", what=node.codes.title),
            M("condition.confirm", what=node.codes.title),
            *evidence,
        )
    return Outcome.of(Truth.TRUE, M("condition.found", what=node.codes.title), *evidence)


def _status_matches(condition: ConditionRecord, wanted: str) -> bool:
    if wanted == "any" or condition.clinical_status is None:
        return True
    if wanted == "active":
        return condition.clinical_status in _ACTIVE
    return condition.clinical_status in _RESOLVED


def _condition_evidence(condition: ConditionRecord, code: str, title: str) -> Evidence:
    return Evidence(
        kind="condition",
        description=title,
        resource=str(condition.ref),
        value=code,
        date=_date(condition.onset or condition.recorded),
        note=", ".join(x for x in (condition.clinical_status, condition.verification_status) if x)
        or None,
        source_file=condition.ref.file,
    )


def evaluate_procedure(node: ProcedureCheck, ctx: Context, favourable: Truth | None) -> Outcome:
    start = node.window.before(ctx.as_of) if node.window else None
    evidence = []
    modified: list[tuple[str, tuple[str, ...]]] = []
    for procedure in ctx.record.procedures:
        coding = _first_match(node.codes, procedure.codes)
        if coding is None or procedure.status not in ("completed", "in-progress", "unknown"):
            continue
        if ctx.in_future(procedure.performed):
            continue
        if (
            start is not None
            and procedure.performed is not None
            and procedure.performed.latest < start
        ):
            continue
        if procedure.unknown_modifiers:
            modified.append((str(procedure.ref), procedure.unknown_modifiers))
        evidence.append(
            Evidence(
                "procedure",
                node.codes.title,
                str(procedure.ref),
                f"{coding.system}:{coding.code}",
                date=_date(procedure.performed),
                note=procedure.status,
                source_file=procedure.ref.file,
            )
        )
    if not evidence:
        truth, message = absent(
            favourable,
            M("procedure.none", what=node.codes.title),
            M("procedure.need", what=node.codes.title),
        )
        if truth is Truth.UNKNOWN:
            return Outcome.unknown(M("procedure.not_recorded", what=node.codes.title), message)
        return Outcome.of(truth, message)
    if modified:
        return _modifier_review(modified, evidence)
    return Outcome.of(Truth.TRUE, M("procedure.found", what=node.codes.title), *evidence)


def evaluate_medication(node: MedicationCheck, ctx: Context, favourable: Truth | None) -> Outcome:
    start = node.window.before(ctx.as_of) if node.window else None
    evidence = []
    modified: list[tuple[str, tuple[str, ...]]] = []
    unclassified: list[Evidence] = []
    for medication in ctx.record.medications:
        if medication.status in _NOT_TAKEN and node.status == "active":
            continue
        coding = _first_match(node.codes, medication.codes)
        if coding is None:
            if not node.codes.can_place(medication.codes) and _medication_in_scope(
                medication, node.status, start, ctx
            ):
                unclassified.append(_unclassified_evidence(node, medication))
            continue
        if not _medication_in_scope(medication, node.status, start, ctx):
            continue
        if medication.unknown_modifiers:
            modified.append((str(medication.ref), medication.unknown_modifiers))
        evidence.append(
            Evidence(
                "medication",
                node.codes.title,
                str(medication.ref),
                f"{coding.system}:{coding.code}",
                date=_date(medication.start),
                note=medication.status,
                source_file=medication.ref.file,
            )
        )
    if not evidence and unclassified:
        return Outcome.review(
            M(
                "medication.unclassified",
                what=node.codes.title,
                count=len(unclassified),
                systems=", ".join(s.upper() for s in node.codes.systems),
            ),
            M(
                "medication.classify",
                what=node.codes.title,
                systems=", ".join(s.upper() for s in node.codes.systems),
            ),
            *unclassified,
        )
    if not evidence:
        truth, message = absent(
            favourable,
            M("medication.none", what=node.codes.title),
            M("medication.need", what=node.codes.title),
        )
        if truth is Truth.UNKNOWN:
            return Outcome.unknown(M("medication.not_recorded", what=node.codes.title), message)
        return Outcome.of(truth, message)
    if modified:
        return _modifier_review(modified, evidence)
    return Outcome.of(Truth.TRUE, M("medication.found", what=node.codes.title), *evidence)


_NOT_TAKEN = ("cancelled", "entered-in-error", "not-taken", "stopped")


def _unclassified_evidence(node: MedicationCheck, medication: MedicationRecord) -> Evidence:
    written = ", ".join(f"{c.system}:{c.code}" for c in medication.codes) or "no code"
    label = next((c.display for c in medication.codes if c.display), None)
    return Evidence(
        "medication",
        label or written,
        str(medication.ref),
        written,
        date=_date(medication.start),
        note=medication.status,
        source_file=medication.ref.file,
    )


def _medication_in_scope(
    medication: MedicationRecord, status: str, start: object, ctx: Context
) -> bool:
    if ctx.in_future(medication.start):
        return False
    if status == "active":
        ended = medication.end is not None and medication.end.latest < ctx.as_of
        return medication.status in _ACTIVE_MEDICATION and not ended
    if start is not None and medication.end is not None:
        return bool(medication.end.latest >= start)  # type: ignore[operator]
    return True


def evaluate_allergy(node: AllergyCheck, ctx: Context, favourable: Truth | None) -> Outcome:
    evidence = []
    modified: list[tuple[str, tuple[str, ...]]] = []
    for allergy in ctx.record.allergies:
        if allergy.clinical_status not in (None, "active") or allergy.verification_status in (
            "refuted",
            "entered-in-error",
        ):
            continue
        if node.codes is not None and _first_match(node.codes, allergy.codes) is None:
            continue
        if node.criticality is not None and allergy.criticality != node.criticality:
            continue
        if allergy.unknown_modifiers:
            modified.append((str(allergy.ref), allergy.unknown_modifiers))
        label = allergy.codes[0].display or allergy.codes[0].code if allergy.codes else "allergy"
        evidence.append(
            Evidence(
                "allergy",
                label,
                str(allergy.ref),
                allergy.criticality,
                date=_date(allergy.recorded),
                source_file=allergy.ref.file,
            )
        )
    what = node.codes.title if node.codes else f"allergy (criticality {node.criticality or 'any'})"
    if not evidence:
        truth, message = absent(
            favourable, M("allergy.none", what=what), M("allergy.need", what=what)
        )
        if truth is Truth.UNKNOWN:
            return Outcome.unknown(M("allergy.not_recorded", what=what), message)
        return Outcome.of(truth, message)
    if modified:
        return _modifier_review(modified, evidence)
    return Outcome.of(Truth.TRUE, M("allergy.found", what=what), *evidence)
