"""Adding papers from BibTeX files and DOIs, with a per-entry report (the API behind `cedb paper add`)."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cedb import bibliography
from cedb.config import Settings
from cedb.errors import CedbError, InvalidValue
from cedb.store import crud
from cedb.store.db import Session
from cedb.store.models import ReferenceCreate


@dataclass
class AddReport:
    added: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "key: why"
    replaced: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)  # "file:line key: why"
    warnings: list[str] = field(default_factory=list)  # "file:line key: what was left out"

    def lines(self) -> list[str]:
        return (
            [f"skipped {s}" for s in self.skipped]
            + [f"rejected {r}" for r in self.rejected]
            + [f"warning {w}" for w in self.warnings]
        )

    def summary(self) -> str:
        parts = [f"{len(self.added)} added", f"{len(self.skipped)} skipped as duplicates"]
        if self.replaced:
            parts.append(f"{len(self.replaced)} replaced")
        parts.append(f"{len(self.rejected)} rejected")
        return ", ".join(parts)


def fetch(
    sources: list[str], *, settings: Settings, max_input_mb: float | None = None
) -> list["BibSource | ReferenceCreate"]:
    """Resolve every source before the database is touched: .bib paths as they are, DOIs fetched.

    Network requests and BibTeX parsing happen here, outside the command's transaction, so
    a slow Crossref or a large file never holds the database's write lock. ``max_input_mb``:
    the input limit (``cedb.limits``).
    """
    resolved: list[BibSource | ReferenceCreate] = []
    for source in sources:
        path = Path(source)
        if path.suffix.lower() == ".bib" or path.exists():
            # Missing, a folder, unreadable or too large: a one-line error (cedb.limits).
            resolved.append(read_bibtex(path, max_input_mb=max_input_mb))
        elif bibliography.looks_like_doi(source):
            resolved.append(
                bibliography.fetch_crossref(
                    source,
                    base_url=settings.crossref_url,
                    email=settings.email,
                    timeout_s=settings.http_timeout_s,
                )
            )
        else:
            raise InvalidValue(
                f"{source!r} is neither a .bib file nor a DOI: give a path or a DOI like 10.1039/d4eb00034j"
            )
    return resolved


def add(
    *, session: Session, sources: Sequence["Path | BibSource | ReferenceCreate"], on_duplicate: str | None
) -> AddReport:
    """Add every BibTeX entry of the files and every fetched DOI record (see ``fetch``).

    A broken BibTeX entry is reported and skipped; with on_duplicate='error' a
    duplicate stops the command, and the caller's transaction then leaves the
    database as it was.
    """
    report = AddReport()
    # A batch file skips (and reports) what is already there; a single DOI is refused.
    for source in sources:
        if isinstance(source, (Path, BibSource)):
            source = read_bibtex(source) if isinstance(source, Path) else source
            _add_bibtex(session=session, source=source, on_duplicate=on_duplicate or "skip", report=report)
        else:
            create = source.model_copy(update={"key": crud.unique_key(session=session, key=source.key)})
            outcome = crud.add_reference(session=session, create=create, on_duplicate=on_duplicate or "error")
            _record(outcome, report)
    return report


def _record(outcome: crud.AddOutcome, report: AddReport) -> None:
    key = outcome.reference.key
    {"added": report.added, "replaced": report.replaced}.get(outcome.action, report.skipped).append(
        key if outcome.action != "skipped" else f"{key}: {outcome.detail}"
    )


@dataclass
class BibSource:
    """A BibTeX file read and parsed (by ``fetch``, before any transaction)."""

    path: Path
    parsed: bibliography.BibFile


def read_bibtex(path: Path, *, max_input_mb: float | None = None) -> BibSource:
    """Read and parse a .bib file within the input limits (cedb.limits)."""
    from cedb import limits

    text = limits.read_text(path, fallback_encoding="latin-1", max_input_mb=max_input_mb)
    parsed = bibliography.parse_bibtex(text)
    if not parsed.entries:
        raise InvalidValue(f"{path} holds no BibTeX entries")
    return BibSource(path, parsed)


def _add_bibtex(*, session: Session, source: BibSource, on_duplicate: str, report: AddReport) -> None:
    path, parsed = source.path, source.parsed
    seen: set[str] = set()
    wanted: list[tuple[str, ReferenceCreate]] = []
    for entry in parsed.entries:
        where = f"{path}:{entry.line} {entry.key}"
        if entry.error:
            report.rejected.append(f"{where}: {entry.error}")
            continue
        if entry.key in seen:
            report.skipped.append(f"{where}: the key {entry.key} appears earlier in this file")
            continue
        seen.add(entry.key)
        if entry.warning:
            report.warnings.append(f"{where}: {entry.warning}")
        assert entry.reference is not None  # an entry without an error holds its reference
        wanted.append((where, entry.reference))
    try:
        # The whole file in one call of the one write path of papers.
        outcomes = crud.add_references(session=session, creates=[c for _, c in wanted], on_duplicate=on_duplicate)
    except CedbError as exc:
        where = wanted[exc.row][0] if hasattr(exc, "row") else str(path)
        raise type(exc)(f"{where}: {exc}") from None
    for (where, _), outcome in zip(wanted, outcomes):
        if outcome.action == "skipped":
            # Name the entry of the file, not only the paper it duplicates.
            report.skipped.append(f"{where}: {outcome.detail}")
        else:
            _record(outcome, report)


def bibtex(*, session: Session, keys: Sequence[str] | None = None) -> tuple[str, int]:
    """The papers as BibTeX that round-trips through pybtex, each with its aliases; ``keys``
    (a key or an alias of each) limits them. Returns the text and the number of entries;
    NotFound names every key that is no paper's."""
    from cedb.errors import NotFound

    references = crud.list_references(session=session)
    if keys:
        wanted = set(crud.resolve_keys(session=session, keys=list(keys)))  # an alias names its paper
        missing = sorted(wanted - {r.key for r in references})
        if missing:
            raise NotFound(f"no paper with key {', '.join(missing)}: see `cedb paper list`")
        references = [r for r in references if r.key in wanted]
    return bibliography.to_bibtex(references, aliases=crud.aliases_by_key(session=session)), len(references)
