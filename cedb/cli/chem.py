"""cedb chem: list, show, check and extend the chemical vocabulary; list unparsed electrolytes."""

from enum import Enum
from typing import Annotated, Optional

import typer

from cedb.cli import common

app = typer.Typer(
    help="List, show, check and extend the chemical vocabulary; list the electrolytes cedb could not parse.",
    no_args_is_help=True,
)


class Role(str, Enum):
    salt = "salt"
    solvent = "solvent"
    diluent = "diluent"
    additive = "additive"
    host = "host material"


LIST_COLUMNS = ["abbreviation", "name", "role", "formula", "molar_mass_g_mol", "density_g_mL", "synonyms"]


@app.command("list")
def list_command(
    role: Annotated[
        Optional[Role], typer.Option("--role", help="Only chemicals of this role.", show_default=False)
    ] = None,
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
    record = {"matched": found.matched, **found.chemical.to_dict(), "warnings": list(found.warnings)}
    if fmt not in (common.Format.json, common.Format.jsonl):
        for key in ("synonyms", "ambiguous_names", "warnings"):
            record[key] = "; ".join(record[key])
        for warning in found.warnings:
            common.note(f"Warning: {warning}")
    common.emit_record(record, fmt)


@app.command("check")
def check_command() -> None:
    """Check formulas, molar masses, SMILES, densities and name uniqueness (exit 3 on problems)."""
    from cedb.chemistry.vocabulary import check_vocabulary, default_vocabulary, user_vocabulary_path
    from cedb.errors import ChecksFailed

    findings = check_vocabulary()
    for f in findings:
        typer.echo(f"{f.record}: {f.field}: {f.message} [{f.check}]")
    if findings:
        user = user_vocabulary_path()
        mine = f"; your own chemicals are in {user} (`cedb chem add` replaces one)" if user else ""
        raise ChecksFailed(f"{len(findings)} problem(s) in the chemical vocabulary{mine}")
    common.note(f"OK: {len(default_vocabulary().chemicals)} chemicals")


def _opt(*names: str, help: str):
    return typer.Option(*names, help=help, show_default=False)


@app.command("add")
def add_command(
    abbreviation: Annotated[str, typer.Argument(help="Canonical abbreviation, e.g. FEC.")],
    name: Annotated[Optional[str], _opt("--name", help="Full name.")] = None,
    role: Annotated[Optional[Role], _opt("--role", help="Role hint.")] = None,
    formula: Annotated[Optional[str], _opt("--formula", help="e.g. C3H3FO3 or LiN(SO2F)2.")] = None,
    smiles: Annotated[Optional[str], _opt("--smiles", help="Checked against the formula.")] = None,
    synonym: Annotated[Optional[list[str]], _opt("--synonym", help="Another name (repeatable).")] = None,
    density: Annotated[Optional[float], _opt("--density", help="Density at 25 °C, g/mL.")] = None,
    density_source: Annotated[
        Optional[str], _opt("--density-source", help="Where the density comes from: DOI, datasheet URL, handbook.")
    ] = None,
) -> None:
    """Add a chemical to your own vocabulary, or give a listed one a sourced density.

    Your chemicals live in the file named by CEDB_CHEMICALS, else chemicals.csv in the
    cedb user data directory, so they survive upgrades. For a chemical already listed,
    options left out keep its listed values: `cedb chem add FEC --density 1.45
    --density-source DOI` only adds the density.
    """
    from cedb.chemistry.vocabulary import add_chemical

    path, action = add_chemical(
        abbreviation,
        name=name,
        role=role.value if role else None,
        formula=formula,
        smiles=smiles,
        synonyms=synonym,
        density_g_mL=density,
        density_source=density_source,
    )
    common.note(f"{action.capitalize()} {abbreviation} in {path}")


@app.command("unparsed")
def unparsed_command(ctx: typer.Context, fmt: common.FormatOption = common.Format.table) -> None:
    """List the results' electrolytes cedb could not parse, with the reason for each."""
    from cedb.store import query

    with common.transaction(ctx, write=False) as session:
        rows = query.unparsed(session.connection())
    common.emit(rows, fmt, ["paper", "label", "results", "electrolyte", "components", "reason"])
    common.note(
        f"{len(rows)} electrolyte(s) of {sum(r['results'] for r in rows)} result(s) "
        "could not be parsed; filters by --salt/--solvent/--diluent report them as not "
        "judged"
    )
