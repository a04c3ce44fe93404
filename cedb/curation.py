"""Curation files: one YAML file per paper, the reviewable source of truth.

``check`` reports every problem with file and line; ``load`` upserts in the
caller's transaction (running it twice changes nothing); ``dump`` writes the
database back out so that dump -> load -> dump gives identical files.
The format is documented in curation/README.md.
"""

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cedb import precision
from cedb.errors import CedbError, ChecksFailed, ConflictError, NotFound
from cedb.precision import ReportedNumber
from cedb.results import CONDITION_FIELDS, MEASUREMENT_FIELDS, REFERENCE_FIELDS, STRATEGY_FIELDS
from cedb.store.bulk import (  # normalise_field: remembered per value
    Progress,
    WriteCounts,
    normalise_field,
)
from cedb.store.db import Session
from cedb.store.models import Reference, ReferenceCreate

FORMAT_HEADER = "# cedb curation file, format 1\n"
REFERENCE_KEYS = REFERENCE_FIELDS
STRATEGY_KEYS = ("label",) + tuple(name for name in STRATEGY_FIELDS if name != "label")
MEASUREMENT_KEYS = ("strategy",) + MEASUREMENT_FIELDS[:-5] + ("source",) + MEASUREMENT_FIELDS[-5:]
TOP_KEYS = ("reference", "strategies", "measurements")


# --------------------------------------------------------------------------- reading with line numbers


class _LineDict(dict):
    """A mapping that remembers the line of each key (1-based) and of itself."""

    line: int = 0
    lines: dict

    def line_of(self, key: str) -> int:
        return self.lines.get(key, self.line)


_FLOAT_TAG = "tag:yaml.org,2002:float"
_DECIMAL = re.compile(r"[+-]?(?:\d+\.\d*|\.\d+)")  # a plain decimal: its digits are its precision


def _loader(problems: list[tuple[int, str]], *, fast: bool = True):
    """A safe loader whose mappings remember their lines; on libyaml (C) when ``fast``.

    libyaml parses a curation file ~20x faster than PyYAML's Python parser (most of a
    large `cedb curate load` was parsing); both report the same lines.
    """
    import yaml

    from cedb.units import shown

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader) if fast else yaml.SafeLoader

    class Loader(base):  # safe: builds only plain data, never Python objects
        pass

    scalars = {
        tag: constructor
        for tag, constructor in Loader.yaml_constructors.items()
        if tag is not None
        and tag.startswith("tag:yaml.org,2002:")
        and tag.rsplit(":", 1)[1] in ("null", "bool", "int", "float", "str", "timestamp")
    }

    def construct(loader, node):
        # Plain scalars straight to their constructor (construct_object's bookkeeping for
        # recursive structures was a quarter of a large load); anything else as PyYAML does.
        try:
            if node.__class__ is yaml.ScalarNode and node.tag in scalars:
                if node.tag == _FLOAT_TAG and _DECIMAL.fullmatch(node.value):
                    return ReportedNumber(node.value)  # 99.50 keeps its two decimals
                value = scalars[node.tag](loader, node)
                if isinstance(value, str) and "\x00" in value:  # "\0" in a quoted string
                    # PostgreSQL cannot store it and no curated text means it.
                    problems.append((node.start_mark.line + 1, "text holds a NUL character (\\0): remove it"))
                return value
            return loader.construct_object(node, deep=True)
        except yaml.YAMLError:
            raise
        except Exception as exc:  # "!!int abc", a bad !!timestamp: a problem at its line, not a crash
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read {shown(node.value)} as {node.tag.rsplit(':', 1)[-1]}", node.start_mark
            ) from exc

    def construct_mapping(loader, node, deep=False):
        mapping = _LineDict()
        mapping.line = node.start_mark.line + 1
        mapping.lines = {}
        for key_node, value_node in node.value:
            key = construct(loader, key_node)
            if not isinstance(key, str):
                problems.append((key_node.start_mark.line + 1, f"key {key!r} is not text"))
                key = str(key)
            if key in mapping:
                problems.append((key_node.start_mark.line + 1, f"duplicate key {key!r}"))
            mapping[key] = construct(loader, value_node)
            mapping.lines[key] = key_node.start_mark.line + 1
        return mapping

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    return Loader


