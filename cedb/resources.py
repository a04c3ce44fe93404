"""Where the files shipped with cedb live: migrations, data and the bundled curation.

In a checkout they sit at the top of the repository; an installed wheel carries
copies under ``cedb/_bundled/`` (see ``force-include`` in pyproject.toml).
"""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _locate(name: str) -> Path:
    bundled = _PACKAGE / "_bundled" / name
    if bundled.is_dir():
        return bundled
    return _PACKAGE.parent / name


def migrations_dir() -> Path:
    """The Alembic script directory (env.py, versions/)."""
    return _locate("migrations")


def data_dir() -> Path:
    """Reference data shipped with cedb (vocabularies, lookup tables)."""
    return _locate("data")


def curation_dir() -> Path:
    """The bundled, hand-reviewed curation files (the review dataset)."""
    return _locate("curation")
