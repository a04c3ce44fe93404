"""cedb.store.bulk: the one write path (``ResultWriter``; ``crud.add_result`` is it with one row).

Its outcome does not depend on the batch or cache size; it runs on SQLite and PostgreSQL
(the ``engine`` fixture).
"""

import copy
import csv
import math
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from cedb import results
from cedb.errors import CedbError, ConflictError, DuplicateError, NotFound
from cedb.store import bulk, crud
from cedb.store.db import session_scope
from cedb.store.models import ReferenceCreate

# --------------------------------------------------------------------------- normalise

VALUES = {
    "paper": ["p1", " p1 ", "", None, "  ", 7],
    "source": ["rev", "", None, " rev "],
    "ce": ["99.6", "99.6 %", 99.6, 0.996, "101", "abc", "", None, "0", float("nan"), "1e2"],
    "current": [
        "1",
        "20 A/m^2",
        "500 uA cm-2",
        "0.5 mA/cm^2",
        "3,5",
        "-1",
        "mA/cm2",
        2,
        "",
        "2 %",
        "-1 mA/cm^2",
        "nan mA/cm^2",
        "1e-3 mA/cm^2",
        "0.1234567890123 mA/cm^2",
        "2 mA cm-2",
        "10 mA/cm2",
        "1.5  mA/cm^2",
        "0.5 mA/cm^2/h",
        "+1 mA/cm^2",
        "1_0 mA/cm^2",
    ],
    "capacity": [
        "3",
        "3 mAh/cm2",
        "3 mA h cm-2",
        "0",
        "1e-3 Ah/cm^2",
        "x",
        "4 mAh/cm^2",
        "0 mAh/cm^2",
        "2.5 mAh cm-2",
        "1e400 mAh/cm^2",
        ".5 mAh/cm^2",
        "5 mAh/cm^2 ",
        "3,5 mAh/cm^2",
    ],
    "cathode_loading": ["4 mAh cm⁻²", "-4 mAh cm⁻²", "4.1 mAh/cm²"],
    "cycles": ["100", "1,000", "1,5", 150, 2.5, "0", "-"],
    "cell": ["Li||Cu", "li-cu", "half cell", "pouch", "", None],
    "method": ["aurbach", "not stated", "magic", ""],
    "category": ["electrolyte", "host", "nonsense", "", None],
    "label": ["my label", "", "x" * 201, None],
    "host": ["Cu foam", "", None],
    "electrolyte": ["1 M LiPF6 in EC/DEC", "4 M LiFSI in DME", "", None],
    "temperature": ["25", "25 degC", "300 K", "500", ""],
    "statistic": ["avg", "up to", "median", None],
    "full_cell_derived": ["yes", "no", True, "maybe", "#"],
    "np_ratio": ["2", "0", "2 %", "x"],
    "method_params": ['{"a": 1}', "not json", "[1]"],
    "location": ["Fig. 2", "a\x00b", "x" * 201],
    "status": ["verified", "final"],
    "unknown_column": ["x"],
}


def _outcome(function, raw):
    try:
        result = function(dict(raw))
    except CedbError as exc:
        return ("error", type(exc), str(exc))
    return ("ok", result.paper, result.source, result.measurement, result.strategy)


@st.composite
def raw_rows(draw):
    names = draw(st.lists(st.sampled_from(sorted(VALUES)), unique=True, max_size=8))
    raw = {name: draw(st.sampled_from(VALUES[name])) for name in ["paper", "ce"] + names}
    return raw


@settings(max_examples=400, deadline=None)
@given(raw_rows())
def test_normalise_gives_the_results_and_errors_of_results_normalise(raw):
    # Twice: the second call is answered from the cache.
    expected = _outcome(results.normalise, raw)
    assert _outcome(bulk.normalise, raw) == expected
    assert _outcome(bulk.normalise, raw) == expected


def test_cached_field_errors_keep_their_type_and_message():
    for _ in range(2):
        with pytest.raises(CedbError) as caught:
            bulk.normalise_field("current_density_mA_cm2", "20 parsecs")
        with pytest.raises(type(caught.value)) as again:
            results.normalise_field("current_density_mA_cm2", "20 parsecs")
        assert str(caught.value) == str(again.value)
    assert bulk.normalise_field("current_density_mA_cm2", "20 A/m^2") == 2.0
    assert bulk.normalise_field("method_params", {"b": 1}) == '{"b": 1}'  # unhashable: not cached


