"""Invariants of the criteria reader, over generated eligibility texts."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from trialdesk.core.criteria.parser import parse_rule
from trialdesk.core.criteria_text import parse_criteria
from trialdesk.core.criteria_text.markdown import unescape_markdown
from trialdesk.core.criteria_text.rules import render_item

_WORDS = ["hemoglobin", "platelets", "HIV", "infection", "pregnant", "ECOG", "age", "years",
          "Adequate", "function", "defined", "patients", "with", "known", "metastases", "LVEF",
          "normal", "creatinine", "ULN", "consent", "Expected", "survival", "months"]  # fmt: skip
_PIECES = st.one_of(
    st.sampled_from(_WORDS),
    st.sampled_from([">=", "<=", "≥", "<", "x", "×", "%", "g/L", "10^9/L", "1.5", "80", "18", "2"]),
    st.sampled_from(["\n", "\n\n", "; ", ", ", ": ", ". ", " or ", " and ", "(", ")"]),
    st.sampled_from(["\n* ", "\n- ", "\n1. ", "\n2. ", " (1) ", " (2) ", "\n  * ", "\n3) ", "• "]),
    st.sampled_from(["\nInclusion Criteria:\n", "\nExclusion Criteria:\n"]),
)
_SECTION_WORDS = {"Inclusion", "Exclusion", "Criteria"}


def _texts() -> st.SearchStrategy[str]:
    return st.lists(_PIECES, min_size=1, max_size=40).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(_texts())
def test_every_word_of_the_text_lands_in_an_item(text: str) -> None:
    """Nothing is dropped: each word is in some item's text or in its header."""
    items = parse_criteria(text).items
    kept = " ".join(i.text + " " + (i.header or "") for i in items)
    kept_words = set(re.findall(r"[A-Za-z]{2,}", kept))
    for word in re.findall(r"[A-Za-z]{2,}", text):
        assert word in kept_words or word in _SECTION_WORDS, (word, text, items)


@settings(max_examples=150, deadline=None)
@given(_texts())
def test_spans_are_ordered_non_overlapping_and_cite_their_text(text: str) -> None:
    previous_end = 0
    for item in parse_criteria(text).items:
        assert previous_end <= item.span[0] < item.span[1] <= len(text)
        assert text[item.span[0] : item.span[1]] == item.text
        previous_end = item.span[1]


@settings(max_examples=150, deadline=None)
@given(_texts())
def test_every_rendered_rule_parses(text: str) -> None:
    for item in parse_criteria(text).items:
        parse_rule(render_item(item).rule)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab\\>=<*^_ \n()#"), max_size=40))
def test_unescaping_keeps_a_map_back_to_every_character(raw: str) -> None:
    clean = unescape_markdown(raw)
    for index, character in enumerate(clean.text):
        start, end = clean.original_span((index, index + 1))
        assert raw[start:end].endswith(character)
