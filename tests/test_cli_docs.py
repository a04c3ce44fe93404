"""docs/cli.md is the commands' --help as Markdown: it fails here when a command changes."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _generator():
    spec = importlib.util.spec_from_file_location("make_cli_reference", ROOT / "docs" / "make_cli_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_reference_matches_the_help():
    generator = _generator()
    expected = generator.render()
    stored = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert stored == expected, "docs/cli.md is out of date: run python docs/make_cli_reference.py"


def test_cli_reference_names_every_command():
    from typer.main import get_command

    from cedb.cli.main import app

    stored = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    root = get_command(app)
    for name, command in root.commands.items():
        assert f"## `cedb {name}`" in stored
        for sub in getattr(command, "commands", {}):
            assert f"### `cedb {name} {sub}`" in stored
