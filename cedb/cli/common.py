"""What every command shares: the chosen database, one transaction, output formats.

Commands parse arguments, call library functions and render; they never build SQL.
"""

import csv
import io
import json
import operator
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum
from json.encoder import encode_basestring as _encode_string
from typing import Annotated, Any

import typer

from cedb import config
from cedb.config import Settings
from cedb.precision import cell_text
from cedb.safetext import terminal


@dataclass
class CliState:
    """What the root options chose for one run of `cedb`: typer's context object (``ctx.obj``).

    ``cedb.cli.main.run`` makes one per run and passes it to the app; the root callback fills
    it from --db and --max-input-mb (and makes one when the app is called without ``run``).
    A command that needs the database takes ``ctx: typer.Context`` and reaches it through
    :func:`state`. The engine is made on first use (commands that need no database import no
    SQLAlchemy) and disposed when the root context closes.
    """

    db: str | None = None
    max_input_mb: float | None = None
    _engine: Any = field(default=None, repr=False)

    def settings(self) -> Settings:
        return Settings.resolve(self.db)

    def database_url(self) -> str:
        """The URL of --db, else CEDB_DATABASE_URL, else the default SQLite file."""
        return config.database_url(self.db)

    def chosen_database(self) -> str | None:
        """The database URL the user chose (--db or CEDB_DATABASE_URL), None for the default."""
        if self.db or os.environ.get("CEDB_DATABASE_URL"):
            return self.database_url()
        return None

    def engine(self):
        """The engine for the chosen database; a new database is set up on first use."""
        if self._engine is None:
            from cedb.store.db import make_engine, prepare

            url = self.database_url()
            new_engine = make_engine(url)
            import warnings

            with warnings.catch_warnings():  # the bundled dataset is not the user's entry
                warnings.simplefilter("ignore")
                created = prepare(new_engine, load_bundled=True)
            if created:
                note(f"Created a new cedb database at {display_url(url)} with the bundled dataset")
            self._engine = new_engine
        return self._engine

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Any]:
        """One session, one transaction: the whole command happens or nothing does.

        Commands that only read pass ``write=False`` and wait for no writer.
        """
        from cedb.store.db import session_scope

        with session_scope(self.engine(), write=write) as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[Any]:
        """One read-only transaction on a plain database connection, for commands that only
        read rows through ``cedb.store.query`` (no ORM session: a faster start)."""
        from cedb.store.db import reading

        with reading(self.engine()) as connection:
            yield connection

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def state(ctx: typer.Context) -> CliState:
    """The root options of this run (``ctx.obj``; subcommands inherit their parent's)."""
    found = ctx.find_object(CliState)
    if found is None:  # a command called without the root callback: a bug, not a user error
        raise RuntimeError(f"`{ctx.command_path}` ran without cedb's root callback, which holds --db")
    return found


def transaction(ctx: typer.Context, *, write: bool = True):
    """``state(ctx).transaction(write=...)``: what most commands open."""
    return state(ctx).transaction(write=write)


def reading(ctx: typer.Context):
    """``state(ctx).reading()``: what a command that only reads query rows opens."""
    return state(ctx).reading()


def display_url(url: str) -> str:
    from cedb.store.db import display_url as shown

    return shown(url)


# --------------------------------------------------------------------------- output


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    jsonl = "jsonl"
    md = "md"


FormatOption = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]


def note(message: str) -> None:
    """A message for the person (stderr), never mixed into the data on stdout; control characters escaped."""
    typer.echo(terminal(message), err=True)


_WARNINGS_SHOWN_MAX = 5


@contextmanager
def unparsed_electrolytes_counted() -> Iterator[list[str]]:
    """Bulk loads: collect the electrolytes stored unparsed instead of warning once each.

    The list is filled when the block ends; ``note_unparsed`` says it in one line after the
    summary, so a clean load's summary is not buried under one warning per file.
    """
    import warnings

    from cedb.chemistry.entry import UnparsedElectrolyte

    texts: list[str] = []
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        yield texts
    for record in records:
        if issubclass(record.category, UnparsedElectrolyte):
            if str(record.message) not in texts:
                texts.append(str(record.message))
        else:
            warnings.warn_explicit(record.message, record.category, record.filename, record.lineno)


def note_unparsed(texts: list[str]) -> None:
    if texts:
        note(
            f"Warning: {len(texts)} electrolyte text(s) were stored as written but could not be parsed "
            "(queries by --salt/--solvent/--diluent count them as not judged): `cedb chem unparsed` lists them"
        )


