"""Threshold texts of a protocol's numeric tests, built once per test instead of per patient.

``NumericTest.describe`` is cached by value, which hashes the frozen dataclass in Python (and
its Decimal) on every call; the screener shows a threshold with every evidence item and reason.
These memos are keyed by the object's identity, and each entry keeps its object alive so that
an id cannot be reused while the entry exists. Protocol tests are few and long-lived; the memo
is bounded anyway.
"""

from __future__ import annotations

from trialdesk.core.criteria.ast import NumericTest

__all__ = ["described", "joined_tests_text"]

_DESCRIBED: dict[int, tuple[NumericTest, str]] = {}
_JOINED: dict[int, tuple[tuple[NumericTest, ...], str]] = {}
_MAX = 4096


def described(test: NumericTest) -> str:
    """``test.describe()``."""
    entry = _DESCRIBED.get(id(test))
    if entry is not None and entry[0] is test:
        return entry[1]
    if len(_DESCRIBED) > _MAX:
        _DESCRIBED.clear()
    text = test.describe()
    _DESCRIBED[id(test)] = (test, text)
    return text


def joined_tests_text(tests: tuple[NumericTest, ...]) -> str:
    """``" and ".join(t.describe() for t in tests)``."""
    entry = _JOINED.get(id(tests))
    if entry is not None and entry[0] is tests:
        return entry[1]
    if len(_JOINED) > _MAX:
        _JOINED.clear()
    text = " and ".join(t.describe() for t in tests)
    _JOINED[id(tests)] = (tests, text)
    return text
