"""cedb chem and cedb electrolyte, run as the installed command a user types."""

import csv
import io
import json
from pathlib import Path

import pytest
from conftest import REPO, assert_user_error, make_cli

from cedb.chemistry.descriptors import DESCRIPTOR_KEYS

FIXTURE = Path(__file__).parent / "fixtures" / "electrolytes.csv"


@pytest.fixture
def run(request, tmp_path):
    """Run `cedb ...` (in-process unless marked end_to_end); these commands never open the database."""
    yield make_cli(request, f"sqlite:///{tmp_path / 'never.sqlite'}", tmp_path)
    assert not (tmp_path / "never.sqlite").exists()


def _json(run, *args: str):
    process = run(*args, "--format", "json")
    assert process.returncode == 0, process.stderr
    return json.loads(process.stdout)


# --------------------------------------------------------------------------- chem


def test_chem_list(run):
    rows = _json(run, "chem", "list")
    by_name = {r["abbreviation"]: r for r in rows}
    assert {"LiFSI", "DME", "TTE", "12-crown-4"} <= set(by_name)
    assert by_name["DME"]["density_g_mL"] == 0.867
    assert by_name["LiPF6"]["molar_mass_g_mol"] == pytest.approx(151.91, abs=0.01)
    assert "TEGDME" in by_name["G4"]["synonyms"]


def test_chem_list_by_role_as_csv(run):
    process = run("chem", "list", "--role", "diluent", "--format", "csv")
    assert process.returncode == 0, process.stderr
    rows = list(csv.DictReader(io.StringIO(process.stdout)))
    assert {r["role"] for r in rows} == {"diluent"}
    assert "BTFE" in {r["abbreviation"] for r in rows}


def test_chem_show_by_synonym(run):
    data = _json(run, "chem", "show", "tetraglyme")
    assert data["abbreviation"] == "G4"
    assert data["formula"] == "C10H22O5"
    assert data["warnings"] == []


def test_chem_show_reports_ambiguity(run):
    data = _json(run, "chem", "show", "DEE")
    assert data["name"] == "1,2-diethoxyethane"
    assert "diethyl ether" in data["warnings"][0]
    process = run("chem", "show", "DEE")
    assert process.returncode == 0
    assert "Warning: 'DEE' is ambiguous" in process.stderr


def test_chem_show_unknown_is_a_user_error(run):
    assert_user_error(run("chem", "show", "tetraglyne"), contains="did you mean 'tetraglyme'")


def test_chem_check_passes_on_the_shipped_vocabulary(run):
    process = run("chem", "check")
    assert process.returncode == 0, process.stdout + process.stderr
    assert "OK:" in process.stderr


# --------------------------------------------------------------------------- electrolyte parse


def test_electrolyte_parse_json(run):
    data = _json(run, "electrolyte", "parse", "1 M LiPF6 EC-DMC (1:1 v) 2% VC")
    assert data["canonical"] == "LiPF6 1 M | DMC 0.5 vol, EC 0.5 vol | VC 2 wt%"
    assert data["salts"][0] == {"name": "LiPF6", "role": "salt", "amount": 1.0, "unit": "M", "vocabulary_role": "salt"}
    assert [s["name"] for s in data["solvents"]] == ["EC", "DMC"]
    assert data["additives"][0]["unit"] == "wt%"
    assert any("read as wt%" in w for w in data["warnings"])


def test_electrolyte_parse_table_shows_canonical_and_warnings(run):
    process = run("electrolyte", "parse", "1 LiFSI - 3 TMS- 3 TTE")
    assert process.returncode == 0, process.stderr
    assert "SL" in process.stdout and "mol_ratio" in process.stdout
    assert "Canonical: LiFSI 1 eq | SL 3 eq, TTE 3 eq | -" in process.stderr
    assert "Warning: 'TMS' is ambiguous" in process.stderr


def test_electrolyte_parse_garbage_is_a_user_error(run):
    assert_user_error(
        run("electrolyte", "parse", "1 M LiFSI in TMS-FNFSI"),
        contains="cannot read 'FNFSI' in 'TMS-FNFSI' at character 18",
    )


# --------------------------------------------------------------------------- describe


def test_electrolyte_describe_json_worked_check(run):
    process = run("electrolyte", "describe", "1M LiPF6 EC-DMC (3:7 v/v)", "--format", "json")
    assert process.returncode == 0, process.stderr
    data = json.loads(process.stdout)
    # Exactly the descriptor keys (issue 5); convention and canonical string go to stderr.
    assert list(data) == list(DESCRIPTOR_KEYS)
    assert data["C"] == pytest.approx(0.2516, abs=1e-4)
    assert data["F"] == pytest.approx(0.03928, abs=1e-4)
    assert "Convention: physical" in process.stderr  # the default
    assert "Canonical: LiPF6 1 M | DMC 0.7 vol, EC 0.3 vol | -" in process.stderr


