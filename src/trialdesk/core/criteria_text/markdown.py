"""ClinicalTrials.gov writes eligibility text as markdown and escapes the characters markdown
would read as syntax (``\\>=``, ``\\*``, ``10\\^9``). The parser reads the unescaped text; the
offset map turns its spans back into spans of the registry's own text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from trialdesk.core.criteria_text.model import Span

__all__ = ["Unescaped", "unescape_markdown"]

# CommonMark: any ASCII punctuation character may be backslash-escaped.
_ESCAPE = re.compile(r"\\([!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])")


@dataclass(frozen=True, slots=True)
class Unescaped:
    text: str
    starts: tuple[int, ...]  # starts[i]: where text[i] begins in the escaped text (its "\\")
    ends: tuple[int, ...]  # ends[i]: where it ends there

    def original_span(self, span: Span) -> Span:
        """The span in the registry's text that ``span`` (in ``text``) came from."""
        start, end = span
        if end <= start:
            position = self.starts[start] if start < len(self.starts) else self.total
            return (position, position)
        return (self.starts[start], self.ends[end - 1])

    @property
    def total(self) -> int:
        return self.ends[-1] if self.ends else 0


def unescape_markdown(text: str) -> Unescaped:
    characters: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    cursor = 0
    for match in _ESCAPE.finditer(text):
        for index in range(cursor, match.start()):
            characters.append(text[index])
            starts.append(index)
            ends.append(index + 1)
        characters.append(match.group(1))
        starts.append(match.start())
        ends.append(match.end())
        cursor = match.end()
    for index in range(cursor, len(text)):
        characters.append(text[index])
        starts.append(index)
        ends.append(index + 1)
    return Unescaped("".join(characters), tuple(starts), tuple(ends))
