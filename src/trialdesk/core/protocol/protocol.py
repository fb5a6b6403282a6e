"""A loaded protocol: the validated model plus its criteria, parsed and checked."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from trialdesk.core.codes import CodeSet, parse_code
from trialdesk.core.criteria.ast import Criterion
from trialdesk.core.criteria.bind import Binder, default_value_sets
from trialdesk.core.criteria.parser import parse_rule
from trialdesk.core.protocol.model import ProtocolModel
from trialdesk.errors import CriteriaSyntaxError, Problem, ProtocolError, TrialDeskError

__all__ = ["Protocol", "protocol_from_mapping"]


@dataclass(frozen=True)
class Protocol:
    model: ProtocolModel
    criteria: tuple[Criterion, ...]
    source: str | None = None

    @property
    def nct_id(self) -> str:
        return self.model.registry.nct_id

    @property
    def protocol_version(self) -> str:
        return self.model.protocol_version

    @property
    def registry(self) -> Any:
        return self.model.registry

    @property
    def study(self) -> Any:
        return self.model.study

    @property
    def label(self) -> str:
        return f"protocol {self.nct_id} v{self.protocol_version}"

    def criterion(self, criterion_id: str) -> Criterion:
        for criterion in self.criteria:
            if criterion.id == criterion_id:
                return criterion
        raise KeyError(criterion_id)


def protocol_from_mapping(
    data: Mapping[str, Any],
    source: str | None = None,
    locate: Mapping[tuple[str | int, ...], int] | None = None,
) -> Protocol:
    """Validate a protocol document and check every rule; all problems are reported at once.

    ``locate`` maps a key path to its line in the source file, to make locations precise.
    """
    problems: list[Problem] = []
    try:
        model = ProtocolModel.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            path = tuple(error["loc"])
            problems.append(
                Problem(_where(path, locate), error["msg"], got=_short(error.get("input")))
            )
        # Rules are still checked, so the author sees syntax errors in the same pass.
        _check_rules_only(data, problems, locate)
        raise _protocol_error(problems, source) from None
    local = _local_value_sets(model, problems, locate)
    value_sets = default_value_sets(local)
    criteria = []
    for index, spec in enumerate(model.criteria):
        rule = _bind(spec.rule, ("criteria", index, "rule"), value_sets, problems, locate)
        if rule is not None:
            criteria.append(
                Criterion(
                    spec.id,
                    spec.kind,
                    spec.text,
                    spec.rule,
                    rule,
                    spec.interpretation,
                    spec.confidence,
                )
            )
    if problems:
        raise _protocol_error(problems, source)
    return Protocol(model, tuple(criteria), source)


def _bind(
    text: str,
    path: tuple[str | int, ...],
    value_sets: Mapping[str, CodeSet],
    problems: list[Problem],
    locate: Mapping[tuple[str | int, ...], int] | None,
) -> Any:
    where = _where(path, locate)
    try:
        syntax = parse_rule(text, where=where)
    except CriteriaSyntaxError as exc:
        problems.append(Problem(exc.where or where, exc.message, exc.expected))
        return None
    binder = Binder(value_sets, where)
    rule = binder.bind(syntax)
    problems.extend(binder.problems)
    return rule


def _check_rules_only(
    data: Mapping[str, Any],
    problems: list[Problem],
    locate: Mapping[tuple[str | int, ...], int] | None,
) -> None:
    criteria = data.get("criteria") if isinstance(data, Mapping) else None
    if not isinstance(criteria, list):
        return
    value_sets = default_value_sets({})
    for index, spec in enumerate(criteria):
        if isinstance(spec, Mapping) and isinstance(spec.get("rule"), str):
            _bind(spec["rule"], ("criteria", index, "rule"), value_sets, problems, locate)


def _local_value_sets(
    model: ProtocolModel,
    problems: list[Problem],
    locate: Mapping[tuple[str | int, ...], int] | None,
) -> dict[str, CodeSet]:
    local: dict[str, CodeSet] = {}
    for name, spec in model.value_sets.items():
        try:
            patterns = tuple(parse_code(code) for code in spec.codes)
        except TrialDeskError as exc:
            problems.append(
                Problem(_where(("value_sets", name, "codes"), locate), exc.message, exc.expected)
            )
            continue
        local[name] = CodeSet(name, spec.title, patterns, spec.source)
    return local


def _where(path: tuple[str | int, ...], locate: Mapping[tuple[str | int, ...], int] | None) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    if locate:
        for end in range(len(path), 0, -1):
            line = locate.get(tuple(path[:end]))
            if line is not None:
                return f"{text} (line {line})"
    return text or "(document)"


def _short(value: Any) -> str | None:
    if value is None or isinstance(value, Mapping | list):
        return None
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _protocol_error(problems: list[Problem], source: str | None) -> ProtocolError:
    count = len(problems)
    return ProtocolError(
        f"the protocol has {count} problem{'s' if count != 1 else ''}",
        file=source,
        problems=problems,
        hint="Fix every problem listed; 'trialdesk protocol validate FILE' checks again.",
    )
