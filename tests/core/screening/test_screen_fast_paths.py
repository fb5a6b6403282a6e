"""The screener's speed-ups change nothing observable (benchmark round 3).

``Message.of`` builds its tuple without the NamedTuple constructor, ``Truth`` hashes by
identity, and 0-1 reasons or evidence items skip de-duplication; each must give exactly what
the straightforward code gave.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from trialdesk.core.i18n import Message
from trialdesk.core.screening.engine import _unique, _unique_evidence
from trialdesk.core.screening.outcome import Truth
from trialdesk.core.screening.result import Evidence

_names = st.text("abcdefghij_", min_size=1, max_size=6)
_values = st.one_of(st.integers(), st.text(max_size=5), st.decimals(allow_nan=False))


@given(key=_names, params=st.dictionaries(_names, _values, max_size=5))
def test_message_of_equals_the_constructor(key: str, params: dict[str, object]) -> None:
    fast = Message.of(key, **params)
    plain = Message(key, tuple(params.items()))
    assert type(fast) is Message
    assert fast == plain
    assert fast.key == key
    assert fast.params == plain.params
    assert hash(fast) == hash(plain)


def test_truth_hash_is_consistent_with_equality() -> None:
    table = {truth: truth.value for truth in Truth}
    for truth in Truth:
        assert table[Truth(truth.value)] == truth.value
    assert len({*Truth, *Truth}) == len(Truth)


_evidence = st.builds(
    Evidence,
    kind=st.sampled_from(["lab", "vital"]),
    description=st.sampled_from(["Hemoglobin", "ALT"]),
    value=st.one_of(st.none(), st.sampled_from(["8", "8.0", "120"])),
)
_messages = st.builds(
    Message,
    st.sampled_from(["lab.meets", "lab.stale"]),
    st.lists(st.tuples(st.just("value"), st.decimals(Decimal(0), Decimal(3), places=1)))
    .map(tuple)
    .filter(lambda t: len(t) < 3),
)


@given(st.lists(_evidence, max_size=4))
def test_unique_evidence_equals_dict_fromkeys(items: list[Evidence]) -> None:
    assert _unique_evidence(items) == tuple(dict.fromkeys(items))


@given(st.lists(_messages, max_size=4))
def test_unique_messages_equals_dict_fromkeys(items: list[Message]) -> None:
    assert _unique(items) == tuple(dict.fromkeys(items))
