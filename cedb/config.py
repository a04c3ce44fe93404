"""Settings: which database, which remote services.

Precedence for every setting: command-line flag > environment variable
(``CEDB_*``) > default.
"""

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_CROSSREF_URL = "https://api.crossref.org"


def default_database_path() -> Path:
    """The embedded default: a SQLite file in the user's data directory."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("cedb", appauthor=False)) / "cedb.sqlite"


def database_url(value: str | None = None) -> str:
    """Resolve ``--db`` / ``CEDB_DATABASE_URL`` / default to a SQLAlchemy URL.

    A value with ``://`` is taken as a URL; anything else is a path to a SQLite file.
    """
    value = value or os.environ.get("CEDB_DATABASE_URL") or None
    if value is None:
        return sqlite_url(default_database_path())
    if "://" in value:
        # "postgres://" is what many hosting services print; SQLAlchemy wants postgresql.
        if value.startswith("postgres://"):
            value = "postgresql://" + value[len("postgres://") :]
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value[len("postgresql://") :]
        return value
    try:
        path = Path(value).expanduser()
    except RuntimeError:  # "~user/..." of a user this system does not know
        from cedb.errors import InvalidValue

        raise InvalidValue(f"database path {value!r}: no home directory for that '~': give the full path") from None
    return sqlite_url(path)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.resolve()}"


@dataclass(frozen=True)
class Settings:
    database_url: str
    crossref_url: str = DEFAULT_CROSSREF_URL
    email: str | None = None
    http_timeout_s: float = 15.0

    @classmethod
    def resolve(cls, db: str | None = None) -> "Settings":
        return cls(
            database_url=database_url(db),
            crossref_url=os.environ.get("CEDB_CROSSREF_URL", DEFAULT_CROSSREF_URL).rstrip("/"),
            email=os.environ.get("CEDB_EMAIL") or None,
            http_timeout_s=_seconds(os.environ.get("CEDB_HTTP_TIMEOUT", "15")),
        )


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value <= 3600:
        from cedb.errors import InvalidValue

        raise InvalidValue(f"CEDB_HTTP_TIMEOUT={text[:20]!r} is not a number of seconds between 0 and 3600")
    return value
