"""Check a syntax tree against the predicate catalogue and build the typed criteria tree.

Problems are collected, not raised one by one, so a protocol author sees every mistake at
once, each with its place in the rule (line:column): unknown predicates and analytes (with a
"did you mean"), thresholds without units, units of the wrong kind, contradictory bounds,
windows of zero or negative length, unknown value sets.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from trialdesk.core import analytes as analyte_catalogue
from trialdesk.core.codes import CodePattern, CodeSet, library_value_sets, parse_code
from trialdesk.core.criteria import ast as a
from trialdesk.core.criteria import syntax as s
from trialdesk.core.criteria.consistency import contradictions
from trialdesk.core.durations import Duration, parse_duration
from trialdesk.core.units import canonical_unit, compare, same_dimension
from trialdesk.errors import Problem, TrialDeskError

__all__ = ["PREDICATES", "Binder"]

_DURATION_UNITS = {"d", "day", "days", "wk", "week", "weeks", "mo", "month", "months"}
_DURATION_UNITS |= {"a", "y", "yr", "year", "years"}
_STATUSES = {
    "disease_status": "disease_status",
    "treatment_phase": "treatment_phase",
    "risk_group": "disease_status",
}


class _Invalid(Exception):
    """Raised inside the binder after a problem was recorded, to abandon one node."""


@dataclass
class Binder:
    """Binds one rule; ``where`` prefixes problem locations (e.g. ``criteria[3].rule``)."""

    value_sets: Mapping[str, CodeSet]
    where: str = "rule"
    problems: list[Problem] = field(default_factory=list)

    def bind(self, node: s.Node) -> a.Rule | None:
        try:
            return self._node(node)
        except _Invalid:
            return None

    # -- errors ---------------------------------------------------------------------------
    def _fail(
        self, span: s.Span, message: str, expected: str | None = None, got: str | None = None
    ) -> _Invalid:
        self.problems.append(Problem(f"{self.where}:{span}", message, expected, got))
        return _Invalid()

    # -- logic ----------------------------------------------------------------------------
    def _node(self, node: s.Node) -> a.Rule:
        if isinstance(node, s.All):
            items = self._items(node.items)
            for found in contradictions(items):
                raise self._fail(
                    found.span,
                    f"contradictory bounds: {found.lower} and {found.upper} can never both hold",
                    "bounds that leave some value possible",
                )
            return a.AllOf(items, node.span)
        if isinstance(node, s.Any_):
            return a.AnyOf(self._items(node.items), node.span)
        if isinstance(node, s.Not):
            return a.NotOf(self._node(node.item), node.span)
        if isinstance(node, s.If):
            otherwise = self._node(node.otherwise) if node.otherwise is not None else None
            return a.IfThen(self._node(node.condition), self._node(node.then), otherwise, node.span)
        return self._call(node)

    def _items(self, items: tuple[s.Node, ...]) -> tuple[a.Rule, ...]:
        bound: list[a.Rule] = []
        failed = False
        for item in items:
            try:
                bound.append(self._node(item))
            except _Invalid:
                failed = True
        if failed:
            raise _Invalid()
        return tuple(bound)

    def _call(self, call: s.Call) -> a.Rule:
        spec = PREDICATES.get(call.name)
        if spec is None:
            close = difflib.get_close_matches(call.name, list(PREDICATES), n=2)
            hint = f"; did you mean {' or '.join(close)}?" if close else ""
            raise self._fail(
                call.span,
                f"unknown predicate {call.name!r}{hint}",
                "one of " + ", ".join(sorted(PREDICATES)),
            )
        allowed = spec.keywords
        for key, value in call.kwargs:
            if key not in allowed:
                raise self._fail(
                    value.span,
                    f"{call.name}() has no argument {key!r}",
                    ", ".join(sorted(allowed)) or "no keyword arguments",
                )
        if spec.comparison == "required" and call.comparison is None:
            raise self._fail(call.span, f"{call.name}() needs a comparison", "e.g. >= 80 g/L")
        if spec.comparison == "forbidden" and call.comparison is not None:
            raise self._fail(call.comparison.span, f"{call.name}() takes no comparison")
        return spec.build(self, call)

    # -- argument helpers -----------------------------------------------------------------
    def sub_rules(self, call: s.Call) -> tuple[a.Rule, ...]:
        rules = []
        for value in call.args:
            if not isinstance(value, s.ExprValue):
                raise self._fail(value.span, f"{call.name}() takes rules as arguments")
            rules.append(self._node(value.expr))
        if not rules:
            raise self._fail(call.span, f"{call.name}() needs at least one rule")
        return tuple(rules)

    def names(self, call: s.Call, values: tuple[s.Value, ...] | None = None) -> tuple[str, ...]:
        out: list[str] = []
        for value in call.args if values is None else values:
            if isinstance(value, s.NameValue | s.StringValue):
                out.append(value.name if isinstance(value, s.NameValue) else value.text)
            elif isinstance(value, s.ListValue):
                out.extend(self.names(call, value.items))
            else:
                raise self._fail(value.span, f"{call.name}() expects names here")
        return tuple(out)

    def code_set(self, call: s.Call, values: tuple[s.Value, ...], label: str) -> CodeSet:
        patterns: list[CodePattern] = []
        titles: list[str] = []
        for value in values:
            if isinstance(value, s.ValueSetRef):
                found = self.value_sets.get(value.name)
                if found is None:
                    close = difflib.get_close_matches(value.name, list(self.value_sets), n=2)
                    hint = f"; did you mean {', '.join('vs.' + c for c in close)}?" if close else ""
                    raise self._fail(value.span, f"unknown value set vs.{value.name}{hint}")
                patterns.extend(found.patterns)
                titles.append(found.title)
            elif isinstance(value, s.CodeValue):
                try:
                    pattern = parse_code(value.text)
                except TrialDeskError as exc:
                    raise self._fail(value.span, exc.message, exc.expected) from None
                patterns.append(pattern)
                titles.append(str(pattern))
            elif isinstance(value, s.ListValue):
                inner = self.code_set(call, value.items, label)
                patterns.extend(inner.patterns)
                titles.append(inner.title)
            else:
                raise self._fail(
                    value.span,
                    f"{call.name}() expects codes or value sets",
                    "system:code or vs.name",
                )
        if not patterns:
            raise self._fail(call.span, f"{call.name}() needs at least one code or value set")
        return CodeSet(label, "; ".join(titles), tuple(patterns))

    def keyword_name(self, call: s.Call, key: str, default: str, allowed: set[str]) -> str:
        value = call.kwarg(key)
        if value is None:
            return default
        if not isinstance(value, s.NameValue) or value.name not in allowed:
            raise self._fail(value.span, f"bad value for {key}", " | ".join(sorted(allowed)))
        return value.name

    def window(self, call: s.Call) -> Duration | None:
        value = call.kwarg("within")
        if value is None:
            return None
        if (
            not isinstance(value, s.NumberValue)
            or value.unit is None
            or value.unit not in _DURATION_UNITS
        ):
            raise self._fail(value.span, "within= needs a duration", "e.g. within=14 days")
        if value.number <= 0:
            raise self._fail(
                value.span,
                "a window must be longer than zero",
                "a positive duration",
                str(value.number),
            )
        return parse_duration(f"{value.number} {value.unit}")

    def tests(self, call: s.Call, unit_kind: str | None = None) -> tuple[a.NumericTest, ...]:
        """The comparison as numeric tests; ``unit_kind`` is a unit the numbers must convert to."""
        comparison = call.comparison
        assert comparison is not None
        if isinstance(comparison, s.Compare):
            return (self._test(comparison.op, comparison.bound, comparison.span, unit_kind),)
        low, high = comparison.low, comparison.high
        if (
            isinstance(low, s.Absolute)
            and isinstance(high, s.Absolute)
            and low.unit is None
            and high.unit is not None
        ):
            low = s.Absolute(low.number, high.unit)  # "between 130 and 150 mmol/L"
        tests = (
            self._test(">=", low, comparison.span, unit_kind),
            self._test("<=", high, comparison.span, unit_kind),
        )
        self._check_order(tests, comparison.span)
        return tests

    def _test(self, op: str, bound: s.Bound, span: s.Span, unit_kind: str | None) -> a.NumericTest:
        if isinstance(bound, s.Multiple):
            return a.NumericTest(op, bound.factor, None, bound.limit)
        if not isinstance(bound, s.Absolute):
            raise self._fail(span, "a number is needed here", "e.g. >= 80 g/L")
        unit = bound.unit
        if unit_kind is not None:
            if unit is None and unit_kind != "1":
                raise self._fail(
                    span,
                    f"the threshold {bound.number} has no unit",
                    f"a unit convertible to {unit_kind}",
                )
            unit = canonical_unit(unit) if unit is not None else "1"
            if unit != unit_kind and not self._convertible(unit, unit_kind):
                raise self._fail(
                    span,
                    f"unit {bound.unit} cannot be compared with {unit_kind}",
                    f"a unit convertible to {unit_kind}",
                    bound.unit,
                )
        return a.NumericTest(op, bound.number, unit, None)

    def _convertible(self, unit: str, target: str) -> bool:
        try:
            return same_dimension(unit, target) or _mass_substance_pair(unit, target)
        except TrialDeskError:
            return False

    def _check_order(self, tests: tuple[a.NumericTest, ...], span: s.Span) -> None:
        low, high = tests
        same_scale = (
            low.reference_limit is None and high.reference_limit is None and low.unit == high.unit
        )
        if same_scale and compare(low.number, high.number) > 0:
            raise self._fail(
                span,
                "contradictory bounds: the lower bound is above the upper",
                f"<= {high.number}",
                str(low.number),
            )


def _mass_substance_pair(unit: str, target: str) -> bool:
    # Accepted here; the analyte's molar mass makes the conversion at evaluation time.
    kinds = {"g/L", "g/dL", "mg/dL", "mg/L", "ug/L", "ng/mL", "mmol/L", "umol/L", "nmol/L"}
    return unit in kinds and target in kinds


# -- predicate catalogue --------------------------------------------------------------------

Build = Callable[[Binder, s.Call], a.Rule]


@dataclass(frozen=True)
class PredicateSpec:
    build: Build
    keywords: frozenset[str] = frozenset()
    comparison: str = "forbidden"  # forbidden | required | optional
    summary: str = ""


def _age(b: Binder, call: s.Call) -> a.Rule:
    tests = []
    for test in b.tests(call):
        unit = test.unit or "years"
        if unit not in _DURATION_UNITS or unit in {"d", "day", "days", "wk", "week", "weeks"}:
            raise b._fail(call.span, f"age is compared in years or months, not {unit!r}")
        unit = "mo" if unit in {"mo", "month", "months"} else "a"
        tests.append(a.NumericTest(test.op, test.number, unit))
    return a.AgeCheck(tuple(tests), call.span)


def _sex(b: Binder, call: s.Call) -> a.Rule:
    sexes = b.names(call)
    bad = [x for x in sexes if x not in {"female", "male"}]
    if bad or not sexes:
        raise b._fail(call.span, "sex() takes female and/or male", "female | male", ", ".join(bad))
    return a.SexCheck(sexes, call.span)


def _measurement(category: str) -> Build:
    def build(b: Binder, call: s.Call) -> a.Rule:
        if len(call.args) != 1 or not isinstance(
            call.args[0], s.NameValue | s.StringValue | s.CodeValue
        ):
            raise b._fail(call.span, f"{call.name}() takes one analyte", "e.g. lab(hemoglobin)")
        raw = call.args[0]
        name = raw.name if isinstance(raw, s.NameValue) else raw.text
        if isinstance(raw, s.CodeValue):
            name = raw.text.partition(":")[2]
        try:
            item = analyte_catalogue.analyte(name)
        except TrialDeskError as exc:
            raise b._fail(
                raw.span, exc.message + (f"; {exc.hint}" if exc.hint else ""), exc.expected
            ) from None
        room_air = b.keyword_name(call, "room_air", "false", {"true", "false"}) == "true"
        return a.LabCheck(
            item, category, b.tests(call, item.unit), b.window(call), call.span, room_air
        )

    return build


def _condition(b: Binder, call: s.Call) -> a.Rule:
    codes = b.code_set(call, call.args, "condition")
    status = b.keyword_name(call, "status", "active", {"active", "resolved", "any"})
    return a.ConditionCheck(codes, status, b.window(call), call.span)


def _procedure(b: Binder, call: s.Call) -> a.Rule:
    return a.ProcedureCheck(b.code_set(call, call.args, "procedure"), b.window(call), call.span)


def _medication(b: Binder, call: s.Call) -> a.Rule:
    status = b.keyword_name(call, "status", "active", {"active", "any"})
    return a.MedicationCheck(
        b.code_set(call, call.args, "medication"), status, b.window(call), call.span
    )


def _allergy(b: Binder, call: s.Call) -> a.Rule:
    codes = b.code_set(call, call.args, "allergy") if call.args else None
    criticality = (
        b.keyword_name(call, "criticality", "", {"high", "low", "unable-to-assess"}) or None
    )
    return a.AllergyCheck(codes, criticality, call.span)


def _coded_status(kind: str) -> Build:
    def build(b: Binder, call: s.Call) -> a.Rule:
        values = b.names(call)
        if not values:
            raise b._fail(call.span, f"{kind}() needs at least one value", "e.g. relapsed")
        return a.CodedStatusCheck(kind, values, b.window(call), call.span)

    return build


def _finding(b: Binder, call: s.Call) -> a.Rule:
    if len(call.args) != 1 or not isinstance(call.args[0], s.CodeValue):
        raise b._fail(
            call.span,
            "finding() takes one code",
            "e.g. finding(trialdesk-clinical:lv-diastolic-function) = normal",
        )
    comparison = call.comparison
    assert comparison is not None
    if not isinstance(comparison, s.Compare) or comparison.op not in {"=", "!="}:
        raise b._fail(call.span, "finding() is compared with = or !=", "= normal or = [a, b]")
    bound = comparison.bound
    values = (
        (bound.word,)
        if isinstance(bound, s.Word)
        else bound.words
        if isinstance(bound, s.Words)
        else None
    )
    if values is None:
        raise b._fail(
            comparison.span, "finding() is compared with a coded value", "a name such as normal"
        )
    return a.FindingCheck(
        parse_code(call.args[0].text), values, comparison.op == "!=", b.window(call), call.span
    )


def _lesions(b: Binder, call: s.Call) -> a.Rule:
    standard = b.keyword_name(call, "standard", "recist11", {"recist11"})
    return a.MeasurableLesionsCheck(standard, b.tests(call, "1"), b.window(call), call.span)


def _performance(b: Binder, call: s.Call) -> a.Rule:
    scale = b.keyword_name(call, "scale", "auto", {"auto", "lansky", "karnofsky", "ecog"})
    return a.PerformanceCheck(scale, b.tests(call, "1"), b.window(call), call.span)


def _life_expectancy(b: Binder, call: s.Call) -> a.Rule:
    tests = []
    for test in b.tests(call):
        if test.unit is None or test.unit not in _DURATION_UNITS:
            raise b._fail(call.span, "life expectancy needs a duration", "e.g. >= 6 months")
        months = Duration(test.number, parse_duration(f"1 {test.unit}").unit).in_months()
        tests.append(a.NumericTest(test.op, months, "mo"))
    return a.LifeExpectancyCheck(tuple(tests), b.window(call), call.span)


def _toxicity(b: Binder, call: s.Call) -> a.Rule:
    grade = call.kwarg("above_grade")
    if not isinstance(grade, s.NumberValue) or grade.number not in {Decimal(n) for n in range(5)}:
        raise b._fail(call.span, "unresolved_toxicity() needs above_grade=0..4")
    excepted = call.kwarg("except")
    exceptions = b.code_set(call, (excepted,), "exceptions") if excepted is not None else None
    attestation = call.kwarg("attestation")
    code = attestation.name if isinstance(attestation, s.NameValue) else None
    return a.ToxicityCheck(int(grade.number), exceptions, code, call.span)


def _test_result(b: Binder, call: s.Call) -> a.Rule:
    comparison = call.comparison
    assert comparison is not None
    if (
        not isinstance(comparison, s.Compare)
        or comparison.op != "="
        or not isinstance(comparison.bound, s.Word)
    ):
        raise b._fail(call.span, "test() is compared with = positive or = negative")
    expected = comparison.bound.word
    if expected not in {"positive", "negative"}:
        raise b._fail(
            comparison.span,
            "test() results are positive or negative",
            "positive | negative",
            expected,
        )
    return a.TestResultCheck(
        b.code_set(call, call.args, "test"), expected, b.window(call), call.span
    )


def _pregnancy(kind: str) -> Build:
    def build(b: Binder, call: s.Call) -> a.Rule:
        return a.PregnancyCheck(kind, b.window(call), call.span)

    return build


def _consent(b: Binder, call: s.Call) -> a.Rule:
    scopes = b.names(call) or ("research",)
    return a.ConsentCheck(scopes[0], call.span)


def _attested(b: Binder, call: s.Call) -> a.Rule:
    names = b.names(call)
    if len(names) != 1:
        raise b._fail(
            call.span, "attested() takes one attestation code", "e.g. attested(not-highly-allergic)"
        )
    return a.AttestationCheck(names[0], b.window(call), call.span)


def _review(b: Binder, call: s.Call) -> a.Rule:
    if len(call.args) != 1 or not isinstance(call.args[0], s.StringValue):
        raise b._fail(
            call.span, "review() takes one quoted reason", 'review("why a clinician must judge")'
        )
    return a.ReviewAlways(call.args[0].text, call.span)


def _review_if(b: Binder, call: s.Call) -> a.Rule:
    rules = b.sub_rules(call)
    return a.ReviewIf(rules[0] if len(rules) == 1 else a.AnyOf(rules, call.span), call.span)


def _each_available(b: Binder, call: s.Call) -> a.Rule:
    return a.EachAvailable(b.sub_rules(call), call.span)


_W = frozenset({"within"})
PREDICATES: dict[str, PredicateSpec] = {
    "age": PredicateSpec(_age, comparison="required", summary="age in completed years (or months)"),
    "sex": PredicateSpec(_sex, summary="administrative sex"),
    "lab": PredicateSpec(_measurement("lab"), _W, "required", "latest lab result in the window"),
    "vital": PredicateSpec(
        _measurement("vital"), _W | {"room_air"}, "required", "latest vital sign"
    ),
    "echo": PredicateSpec(_measurement("echo"), _W, "required", "latest echocardiography measure"),
    "condition": PredicateSpec(_condition, _W | {"status"}, summary="a coded diagnosis"),
    "procedure": PredicateSpec(_procedure, _W, summary="a coded procedure"),
    "medication": PredicateSpec(
        _medication, _W | {"status"}, summary="a medication by code or class"
    ),
    "allergy": PredicateSpec(_allergy, frozenset({"criticality"}), summary="a recorded allergy"),
    "disease_status": PredicateSpec(
        _coded_status("disease_status"), _W, summary="latest disease status"
    ),
    "treatment_phase": PredicateSpec(
        _coded_status("treatment_phase"), _W, summary="current treatment phase"
    ),
    "risk_group": PredicateSpec(_coded_status("risk_group"), _W, summary="risk group"),
    "finding": PredicateSpec(_finding, _W, "required", summary="a coded finding"),
    "measurable_lesions": PredicateSpec(
        _lesions, _W | {"standard"}, "required", "RECIST-measurable lesions"
    ),
    "performance": PredicateSpec(_performance, _W | {"scale"}, "required", "performance status"),
    "life_expectancy": PredicateSpec(_life_expectancy, _W, "required", "clinician's estimate"),
    "unresolved_toxicity": PredicateSpec(
        _toxicity,
        frozenset({"above_grade", "except", "attestation"}),
        summary="prior toxicity not resolved",
    ),
    "test": PredicateSpec(_test_result, _W, "required", "latest qualitative test result"),
    "pregnant": PredicateSpec(_pregnancy("pregnant"), _W, summary="pregnancy"),
    "breastfeeding": PredicateSpec(_pregnancy("breastfeeding"), _W, summary="breastfeeding"),
    "consent": PredicateSpec(_consent, summary="signed research consent"),
    "attested": PredicateSpec(_attested, _W, summary="a clinician's attestation"),
    "review": PredicateSpec(_review, summary="always needs a clinician"),
    "review_if": PredicateSpec(_review_if, summary="true means review"),
    "each_available": PredicateSpec(_each_available, summary="every available check holds"),
}


def default_value_sets(local: Mapping[str, CodeSet]) -> dict[str, CodeSet]:
    merged = dict(library_value_sets())
    merged.update(local)
    return merged
