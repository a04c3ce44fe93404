"""cedb result import: a spreadsheet (CSV or XLSX) through a column mapping, each bad row reported and skipped."""

import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, assert_user_error, database_snapshot
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import select

from cedb import spreadsheet
from cedb.errors import InvalidValue, NotFound
from cedb.store import crud
from cedb.store.models import Measurement, Reference, ReferenceCreate, Strategy

SHEETS = FIXTURES / "spreadsheets"
MESSY = SHEETS / "messy.csv"
MESSY_MAP = SHEETS / "messy-mapping.yaml"
XLSX_MAP = SHEETS / "xlsx-mapping.yaml"

# Line of messy.csv (header = 1) -> what the reason says. Line 12 is blank and skipped, not rejected.
MESSY_REJECTED = {
    4: "has a comma",
    5: "looks like a fraction",
    6: "above 100",
    7: "cannot read current density 'n/a'",
    8: "areal capacity '3 mA' has the wrong unit",
    9: "no paper with key 'nobody2020'",
    10: "the same result is already recorded",
    11: "records CE 99.6 % (read from sun2025review) for the same paper and conditions, not 99.8 %",
    13: "cell 'coin cell' is not known",
    14: "areal capacity must be positive",
    15: "cycles '150.5' is not a whole number",
    17: "category 'wizardry' is not known",
}
MESSY_ADDED = [2, 3, 16]


@pytest.fixture
def papers(session):
    for key in ("sun2025review", "sun2025review-ref99", "sun2025review-ref107"):
        crud.add_reference(session=session, create=ReferenceCreate(key=key))
    return session