def test_electrolyte_describe_physical_convention_and_density_option(run):
    process = run(
        "electrolyte",
        "describe",
        "1.2M LiFSI DMC-BTFE (1:2 mol)",
        "--density",
        "BTFE=1.47",
        "--convention",
        "physical",
        "--format",
        "json",
    )
    assert process.returncode == 0, process.stderr
    assert "Convention: physical" in process.stderr
    assert json.loads(process.stdout)["F"] > 0
    assert_user_error(
        run("electrolyte", "describe", "1.2M LiFSI DMC-BTFE (1:2 mol)"), contains="no density at 25 °C for BTFE"
    )
    assert_user_error(
        run("electrolyte", "describe", "1 M LiPF6 in PC", "--density", "PC"), contains="is not NAME=G_PER_ML"
    )


def test_electrolyte_describe_needs_text_or_input(run):
    assert_user_error(run("electrolyte", "describe"), contains="give one electrolyte TEXT")
    assert_user_error(run("electrolyte", "describe", "--input", FIXTURE), contains="--input needs --column")
    assert_user_error(
        run("electrolyte", "describe", "--input", FIXTURE, "--column", "nope"), contains="no column 'nope'"
    )


def test_electrolyte_describe_csv_batch_keeps_row_order_and_reports_failures(run):
    process = run("electrolyte", "describe", "--input", FIXTURE, "--column", "text", "--format", "csv")
    assert process.returncode == 1  # some rows could not be described
    rows = list(csv.DictReader(io.StringIO(process.stdout)))
    original = list(csv.DictReader(open(FIXTURE, encoding="utf-8", newline="")))
    assert [r["text"] for r in rows] == [r["text"] for r in original]
    assert list(rows[0])[-16:] == ["canonical", "convention", *DESCRIPTOR_KEYS, "error"]
    failed = [r for r in rows if r["error"]]
    assert all(r["F"] == "" for r in failed)
    described = [r for r in rows if not r["error"]]
    assert all(r["F"] != "" and r["convention"] == "physical" for r in described)
    worked = next(r for r in rows if r["text"] == "1M LiPF6 EC-DMC (3:7 v/v)")
    assert float(worked["C"]) == pytest.approx(0.2516, abs=1e-4)
    for row in failed:  # one stderr line per failed row, naming its line in the file
        line = original.index(next(o for o in original if o["text"] == row["text"])) + 2
        assert f"electrolytes.csv line {line}: {row['error']}" in process.stderr
    assert f"Described {len(described)} / {len(rows)} rows" in process.stderr


