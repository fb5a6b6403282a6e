"""Split eligibility text into inclusion and exclusion items, whatever the layout.

Registries write criteria as markdown bullets, numbered lists, nested sub-items
("4. Normal organ function: (1) … (2) …") and run-on lines where the next number hides
after a semicolon ("…>=92%; 5. Expected survival…"). The splitter keeps every character
range it assigns, so each item can cite its span in the original text; nothing is dropped:
text that belongs to no list becomes an item of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from trialdesk.core.criteria_text.model import ItemKind, Span

__all__ = ["RawItem", "split_items"]

_HEADER = re.compile(
    r"(?im)(?:^|(?<=[\s.;:]))[-*•#\s]*(?:key\s+|main\s+|major\s+|general\s+|additional\s+)?"
    r"(?:(inclusion)|(exclusion)|(入选|纳入|入组)|(排除))"
    r"(?:\s+criteri(?:a|on)|(?=\s*[:：])|标准|条件)[ \t]*(?:\([^)\n]*\))?[ \t]*[:：]?"
)
_BULLET = re.compile(r"[ \t]*(?:[-*•·◦▪●○][ \t]*)+")
_NUMBER = re.compile(r"(\d{1,2})[ \t]*[.)、．](?![\d])[ \t]*")
_SUB_MARKERS = (
    re.compile(r"[(（](\d{1,2})[)）]\s*"),
    re.compile(r"(?<![\w.])(\d{1,2})\)\s*"),
    re.compile(r"(?<![\w(])([a-h])\)\s+"),
    re.compile(r"[(（]([a-h])[)）]\s+"),
)


_WRAP_WIDTH = 60  # registries that hard-wrap text wrap at 70-80 characters


@dataclass(frozen=True, slots=True)
class RawItem:
    kind: ItemKind
    number: str
    span: Span
    header: str | None = None


@dataclass(slots=True)
class _Line:
    start: int  # first character of the content (after bullets and numbers)
    end: int
    indent: int
    marked: bool
    number: int | None


def split_items(text: str, default_kind: ItemKind = ItemKind.INCLUSION) -> list[RawItem]:
    """Items in reading order; text before any section header gets ``default_kind``."""
    items: list[RawItem] = []
    for kind, start, end in _sections(text, default_kind):
        for position, (span, number) in enumerate(_top_items(text, start, end), start=1):
            found = _with_sub_items(text, kind, str(position), span, number)
            # A region of bare punctuation ("; ") is not an item.
            items.extend(i for i in found if i.span[1] > i.span[0])
    return items


def _sections(text: str, default_kind: ItemKind) -> list[tuple[ItemKind, int, int]]:
    marks = [
        (m.start(), m.end(), ItemKind.INCLUSION if m.group(1) or m.group(3) else ItemKind.EXCLUSION)
        for m in _HEADER.finditer(text)
    ]
    sections: list[tuple[ItemKind, int, int]] = []
    first = marks[0][0] if marks else len(text)
    if text[:first].strip():
        sections.append((default_kind, 0, first))
    for index, (_, body_start, kind) in enumerate(marks):
        body_end = marks[index + 1][0] if index + 1 < len(marks) else len(text)
        sections.append((kind, body_start, body_end))
    return sections


def _lines(text: str, start: int, end: int) -> list[_Line]:
    lines: list[_Line] = []
    position = start
    for raw in text[start:end].split("\n"):
        line_start, line_end = position, position + len(raw)
        position = line_end + 1
        if not raw.strip():
            continue
        indent = len(raw) - len(raw.lstrip(" \t"))
        cursor = line_start
        bullet = _BULLET.match(text, cursor, line_end)
        if bullet:
            cursor = bullet.end()
        number = _NUMBER.match(text, cursor, line_end)
        value = None
        if number and number.end() < line_end:
            cursor, value = number.end(), int(number.group(1))
        content_end = line_end
        while content_end > cursor and text[content_end - 1].isspace():
            content_end -= 1
        if content_end > cursor:
            lines.append(_Line(cursor, content_end, indent, bool(bullet or number), value))
    return lines


def _top_items(text: str, start: int, end: int) -> list[tuple[Span, int | None]]:
    """Top-level item regions: a line at the outermost indent opens one; deeper lines join it."""
    lines = _lines(text, start, end)
    if not lines:
        return []
    base = (
        min(line.indent for line in lines if line.marked)
        if any(line.marked for line in lines)
        else min(line.indent for line in lines)
    )
    regions: list[tuple[Span, int | None]] = []
    for line in lines:
        opens = line.indent <= base and not _is_sub_item(text, line)
        opens = opens and (line.marked or not _continues(text, line, regions))
        if opens or not regions:
            regions.append(((line.start, line.end), line.number))
        else:
            (region_start, _), number = regions[-1]
            regions[-1] = ((region_start, line.end), number)
    return _split_run_on(text, regions)


def _continues(text: str, line: _Line, regions: list[tuple[Span, int | None]]) -> bool:
    """An unmarked line continues the previous item when it looks like a wrapped line: it
    starts in lower case and the line before is long and does not end a sentence. Short
    unmarked lines are one criterion each ("diagnosis of ADHD", "between 16-25 years")."""
    if not regions or not text[line.start].islower():
        return False
    previous_end = regions[-1][0][1]
    previous_start = text.rfind("\n", 0, previous_end) + 1
    previous = text[previous_start:previous_end].rstrip()
    return len(previous) >= _WRAP_WIDTH and previous[-1:] not in ".;:"


def _is_sub_item(text: str, line: _Line) -> bool:
    """A line opening with "(1)" or "a)" is a sub-item of the item above, whatever its indent."""
    return line.number is None and any(p.match(text, line.start, line.end) for p in _SUB_MARKERS)


def _split_run_on(
    text: str, regions: list[tuple[Span, int | None]]
) -> list[tuple[Span, int | None]]:
    """Find "…; 5. Next item" inside an item numbered 4 and split there, repeatedly."""
    result: list[tuple[Span, int | None]] = []
    for (start, end), number in regions:
        while number is not None:
            found = re.compile(rf"(?<=[;；。.!?])\s*{number + 1}\s*[.、．](?!\d)\s*").search(
                text, start, end
            )
            if found is None:
                break
            result.append(((start, _rstrip(text, start, found.start())), number))
            start, number = found.end(), number + 1
        result.append(((start, _rstrip(text, start, end)), number))
    return result


def _with_sub_items(
    text: str, kind: ItemKind, position: str, span: Span, number: int | None
) -> list[RawItem]:
    start, end = span
    nested = [line for line in _lines(text, start, end) if line.start > start]
    markers = _sequential_markers(text, start, end)
    cuts = sorted({line.start for line in nested if line.marked} | set(markers))
    if not cuts:
        return [RawItem(kind, position, span)]
    header = text[start : _rstrip(text, start, cuts[0])].strip(" \t\n*•·-:：") or None
    bounds = [*cuts, end]
    items: list[RawItem] = []
    for index in range(len(cuts)):
        sub_start = _skip_marker(text, bounds[index], bounds[index + 1])
        sub_end = _rstrip(text, sub_start, bounds[index + 1])
        if sub_end > sub_start:
            items.append(
                RawItem(kind, f"{position}.{len(items) + 1}", (sub_start, sub_end), header)
            )
    if not items:
        return [RawItem(kind, position, span)]  # markers with nothing after them
    if header is None and len(items) == 1:
        return [RawItem(kind, position, items[0].span)]
    return items


def _sequential_markers(text: str, start: int, end: int) -> list[int]:
    """Starts of "(1) … (2) …" style markers that count up from 1 (a) without gaps."""
    for pattern in _SUB_MARKERS:
        expected, found = _first_label(pattern), []
        for match in pattern.finditer(text, start, end):
            if match.group(1) == expected:
                found.append(match.start())
                expected = _next_label(expected)
        if len(found) >= 2:
            return found
    return []


def _first_label(pattern: re.Pattern[str]) -> str:
    return "1" if r"\d" in pattern.pattern else "a"


def _next_label(label: str) -> str:
    return str(int(label) + 1) if label.isdigit() else chr(ord(label) + 1)


def _skip_marker(text: str, start: int, end: int) -> int:
    for pattern in (_BULLET, *_SUB_MARKERS, _NUMBER):
        match = pattern.match(text, start, end)
        if match:
            start = match.end()
    while start < end and text[start].isspace():
        start += 1
    return start


def _rstrip(text: str, start: int, end: int) -> int:
    while end > start and (text[end - 1].isspace() or text[end - 1] in ";；,，*•·◦▪●○"):
        end -= 1
    return end