@pytest.mark.parametrize(
    "text",
    [
        "0.5 mA/cm^2",
        "10 mA cm-2",
        "3 mA/cm2",
        "0.1234567890123 mA/cm^2",
        "-1 mA/cm^2",
        "1e-3 mA/cm^2",
        "7 mA cm⁻²",
        "1_0 mA/cm^2",
        "+2 mA/cm^2",
    ],
)
def test_canonical_units_skip_pint_only_where_pint_gives_the_same(text):
    expected = _outcome(results.normalise, {"paper": "p", "ce": 99, "current": text})
    bulk._FIELD_CACHE.clear()
    assert _outcome(bulk.normalise, {"paper": "p", "ce": 99, "current": text}) == expected


# --------------------------------------------------------------------------- reading CSV


CSV_CASES = {
    "plain": "a,b,c\n1,2,3\n4,5,6\n",
    "semicolon": "a;b;c\n1;2;3\n",
    "tabs": "a\tb\n1\t2\n",
    "bom": "\ufeffpaper,ce\nx,99\n",
    "blank lines": "a,b\n\n1,2\n   \n3,4\n,\n5,6\n",
    "short rows": "a,b,c\n1,2\n1\n",
    "quoted": 'a,b\n"x, y","he said ""hi"""\n"multi\nline",2\n',
    "duplicate columns": "a,a,b\n1,2,3\n",
    "crlf": "a,b\r\n1,2\r\n",
    "spaces": "a , b\n 1 , 2 \n",
}


@pytest.mark.parametrize("name", sorted(CSV_CASES))
def test_iter_csv_reads_what_pandas_read(tmp_path, name):
    import pandas as pd

    path = tmp_path / "x.csv"
    path.write_bytes(CSV_CASES[name].encode("utf-8"))
    frame = pd.read_csv(path, dtype=object, sep=None, engine="python", keep_default_na=False)
    expected = [
        (
            index + 2,
            {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()},
        )
        for index, r in enumerate(frame.to_dict(orient="records"))
    ]
    if name == "bom":
        # pandas' sniffing reader keeps the BOM in the first column name ('\ufeffpaper'), so an
        # Excel "CSV UTF-8" file lost its first column; cedb.store.bulk drops it.
        frame.columns = [str(c).lstrip("\ufeff") for c in frame.columns]
        expected = [(n, {k.lstrip("\ufeff"): v for k, v in r.items()}) for n, r in expected]
    columns, rows = bulk.iter_csv(path)
    assert columns == [str(c) for c in frame.columns]
    assert list(rows) == expected