def route_warnings() -> None:
    """Show cedb's own warnings (e.g. an electrolyte that did not parse) as "Warning:" lines
    on stderr: the first few in full, then one line saying how to list the rest."""
    import warnings

    shown = {"n": 0}
    original = getattr(warnings.showwarning, "original", warnings.showwarning)

    def show(message, category, filename, lineno, file=None, line=None):
        if not category.__module__.startswith("cedb"):
            return original(message, category, filename, lineno, file, line)
        shown["n"] += 1
        if shown["n"] <= _WARNINGS_SHOWN_MAX:
            note(f"Warning: {message}")
        elif shown["n"] == _WARNINGS_SHOWN_MAX + 1:
            note("Warning: more electrolytes could not be parsed: see `cedb chem unparsed`")

    show.original = original  # type: ignore[attr-defined]  # one wrapper however often commands run in a process
    warnings.showwarning = show
    warnings.filterwarnings("always", module=r"cedb\.")


def console(stderr: bool = False):
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() else 200
    return Console(
        file=stream, width=width, no_color=bool(os.environ.get("NO_COLOR")) or None, highlight=False, soft_wrap=False
    )


_cell = cell_text


def _json_default(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=_json_default, indent=2)


def emit(
    rows: Sequence[dict[str, Any]],
    fmt: Format,
    columns: Sequence[str] | None = None,
    title: str | None = None,
    headers: dict[str, str] | None = None,
) -> None:
    """Print rows as a rich table, CSV, JSON, JSON lines or a Markdown table."""
    columns = list(columns or (rows[0].keys() if rows else []))
    if fmt == Format.json:
        typer.echo(dumps([{c: row.get(c) for c in columns} for row in rows]))
    elif fmt == Format.jsonl:
        for row in rows:
            typer.echo(json.dumps({c: row.get(c) for c in columns}, ensure_ascii=False, default=_json_default))
    elif fmt == Format.csv:
        from cedb.exports import csv_safe

        # On a terminal, stored control characters are shown escaped; into a file or pipe, as stored.
        shown = terminal if sys.stdout.isatty() else str
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([shown(csv_safe(_cell(row.get(c)))) for c in columns])
        typer.echo(buffer.getvalue(), nl=False)
    elif fmt == Format.md:
        from cedb.exports import markdown_table

        typer.echo(markdown_table(columns, [[terminal(_cell(row.get(c))) for c in columns] for row in rows]))
    else:
        from rich.table import Table

        table = Table(title=_escape(terminal(title)) if title else None, show_lines=False)
        for column in columns:
            table.add_column(_escape(terminal((headers or {}).get(column, column))), overflow="fold")
        for row in rows:
            table.add_row(*[_escape(terminal(_cell(row.get(c)))) for c in columns])
        console().print(table)
        if not rows:
            note("No rows.")


# --------------------------------------------------------------------------- streamed output


def _csv_formatter(kind: str, shown):
    """One cell formatter of a CSV column: ``kind`` is text, number or flag."""
    from cedb.exports import csv_safe

    if kind == "flag":
        return lambda v: "" if v is None else ("yes" if v else "no")
    if kind == "number":

        def number(v):
            if v is None:
                return ""
            if v.__class__ is int:
                return str(v)
            text = _cell(v)
            # "-inf" is not a number a sheet reads: neutralised like any text (cedb.exports.csv_safe).
            return shown(csv_safe(text)) if text[:1] in "-+" else text

        return number

    def text(v):
        if v is None:
            return ""
        v = _cell(v)
        return shown(csv_safe(v) if v[:1] in _FORMULA_FIRST else v)

    return text


def echo_pieces(pieces) -> None:
    """Text pieces to stdout as ``typer.echo`` prints them (ANSI styles stripped off a terminal),
    in blocks of ~64 KB."""
    shown = str if sys.stdout.isatty() else _strip_ansi
    with _buffered(sys.stdout) as out:
        for piece in pieces:
            out.write(shown(piece))


def _strip_ansi(text: str) -> str:
    # What typer.echo did to CSV text piped or written to a file (click strips ANSI styles
    # when not on a terminal): kept, so streamed output is byte for byte the earlier one.
    if "\x1b" not in text:
        return text
    import re

    return re.sub(r"\033\[[;?0-9]*[a-zA-Z]", "", text)


