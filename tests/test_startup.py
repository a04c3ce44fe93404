"""Start-up (issue 16): commands that need no database import no database or data library,
and cedb's plain option coercion (cedb.cli.coercion) agrees with typer's pydantic adapters."""

import json
import subprocess
import sys
from enum import Enum
from pathlib import Path

import pytest

HEAVY = ("sqlalchemy", "sqlmodel", "pandas", "pydantic", "alembic", "numpy", "matplotlib", "openpyxl")

# Runs cedb in-process on each argument list of argv[1] (JSON), then prints the heavy
# modules that got imported; exit codes and output of the commands themselves are returned.
_PROBE = """
import json, sys
from cedb.cli.main import app
heavy = {heavy!r}
codes = []
for args in json.loads(sys.argv[1]):
    try:
        app(args, prog_name="cedb")
    except SystemExit as exc:
        codes.append(exc.code)
loaded = sorted({{name.split(".")[0] for name in sys.modules}} & set(heavy))
print(json.dumps({{"loaded": loaded, "codes": codes, "orm": "sqlalchemy.orm" in sys.modules}}))
"""


def _probe(argument_lists: list[list[str]], tmp_path: Path, env: dict | None = None) -> dict:
    import os

    process = subprocess.run(
        [sys.executable, "-c", _PROBE.format(heavy=HEAVY), json.dumps(argument_lists)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={
            **os.environ,
            "CEDB_DATABASE_URL": f"sqlite:///{tmp_path / 'never.sqlite'}",
            "NO_COLOR": "1",
            **(env or {}),
        },
        timeout=120,
    )
    assert process.returncode == 0, process.stderr
    return json.loads(process.stdout.splitlines()[-1])


DATABASE_FREE = {
    "life": ["life", "--ce", "99"],
    "life, cycles": ["life", "--cycles", "200", "--retention", "0.8"],
    "ce conventional": ["ce", "conventional", "--plated", "1", "--stripped", "0.99"],
    "ce aurbach": ["ce", "aurbach", "--help"],
    "electrolyte parse": ["electrolyte", "parse", "1 M LiFSI in DME"],
    "electrolyte describe": ["electrolyte", "describe", "1 M LiPF6 in EC/DEC (1:1 v/v)"],
    "chem list": ["chem", "list"],
    "chem show": ["chem", "show", "DME"],
    "--help": ["--help"],
    "--version": ["--version"],
}


@pytest.mark.parametrize("args", DATABASE_FREE.values(), ids=DATABASE_FREE.keys())
def test_commands_without_a_database_import_no_heavy_library(args, tmp_path):
    result = _probe([args], tmp_path)
    assert result["codes"] in ([0], [None]), result
    assert result["loaded"] == []
    assert not (tmp_path / "never.sqlite").exists()


def _command_paths() -> list[list[str]]:
    import typer

    from cedb.cli.main import app

    paths: list[list[str]] = []

    def walk(command, path):
        paths.append(path)
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return paths


def test_help_of_every_command_imports_no_heavy_library(tmp_path):
    paths = _command_paths()
    assert len(paths) > 40  # the walk found the subcommands, not just the root
    result = _probe([[*path, "--help"] for path in paths], tmp_path)
    assert result["codes"] == [0] * len(paths)
    assert result["loaded"] == []


def test_a_database_at_head_is_opened_without_alembic(sqlite_template, tmp_path):
    import shutil

    db = tmp_path / "at-head.sqlite"
    shutil.copyfile(sqlite_template, db)
    result = _probe(
        [["query", "--paper", "nosuch", "--format", "csv"]],
        tmp_path,
        env={"CEDB_DATABASE_URL": f"sqlite:///{db}"},
    )
    assert result["codes"] in ([0], [None]), result
    assert "sqlalchemy" in result["loaded"]  # it did open the database
    assert "alembic" not in result["loaded"]


def test_query_and_export_read_without_the_orm_or_the_models(sqlite_template, tmp_path):
    """Readers build their SQL on tables read from the database (cedb.store.tables): neither
    sqlalchemy.orm, SQLModel nor pydantic is imported (a third of a small query's CPU)."""
    import shutil

    db = tmp_path / "at-head.sqlite"
    shutil.copyfile(sqlite_template, db)
    result = _probe(
        [
            ["query", "--paper", "nosuch", "--format", "csv"],
            ["query", "--practical", "--salt", "LiFSI", "--format", "json"],
            ["export", "table", "--format", "csv", "-o", str(tmp_path / "table.csv")],
        ],
        tmp_path,
        env={"CEDB_DATABASE_URL": f"sqlite:///{db}"},
    )
    assert len(result["codes"]) == 3 and set(result["codes"]) <= {0, None}, result
    assert (tmp_path / "table.csv").exists()
    assert result["loaded"] == ["sqlalchemy"]
    assert result["orm"] is False


# --------------------------------------------------------------------------- coercion

SAMPLES = [
    "", "0", "7", "+5", "-3", "007", "1_000", " 5", "5 ", "1.", ".5", "1e5", "1E+05", "-0", "2.5",
    "inf", "-inf", "nan", "1e400", "0x10", "99999999999999999999999", "١٢", "abc", "x/y.csv",
    "/nonexistent/cedb/file.csv", ".", "-", "true", "no",
]  # fmt: skip


def _sample_values(annotation) -> list:
    from typing import get_args, get_origin

    inner = get_args(annotation)[0] if get_origin(annotation) is list else annotation
    values: list = list(SAMPLES)
    if isinstance(inner, type) and issubclass(inner, Enum):
        for member in inner:
            values += [member.value, str(member.value).upper(), member]
    if inner in (int, float, bool, str):
        values += [inner(1), inner(0)]
    if get_origin(annotation) is list:
        values = [[v] for v in values] + [["1", "2"], ("3",), []]
    return values


def _outcome(runtime, value, param, ctx):
    from typer._click.exceptions import BadParameter

    try:
        result = runtime.coerce(value, param=param, ctx=ctx)
    except BadParameter as exc:
        return ("error", exc.format_message())
    return ("value", type(result).__name__, repr(result))


def test_plain_coercion_agrees_with_typers_adapters_on_every_option(tmp_path, monkeypatch):
    """Every option of every command: the same value (and type) or the same error message."""
    import typer
    from typer import _coercion
    from typer._click import Context

    from cedb.cli.main import app  # installs cedb.cli.coercion

    monkeypatch.chdir(tmp_path)
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "y.csv").write_text("a\n")
    plain_build = typer.core.build_runtime_param
    assert getattr(plain_build, "cedb_plain", False), "cedb.cli.coercion is not installed"
    compared = plain = 0

    def walk(command):
        nonlocal compared, plain
        ctx = Context(command)
        for param in command.params:
            descriptor = getattr(param, "type_descriptor", None)
            if descriptor is None:
                continue
            ours = plain_build(descriptor)
            plain += type(ours).__name__ == "PlainRuntimeParam"
            theirs = _coercion.build_runtime_param(descriptor)
            for value in _sample_values(descriptor.annotation):
                if isinstance(value, str) and (param.multiple or param.nargs == -1):
                    continue
                assert _outcome(ours, value, param, ctx) == _outcome(theirs, value, param, ctx), (
                    command.name,
                    param.name,
                    value,
                )
                compared += 1
        for sub in getattr(command, "commands", {}).values():
            walk(sub)

    walk(typer.main.get_command(app))
    assert plain > 300  # nearly every option goes the plain way
    assert compared > 5000


def test_the_app_of_one_named_command_behaves_as_the_whole_app(tmp_path):
    """`cedb NAME ...` builds only NAME's command: the same help, usage errors and choices."""
    from typer.testing import CliRunner

    from cedb.cli.main import COMMANDS, app, app_for

    runner = CliRunner()
    cases = [[*path, "--help"] for path in _command_paths() if path]
    cases += [[name, "--no-such-option"] for name in COMMANDS]
    cases += [["--db", str(tmp_path / "x.sqlite"), "life", "--help"], ["--db=x.sqlite", "ce", "nosuch"]]
    cases += [["life", "--ce", "abc"], ["life", "--ce", "99", "-f", "nosuch"], ["lfe"], ["--help", "life"]]
    for args in cases:
        slim = app_for(args)
        if args[0] in COMMANDS:
            assert len(slim.registered_commands) + len(slim.registered_groups) == 1, args
        ours, whole = runner.invoke(slim, args), runner.invoke(app, args)
        assert (ours.exit_code, ours.output) == (whole.exit_code, whole.output), args
