"""The documented limits on what cedb reads, so that no input can hang it or exhaust memory.

One place for every number; README.md ("Limits") lists them. The input size can be
raised with ``cedb --max-input-mb N`` (or ``CEDB_MAX_INPUT_MB``): the functions that read
input take it as ``max_input_mb=`` (None: the environment variable, else the default). The
others bound structures no real curation or BibTeX file comes near.
"""

import os
from pathlib import Path

from cedb.errors import FileError, InvalidValue, TooLarge

DEFAULT_MAX_INPUT_MB = 5.0
# Curation YAML: anchors/aliases and nesting (a curation file nests 3 levels, uses no aliases).
MAX_YAML_ALIASES = 100
MAX_YAML_DEPTH = 50
MAX_YAML_NODES = 1_000_000  # values (and keys) once aliases are expanded
# BibTeX: one entry's text, and the text an @string macro may expand to.
MAX_BIBTEX_ENTRY_CHARS = 100_000
MAX_BIBTEX_MACRO_CHARS = 100_000
# A PDF may be this many times the input limit (figures); the text it yields may not.
PDF_SIZE_FACTOR = 10
# Crossref: the whole answer, read within the CEDB_HTTP_TIMEOUT deadline.
MAX_HTTP_RESPONSE_BYTES = 5_000_000


def looks_binary(head: bytes) -> bool:
    """Whether the first bytes of a file (about 4 KB) are binary data, not text: a NUL, or more
    control characters than text holds (random or binary data has about one in eight; a NUL
    alone does not always turn up). Tab, line breaks, form feed, SUB and ESC are text's."""
    control = sum(
        head.count(bytes([b])) for b in (*range(0x01, 0x09), 0x0E, *range(0x10, 0x1A), *range(0x1C, 0x20), 0x7F)
    )
    return b"\x00" in head or control > max(2, len(head) // 100)


def checked_max_input_mb(value: float | None) -> float | None:
    """``--max-input-mb`` if it is positive (None: not given)."""
    if value is not None and not value > 0:
        raise InvalidValue(f"--max-input-mb must be positive, got {value}")
    return value


def max_input_bytes(max_input_mb: float | None = None) -> int:
    """The input limit in bytes: ``max_input_mb``, else CEDB_MAX_INPUT_MB, else the default."""
    value = max_input_mb
    if value is None:
        text = os.environ.get("CEDB_MAX_INPUT_MB") or str(DEFAULT_MAX_INPUT_MB)
        try:
            value = float(text)
        except ValueError:
            value = -1.0
        if not value > 0:
            raise InvalidValue(f"CEDB_MAX_INPUT_MB={text[:20]!r} is not a positive number of megabytes")
    return int(value * 1_000_000)


def _too_large(what: str, size: int, limit: int) -> TooLarge:
    return TooLarge(
        f"{what} is {size / 1e6:.1f} MB, over the {limit / 1e6:g} MB input limit: "
        "raise it with `cedb --max-input-mb N ...` if the file is what you meant"
    )


def check_text(text: str, what: str, *, max_input_mb: float | None = None) -> str:
    """``text`` if its UTF-8 size is within the input limit (read from stdin or a PDF)."""
    limit = max_input_bytes(max_input_mb)
    if len(text) > limit or len(text.encode("utf-8", "surrogatepass")) > limit:
        raise _too_large(what, len(text.encode("utf-8", "surrogatepass")), limit)
    return text


def check_file(path: Path, *, factor: int = 1, max_input_mb: float | None = None) -> Path:
    """``path`` if it is a readable file within ``factor`` times the input limit, else a one-line error."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        from cedb.errors import NotFound

        raise NotFound(f"no such file: {path}") from None
    except OSError as exc:
        from cedb.outputs import os_error_text

        raise FileError(f"cannot read {path}: {os_error_text(exc)}") from None
    if path.is_dir():
        raise FileError(f"cannot read {path}: it is a folder; give a file")
    if not os.access(path, os.R_OK):
        raise FileError(f"cannot read {path}: permission denied")
    limit = factor * max_input_bytes(max_input_mb)
    if size > limit:
        raise _too_large(str(path), size, limit)
    return path


def read_text(path: Path, *, fallback_encoding: str | None = None, max_input_mb: float | None = None) -> str:
    """The text of a file within the input limit; UTF-8 (else ``fallback_encoding``)."""
    path = check_file(path, max_input_mb=max_input_mb)
    try:
        data = path.read_bytes()
    except OSError as exc:
        from cedb.outputs import os_error_text

        raise FileError(f"cannot read {path}: {os_error_text(exc)}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if fallback_encoding:
            return data.decode(fallback_encoding)
        raise InvalidValue(f"{path} is not UTF-8 text (byte {exc.start}): save it as UTF-8") from None