def test_iter_csv_refuses_a_long_row_and_reports_progress(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n1,2,3\n", encoding="utf-8")
    _, rows = bulk.iter_csv(path)
    with pytest.raises(CedbError, match="Expected 2 fields in line 3, saw 3"):
        list(rows)
    path.write_text("a,b\n" + "1,2\n" * 10_000, encoding="utf-8")
    seen = []
    _, rows = bulk.iter_csv(path, progress=lambda done, total: seen.append((done, total)))
    assert sum(1 for _ in rows) == 10_000
    assert seen[-1] == (path.stat().st_size,) * 2 and len(seen) > 1


# --------------------------------------------------------------------------- results


def _papers(session):
    for key in ("p1", "p2", "rev"):
        crud.add_reference(session=session, create=ReferenceCreate(key=key, year=2020))
    # Recorded before the import: one result with a strategy, one without.
    crud.add_result(
        session=session,
        result=results.normalise(
            {
                "paper": "p1",
                "ce": 99.1,
                "current": 1,
                "capacity": 1,
                "cycles": 100,
                "category": "electrolyte",
                "label": "E1",
                "electrolyte": "1 M LiPF6 in EC/DEC",
            }
        ),
    )
    crud.add_result(
        session=session,
        result=results.normalise({"paper": "p2", "ce": 98, "current": 2, "capacity": 2}),
    )


ROWS = [
    {
        "paper": "p1",
        "ce": 99.1,
        "current": 1,
        "capacity": 1,
        "cycles": 100,
        "category": "electrolyte",
        "label": "E1",
        "electrolyte": "1 M LiPF6 in EC/DEC",
    },  # duplicate of the recorded result
    {
        "paper": "p1",
        "ce": 99.5,
        "current": 1,
        "capacity": 1,
        "cycles": 100,
        "category": "electrolyte",
        "label": "E1",
    },  # conflict with it
    {"paper": "p2", "ce": 98, "current": 2, "capacity": 2},  # duplicate, no strategy
    {"paper": "p2", "ce": 97, "current": 2, "capacity": 2},  # conflict, no strategy
    {"paper": "nobody", "ce": 99},  # unknown paper
    {"paper": "p1", "ce": 99, "source": "nobody"},  # unknown source
    {
        "paper": "p1",
        "ce": 99.2,
        "current": 3,
        "capacity": 3,
        "category": "electrolyte",
        "label": "E1",
        "electrolyte": "4 M LiFSI in DME",
        "source": "rev",
    },  # E1 is recorded with another electrolyte: a strategy conflict (issue 19)
    {
        "paper": "p1",
        "ce": 99.2,
        "current": 3,
        "capacity": 3,
        "category": "electrolyte",
        "label": "E1",
    },
    {
        "paper": "p1",
        "ce": 99.3,
        "current": 3,
        "capacity": 3,
        "category": "electrolyte",
        "label": "E1",
    },
    {
        "paper": "p1",
        "ce": 99.0,
        "current": 4,
        "capacity": 3,
        "category": "interface",
        "label": "new",
        "host": "LiF coating",
    },  # new strategy
    {
        "paper": "p1",
        "ce": 99.0,
        "current": 4,
        "capacity": 3,
        "category": "interface",
        "label": "new",
    },
    {
        "paper": "p1",
        "ce": 98.0,
        "current": 4,
        "capacity": 3,
        "category": "interface",
        "label": "new",
    },
    {"paper": "p2", "ce": 99.9, "current": 5, "capacity": 5, "cycles": 50},  # added
    {"paper": "p2", "ce": 99.9, "current": 5, "capacity": 5, "cycles": 50},  # its duplicate
    {
        "paper": "p2",
        "ce": 99.8,
        "current": 5,
        "capacity": 5,
        "cycles": 50,
        "cell": "li-li",
    },  # added
    {
        "paper": "p1",
        "ce": 99.2,
        "current": 1,
        "capacity": 1,
        "cycles": 100,
        "category": "electrolyte",
        "label": "E1",
        "host": "Cu",
    },  # E1 recorded without a host: a strategy conflict, E1 stays
]


def _bulk(session, rows, **options):
    writer = bulk.ResultWriter(session, **options)
    rejected = []
    for number, raw in rows:
        try:
            writer.add(number, bulk.normalise(raw))
        except CedbError as exc:
            rejected.append((number, str(exc)))
    writer.close()
    return writer.added, sorted(rejected + writer.rejected)


def _ranked(connection, outcome):
    """Messages with each measurement id replaced by its rank.

    PostgreSQL sequences do not roll back, so the two paths number their rows differently.
    """
    import re

    ids = [row[0] for row in connection.execute(sa.text("SELECT id FROM measurement ORDER BY id"))]
    rank = {str(id): str(n) for n, id in enumerate(ids, 1)}
    added, rejected = outcome
    return added, [
        (
            n,
            re.sub(r"(id |edit )(\d+)", lambda m: m.group(1) + "#" + rank.get(m.group(2), "?"), text),
        )
        for n, text in rejected
    ]


def _content(connection):
    """Every stored value but ids and timestamps (measurements in id order): what the user sees."""
    measurements = connection.execute(
        sa.text(
            "SELECT m.id, r.key, s.label, s.category, s.host, s.electrolyte, s.additive,"
            " s.electrolyte_canonical,"
            ' s.components, m.cell, m.method, m."current_density_mA_cm2",'
            ' m."areal_capacity_mAh_cm2", m.cycles,'
            " m.ce_percent, m.statistic, m.full_cell_derived, m.status, src.key FROM measurement m"
            " JOIN reference r ON r.id = m.reference_id"
            " LEFT JOIN strategy s ON s.id = m.strategy_id"
            " LEFT JOIN reference src ON src.id = m.source_id ORDER BY m.id"
        )
    ).all()
    strategies = connection.execute(
        sa.text(
            "SELECT r.key, s.label, s.category, s.host, s.electrolyte, s.additive,"
            " s.electrolyte_canonical,"
            " s.components, s.formulation FROM strategy s JOIN reference r ON r.id = s.reference_id"
            " ORDER BY r.key, s.label"
        )
    ).all()
    return [tuple(m)[1:] for m in measurements], [tuple(s) for s in strategies]


@pytest.mark.parametrize("batch_size", [1, 3, 5000])
def test_result_writer_outcome_does_not_depend_on_batches(engine, batch_size):
    rows = list(enumerate(ROWS, 2))
    with session_scope(engine) as session:
        _papers(session)
    with session_scope(engine) as session:
        savepoint = session.begin_nested()
        expected = _ranked(session.connection(), _bulk(session, rows))
        expected_content = _content(session.connection())
        savepoint.rollback()
        got = _ranked(session.connection(), _bulk(session, rows, batch_size=batch_size, cached_papers=1))
        assert got == expected
        assert _content(session.connection()) == expected_content
    added, rejected = got
    assert added == [9, 11, 14, 16]
    assert [n for n, _ in rejected] == [2, 3, 4, 5, 6, 7, 8, 10, 12, 13, 15, 17]
    messages = dict(rejected)
    assert messages[8].startswith("strategy 'E1' of p1 is recorded with electrolyte '1 M LiPF6")
    assert messages[3].startswith("id #1 records CE 99.1 % (read from p1)")
    assert messages[10] == (
        "id #3 records CE 99.2 % (read from p1) for the same paper and conditions, "
        "not 99.3 % (read from p1): check the sources, then `cedb result edit #3 "
        "--ce ...`, give other conditions, or choose with --on-conflict keep|replace"
    )


def test_result_writer_failure_rolls_the_whole_command_back(engine):
    with session_scope(engine) as session:
        _papers(session)
    with engine.connect() as connection:
        before = _content(connection)
    with pytest.raises(RuntimeError):
        with session_scope(engine) as session:
            writer = bulk.ResultWriter(session, batch_size=2)
            for number, raw in enumerate(ROWS[6:], 2):
                writer.add(number, bulk.normalise(raw))
            writer.close()
            assert writer.added
            raise RuntimeError("the command fails after the rows were written")
    with engine.connect() as connection:
        assert _content(connection) == before


def test_refusals_name_the_row_and_the_recorded_result(engine):
    with session_scope(engine) as session:
        _papers(session)
        writer = bulk.ResultWriter(session, batch_size=100)
        for number, raw in enumerate([ROWS[12], ROWS[13], ROWS[0], ROWS[4]], 2):
            writer.add(number, bulk.normalise(raw))
        writer.close()
    (_, duplicate), (_, recorded), (_, unknown) = writer.rejected
    assert "already recorded as id" in duplicate
    assert "(same paper, conditions and CE 99.1 %)" in recorded
    assert unknown.startswith("no paper with key 'nobody'")
    with pytest.raises(DuplicateError):
        raise DuplicateError(duplicate)
    assert issubclass(ConflictError, CedbError) and issubclass(NotFound, CedbError)


# --------------------------------------------------------------------------- curation


def _records(tmp_path: Path, *, ce: float = 99.2, host: str = "Cu foam", doi: str | None = None):
    from cedb import curation

    folder = tmp_path / "curation"
    folder.mkdir(exist_ok=True)
    (folder / "rev.yaml").write_text("reference:\n  key: rev\n  year: 2024\n  title: A synthetic review\n")
    (folder / "a.yaml").write_text(
        "reference:\n  key: a\n  year: 2020\n  title: Synthetic paper A\n"
        + (f"  doi: {doi}\n" if doi else "")
        + f"strategies:\n- label: S\n  category: composite-anode\n  host: {host}\n"
        "measurements:\n"
        "- strategy: S\n  current_density_mA_cm2: 1\n  areal_capacity_mAh_cm2: 3\n"
        f"  ce_percent: {ce}\n"
        "  source: rev\n"
        "- current_density_mA_cm2: 2\n  areal_capacity_mAh_cm2: 3\n  ce_percent: 98\n"
    )
    checked = curation.check([folder])
    assert not checked.problems, checked.problems
    return checked.records


def _load(engine, records, **options):
    from cedb.curation import LoadReport

    report = LoadReport(files=len(records))
    with session_scope(engine) as session:
        writer = bulk.load_records(session=session, records=copy.deepcopy(records), counts=report.counts, **options)
        if writer.errors:
            raise writer.errors[0]
    counts = report.counts.counts
    return tuple(sum(counts[e][o] for e in counts) for o in ("added", "updated", "unchanged"))


def test_load_records_adds_updates_and_leaves_unchanged(engine, tmp_path):
    records = _records(tmp_path)
    assert _load(engine, records) == (5, 0, 0)  # 2 papers, 1 strategy, 2 measurements
    assert _load(engine, records) == (0, 0, 5)
    with pytest.raises(ConflictError, match="records CE 99.2 % .*not 99.4 %"):
        _load(engine, _records(tmp_path, ce=99.4))
    assert _load(engine, _records(tmp_path, ce=99.4), on_conflict="replace") == (0, 1, 4)
    assert _load(engine, _records(tmp_path, ce=99.4, host="Ni foam")) == (0, 1, 4)
    assert _load(engine, _records(tmp_path, ce=99.4, host="Ni foam", doi="10.9999/synthetic.a")) == (0, 1, 4)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT s.host, m.ce_percent, src.key FROM measurement m"
                " LEFT JOIN strategy s ON s.id = m.strategy_id"
                " LEFT JOIN reference src ON src.id = m.source_id ORDER BY m.id"
            )
        ).all()
        doi = connection.execute(sa.text("SELECT doi FROM reference WHERE key = 'a'")).scalar()
    assert [tuple(r) for r in rows] == [("Ni foam", 99.4, "rev"), (None, 98.0, None)]
    assert doi == "10.9999/synthetic.a"


