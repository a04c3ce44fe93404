"""What every `cedb` command promises: help text, exit codes, data on stdout, messages on stderr.

Exit codes: 0 ok, 1 data error, 2 usage error, 3 a check found problems, 4 network failure.
The help tests walk the Typer app, so commands added later are covered without editing this file.
"""

import json
import os
import re
import subprocess

import pytest
from conftest import assert_user_error

# SGR parameters that set a colour: 30-37, 38;..., 39, 40-47, 48;..., 49, 90-97, 100-107.
_COLOUR = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-9]|4[0-9]|9[0-7]|10[0-7])(?:;[0-9;]*)?m")


def _commands():
    """(path, click command) of the root, every group and every command."""
    import typer.main

    from cedb.cli.main import app

    found = []

    def walk(command, path):
        found.append((path, command))
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return found


def test_every_command_and_group_has_help():
    commands = _commands()
    assert len(commands) > 10
    groups = {" ".join(path) for path, command in commands if hasattr(command, "commands")}
    assert {"", "paper", "db", "result"} <= groups
    missing = [" ".join(["cedb", *path]) for path, command in commands if not (command.help or "").strip()]
    assert missing == [], f"commands without help text: {missing}"


def test_every_option_and_argument_has_help():
    missing = [
        f"cedb {' '.join(path)} {param.name}"
        for path, command in _commands()
        for param in command.params
        if param.name != "help" and not (getattr(param, "help", None) or "").strip()
    ]
    assert missing == [], f"parameters without help text: {missing}"


def test_every_help_page_renders():
    from typer.testing import CliRunner

    from cedb.cli.main import app

    runner = CliRunner()
    for path, command in _commands():
        result = runner.invoke(app, [*path, "--help"], env={"NO_COLOR": "1"})
        assert result.exit_code == 0, (path, result.output)
        assert (command.help or "").strip().splitlines()[0][:30] in " ".join(result.output.split()), path


# --------------------------------------------------------------------------- exit codes and streams


@pytest.mark.end_to_end
def test_usage_errors_exit_2_without_traceback(sqlite_cli):
    for args, message in [
        ([], "Usage: cedb"),
        (["nosuchcommand"], "No such command 'nosuchcommand'"),
        (["paper"], "Usage: cedb paper"),
        (["paper", "add"], "Missing argument"),
        (["paper", "add", "x.bib", "--on-duplicate", "bogus"], "Invalid value for '--on-duplicate'"),
        (["paper", "list", "--format", "xml"], "Invalid value for '--format'"),
    ]:
        process = sqlite_cli(*args)
        assert process.returncode == 2, (args, process.stderr)
        assert message in process.stderr and process.stdout == "", (args, process.stdout, process.stderr)
        assert "Traceback" not in process.stderr


@pytest.mark.end_to_end
def test_data_errors_exit_1_with_one_error_line(sqlite_cli, tmp_path):
    empty = tmp_path / "empty.bib"
    empty.write_text("% nothing\n@comment{only a comment}\n", encoding="utf-8")
    for args, message in [
        (["paper", "show", "nosuchkey"], "no paper with key 'nosuchkey'"),
        (["paper", "add", "not-a-doi"], "'not-a-doi' is neither a .bib file nor a DOI"),
        (["paper", "add", tmp_path / "missing.bib"], "no such file"),
        (["paper", "add", empty], "holds no BibTeX entries"),
        (
            ["result", "add", "--paper", "nosuchkey", "--ce", "99", "--current", "1", "--capacity", "1", "--no-input"],
            "no paper with key 'nosuchkey'",
        ),
    ]:
        process = sqlite_cli(*args)
        assert_user_error(process, 1, message)
        assert process.stdout == ""


@pytest.mark.end_to_end
def test_network_failure_exits_4(sqlite_cli):
    process = sqlite_cli(
        "paper", "add", "10.5555/any", env={"CEDB_CROSSREF_URL": "http://127.0.0.1:9", "CEDB_HTTP_TIMEOUT": "1"}
    )
    assert_user_error(process, 4, "cannot reach Crossref at http://127.0.0.1:9")


@pytest.mark.end_to_end
def test_check_problems_exit_3_with_findings_on_stdout(sqlite_cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("paper:\n  key: x\n", encoding="utf-8")
    process = sqlite_cli("curate", "check", "--offline", bad)
    assert_user_error(process, 3, "problem(s) in 1 file(s)")
    assert f"{bad.name}:1:" in process.stdout


@pytest.mark.end_to_end
def test_data_on_stdout_messages_on_stderr(sqlite_cli):
    first = sqlite_cli("paper", "list", "--format", "json", check=True)  # first use creates the database
    assert "Created a new cedb database" in first.stderr
    rows = json.loads(first.stdout)
    assert "sun2025review" in {row["key"] for row in rows}
    again = sqlite_cli("--version", check=True)
    assert re.fullmatch(r"cedb \S+\n", again.stdout) and again.stderr == ""


# --------------------------------------------------------------------------- NO_COLOR


def test_console_honours_no_color(monkeypatch, capsys):
    from cedb.cli import common

    monkeypatch.setenv("FORCE_COLOR", "1")  # as if on a terminal
    monkeypatch.delenv("NO_COLOR", raising=False)
    common.console().print("[red]red[/red]")
    assert _COLOUR.search(capsys.readouterr().out)
    monkeypatch.setenv("NO_COLOR", "1")
    common.console().print("[red]red[/red]")
    assert not _COLOUR.search(capsys.readouterr().out)


def _on_a_terminal(cli, *args: str) -> str:
    """What `cedb` prints when stdout and stderr are a terminal (a pseudo-terminal)."""
    import pty

    leader, follower = pty.openpty()
    env = {k: v for k, v in cli.env.items() if k not in ("FORCE_COLOR", "TERM")}
    process = subprocess.Popen(
        [cli.executable, *args],
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
        env={**env, "TERM": "xterm-256color", "COLUMNS": "120"},
        cwd=cli.cwd,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=60)
    os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.end_to_end
def test_no_color_on_a_terminal(sqlite_cli):
    assert "NO_COLOR" in sqlite_cli.env
    table = _on_a_terminal(sqlite_cli, "paper", "list")
    assert "sun2025review" in table
    error = _on_a_terminal(sqlite_cli, "paper", "show", "nosuchkey")
    usage = _on_a_terminal(sqlite_cli, "paper", "add", "--on-duplicate", "bogus")
    helps = _on_a_terminal(sqlite_cli, "paper", "add", "--help")
    assert "Error: no paper with key" in error and "Usage:" in usage and "--on-duplicate" in helps
    for output in (table, error, usage, helps):
        assert not _COLOUR.search(output), repr(output[:300])