@pytest.fixture
def workbook(tmp_path) -> Path:
    """A lab's workbook: a notes sheet first, the data on "CE data", numbers as numbers, units in µA cm-2."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Notes"
    book.active.append(["Collected by hand from the review; units: µA cm-2 and mAh cm-2"])
    sheet = book.create_sheet("CE data")
    sheet.append(
        ["Reference", "Strategy", "Category", "Electrolyte", "Cell", "Current density", "Capacity", "Cycles", "CE"]
    )
    sheet.append(["sun2025review-ref107", "LHCE (xlsx)", "electrolyte", "LiFSI-DME/BTFE", "Li||Cu", 1000, 5, 100, 99.4])
    sheet.append(
        ["sun2025review-ref107", "LHCE (xlsx)", "electrolyte", "LiFSI-DME/BTFE", "Li||Cu", "2 mA/cm2", 3, 200, "99.5 %"]
    )
    sheet.append(
        ["sun2025review-ref107", "LHCE (xlsx)", "electrolyte", "LiFSI-DME/BTFE", "Li||Cu", 1000, 5, 300, 0.996]
    )
    sheet.append([None] * 9)
    sheet.append([None, "orphan", "electrolyte", None, "Li||Cu", 1000, 3, 100, 99.0])
    sheet.append(["sun2025review-ref107", "LHCE (xlsx)", "electrolyte", "LiFSI-DME/BTFE", "Li||Cu", -500, 3, 100, 99.0])
    sheet.append(["sun2025review-ref107", "LHCE + LiNO3 (xlsx)", "electrolyte", None, "Li||Cu", 1000, 4, 100, 99.3])
    path = tmp_path / "lab sheet.xlsx"
    book.save(path)
    return path


def _count(session) -> int:
    return len(session.exec(select(Measurement)).all())


# --------------------------------------------------------------------------- library


def test_messy_csv_rows_are_added_or_rejected_with_their_reason(papers):
    report = spreadsheet.import_rows(session=papers, path=MESSY, mapping=spreadsheet.read_mapping(MESSY_MAP))
    assert report.added == MESSY_ADDED
    assert [row for row, _ in report.rejected] == sorted(MESSY_REJECTED)
    for row, reason in report.rejected:
        assert MESSY_REJECTED[row] in reason, (row, reason)
        assert "\n" not in reason
    assert report.total == 15
    assert report.summary() == "3 / 15 rows added, 12 rejected"
    rows = {
        (
            m.current_density_mA_cm2,
            m.areal_capacity_mAh_cm2,
            m.cycles,
            m.ce_percent,
            m.cell,
            m.method,
            m.statistic,
            m.location,
        )
        for m in papers.exec(select(Measurement))
    }
    assert rows == {
        (3.0, 3.0, 150, 99.6, "li-cu", "conventional", "average", "Fig. 9c"),  # 30 A/m2 by the column unit
        (2.0, 4.0, 180, 99.7, "li-cu", "conventional", "average", "Section 3.1.2"),  # its own unit wins
        (0.5, 5.0, None, 99.1, None, "conventional", "maximum", None),
    }
    assert all(m.source_id is not None for m in papers.exec(select(Measurement)))


def test_dry_run_reports_the_same_and_writes_nothing(papers):
    mapping = spreadsheet.read_mapping(MESSY_MAP)
    dry = spreadsheet.import_rows(session=papers, path=MESSY, mapping=mapping, dry_run=True)
    assert _count(papers) == 0
    assert dry.summary() == "3 / 15 rows would be added, 12 rejected"
    # In-file duplicates and conflicts are found in a dry run too.
    real = spreadsheet.import_rows(session=papers, path=MESSY, mapping=mapping)
    assert (dry.added, [r for r, _ in dry.rejected]) == (real.added, [r for r, _ in real.rejected])
    assert _count(papers) == 3


def test_rows_beyond_the_spill_size_wait_in_a_temporary_file_and_import_the_same(papers, monkeypatch):
    mapping = spreadsheet.read_mapping(MESSY_MAP)
    kept = spreadsheet.prepare(path=MESSY, mapping=mapping)
    monkeypatch.setattr(spreadsheet, "SPILL_ROWS", 1)
    spilled = spreadsheet.prepare(path=MESSY, mapping=mapping)
    assert spilled.spilled is not None and len(spilled.rows) == 1
    assert list(spilled.each()) == list(spilled.each()) == kept.rows
    assert (spilled.total, spilled.rejected) == (kept.total, kept.rejected)
    report = spreadsheet.import_rows(session=papers, prepared=spilled)
    assert report.added == MESSY_ADDED and [row for row, _ in report.rejected] == sorted(MESSY_REJECTED)
    spilled.close()


def test_a_second_import_adds_nothing(papers):
    mapping = spreadsheet.read_mapping(MESSY_MAP)
    spreadsheet.import_rows(session=papers, path=MESSY, mapping=mapping)
    again = spreadsheet.import_rows(session=papers, path=MESSY, mapping=mapping)
    assert again.added == []
    assert _count(papers) == 3


def test_xlsx_sheet_numbers_and_units(papers, workbook):
    report = spreadsheet.import_rows(session=papers, path=workbook, mapping=spreadsheet.read_mapping(XLSX_MAP))
    assert report.added == [2, 3, 8]  # sheet rows; row 5 is blank
    reasons = dict(report.rejected)
    assert set(reasons) == {4, 6, 7}
    assert "looks like a fraction" in reasons[4]
    assert "needs its paper" in reasons[6]
    assert "must be positive" in reasons[7]
    stored = sorted(
        (m.current_density_mA_cm2, m.areal_capacity_mAh_cm2, m.cycles, m.ce_percent, m.statistic)
        for m in papers.exec(select(Measurement))
    )
    assert stored == [
        (1.0, 4.0, 100, 99.3, "average"),
        (1.0, 5.0, 100, 99.4, "average"),
        (2.0, 3.0, 200, 99.5, "average"),
    ]
    labels = {s.label for s in papers.exec(select(crud.Strategy))}
    assert labels == {"LHCE (xlsx)", "LHCE + LiNO3 (xlsx)"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("columns: [a, b]\n", "needs a 'columns' mapping"),
        ("just text\n", "needs a 'columns' mapping"),
        ("columns: {ce: CE}\ncolour: red\n", r"unknown key\(s\) colour"),
        ("columns: {flavour: F}\n", "unknown field 'flavour'"),
        ("columns: {ce: CE}\nunits: {flavour: mA}\n", "unknown field 'flavour'"),
        ("columns: {ce: [unclosed\n", "not valid YAML"),
        ("columns: !!python/object/apply:os.system [echo]\n", "not valid YAML"),
    ],
)
def test_bad_mappings(tmp_path, text, message):
    path = tmp_path / "mapping.yaml"
    path.write_text(text)
    with pytest.raises(InvalidValue, match=message):
        spreadsheet.read_mapping(path)


def test_missing_files_and_columns(papers, tmp_path):
    with pytest.raises(NotFound, match="no such mapping file"):
        spreadsheet.read_mapping(tmp_path / "nope.yaml")
    mapping = spreadsheet.read_mapping(MESSY_MAP)
    with pytest.raises(NotFound, match="no such file"):
        spreadsheet.import_rows(session=papers, path=tmp_path / "nope.csv", mapping=mapping)
    other = tmp_path / "other.csv"
    other.write_text("Paper,CE\nsun2025review-ref99,99\n")
    with pytest.raises(InvalidValue, match="has no column"):
        spreadsheet.import_rows(session=papers, path=other, mapping=mapping)
    odd = tmp_path / "table.ods"
    odd.write_text("x")
    with pytest.raises(InvalidValue, match="unsupported file type"):
        spreadsheet.import_rows(session=papers, path=odd, mapping=mapping)


# --------------------------------------------------------------------------- CLI


def test_cli_import_dry_run_then_import(cli, tmp_path):
    sheet = tmp_path / "messy.csv"
    shutil.copy(MESSY, sheet)
    cli("query", "--limit", "0", check=True)
    before = database_snapshot(cli.url)
    dry = cli("result", "import", sheet, "--map", MESSY_MAP, "--dry-run")
    assert dry.returncode == 1 and "Traceback" not in dry.stderr
    for row, reason in MESSY_REJECTED.items():
        assert f"row {row}: rejected: " in dry.stderr and reason in dry.stderr
    assert "3 / 15 rows would be added, 12 rejected" in dry.stderr
    assert database_snapshot(cli.url) == before

    real = cli("result", "import", sheet, "--map", MESSY_MAP)
    assert real.returncode == 1  # some rows were rejected
    assert "3 / 15 rows added, 12 rejected" in real.stderr
    added = cli.json("query", "--status", "draft")
    assert sorted((r["paper"], r["current_density_mA_cm2"], r["ce_percent"]) for r in added) == [
        ("sun2025review-ref107", 3.0, 99.6),
        ("sun2025review-ref99", 0.5, 99.1),
        ("sun2025review-ref99", 2.0, 99.7),
    ]


def test_cli_import_errors(sqlite_cli, tmp_path):
    sqlite_cli("query", "--limit", "0", check=True)
    before = database_snapshot(sqlite_cli.url)
    bad_map = tmp_path / "bad.yaml"
    bad_map.write_text("columns: {flavour: F}\n")
    assert_user_error(sqlite_cli("result", "import", MESSY, "--map", bad_map), contains="unknown field 'flavour'")
    assert_user_error(
        sqlite_cli("result", "import", tmp_path / "nope.csv", "--map", MESSY_MAP), contains="no such file"
    )
    assert database_snapshot(sqlite_cli.url) == before


# --------------------------------------------------------------------------- published data sets (docs/recipes)

RECIPES = Path(__file__).resolve().parent.parent / "docs" / "recipes"


def _results(session) -> list[tuple[Measurement, Strategy, Reference]]:
    query = (
        select(Measurement, Strategy, Reference)
        .where(Measurement.strategy_id == Strategy.id)
        .where(Measurement.reference_id == Reference.id)
    )
    return list(session.exec(query).all())


def _load_reference(session, path: Path) -> None:
    from cedb import curation

    curation.load(session=session, paths=[path])


def test_ce_as_a_fraction_or_as_lce_and_joined_columns(session, tmp_path):
    crud.add_reference(session=session, create=ReferenceCreate(key="set"))
    sheet = tmp_path / "set.csv"
    sheet.write_text("salt,solvent,additive,frac,lce\nLiFSI,DME,,0.995,\nLiPF6,EC,FEC,,2\nLiTFSI,DOL,LiNO3,0.5,\n")
    mapping_path = tmp_path / "m.yaml"
    mapping_path.write_text(
        "columns: {electrolyte: [salt, solvent, additive], ce: frac}\n"
        "units: {ce: fraction}\ndefaults: {paper: set, category: electrolyte}\n"
    )
    mapping = spreadsheet.read_mapping(mapping_path)
    report = spreadsheet.import_rows(session=session, path=sheet, mapping=mapping)
    # Row 3 has no value in the mapped CE column: rejected, never guessed from the other column.
    assert report.added == [2, 4] and [row for row, _ in report.rejected] == [3]
    got = sorted((m.ce_percent, s.electrolyte) for m, s, _ in _results(session))
    assert got == [(50.0, "LiTFSI + DOL + LiNO3"), (99.5, "LiFSI + DME")]

    mapping_path.write_text(
        "columns: {electrolyte: [salt, solvent], ce: lce}\n"
        "units: {ce: LCE}\ndefaults: {paper: set, category: electrolyte, cycles: 7}\n"
    )
    mapping = spreadsheet.read_mapping(mapping_path)
    report = spreadsheet.import_rows(session=session, path=sheet, mapping=mapping)
    assert report.added == [3]
    (lce_row,) = [m for m in session.exec(select(Measurement)).all() if m.cycles == 7]
    assert lce_row.ce_percent == pytest.approx(99.0)  # LCE 2 = -log10(1 - 0.99)


def test_an_lce_the_inverse_cannot_take_rejects_its_row_only(session, tmp_path):
    crud.add_reference(session=session, create=ReferenceCreate(key="set"))
    sheet = tmp_path / "set.csv"
    sheet.write_text("lce,j\n0,1\n-1,2\n3,3\n")
    mapping_path = tmp_path / "m.yaml"
    mapping_path.write_text("columns: {ce: lce, current: j}\nunits: {ce: LCE}\ndefaults: {paper: set}\n")
    report = spreadsheet.import_rows(session=session, path=sheet, mapping=spreadsheet.read_mapping(mapping_path))
    assert report.added == [4]
    assert [(row, "LCE must be a positive number" in why) for row, why in report.rejected] == [(2, True), (3, True)]


def test_edb2_recipe_imports_the_sample_rows_and_rejects_the_repeated_one(session):
    import csv

    _load_reference(session, RECIPES / "edb2" / "electrolytomics-edb2.yaml")
    sample = RECIPES / "edb2" / "EDB-2_CE.sample.csv"
    mapping = spreadsheet.read_mapping(RECIPES / "edb2" / "mapping.yaml")
    report = spreadsheet.import_rows(session=session, path=sample, mapping=mapping)
    rows = list(csv.DictReader(sample.open(encoding="utf-8")))
    # Lines 5 and 6 are the same EDB-2 row twice: the second is a duplicate, not a new result.
    assert rows[3] == rows[4]
    assert report.rejected and [row for row, _ in report.rejected] == [6]
    assert len(report.added) == len(rows) - 1
    stored = {(s.electrolyte, m.current_density_mA_cm2): m.ce_percent for m, s, _ in _results(session)}
    for row in rows:  # every stored CE is the CSV's fraction times 100, computed here from the file
        columns = (
            "salt_1_smiles",
            "salt_2_smiles",
            "solvent_1_smiles",
            "solvent_2_smiles",
            "solvent_3_smiles",
            "additive_smiles",
        )
        parts = [row[c] for c in columns if row[c]]
        key = (" + ".join(parts), float(row["current_density"]))
        assert stored[key] == pytest.approx(100 * float(row["coulombic_efficiency"]))
    assert {r.key for _, _, r in _results(session)} == {"electrolytomics-edb2"}


def test_kim_recipe_converts_lce(session):
    _load_reference(session, RECIPES / "kim2023" / "kim2023-pnas.yaml")
    mapping = spreadsheet.read_mapping(RECIPES / "kim2023" / "mapping.yaml")
    sheet = RECIPES / "kim2023" / "kim2023-layout.example.csv"
    report = spreadsheet.import_rows(session=session, path=sheet, mapping=mapping)
    assert len(report.added) == 3 and not report.rejected
    got = sorted(round(m.ce_percent, 4) for m in session.exec(select(Measurement)).all())
    assert got == [round(100 * (1 - 10**-lce), 4) for lce in (1.5, 2.0, 2.5)]


# --------------------------------------------------------------------------- the fast path

# Cells a CSV column may hold (text), blanks, bad values and repeats included.
CELLS = {
    "paper": ["p1", " p1 ", "", "  ", "p2"],
    "source": ["rev", "", " rev "],
    "ce_percent": ["99.6", "99.60", "99.6 %", "101", "abc", "", "0", "1e2", "0.996", "2.3", "-0.5"],
    "current_density_mA_cm2": ["1", "0.5", "20 A/m^2", "3,5", "-1", "", "2 %", "0.5 mA/cm^2"],
    "areal_capacity_mAh_cm2": ["1", "3", "2.5 mAh cm-2", "", "x"],
    "cycles": ["100", "1,000", "1,5", "0", "-", ""],
    "cell": ["Li||Cu", "li-cu", "pouch", ""],
    "method": ["aurbach", "not stated", "magic", ""],
    "category": ["electrolyte", "host", "nonsense", ""],
    "label": ["my label", "", "x" * 201],
    "host": ["Cu foam", ""],
    "electrolyte": ["1 M LiPF6 in EC/DEC", "4 M LiFSI in DME", ""],
    "additive": ["LiNO3", ""],
    "statistic": ["avg", "up to", "median", ""],
    "ce_decimals": ["2", "x", ""],
    "location": ["Fig. 2", "a\x00b", ""],
    "status": ["verified", "final", ""],
    "note": ["a note", ""],
}
DEFAULTS = {
    "curator": ["bench", 7],
    "status": ["draft", "nonsense"],
    "category": ["interface"],
    "method": ["zhang"],
    "source": ["rev"],
    "temperature_C": ["25 degC", "500"],
}


@st.composite
def sheets(draw):
    names = draw(st.lists(st.sampled_from(sorted(CELLS)), unique=True, min_size=1, max_size=10))
    columns = ["paper", "ce_percent"] + [n for n in names if n not in ("paper", "ce_percent")]
    if draw(st.booleans()):
        columns = draw(st.permutations(columns))
    defaults = {n: draw(st.sampled_from(DEFAULTS[n])) for n in draw(st.sets(st.sampled_from(sorted(DEFAULTS))))}
    units = draw(
        st.sampled_from([{}, {"current_density_mA_cm2": "mA/cm^2"}, {"ce_percent": "fraction"}, {"ce_percent": "LCE"}])
    )
    rows = draw(st.lists(st.tuples(*(st.sampled_from(CELLS[c]) for c in columns)), min_size=1, max_size=12))
    return columns, defaults, units, rows


@settings(max_examples=300, deadline=None)
@given(sheets(), st.booleans())
def test_csv_fast_path_prepares_what_the_general_path_prepares(tmp_path_factory, sheet, clear_empty):
    """A CSV row is read cell by cell from remembered values (``_CsvRows``); rows it cannot take go
    through ``bulk.normalise`` as before. All three routes give the same rows and messages."""
    import csv as csv_module
    from unittest import mock

    columns, defaults, units, rows = sheet
    path = tmp_path_factory.mktemp("sheet") / "rows.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv_module.writer(handle)
        writer.writerow([f"col {c}" for c in columns])
        writer.writerows(rows)
    mapping = spreadsheet.Mapping(columns={c: f"col {c}" for c in columns}, units=units, defaults=defaults)

    def prepared() -> tuple:
        found = spreadsheet.prepare(path=path, mapping=mapping, clear_empty=clear_empty)
        return found.total, found.rows, found.rejected

    fast = prepared()
    with mock.patch.object(spreadsheet._CsvRows, "_fast_plan", lambda self: None):
        by_field = prepared()
    with mock.patch.object(spreadsheet._CsvRows, "row", lambda self, number, cells: spreadsheet._SLOW):
        general = prepared()
    assert fast == by_field == general
