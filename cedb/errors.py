"""Domain errors. Each message says what is wrong and what to do about it.

The CLI root catches CedbError, prints ``Error: <message>`` on stderr and exits
with ``exit_code``; anything else is a bug and keeps its traceback.
"""


class CedbError(Exception):
    """Base class of every error a user can cause. Exit code 1."""

    exit_code = 1


class InvalidValue(CedbError):
    """A value is out of range, has the wrong unit or cannot be parsed."""


class NotFound(CedbError):
    """A paper, result or file that was named does not exist."""


class DuplicateError(CedbError):
    """The record already exists (same DOI, same title and year, same result)."""


class ConflictError(CedbError):
    """Same paper and conditions, different value: a curator must decide."""


class ChecksFailed(CedbError):
    """A check found problems. Exit code 3.

    ``findings`` (one line each, e.g. ``file:line: message``) are printed before
    the one-line error.
    """

    exit_code = 3

    def __init__(self, message: str, findings: list[str] | None = None):
        super().__init__(message)
        self.findings = list(findings or [])


class NetworkError(CedbError):
    """A remote service could not be reached or answered badly. Exit code 4."""

    exit_code = 4


class DatabaseError(CedbError):
    """The database cannot be used: not a database, damaged, unreachable, a URL cedb cannot
    use, or a revision this cedb does not know. Exit code 5."""

    exit_code = 5


class FileError(CedbError):
    """A file cannot be read or written: missing folder, a folder, permission, disk full,
    or a target cedb refuses to overwrite (the database). Exit code 6."""

    exit_code = 6


class TooLarge(InvalidValue):
    """An input exceeds a documented limit (size, nesting, aliases, macro expansion). Exit code 1."""