@dataclass
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class PaperRecord:
    """A checked curation file: values validated and canonical."""

    path: str
    reference: dict[str, Any]
    strategies: list[dict[str, Any]]
    measurements: list[dict[str, Any]]  # with 'strategy' (label or None) and 'source' (key or None)
    # Keys merged into this paper (`cedb paper merge OLD NEW` written down): each
    # {"key": old key, "strategies": {old label: label of this file}, "line": n}.
    aliases: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class CheckReport:
    records: list[PaperRecord] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: int = 0
    # Every reference key and measurement source named, also in files with problems, so that an
    # unresolved source is reported together with the file's other problems.
    keys: set[str] = field(default_factory=set)
    sources: list[tuple[str, int, str]] = field(default_factory=list)  # (file, line, source key)


def expand(paths: list[Path]) -> list[Path]:
    """Curation files named or inside the named folders (*.yaml, *.yml), sorted."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml")))
        elif path.is_file():
            files.append(path)
        else:
            raise NotFound(f"no such file or folder: {path}")
    return files


def check(paths: list[Path], *, known_keys: set[str] = frozenset(), max_input_mb: float | None = None) -> CheckReport:
    """Validate curation files: schema, units, ranges, unknown and duplicate keys, references.

    ``max_input_mb``: files larger than this are a problem (``cedb.limits``)."""
    report = parse(paths, max_input_mb=max_input_mb)
    _check_across(report, known_keys)
    return report


def database_keys(*, url: str) -> set[str] | None:
    """The reference keys recorded in the database at ``url``, read without changing it.

    None when there is no database there yet: ``curate check`` never creates one.
    """
    from cedb.store import crud
    from cedb.store.db import read_only_engine, session_scope

    engine = read_only_engine(url)
    if engine is None:
        return None
    try:
        with session_scope(engine, write=False) as session:
            return crud.known_keys(session=session)
    finally:
        engine.dispose()


def parse(paths: list[Path], *, max_input_mb: float | None = None) -> CheckReport:
    """Read and validate each file on its own (everything ``check`` does that needs no database:
    ``load`` takes the result, so that the files are read before the write lock is taken)."""
    report = CheckReport()
    files = expand(paths)
    report.files = len(files)
    for path in files:
        record = _check_file(path, report.problems, report, max_input_mb)
        if record is not None:
            report.records.append(record)
    return report


def _read(path: Path, problems: list[Problem], max_input_mb: float | None):
    import yaml

    from cedb import limits

    raw_problems: list[tuple[int, str]] = []
    try:
        text = limits.read_text(path, max_input_mb=max_input_mb)
    except CedbError as exc:
        problems.append(Problem(str(path), 1, str(exc)))
        return None
    limit = _yaml_limit_problem(text)
    if limit:
        problems.append(Problem(str(path), *limit))
        return None
    try:
        try:
            data = yaml.load(text, Loader=_loader(raw_problems))  # noqa: S506 (a SafeLoader subclass)
        except yaml.YAMLError:
            # Again with the Python parser, whose messages the documentation shows.
            raw_problems.clear()
            data = yaml.load(text, Loader=_loader(raw_problems, fast=False))  # noqa: S506
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        if isinstance(exc, yaml.constructor.ConstructorError):  # e.g. !!python/object: never executed
            problems.append(
                Problem(
                    str(path),
                    line,
                    f"refused YAML tag ({getattr(exc, 'problem', exc)}): curation files hold plain data only",
                )
            )
        else:
            problems.append(Problem(str(path), line, f"not valid YAML: {getattr(exc, 'problem', exc)}"))
        return None
    problems.extend(Problem(str(path), line, message) for line, message in raw_problems)
    if not isinstance(data, dict):
        problems.append(Problem(str(path), 1, "expected a mapping with reference, strategies, measurements"))
        return None
    return data


def _yaml_limit_problem(text: str) -> tuple[int, str] | None:
    """(line, message) for an alias bomb ("billion laughs") or deep nesting, found before
    anything is built: a scan of the parser's events in constant memory, counting what the
    aliases would expand to. Syntax errors are left to the loader, whose messages are
    documented. libyaml first; its own errors (it stops at 1,000 levels) are scanned again
    with PyYAML's parser, which is not recursive either.
    """
    import yaml

    from cedb.limits import MAX_YAML_ALIASES, MAX_YAML_DEPTH, MAX_YAML_NODES

    for loader in dict.fromkeys([getattr(yaml, "CSafeLoader", yaml.SafeLoader), yaml.SafeLoader]):
        aliases = nodes = 0
        sizes: dict[str, int] = {}  # anchor -> nodes it expands to
        open_nodes: list[tuple[str | None, int]] = []  # (anchor, node count when it started)
        try:
            for event in yaml.parse(text, Loader=loader):
                line = event.start_mark.line + 1
                if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                    nodes += 1
                    open_nodes.append((event.anchor, nodes))
                    if len(open_nodes) > MAX_YAML_DEPTH:
                        return line, f"nesting deeper than {MAX_YAML_DEPTH} levels: curation files nest 3 levels"
                elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                    anchor, start = open_nodes.pop()
                    if anchor:
                        sizes[anchor] = nodes - start + 1
                elif isinstance(event, yaml.ScalarEvent):
                    nodes += 1
                    if event.anchor:
                        sizes[event.anchor] = 1
                elif isinstance(event, yaml.AliasEvent):
                    aliases += 1
                    nodes += sizes.get(event.anchor, 1)
                    if aliases > MAX_YAML_ALIASES:
                        return line, f"more than {MAX_YAML_ALIASES} YAML aliases (*name): write the values out"
                if nodes > MAX_YAML_NODES:
                    return line, (f"more than {MAX_YAML_NODES:,} values once aliases are expanded: split the file")
            return None
        except yaml.YAMLError:
            continue
    return None


def _unknown(mapping: _LineDict, allowed: tuple[str, ...], what: str, path: Path, problems: list[Problem]) -> None:
    for key in mapping:
        if key not in allowed:
            problems.append(
                Problem(
                    str(path), mapping.line_of(key), f"unknown key {key!r} in {what}: allowed are {', '.join(allowed)}"
                )
            )


def _check_file(
    path: Path, problems: list[Problem], report: CheckReport, max_input_mb: float | None
) -> PaperRecord | None:
    data = _read(path, problems, max_input_mb)
    if data is None:
        return None
    before = len(problems)
    _unknown(data, TOP_KEYS, "the file", path, problems)
    reference = data.get("reference")
    if not isinstance(reference, dict):
        problems.append(Problem(str(path), data.line, "missing 'reference' mapping"))
        return None
    ref = _check_reference(reference, path, problems)
    aliases = _check_aliases(reference, path, problems)
    if isinstance(reference.get("key"), str):
        report.keys.add(reference["key"])

    strategies, labels = [], set()
    for item in _list(data, "strategies", path, problems):
        if not isinstance(item, dict):
            problems.append(Problem(str(path), data.line_of("strategies"), "each strategy must be a mapping"))
            continue
        _unknown(item, STRATEGY_KEYS, "a strategy", path, problems)
        values = {"_line": item.line}
        for key in STRATEGY_KEYS:
            if item.get(key) is None:
                if key in item and key not in ("label", "category"):
                    values[key] = None  # an explicit null clears the stored value
                continue
            try:
                values[key] = normalise_field(key, item[key])
            except CedbError as exc:
                problems.append(Problem(str(path), item.line_of(key), str(exc)))
        for required in ("label", "category"):
            if item.get(required) is None:
                problems.append(Problem(str(path), item.line, f"a strategy needs a {required}"))
        if "label" in values and values["label"] in labels:
            problems.append(
                Problem(str(path), item.line_of("label"), f"strategy label {values['label']!r} appears twice")
            )
        if "label" in values:
            labels.add(values["label"])
        strategies.append(values)

    measurements, seen = [], {}
    for item in _list(data, "measurements", path, problems):
        if not isinstance(item, dict):
            problems.append(Problem(str(path), data.line_of("measurements"), "each measurement must be a mapping"))
            continue
        _unknown(item, MEASUREMENT_KEYS, "a measurement", path, problems)
        values: dict[str, Any] = {"strategy": item.get("strategy"), "source": item.get("source"), "_line": item.line}
        if values["strategy"] is not None and not isinstance(values["strategy"], str):
            problems.append(
                Problem(
                    str(path),
                    item.line_of("strategy"),
                    "strategy must be the label (text) of one of this file's strategies",
                )
            )
            values["strategy"] = None
        elif values["strategy"] is not None and values["strategy"] not in labels:
            problems.append(
                Problem(
                    str(path),
                    item.line_of("strategy"),
                    f"strategy {values['strategy']!r} is not a label of this file's strategies",
                )
            )
        if item.get("ce_percent") is None:
            problems.append(Problem(str(path), item.line, "a measurement needs ce_percent"))
        if values["source"] is not None:
            report.sources.append((str(path), item.line_of("source"), str(values["source"])))
        valid = True
        for key in MEASUREMENT_FIELDS:
            if key not in item:
                continue
            if item[key] is None:
                values[key] = None  # an explicit null clears the stored value
                continue
            try:
                values[key] = normalise_field(key, item[key])
            except CedbError as exc:
                problems.append(Problem(str(path), item.line_of(key), str(exc)))
                valid = False
        precision.derive(values, item.get("ce_percent"))
        identity = _identity(values)
        # Only valid rows: a value left out because of an error would make a false "same conditions".
        if valid and identity in seen:
            problems.append(
                Problem(
                    str(path), item.line, f"same strategy and conditions as the measurement on line {seen[identity]}"
                )
            )
        if valid:
            seen[identity] = item.line
        measurements.append(values)
    if len(problems) > before:
        return None
    for alias in aliases:
        for label, into in alias["strategies"].items():
            if into not in labels:
                problems.append(
                    Problem(
                        str(path),
                        alias["line"],
                        f"alias {alias['key']!r}: {into!r} (for {label!r}) is not a strategy label of this file",
                    )
                )
    if len(problems) > before:
        return None
    return PaperRecord(str(path), ref, strategies, measurements, aliases)


def _list(data: _LineDict, key: str, path: Path, problems: list[Problem]) -> list:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(Problem(str(path), data.line_of(key), f"{key!r} must be a list"))
        return []
    return value


def _check_aliases(reference: _LineDict, path: Path, problems: list[Problem]) -> list[dict[str, Any]]:
    """The reference's ``aliases``: old keys merged into this paper, each a key or a mapping
    ``{key: OLD, strategies: {OLD LABEL: LABEL OF THIS FILE}}``."""
    from cedb.store.models import check_key

    found: list[dict[str, Any]] = []
    line = reference.line_of("aliases")
    for item in _list(reference, "aliases", path, problems):
        strategies: Any = {}
        if isinstance(item, dict):
            _unknown(item, ("key", "strategies"), "an alias", path, problems)
            line, key, strategies = item.line, item.get("key"), item.get("strategies") or {}
        else:
            key = item
        if not isinstance(key, str):
            problems.append(Problem(str(path), line, "an alias needs a key (text)"))
            continue
        try:
            check_key(key)
        except (CedbError, ValueError) as exc:
            problems.append(Problem(str(path), line, f"alias {key!r}: {exc}"))
            continue
        if key == reference.get("key"):
            problems.append(Problem(str(path), line, f"alias {key!r} is the file's own key"))
            continue
        if key in {a["key"] for a in found}:
            problems.append(Problem(str(path), line, f"alias {key!r} appears twice"))
            continue
        if not isinstance(strategies, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in strategies.items()
        ):
            problems.append(
                Problem(
                    str(path),
                    line,
                    f"alias {key!r}: 'strategies' must map a label of the old paper to a label of this file",
                )
            )
            continue
        found.append({"key": key, "strategies": dict(strategies), "line": line})
    return found


def _check_reference(reference: _LineDict, path: Path, problems: list[Problem]) -> dict[str, Any]:
    _unknown(reference, REFERENCE_KEYS + ("aliases",), "the reference", path, problems)
    values = {k: reference[k] for k in REFERENCE_KEYS if reference.get(k) is not None}
    # A field the file names as null clears the stored one; a field it leaves out is kept.
    nulls = {k: None for k in REFERENCE_KEYS if k in reference and reference[k] is None and k != "key"}
    authors = values.get("authors")
    if isinstance(authors, list):
        values["authors"] = " and ".join(str(a) for a in authors)
    for key in ("title", "journal", "volume", "pages", "note", "bibtex", "key", "doi", "entry_type"):
        if key in values:
            values[key] = str(values[key])
    try:
        values = ReferenceCreate.model_validate(values).model_dump(exclude_unset=True) | nulls
    except CedbError as exc:
        problems.append(Problem(str(path), reference.line_of("doi"), str(exc)))
    except ValueError as exc:
        for error in getattr(exc, "errors", lambda: [])():
            name = error["loc"][0] if error.get("loc") else "reference"
            message = error["msg"].removeprefix("Value error, ")
            problems.append(Problem(str(path), reference.line_of(str(name)), f"{name}: {message}"))
    if "key" not in reference:
        problems.append(Problem(str(path), reference.line, "the reference needs a key"))
    return values


def _identity(values: dict[str, Any]) -> tuple:
    return (values.get("strategy"),) + tuple(values.get(k) for k in CONDITION_FIELDS)


def _check_across(report: CheckReport, known_keys: set[str]) -> None:
    keys: dict[str, str] = {}
    dois: dict[str, str] = {}
    aliases: dict[str, str] = {}
    for record in report.records:
        key, doi = record.reference.get("key"), record.reference.get("doi")
        if key in keys:
            report.problems.append(Problem(record.path, 1, f"key {key!r} is also used by {keys[key]}"))
        keys[key] = record.path
        for alias in record.aliases:
            if alias["key"] in aliases:
                report.problems.append(
                    Problem(
                        record.path,
                        alias["line"],
                        f"alias {alias['key']!r} is also declared by {aliases[alias['key']]}",
                    )
                )
            aliases[alias["key"]] = record.path
        if doi and doi in dois:
            report.problems.append(Problem(record.path, 1, f"DOI {doi} is also used by {dois[doi]}"))
        if doi:
            dois[doi] = record.path
    _check_same_quote(report)
    for path, line, source in report.sources:
        if source not in report.keys and source not in known_keys:
            report.problems.append(
                Problem(path, line, f"source {source!r} is not a key of any curation file or paper in the database")
            )


def _check_same_quote(report: CheckReport) -> None:
    """A paper's own sentence quoted in two files is the same paper curated twice (a paper
    without a DOI escapes the DOI check). Quotes read from another source (a review) may be
    shared: one review sentence often names several papers."""
    seen: dict[str, str] = {}
    for record in report.records:
        own = {
            " ".join(m["quote"].split()).casefold(): m
            for m in record.measurements
            if m.get("quote") and not m.get("source")
        }
        for quote, m in own.items():
            if quote in seen and seen[quote] != record.path:
                report.problems.append(
                    Problem(
                        record.path,
                        m.get("_line", 1),
                        f"the quote is also in {seen[quote]}: is it the same paper curated twice?",
                    )
                )
            seen.setdefault(quote, record.path)


# --------------------------------------------------------------------------- load


@dataclass
class LoadReport:
    """Per entity (papers, strategies, results): added / updated / unchanged / conflicting;
    ``changes``: every stored field the load changed (old -> new); ``warnings``: file:line
    notes (likely duplicates across strategy labels)."""

    counts: WriteCounts = field(default_factory=WriteCounts)
    files: int = 0
    dry_run: bool = False
    warnings: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)  # 'OLD -> NEW' for each alias merged

    @property
    def changes(self) -> list:
        return self.counts.changes

    def summary(self) -> str:
        verb = "would load" if self.dry_run else "loaded"
        merged = f"; merged {', '.join(self.merged)}" if self.merged else ""
        return f"{self.files} file(s) {verb}: {self.counts.summary()}{merged}"


def load(
    *,
    session: Session,
    paths: list[Path] | None = None,
    parsed: CheckReport | None = None,
    progress: Progress | None = None,
    on_conflict: str = "error",
    dry_run: bool = False,
) -> LoadReport:
    """Check, then write every record of the files; nothing is written if any file has a problem.

    A recorded paper, strategy or result takes only the fields a file names (an explicit null
    clears one). Same paper, strategy and conditions with another CE is a conflict: nothing
    is loaded unless ``on_conflict`` is 'keep' or 'replace'. ``dry_run``: everything is
    checked and counted, the per-field changes listed, nothing kept. The records are written
    by cedb.store.bulk's one writer in the caller's transaction; ``progress(done, total)`` counts
    papers, strategies and measurements. ``parsed``: the files already read by ``parse`` (the
    CLI reads them before it takes the write lock, at its input limit), instead of ``paths``.
    """
    from cedb.store import bulk, crud

    known = crud.known_keys(session=session, aliases=True)
    checked = parse(paths) if parsed is None else parsed
    _check_across(checked, known)
    if checked.problems:
        raise ChecksFailed(
            f"{len(checked.problems)} problem(s) in the curation files, nothing loaded: "
            "fix them (see `cedb curate check`) and load again",
            findings=[str(p) for p in checked.problems],
        )
    report = LoadReport(files=checked.files, dry_run=dry_run)
    savepoint = session.begin_nested() if dry_run else None
    records = _join_merged_strategies(session, checked.records)
    writer = bulk.load_records(
        session=session, records=records, counts=report.counts, on_conflict=on_conflict, progress=progress
    )
    report.warnings = [f"{Problem(*writer.rows[n], m)}" for n, m in writer.warnings]
    if writer.errors:
        if savepoint is not None:
            savepoint.rollback()
        findings = [str(Problem(*writer.rows[n], m)) for n, m in writer.rejected]
        first = writer.errors[0]
        more = f" (and {len(findings) - 1} more, listed above)" if len(findings) > 1 else ""
        error = type(first)(f"{Problem(*writer.rows[writer.rejected[0][0]], str(first))}{more}; nothing loaded")
        error.findings = findings if len(findings) > 1 else []
        raise error
    session.flush()
    report.merged = _merge_aliases(session, checked.records)
    if savepoint is not None:
        savepoint.rollback()
    return report


def _join_merged_strategies(session: Session, records: list[PaperRecord]) -> list[PaperRecord]:
    """The records as written: a file under a key already merged into another paper, whose
    file maps the old strategy labels to its own, has its results filed under the mapped
    strategies (the old strategy is gone since the merge), so that loading again changes nothing."""
    from cedb.store import crud

    mapped = {
        a["key"]: (r.reference.get("key"), a["strategies"]) for r in records for a in r.aliases if a["strategies"]
    }
    if not mapped:
        return records
    merged_into = crud.alias_targets(session=session, keys=list(mapped))
    out = []
    for record in records:
        key = record.reference.get("key")
        target = mapped.get(key)
        owner = target and crud.reference_id(session=session, key=target[0])
        if target is None or owner is None or merged_into.get(key) != owner:
            out.append(record)
            continue
        labels = target[1]
        out.append(
            PaperRecord(
                record.path,
                record.reference,
                [s for s in record.strategies if s.get("label") not in labels],
                [dict(m, strategy=labels.get(m.get("strategy"), m.get("strategy"))) for m in record.measurements],
                record.aliases,
            )
        )
    return out


def _merge_aliases(session: Session, records: list[PaperRecord]) -> list[str]:
    """Carry out each file's ``aliases`` (``crud.merge_references``): an old key that is still a
    paper is merged into the file's paper; an unknown one becomes its alias; one that already
    is its alias is left alone. Returns 'OLD -> NEW' for each merge made."""
    from cedb.store import crud

    done = []
    for record in records:
        new = record.reference.get("key")
        for alias in record.aliases:
            old = alias["key"]
            target = crud.get_reference(session=session, key=new)
            if crud.reference_id(session=session, key=old) is not None:
                crud.merge_references(session=session, old=old, new=new, strategies=alias["strategies"])
                done.append(f"{old} -> {new}")
                continue
            owner = crud.alias_targets(session=session, keys=[old]).get(old)
            if owner is None:
                crud.add_alias(session=session, key=old, reference=target)
            elif owner != target.id:
                raise ConflictError(
                    f"{record.path}:{alias['line']}: alias {old!r} is already an alias of "
                    f"{crud.resolve_keys(session=session, keys=[old])[0]}, not of {new}; "
                    "nothing loaded"
                )
    return done


def load_bundled(*, session: Session) -> LoadReport:
    """Load the review dataset shipped with cedb (curation/*.yaml)."""
    from cedb.resources import curation_dir

    return load(session=session, paths=[curation_dir()])


# --------------------------------------------------------------------------- dump


def _clean(value: Any) -> Any:
    if hasattr(value, "value"):
        value = value.value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def file_name(key: str) -> str:
    """The curation file of a paper: ``models.safe_key`` of its key (the key itself, or for
    keys with other characters such as ':' and '/' a safe form plus a short hash)."""
    from cedb.store.models import safe_key

    return safe_key(key) + ".yaml"


def paper_document(session: Session, reference: Reference) -> dict[str, Any]:
    """The curation-file mapping of one paper, in the documented key order."""
    from cedb.store import crud

    ref = {}
    for name in REFERENCE_KEYS:
        value = getattr(reference, name)
        if name == "entry_type" and value == "article":
            continue
        if value is None:
            continue
        ref[name] = value.split(" and ") if name == "authors" else _clean(value)
        if name == "key":
            merged = crud.aliases(session=session, reference=reference)
            if merged:  # keys merged into this paper (`cedb paper merge`): they keep resolving
                ref["aliases"] = merged
    strategies = crud.strategies_of(session=session, reference=reference)
    labels = {s.id: s.label for s in strategies}
    document: dict[str, Any] = {"reference": ref}
    if strategies:
        document["strategies"] = [
            {name: _clean(getattr(s, name)) for name in STRATEGY_KEYS if getattr(s, name) is not None}
            for s in strategies
        ]
    # Id order: loading the dump hands out ids in the same order, so ids survive dump -> load.
    measurements = crud.measurements_of(session=session, reference=reference)
    source_keys = {}
    for m in measurements:
        if m.source_id is not None and m.source_id not in source_keys:
            source_keys[m.source_id] = session.get(Reference, m.source_id).key
    rows = []
    for m in measurements:
        row: dict[str, Any] = {}
        if m.strategy_id is not None:
            row["strategy"] = labels[m.strategy_id]
        for name in MEASUREMENT_KEYS[1:]:
            if name == "source":
                if m.source_id is not None:
                    row["source"] = source_keys[m.source_id]
                continue
            value = getattr(m, name)
            if value is None:
                continue
            if name == "method_params":
                value = json.loads(value)
            if name == "ce_decimals":
                continue  # written as the digits of ce_percent
            if name == "ce_percent" and m.ce_decimals:  # 0 decimals: a plain integer reads back as 0
                row[name] = ReportedNumber(precision.format_reported(value, m.ce_decimals))
                continue
            row[name] = _clean(value)
        rows.append(row)

    if rows:
        document["measurements"] = rows
    return document


def dumps(document: dict[str, Any]) -> str:
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def text(dumper, value: str):
        # Literal blocks only for plain line breaks: other break characters (\r, U+0085,
        # U+2028/9) would read back as "\n", so such text is double-quoted and escaped.
        plain_breaks = not any(c in value for c in "\r\x85\u2028\u2029")
        style = "|" if "\n" in value and plain_breaks else ('"' if not plain_breaks else None)
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    Dumper.add_representer(str, text)
    Dumper.add_representer(ReportedNumber, lambda dumper, value: dumper.represent_scalar(_FLOAT_TAG, value.text))
    return FORMAT_HEADER + yaml.dump(
        document, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False
    )


def dump(*, session: Session, directory: Path) -> list[Path]:
    """Write one curation file per paper into ``directory``; returns the files written.

    All files or none (cedb.outputs): a symlink already in the folder is replaced rather
    than followed to a file outside it.
    """
    from cedb import outputs
    from cedb.store import crud

    written = []
    with outputs.writing() as batch:
        batch.directory(directory)
        for reference in crud.list_references(session=session):
            written.append(
                batch.write_text(directory / file_name(reference.key), dumps(paper_document(session, reference)))
            )
    return written
