"""cedb chem: list, show and check the chemical vocabulary (data/chemicals.csv)."""

from enum import Enum
from typing import Annotated, Optional

import typer

from cedb.cli import common

app = typer.Typer(help="List, show and check the chemical vocabulary.", no_args_is_help=True)


class Role(str, Enum):
    salt = "salt"
    solvent = "solvent"
    diluent = "diluent"
    additive = "additive"
    host = "host material"


LIST_COLUMNS = ["abbreviation", "name", "role", "formula", "molar_mass_g_mol", "density_g_mL",
                "synonyms"]


@app.command("list")
def list_command(
    role: Annotated[Optional[Role], typer.Option("--role", help="Only chemicals of this role.",
                                                 show_default=False)] = None,
    fmt: common.FormatOption = common.Format.table,
) -> None:
    """List the chemicals with formula, computed molar mass, density and synonyms."""
    from cedb.chemistry.vocabulary import default_vocabulary

    rows = []
    for chem in default_vocabulary().chemicals:
        if role is not None and chem.role != role.value:
            continue
        record = chem.to_dict()
        if fmt not in (common.Format.json, common.Format.jsonl):
            record["synonyms"] = "; ".join(chem.synonyms)
        rows.append(record)
    common.emit(rows, fmt, LIST_COLUMNS)


@app.command("show")
def show_command(
    name: Annotated[str, typer.Argument(help="Abbreviation, name or synonym (e.g. TEGDME).")],
    fmt: common.FormatOption = common.Format.table,
) -> None:
    """Show one chemical by any of its names; ambiguous names are reported."""
    from cedb.chemistry.vocabulary import lookup

    found = lookup(name)
    record = {"matched": found.matched, **found.chemical.to_dict(),
              "warnings": list(found.warnings)}
    if fmt not in (common.Format.json, common.Format.jsonl):
        for key in ("synonyms", "ambiguous_names", "warnings"):
            record[key] = "; ".join(record[key])
        for warning in found.warnings:
            common.note(f"Warning: {warning}")
    common.emit_record(record, fmt)


@app.command("check")
def check_command() -> None:
    """Check formulas, molar masses, SMILES and name uniqueness (exit 3 on problems)."""
    from cedb.chemistry.vocabulary import check_vocabulary, default_vocabulary
    from cedb.errors import ChecksFailed

    findings = check_vocabulary()
    for f in findings:
        typer.echo(f"{f.record}: {f.field}: {f.message} [{f.check}]")
    if findings:
        raise ChecksFailed(f"{len(findings)} problem(s) in the chemical vocabulary; "
                           "fix data/chemicals.csv")
    common.note(f"OK: {len(default_vocabulary().chemicals)} chemicals")
