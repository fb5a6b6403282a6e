"""Parse a criteria expression into the syntax tree (LALR, built once)."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Any

from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, VisitError

from trialdesk.core.criteria import syntax as s
from trialdesk.errors import CriteriaSyntaxError

__all__ = ["parse_rule"]


@lru_cache(maxsize=1)
def _parser() -> Lark:
    grammar = resources.files("trialdesk.core.criteria").joinpath("grammar.lark").read_text("utf-8")
    return Lark(grammar, parser="lalr", propagate_positions=True, maybe_placeholders=True)


def _span(meta: Any) -> s.Span:
    if getattr(meta, "empty", True):
        return s.Span(1, 1, 0, 0)
    return s.Span(meta.line, meta.column, meta.start_pos, meta.end_pos)


def _tok_span(token: Token) -> s.Span:
    return s.Span(token.line or 1, token.column or 1, token.start_pos or 0, token.end_pos or 0)


@v_args(meta=True)
class _ToSyntax(Transformer[Token, s.Node]):
    def ifexpr(self, meta: Any, items: list[Any]) -> s.If:
        condition, then, otherwise = items
        return s.If(condition, then, otherwise, _span(meta))

    def or_(self, meta: Any, items: list[Any]) -> s.Any_:
        left, right = items
        parts = (*left.items, right) if isinstance(left, s.Any_) else (left, right)
        return s.Any_(parts, _span(meta))

    def and_(self, meta: Any, items: list[Any]) -> s.All:
        left, right = items
        parts = (*left.items, right) if isinstance(left, s.All) else (left, right)
        return s.All(parts, _span(meta))

    def not_(self, meta: Any, items: list[Any]) -> s.Not:
        return s.Not(items[0], _span(meta))

    def call(self, meta: Any, items: list[Any]) -> s.Call:
        name, *rest = items
        comparison = rest.pop() if rest and isinstance(rest[-1], s.Compare | s.Between) else None
        if rest and rest[-1] is None:  # the optional comparison placeholder
            rest.pop()
        args = [a for a in rest if a is not None]
        positional = tuple(v for kind, v in args if kind == "pos")
        keywords = tuple((kind[1], v) for kind, v in args if kind != "pos")
        return s.Call(str(name), positional, keywords, comparison, _span(meta))

    def kwarg(self, meta: Any, items: list[Any]) -> tuple[tuple[str, str], s.Value]:
        return (("kw", str(items[0])), items[1])

    def posarg(self, meta: Any, items: list[Any]) -> tuple[str, s.Value]:
        return ("pos", items[0])

    def string(self, meta: Any, items: list[Any]) -> s.StringValue:
        raw = str(items[0])[1:-1]
        return s.StringValue(raw.replace('\\"', '"').replace("\\\\", "\\"), _span(meta))

    def number(self, meta: Any, items: list[Any]) -> s.NumberValue:
        unit = str(items[1]) if items[1] is not None else None
        return s.NumberValue(Decimal(str(items[0])), unit, _span(meta))

    def code(self, meta: Any, items: list[Any]) -> s.CodeValue:
        system, _, code = str(items[0]).partition(":")
        return s.CodeValue(f"{system}:{code.strip(chr(34))}", _span(meta))

    def vsref(self, meta: Any, items: list[Any]) -> s.ValueSetRef:
        return s.ValueSetRef(str(items[0])[3:], _span(meta))

    def name(self, meta: Any, items: list[Any]) -> s.NameValue:
        return s.NameValue(str(items[0]), _span(meta))

    def listvalue(self, meta: Any, items: list[Any]) -> s.ListValue:
        return s.ListValue(tuple(i for i in items if i is not None), _span(meta))

    def subexpr(self, meta: Any, items: list[Any]) -> s.ExprValue:
        return s.ExprValue(items[0], _span(meta))

    def compare(self, meta: Any, items: list[Any]) -> s.Compare:
        return s.Compare(str(items[0]), items[1], _span(meta))

    def between(self, meta: Any, items: list[Any]) -> s.Between:
        return s.Between(items[0], items[1], _span(meta))

    def multiple(self, meta: Any, items: list[Any]) -> s.Multiple:
        return s.Multiple(Decimal(str(items[0])), str(items[2]))

    def absolute(self, meta: Any, items: list[Any]) -> s.Absolute:
        unit = str(items[1]) if items[1] is not None else None
        return s.Absolute(Decimal(str(items[0])), unit)

    def word(self, meta: Any, items: list[Any]) -> s.Word:
        return s.Word(str(items[0]))

    def words(self, meta: Any, items: list[Any]) -> s.Words:
        return s.Words(tuple(str(i) for i in items))


def parse_rule(text: str, where: str | None = None, file: str | None = None) -> s.Node:
    """The syntax tree of ``text``; a CriteriaSyntaxError with line and column otherwise."""
    try:
        node = _syntax_of(text)
    except UnexpectedInput as exc:
        raise _syntax_error(text, exc, where, file) from None
    except VisitError as exc:  # pragma: no cover - a transformer bug, not user input
        raise CriteriaSyntaxError(
            f"cannot read rule: {exc.orig_exc}", file=file, where=where
        ) from exc
    if not isinstance(node, s.Call | s.All | s.Any_ | s.Not | s.If):
        raise CriteriaSyntaxError(
            "a rule must be a predicate or a combination of predicates",
            file=file,
            where=where,
            expected="e.g. lab(hemoglobin) >= 80 g/L",
            got=text,
        )
    return node


@lru_cache(maxsize=4096)
def _syntax_of(text: str) -> s.Node:
    # Imported registries repeat the same rule texts thousands of times; the trees are frozen
    # and their spans are relative to the text, so one parse serves every occurrence.
    tree: Tree[Token] = _parser().parse(text)
    node: s.Node = _ToSyntax().transform(tree)
    return node


def _syntax_error(
    text: str, exc: UnexpectedInput, where: str | None, file: str | None
) -> CriteriaSyntaxError:
    line, column = getattr(exc, "line", 1), getattr(exc, "column", 1)
    token = getattr(exc, "token", None)
    if isinstance(exc, UnexpectedEOF) or getattr(token, "type", None) == "$END":
        message = "the rule ends too early"
    elif isinstance(exc, UnexpectedCharacters):
        position = exc.pos_in_stream or 0
        message = f"unexpected character {text[position : position + 1]!r}"
    else:
        message = f"unexpected {str(token)!r}" if token is not None else "unexpected input"
    context = exc.get_context(text).rstrip() if line and line > 0 else text
    location = f"{where}:{line}:{column}" if where else f"{line}:{column}"
    expected = sorted(getattr(exc, "expected", None) or getattr(exc, "allowed", None) or [])
    return CriteriaSyntaxError(
        f"{message} at line {line}, column {column}\n{context}",
        file=file,
        where=location,
        expected=", ".join(expected[:8]) if expected else None,
    )
