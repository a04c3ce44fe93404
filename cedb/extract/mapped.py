"""Text that remembers where each of its characters came from.

Normalising a PDF or HTML text (joining hyphenated words, dropping tags,
rewriting ``cm⁻²``) changes its length, but a curator needs offsets into the
text as it was read. ``MappedText`` keeps, for every character of the
normalised text, the span of source characters it stands for, so a sentence
found in the normalised text maps back to ``source[start:end]``.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

Replacement = str | Callable[[re.Match[str]], str]


@dataclass(frozen=True)
class MappedText:
    """A normalised text and, per character, the source span ``[starts[i], ends[i])``."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    @classmethod
    def identity(cls, source: str) -> "MappedText":
        """The source itself: character i stands for source[i:i+1]."""
        return cls(source, tuple(range(len(source))), tuple(range(1, len(source) + 1)))

    def sub(
        self, pattern: str | re.Pattern[str], repl: Replacement, flags: int = 0
    ) -> "MappedText":
        """Like ``re.sub``; every replacement character maps to the whole matched source span.

        Empty matches are ignored: an insertion has no source of its own.
        """
        regex = re.compile(pattern, flags) if isinstance(pattern, str) else pattern
        parts: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        last = 0
        for match in regex.finditer(self.text):
            a, b = match.span()
            if a == b:
                continue
            new = repl(match) if callable(repl) else match.expand(repl)
            parts.append(self.text[last:a])
            starts.extend(self.starts[last:a])
            ends.extend(self.ends[last:a])
            parts.append(new)
            starts.extend([self.starts[a]] * len(new))
            ends.extend([self.ends[b - 1]] * len(new))
            last = b
        if not parts:
            return self
        parts.append(self.text[last:])
        starts.extend(self.starts[last:])
        ends.extend(self.ends[last:])
        return MappedText("".join(parts), tuple(starts), tuple(ends))

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
        return self.starts[start], self.ends[end - 1]
