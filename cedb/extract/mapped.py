"""Text that remembers where each of its characters came from.

Normalising a PDF or HTML text (joining hyphenated words, dropping tags,
rewriting ``cm⁻²``) changes its length, but a curator needs offsets into the
text as it was read. ``MappedText`` keeps the edits of every normalising step
(where each replacement stands in the text before and after it), so a sentence
found in the normalised text maps back to ``source[start:end]``.

Only the edits are stored, not a map per character: a 25 MB text must normalise
in seconds and in memory proportional to the number of edits (issue #19).
"""

import bisect
import re
from array import array
from collections.abc import Callable
from dataclasses import dataclass

Replacement = str | Callable[[re.Match[str]], str]


@dataclass(frozen=True)
class _Step:
    """The edits of one ``sub``: new text ``[new_start, new_end)`` replaced old ``[old_start,"
    " old_end)``."""

    new_start: array
    new_end: array
    old_start: array
    old_end: array

    def first(self, c: int) -> int:
        """The character of the text before this step where new character ``c`` begins."""
        i = bisect.bisect_right(self.new_start, c) - 1
        if i < 0:
            return c
        if c < self.new_end[i]:
            return self.old_start[i]
        return c - self.new_end[i] + self.old_end[i]

    def last(self, c: int) -> int:
        """The character of the text before this step where new character ``c`` ends."""
        i = bisect.bisect_right(self.new_start, c) - 1
        if i < 0:
            return c
        if c < self.new_end[i]:
            return self.old_end[i] - 1
        return c - self.new_end[i] + self.old_end[i]


@dataclass(frozen=True)
class MappedText:
    """A normalised text and the steps that made it from its source."""

    text: str
    steps: tuple[_Step, ...] = ()

    @classmethod
    def identity(cls, source: str) -> "MappedText":
        """The source itself: character i stands for source[i:i+1]."""
        return cls(source)

    def sub(self, pattern: str | re.Pattern[str], repl: Replacement, flags: int = 0) -> "MappedText":
        """Like ``re.sub``; every replacement character maps to the whole matched source span.

        Empty matches are ignored: an insertion has no source of its own.
        """
        regex = re.compile(pattern, flags) if isinstance(pattern, str) else pattern
        literal = isinstance(repl, str) and "\\" not in repl  # no template to expand
        parts: list[str] = []
        new_start, new_end, old_start, old_end = edits = (
            array("q"),
            array("q"),
            array("q"),
            array("q"),
        )
        text, append = self.text, parts.append
        delta = last = 0  # delta: length of the new text minus the old, so far
        for match in regex.finditer(text):
            a, b = match.span()
            if a == b:
                continue
            new = repl if literal else repl(match) if callable(repl) else match.expand(repl)
            append(text[last:a])
            append(new)
            last = b
            if b - a == 1 == len(new):
                continue  # one character for one: the map does not change
            new_start.append(a + delta)
            new_end.append(a + delta + len(new))
            old_start.append(a)
            old_end.append(b)
            delta += len(new) - (b - a)
        if not parts:
            return self
        parts.append(text[last:])
        steps = (*self.steps, _Step(*edits)) if new_start else self.steps
        return MappedText("".join(parts), steps)

    def translate(self, table: dict[int, str]) -> "MappedText":
        """``str.translate`` with a table of single characters to strings."""
        keys = "".join(chr(k) for k in table)
        if not any(ch in keys for ch in self.text):
            return self
        return self.sub("[" + re.escape(keys) + "]", lambda m: table[ord(m.group())])

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """Source offsets of the normalised slice ``text[start:end]`` (end > start)."""
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"bad slice {start}:{end} of a text of {len(self.text)} characters")
        first, last = start, end - 1
        for step in reversed(self.steps):
            first, last = step.first(first), step.last(last)
        return first, last + 1