def test_electrolyte_describe_batch_all_good_exits_zero(run, tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("id,electrolyte\n1,4 M LiFSI in DME\n2,LiFSI-1.2DME-3TTE\n", encoding="utf-8")
    process = run("electrolyte", "describe", "-i", path, "-c", "electrolyte", "-f", "json")
    assert process.returncode == 0, process.stderr
    rows = json.loads(process.stdout)
    assert [r["id"] for r in rows] == ["1", "2"]
    assert rows[1]["canonical"] == "LiFSI 1 eq | DME 1.2 eq, TTE 3 eq | -"


def test_every_command_has_help(run):
    for args in (
        ["chem"],
        ["chem", "list"],
        ["chem", "show"],
        ["chem", "check"],
        ["electrolyte"],
        ["electrolyte", "parse"],
        ["electrolyte", "describe"],
    ):
        process = run(*args, "--help")
        assert process.returncode == 0, process.stderr
        assert "Usage" in process.stdout
    top = run("--help").stdout
    assert "chem" in top and "electrolyte" in top


# --------------------------------------------------------------------------- issue 12, in-process


@pytest.fixture
def invoke(monkeypatch, tmp_path):
    """Run the CLI in-process with its own user vocabulary file (CEDB_CHEMICALS)."""
    from typer.testing import CliRunner

    from cedb.cli.main import app

    monkeypatch.setenv("CEDB_CHEMICALS", str(tmp_path / "mine" / "chemicals.csv"))

    def call(*args: str):
        return CliRunner().invoke(app, [str(a) for a in args])

    return call


def test_missing_density_names_the_cli_option_and_chem_add(invoke):
    result = invoke("electrolyte", "describe", "1 M LiPF6 in EC/DEC (1:1 v/v) + 10 vol% FEC")
    message = str(result.exception)
    assert "--density FEC=G_PER_ML" in message and "cedb chem add FEC" in message
    assert "chemicals.csv" not in message and "densities_g_mL" not in message


def test_chem_add_keeps_a_sourced_density_in_the_user_file(invoke, tmp_path):
    refused = invoke("chem", "add", "FEC", "--density", "1.45")
    assert "needs --density-source" in str(refused.exception)
    assert not (tmp_path / "mine" / "chemicals.csv").exists()  # nothing written
    added = invoke("chem", "add", "FEC", "--density", "1.45", "--density-source", "test: not a measurement")
    assert added.exit_code == 0, added.output
    text = (tmp_path / "mine" / "chemicals.csv").read_text(encoding="utf-8")
    assert "FEC,fluoroethylene carbonate,additive,C3H3FO3" in text and "1.45" in text
    shown = invoke("chem", "show", "FEC", "--format", "json")
    assert json.loads(shown.stdout)["density_source"] == "test: not a measurement"
    described = invoke("electrolyte", "describe", "1 M LiPF6 in EC/DEC (1:1 v/v) + 10 vol% FEC")
    assert described.exit_code == 0, described.output


def test_chem_add_a_new_chemical_checks_its_smiles(invoke):
    bad = invoke(
        "chem", "add", "BDE", "--name", "test ether", "--role", "diluent", "--formula", "C4H10O", "--smiles", "CCOC"
    )
    assert "SMILES gives C3H8O" in str(bad.exception)
    good = invoke(
        "chem", "add", "BDE", "--name", "test ether", "--role", "diluent", "--formula", "C4H10O", "--smiles", "CCOCC"
    )
    assert good.exit_code == 0, good.output
    parsed = invoke("electrolyte", "parse", "1 M LiFSI in DME/BDE (1:1 v/v)", "--format", "json")
    assert [s["name"] for s in json.loads(parsed.stdout)["solvents"]] == ["DME", "BDE"]


@pytest.fixture(scope="module")
def bundled_db(tmp_path_factory):
    """A database with the bundled review dataset (made once for this module)."""
    from typer.testing import CliRunner

    from cedb.cli.main import app

    path = tmp_path_factory.mktemp("bundled") / "cedb.sqlite"
    assert CliRunner().invoke(app, ["--db", str(path), "query", "--limit", "1"]).exit_code == 0
    return path


def test_diluent_btfe_finds_the_bundled_lhce_and_counts_the_unjudged(invoke, bundled_db):
    result = invoke("--db", bundled_db, "query", "--diluent", "BTFE", "--format", "json")
    assert result.exit_code == 0, result.output
    labels = {r["label"] for r in json.loads(result.stdout)}
    assert "LHCE (BTFE diluent)" in labels
    # Prose electrolytes that name no diluent are counted, not dropped: every unparsed result
    # except those whose prose names BTFE in its role (the review's LHCE).
    unparsed = json.loads(invoke("--db", bundled_db, "chem", "unparsed", "--format", "json").stdout)
    unjudged = sum(r["results"] for r in unparsed if "diluent:BTFE" not in (r["components"] or ""))
    assert unjudged >= 2  # the review's other two prose electrolytes at least
    assert f"{unjudged} result(s) have electrolytes cedb could not parse" in result.stderr
    assert "see `cedb chem unparsed`" in result.stderr
    plain = invoke("--db", bundled_db, "query", "--format", "json")
    assert "could not parse" not in plain.stderr  # no component filter, nothing to judge


def test_chem_unparsed_lists_each_text_with_its_reason(invoke, bundled_db):
    result = invoke("--db", bundled_db, "chem", "unparsed", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert all(r["reason"].startswith("cannot read") for r in rows)
    assert len([r for r in rows if r["paper"].startswith("sun2025review")]) == 3  # the review's prose
    btfe = next(r for r in rows if r["label"] == "LHCE (BTFE diluent)")
    assert btfe["components"] == "diluent:BTFE"


def test_an_unparsed_electrolyte_warns_when_entered(invoke, bundled_db, tmp_path):
    import shutil

    db = tmp_path / "copy.sqlite"
    shutil.copy(bundled_db, db)
    paper = invoke("--db", db, "query", "--format", "json")
    key = json.loads(paper.stdout)[0]["paper"]
    result = invoke(
        "--db",
        db,
        "result",
        "add",
        "--paper",
        key,
        "--ce",
        "99",
        "--current",
        "1",
        "--capacity",
        "1",
        "--category",
        "electrolyte",
        "--electrolyte",
        "LiFSI in a secret solvent",
        "--no-input",
    )
    assert result.exit_code == 0, result.output
    assert "Warning: electrolyte 'LiFSI in a secret solvent'" in result.stderr
    assert "cedb chem unparsed" in result.stderr


def test_a_bulk_load_counts_unparsed_electrolytes_in_one_line(invoke, tmp_path):
    # One warning per file buried `curate load`'s summary: a bulk load says it once, after it.
    db = tmp_path / "empty.sqlite"
    assert invoke("--db", db, "init", "--empty").exit_code == 0
    result = invoke("--db", db, "curate", "load", REPO / "curation")
    assert result.exit_code == 0, result.output
    lines = result.stderr.strip().splitlines()
    assert "Warning: electrolyte '" not in result.stderr
    assert lines[-2].startswith(f"{len(list((REPO / 'curation').glob('*.yaml')))} file(s) loaded")
    counted = int(lines[-1].removeprefix("Warning: ").split()[0])
    listed = json.loads(invoke("--db", db, "chem", "unparsed", "--format", "json").stdout)
    assert counted == len({row["electrolyte"] for row in listed}) > 5  # distinct texts