_FORMULA_FIRST = frozenset("=+-@\t\r\n")


def _json_literal(value: Any, nested_indent: str | None = None) -> str:
    """``value`` as json.dumps(ensure_ascii=False) writes it; containers re-indented for a row."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    kind = value.__class__
    if kind is str:
        return _encode_string(value)
    if kind is int:
        return int.__repr__(value)
    if kind is float:
        if value != value:
            return "NaN"
        if value in (float("inf"), float("-inf")):
            return "Infinity" if value > 0 else "-Infinity"
        return float.__repr__(value)
    text = json.dumps(value, ensure_ascii=False, default=_json_default, indent=2)
    return text.replace("\n", "\n" + nested_indent) if nested_indent else text


def emit_rows(
    rows,
    fmt: Format,
    columns: Sequence[str],
    kinds: dict[str, str],
    headers: dict[str, str] | None = None,
    prepare=None,
) -> None:
    """Stream ``rows`` (sequences of ``columns`` values) to stdout, byte for byte as
    :func:`emit` prints the same rows as dicts, with one formatter per column in one pass.

    ``kinds`` says which columns are numbers or flags (the rest are text: only text cells are
    neutralised against spreadsheet formulas). The rich table needs every row to size its
    columns, so it alone collects them (as the strings it shows). ``prepare`` maps a JSON
    row's values before writing (e.g. method_params text -> object).
    """
    with _buffered(sys.stdout) as out:
        _emit_rows(out, rows, fmt, list(columns), kinds, headers, prepare)


class _Chunks:
    """Text written to ``stream`` in blocks of ~64 KB: one system call per block, not per row
    (stdout is unbuffered under PYTHONUNBUFFERED)."""

    def __init__(self, stream):
        self.stream, self.parts, self.size = stream, [], 0

    def write(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)
        if self.size > 1 << 16:
            self.flush()

    def flush(self) -> None:
        if self.parts:
            self.stream.write("".join(self.parts))
            self.parts, self.size = [], 0

    def isatty(self) -> bool:
        return self.stream.isatty()


@contextmanager
def _buffered(stream):
    chunks = _Chunks(stream)
    yield chunks
    chunks.flush()
    stream.flush()


_MEMO_LIMIT = 50_000  # distinct values remembered per column (ids are all distinct)
_NESTED = frozenset({dict, list})


class _Memo(dict):
    """One column's formatted cells by value: a value seen before is formatted by a lookup in C
    (``map(getitem, memos, row)``), not by a Python call per cell (most of a large query's time).

    ``keep`` is the set of value types remembered. Equal values of other types (1 == 1.0 ==
    True) would share a text, so a column must hold one numeric type: the schema's columns do
    (SQLite's INTEGER and REAL affinities store 3.0 as 3 and 3 as 3.0); bools come only from
    the flag columns, whose texts depend on the truth value alone.
    """

    __slots__ = ("format", "keep")

    def __init__(self, format, keep):
        super().__init__()
        self.format, self.keep = format, keep

    def __missing__(self, value):
        text = self.format(value)
        kind = value.__class__
        # Not NaN (never equal to itself) nor a float zero (0.0 and -0.0 are equal, printed apart).
        if kind in self.keep and len(self) < _MEMO_LIMIT and (kind is not float or (value == value and value != 0)):
            self[value] = text
        return text


_NONE = type(None)
_KEEP = {
    "text": frozenset({_NONE, str}),
    "number": frozenset({_NONE, int, float}),
    "flag": frozenset({_NONE, bool}),
}


_CHUNK = 5000  # rows formatted together, column by column


def _chunks(rows, size: int = _CHUNK):
    from itertools import islice

    rows = iter(rows)
    while chunk := list(islice(rows, size)):
        yield chunk


_INT_ONLY = frozenset({int})
_EMPTY_FOR_NONE: dict[Any, Any] = {None: ""}
_FIRST_CHARACTER = operator.itemgetter(slice(0, 1))


def _csv_column(values: tuple, memo: "_Memo", kind: str, plain_text: bool) -> list:
    """One column of a chunk of rows as CSV cells, each made as its formatter makes it: text
    that prints as stored (no formula start, no ANSI sequence) and int ids are taken as they
    are, in C; any other column is looked up in its memo."""
    if kind == "text" and plain_text:
        cells: list[Any] = list(map(_EMPTY_FOR_NONE.get, values, values))
        try:
            joined = "\n".join(cells)
        except TypeError:  # a value that is not text: formatted as its kind says
            pass
        else:
            if "\x1b" not in joined and _FORMULA_FIRST.isdisjoint("".join(map(_FIRST_CHARACTER, cells))):
                return cells
    elif kind == "number" and set(map(type, values)) == _INT_ONLY:
        return list(map(str, values))
    return list(map(memo.__getitem__, values))


def _csv_rows(out, rows, columns: list[str], kinds: dict[str, str]) -> None:
    """CSV rows, byte for byte as ``csv.writer`` writes the cells the formatters make, a chunk
    of rows at a time and a column at a time: most cells need no Python call of their own."""
    tty = out.isatty()
    shown = terminal if tty else _strip_ansi
    column_kinds = [kinds.get(c, "text") for c in columns]
    memos = [_Memo(_csv_formatter(kind, shown), _KEEP[kind]) for kind in column_kinds]
    # On a terminal every text cell is looked up (control characters are shown escaped).
    plain_text = [not tty] * len(columns)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    commas = len(columns) - 1
    for chunk in _chunks(rows, _CHUNK):
        cells = list(zip(*map(_csv_column, zip(*chunk), memos, column_kinds, plain_text)))
        text = "\n".join(map(",".join, cells)) + "\n"
        # csv.writer quotes only a cell holding the delimiter, a quote or a line break: with
        # none, the lines joined here are its lines. Else the chunk goes through csv.writer.
        if (
            commas
            and text.count(",") == commas * len(cells)
            and text.count("\n") == len(cells)
            and '"' not in text
            and "\r" not in text
        ):
            out.write(text)
        else:
            writer.writerows(cells)


def _emit_rows(out, rows, fmt, columns, kinds, headers, prepare) -> None:
    if fmt == Format.csv:
        _csv_rows(out, rows, columns, kinds)
    elif fmt == Format.json:
        # json.dumps(indent=2) of the whole list, row by row: a row of plain values goes through
        # the C encoder with the indented separators; a row holding an object (method_params)
        # is written value by value so the object is indented as json.dumps indents it.
        prefixes = ["    " + _encode_string(c) + ": " for c in columns]
        memos = [_Memo(_json_literal, _KEEP[kinds.get(c, "text")]) for c in columns]
        first = True
        add, getitem = operator.add, operator.getitem
        out.write("[")
        for row in rows:
            if prepare is not None:
                row = prepare(row)
            if _NESTED.isdisjoint(map(type, row)):
                # Each value's JSON text looked up by value (in C when seen before).
                body = ",\n".join(map(add, prefixes, map(getitem, memos, row)))
            else:
                body = ",\n".join(p + _json_literal(v, "    ") for p, v in zip(prefixes, row))
            out.write(("\n  {\n" if first else ",\n  {\n") + body + "\n  }")
            first = False
        out.write("]\n" if first else "\n]\n")
    elif fmt == Format.jsonl:
        for row in rows:
            if prepare is not None:
                row = prepare(row)
            out.write(json.dumps(dict(zip(columns, row)), ensure_ascii=False, default=_json_default) + "\n")
    elif fmt == Format.md:
        from cedb.exports import markdown_row, markdown_table

        out.write(markdown_table(columns, []) + "\n")
        for row in rows:
            out.write(markdown_row([terminal(_cell(v)) for v in row]) + "\n")
    else:
        records = [{c: _cell(v) for c, v in zip(columns, row)} for row in rows]
        emit(records, fmt, columns, headers=headers)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def emit_record(record: dict[str, Any], fmt: Format) -> None:
    """One record: a two-column table on a terminal, JSON for scripts."""
    if fmt in (Format.json, Format.jsonl):
        typer.echo(dumps(record))
        return
    rows = [{"field": k, "value": _cell(v)} for k, v in record.items()]
    emit(rows, fmt, ["field", "value"])


# --------------------------------------------------------------------------- progress


@contextmanager
def progress_bar(description: str):
    """A rich progress bar on stderr when stderr is a terminal, else None (nothing printed).

    It yields the ``progress(done, total)`` callback that cedb.store.bulk's importers take.
    """
    import sys

    if not sys.stderr.isatty():
        yield None
        return
    from rich.progress import (
        BarColumn,
        TaskProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )
    from rich.progress import (
        Progress as Bar,
    )

    with Bar(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeRemainingColumn(),
        console=console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update
