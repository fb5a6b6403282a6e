"""Splitting eligibility text into items, whatever the layout registries use."""

from __future__ import annotations

from trialdesk.core.criteria_text import ItemKind, parse_criteria
from trialdesk.core.criteria_text.markdown import unescape_markdown


def _items(text: str) -> list[tuple[str, str, str]]:
    return [(str(i.kind)[:3], i.number, i.text) for i in parse_criteria(text).items]


def test_numbered_lists_under_both_headers() -> None:
    text = "Inclusion Criteria:\n1. Age >= 18 years;\n2. ECOG 0-1.\nExclusion Criteria:\n1. HIV infection"
    assert _items(text) == [
        ("inc", "1", "Age >= 18 years"),
        ("inc", "2", "ECOG 0-1."),
        ("exc", "1", "HIV infection"),
    ]


def test_markdown_bullets_with_blank_lines() -> None:
    text = "Inclusion Criteria:\n\n* Platelets >= 100,000/mm3\n* Life expectancy of at least 12 weeks\n\nExclusion Criteria:\n\n* Pregnant or breastfeeding\n"
    assert [n for _, n, _ in _items(text)] == ["1", "2", "1"]
    assert _items(text)[2][0] == "exc"


def test_nested_sub_items_in_one_line_keep_their_header() -> None:
    text = (
        "Inclusion Criteria:\n4. Normal organ function, that is: (1) hemoglobin >= 80 g/L; "
        "(2) total bilirubin <= 2 x ULN; (3) LVEF >= 50%"
    )
    items = parse_criteria(text).items
    assert [i.number for i in items] == ["1.1", "1.2", "1.3"]
    assert {i.header for i in items} == {"Normal organ function, that is"}
    assert items[1].text == "total bilirubin <= 2 x ULN"


def test_run_on_numbering_after_a_semicolon_is_split() -> None:
    text = "Inclusion Criteria:\n4. Indoor air oxygen saturation >=92%; 5. Expected survival time >= 6 months; 6. Sign the consent."
    texts = [t for _, _, t in _items(text)]
    assert texts == [
        "Indoor air oxygen saturation >=92%",
        "Expected survival time >= 6 months",
        "Sign the consent.",
    ]


def test_indented_markdown_sub_bullets() -> None:
    text = "Inclusion Criteria:\n\n* Adequate organ function defined as:\n\n  * ANC >= 1500/mm3\n  * Platelets >= 100,000/mm3\n"
    items = parse_criteria(text).items
    assert [i.number for i in items] == ["1.1", "1.2"]
    assert items[0].header == "Adequate organ function defined as"


def test_text_before_any_header_takes_the_default_kind() -> None:
    items = parse_criteria("HIV infection", default_kind=ItemKind.EXCLUSION).items
    assert [i.kind for i in items] == [ItemKind.EXCLUSION]


def test_seed_listing_layout_gives_every_numbered_item(seed_text: str) -> None:
    clean = unescape_markdown(seed_text).text
    numbers = [(str(i.kind)[:3], i.number) for i in parse_criteria(clean).items]
    assert numbers == [
        ("inc", "1"), ("inc", "2"), ("inc", "3"),
        ("inc", "4.1"), ("inc", "4.2"), ("inc", "4.3"), ("inc", "4.4"), ("inc", "4.5"),
        ("inc", "5"), ("inc", "6"),
        ("exc", "1"), ("exc", "2"), ("exc", "3"), ("exc", "4"), ("exc", "5"), ("exc", "6"),
    ]  # fmt: skip


def test_markdown_escapes_are_removed_and_spans_map_back() -> None:
    raw = r"hemoglobin \>= 80 g/L; 10\^9/L and \*"
    clean = unescape_markdown(raw)
    assert clean.text == "hemoglobin >= 80 g/L; 10^9/L and *"
    start = clean.text.index(">=")
    assert raw[slice(*clean.original_span((start, start + 2)))] == r"\>="
    assert clean.original_span((0, len(clean.text))) == (0, len(raw))
