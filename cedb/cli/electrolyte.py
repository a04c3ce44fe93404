"""cedb electrolyte: parse electrolyte descriptions and compute their descriptors."""

from pathlib import Path
from typing import Annotated, Optional

import typer

from cedb.cli import common
from cedb.terms import Convention

app = typer.Typer(
    help="Parse electrolyte descriptions and compute elemental descriptors (Kim et al. 2023).",
    no_args_is_help=True,
)


ConventionOption = Annotated[
    Convention,
    typer.Option(
        "--convention",
        help="physical: x wt% is x % of the electrolyte's mass, x vol% "
        "x % of its volume; kim2023: x/100 L of additive on top "
        "of 1 L of solvent, as Kim et al. computed their table.",
    ),
]
DensityOption = Annotated[
    Optional[list[str]],
    typer.Option(
        "--density",
        metavar="NAME=G_PER_ML",
        help="Density at 25 °C, g/mL, from your source, for a chemical the vocabulary "
        "has none for (repeatable), e.g. --density FEC=1.45; `cedb chem add` "
        "keeps it.",
        show_default=False,
    ),
]


def _densities(items: Optional[list[str]]) -> dict[str, float]:
    from cedb.chemistry.vocabulary import lookup
    from cedb.errors import InvalidValue

    densities = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        try:
            density = float(value)
        except ValueError:
            density = None
        if not sep or density is None or density <= 0:
            raise InvalidValue(f"--density '{item}' is not NAME=G_PER_ML, e.g. --density FEC=1.45")
        densities[lookup(name).chemical.abbreviation] = density
    return densities


def _warn(warnings) -> None:
    for warning in warnings:
        common.note(f"Warning: {warning}")


@app.command("parse")
def parse_command(
    text: Annotated[str, typer.Argument(help="e.g. '1 M LiPF6 in EC/DMC (1:1 v/v) + 2 wt% VC'.")],
    fmt: common.FormatOption = common.Format.table,
) -> None:
    """Parse an electrolyte into salts, solvents and additives with a canonical string."""
    from cedb.chemistry.electrolyte import parse

    formulation = parse(text)
    if fmt in (common.Format.json, common.Format.jsonl):
        typer.echo(common.dumps(formulation.to_dict()))
        return
    rows = [c.to_dict() for c in formulation.components]
    common.emit(rows, fmt, ["name", "role", "amount", "unit", "vocabulary_role"])
    if fmt == common.Format.table:
        common.note(f"Canonical: {formulation.canonical}")
    _warn(formulation.warnings)


@app.command("describe")
def describe_command(
    text: Annotated[Optional[str], typer.Argument(help="One electrolyte description.", show_default=False)] = None,
    input_file: Annotated[
        Optional[Path],
        typer.Option("--input", "-i", help="CSV file with one electrolyte per row.", show_default=False),
    ] = None,
    column: Annotated[
        Optional[str],
        typer.Option("--column", "-c", help="The --input column holding the descriptions.", show_default=False),
    ] = None,
    convention: ConventionOption = Convention.physical,
    density: DensityOption = None,
    fmt: common.FormatOption = common.Format.table,
) -> None:
    """Elemental descriptors F, O, C, sF ... InOr of one electrolyte or a CSV column."""
    from cedb.errors import InvalidValue

    densities = _densities(density)
    if (text is None) == (input_file is None):
        raise InvalidValue("give one electrolyte TEXT or --input FILE.csv --column NAME")
    if input_file is None:
        if column is not None:
            raise InvalidValue("--column goes with --input FILE.csv")
        _describe_one(text or "", convention.value, densities, fmt)  # given: one of the two is
    else:
        if column is None:
            raise InvalidValue("--input needs --column NAME, the column with the descriptions")
        _describe_file(input_file, column, convention.value, densities, fmt)


def _describe_one(text: str, convention: str, densities: dict[str, float], fmt: common.Format) -> None:
    from cedb.chemistry.descriptors import describe
    from cedb.chemistry.electrolyte import parse

    formulation = parse(text)
    result = describe(formulation, convention=convention, densities_g_mL=densities)
    if fmt in (common.Format.json, common.Format.jsonl):
        # Exactly the 13 descriptor keys, so scripts can rely on them; the rest goes to stderr.
        typer.echo(common.dumps(dict(result.values)))
    else:
        rows = [{"descriptor": k, "value": v} for k, v in result.values.items()]
        common.emit(rows, fmt, ["descriptor", "value"])
    common.note(f"Canonical: {formulation.canonical}")
    common.note(f"Convention: {result.convention}")
    _warn(result.warnings)


def _describe_file(path: Path, column: str, convention: str, densities: dict[str, float], fmt: common.Format) -> None:
    from cedb.chemistry.descriptors import describe_csv

    table = describe_csv(path, column=column, convention=convention, densities_g_mL=densities)
    for line, error in table.failures:
        common.note(f"{path.name} line {line}: {error}")
    common.emit(table.rows, fmt, table.columns)
    common.note(f"Described {len(table.rows) - len(table.failures)} / {len(table.rows)} rows")
    if table.failures:
        raise typer.Exit(1)