def test_load_records_refuses_a_paper_recorded_under_another_key(engine, tmp_path):
    with session_scope(engine) as session:
        crud.add_reference(session=session, create=ReferenceCreate(key="other", doi="10.9999/synthetic.a"))
    with pytest.raises(DuplicateError, match="a is already in the database as other"):
        _load(engine, _records(tmp_path, doi="10.9999/synthetic.a"))
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM reference")).scalar() == 1


def test_generated_benchmark_data_imports_the_same_in_any_batches(engine, tmp_path):
    """bench/generate.py's rows, in one batch and with a tiny paper cache (eviction)."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    import generate

    references, rows = generate.generate(300, seed=3)
    raws = []
    for number, row in enumerate(rows, 2):
        raw = {name: row[name] for name in generate.FIELDS if row[name] != ""}
        raw["current"] = f"{row['current']} mA/cm^2"
        raws.append((number, raw))
    raws.append((len(raws) + 2, dict(raws[0][1])))  # a duplicate at the end
    with session_scope(engine) as session:
        for reference in references:
            crud.add_reference(
                session=session,
                create=ReferenceCreate(key=reference["key"], year=reference["year"]),
            )
    with session_scope(engine) as session:
        savepoint = session.begin_nested()
        expected = _ranked(session.connection(), _bulk(session, raws))
        expected_content = _content(session.connection())
        savepoint.rollback()
        got = _bulk(session, raws, batch_size=64, cached_papers=10)
        assert _ranked(session.connection(), got) == expected
        assert _content(session.connection()) == expected_content
    assert len(expected[0]) == 300 and len(expected[1]) == 1


def test_csv_streaming_keeps_row_numbers(tmp_path):
    path = tmp_path / "rows.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["paper", "ce"])
        writer.writerows([["p", "99"], [], ["p", "98"], ["", ""], ["p", "97"]])
    _, rows = bulk.iter_csv(path)
    assert [(n, r["ce"]) for n, r in rows] == [(2, "99"), (3, "98"), (4, ""), (5, "97")]


def test_progress_bar_only_on_a_terminal():
    import os
    import pty
    import subprocess
    import sys

    program = (
        "import sys\nfrom cedb.cli import common\nwith common.progress_bar('Importing') as progress:\n"
        "    print(progress is None, file=sys.stdout)\n    progress and progress(5, 10)\n"
    )
    piped = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    assert piped.stdout.strip() == "True" and piped.stderr == ""
    pid, fd = pty.fork()
    if pid == 0:  # the child: stderr (and stdout) are the terminal
        os.execv(sys.executable, [sys.executable, "-c", program])
    out = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.waitpid(pid, 0)
    assert b"False" in out and b"Importing" in out


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
    | st.sampled_from(["Li{NO}$_3$ in \\emph{DME}", "99.9% CE", "Na\\\"ive -- ``quoted''", "  ", "Ünïcode é"])
)
def test_title_key_is_the_key_of_the_decoded_title(title):
    """bibliography.title_key (the one duplicate rule's title form) skips the LaTeX decoder for
    titles without LaTeX: the key must be that of the decoded text all the same."""
    import unicodedata

    from cedb.bibliography import latex_to_text, title_key

    decoded = unicodedata.normalize("NFKD", latex_to_text(title)) if title else ""
    expected = "".join(ch for ch in decoded.lower() if ch.isalnum() and ch.isascii()) or None
    assert title_key(title) == expected
