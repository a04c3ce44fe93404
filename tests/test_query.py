"""cedb query: every filter, bound parameters (SQL-like text matches literally), stable row keys."""

import csv
import io
import json
import math

import pytest
import sqlalchemy as sa
from conftest import assert_user_error, database_snapshot

from cedb.errors import InvalidValue
from cedb.results import normalise
from cedb.store import crud, query
from cedb.store.models import ReferenceCreate

KEYS = [
    "id",
    "paper",
    "doi",
    "year",
    "category",
    "label",
    "host",
    "electrolyte",
    "additive",
    "cell",
    "method",
    "current_density_mA_cm2",
    "areal_capacity_mAh_cm2",
    "cycles",
    "ce_percent",
    "statistic",
    "full_cell_derived",
    "practical",
    "lce",
]
INJECTION = "'; DROP TABLE measurement; --"

PAPERS = [
    ("alpha2018", 2018, "10.1234/Alpha.2018"),
    ("beta2021", 2021, None),
    ("gamma2024", 2024, None),
    ("nodate", None, None),
]
RESULTS = [  # (paper, ce, current, capacity, extra fields)
    (
        "alpha2018",
        99.5,
        2,
        3,
        {"category": "composite", "label": "ZnO host", "host": "ZnO-CNT 50% Cu", "cell": "Li||Cu"},
    ),
    (
        "alpha2018",
        98.0,
        0.5,
        1,
        {"category": "composite", "label": "ZnO host", "host": "ZnO-CNT 50% Cu", "cell": "Li||Cu", "method": "aurbach"},
    ),
    (
        "beta2021",
        99.6,
        3,
        3,
        {
            "category": "electrolyte",
            "label": "nitrate",
            "electrolyte": "1 M LiPF6 EC/DEC",
            "additive": "LiNO3 + CuF2",
            "cell": "Li|Cu",
            "status": "verified",
        },
    ),
    (
        "beta2021",
        99.9,
        1,
        5,
        {
            "category": "electrolyte",
            "label": "LHCE",
            "electrolyte": "LiFSI-DME/BTFE",
            "full_cell_derived": True,
            "cell": "full",
            "status": "verified",
        },
    ),
    ("gamma2024", 99.0, 1, None, {"category": "interface", "label": "injection", "host": INJECTION}),
    ("gamma2024", 97.0, 5, 5, {"category": "other", "label": "underscore", "host": "Cu_foam"}),
    ("gamma2024", 96.0, 5, 6, {"category": "other", "label": "no underscore", "host": "CuXfoam"}),
    ("nodate", 99.99, 1, 3, {}),
]


@pytest.fixture
def data(session):
    for key, year, doi in PAPERS:
        crud.add_reference(session=session, create=ReferenceCreate(key=key, year=year, doi=doi))
    for paper, ce, current, capacity, extra in RESULTS:
        raw = {"paper": paper, "ce": ce, "current": current, "capacity": capacity, **extra}
        crud.add_result(session=session, result=normalise({k: v for k, v in raw.items() if v is not None}))
    session.flush()
    return session.connection()


def run(connection, **filters):
    return query.run(connection, query.Filters(**filters))


def ces(connection, **filters):
    return [row["ce_percent"] for row in run(connection, **filters)]


def test_rows_have_exactly_the_documented_keys(data):
    rows = run(data)
    assert len(rows) == len(RESULTS)
    assert all(list(row) == KEYS for row in rows)
    assert list(query.ROW_KEYS) == KEYS
    first = rows[0]
    assert (first["paper"], first["doi"], first["year"], first["category"], first["cell"], first["method"]) == (
        "alpha2018",
        "10.1234/alpha.2018",
        2018,
        "composite-anode",
        "li-cu",
        "unspecified",
    )
    assert first["lce"] == pytest.approx(-math.log10(0.005))
    assert run(data, paper="nodate")[0]["lce"] == pytest.approx(4.0)
    extra = query.run(data, query.Filters(), extra=True)[0]
    assert list(extra) == KEYS + list(query.EXTRA_KEYS)


def test_practical_filters(data):
    assert sorted(ces(data, practical=True)) == [96.0, 97.0, 99.5, 99.6, 99.9, 99.99]
    assert sorted(ces(data, practical=False)) == [98.0]  # 0.5 mA cm-2, 1 mAh cm-2
    assert sorted(ces(data, practical=True, strict=True)) == [96.0, 97.0]  # 3 mAh cm-2 is not > 3
    assert sorted(ces(data, practical=True, profile="recommended")) == [96.0, 97.0, 99.9]
    assert sorted(ces(data, practical=True, min_current=2, min_capacity=5)) == [96.0, 97.0]
    # 99.0 has no capacity: unknown, in neither selection.
    unknown = [r for r in run(data) if r["practical"] is None]
    assert [r["ce_percent"] for r in unknown] == [99.0]


def test_ce_category_cell_method_status(data):
    assert sorted(ces(data, min_ce=99.5, max_ce=99.9)) == [99.5, 99.6, 99.9]  # both ends inclusive
    assert sorted(ces(data, category=["composite"])) == [98.0, 99.5]
    assert sorted(ces(data, category=["electrolyte", "interface"])) == [99.0, 99.6, 99.9]
    assert sorted(ces(data, cell=["Li||Cu"])) == [98.0, 99.5, 99.6]
    assert sorted(ces(data, cell=["full"])) == [99.9]
    assert ces(data, method=["aurbach"]) == [98.0]
    assert sorted(ces(data, status=["verified"])) == [99.6, 99.9]
    with pytest.raises(InvalidValue, match="cell 'coin' is not known"):
        run(data, cell=["coin"])


def test_text_filters_are_case_insensitive_substrings(data):
    assert sorted(ces(data, host="zno-cnt")) == [98.0, 99.5]
    assert ces(data, electrolyte="btfe") == [99.9]
    assert ces(data, additive="lino3") == [99.6]


def test_sql_like_text_and_wildcards_match_literally(data):
    assert ces(data, host="%") == [99.5, 98.0]  # only the host that contains a percent sign
    assert ces(data, host="_") == [97.0]  # only Cu_foam, not CuXfoam
    assert ces(data, host="Cu_f") == [97.0]
    assert ces(data, host="\\") == []
    assert ces(data, host=INJECTION) == [99.0]  # the text is data, found where it is stored
    assert ces(data, paper=INJECTION) == []
    assert ces(data, electrolyte=INJECTION) == []
    assert sa.inspect(data).has_table("measurement")
    assert len(run(data)) == len(RESULTS)


def test_paper_and_years(data):
    assert sorted(ces(data, paper="alpha2018")) == [98.0, 99.5]
    assert sorted(ces(data, paper="10.1234/ALPHA.2018")) == [98.0, 99.5]  # DOIs are stored lower-case
    assert sorted(ces(data, year_from=2021)) == [96.0, 97.0, 99.0, 99.6, 99.9]
    assert sorted(ces(data, year_from=2019, year_to=2021)) == [99.6, 99.9]
    assert sorted(ces(data, year_to=2018)) == [98.0, 99.5]  # a missing year is in neither range


def test_sort_and_limit(data):
    assert ces(data, sort="ce_percent", limit=3) == [96.0, 97.0, 98.0]
    assert ces(data, sort="ce_percent", descending=True, limit=2) == [99.99, 99.9]
    assert ces(data, sort="lce", descending=True, limit=1) == [99.99]
    years = [row["year"] for row in run(data, sort="year")]
    assert years[-1] is None and years[:-1] == sorted(years[:-1])
    years = [row["year"] for row in run(data, sort="year", descending=True)]
    assert years[-1] is None and years[:-1] == sorted(years[:-1], reverse=True)  # NULLs last both ways
    assert run(data, limit=0) == []
    with pytest.raises(InvalidValue, match="cannot sort by 'bogus'"):
        run(data, sort="bogus")
    with pytest.raises(InvalidValue, match="--limit must be 0 or more"):
        run(data, limit=-1)


# Filters that change the shape of the SELECT: every branch of query.build.
SHAPES = [
    query.Filters(),
    query.Filters(practical=True, min_ce=99, max_ce=99.9, strict=True),
    query.Filters(practical=False, profile="pouch-500", min_current=2),
    query.Filters(practical=True, profile="recommended", min_capacity=4),
    query.Filters(category=["composite"], cell=["Li||Cu"], method=["aurbach"], status=["draft"]),
    query.Filters(host="ZnO", electrolyte="LiFSI", additive="LiNO3", salt=["LiFSI"], solvent=["DME"], diluent=["TTE"]),
    query.Filters(paper="alpha2018", year_from=2018, year_to=2024, ids=[1, 2]),
    query.Filters(sort="year", descending=True, limit=5),
    query.Filters(sort="lce", limit=0),
]


@pytest.mark.parametrize("keys", [None, ("id", "paper", "practical", "ce_percent"), ("source", "year", "id")])
def test_sql_on_the_databases_tables_is_the_sql_on_the_models(engine, keys):
    """Readers build their SELECT on the tables read from the database (cedb.store.tables: no
    models imported); it must be the very SQL the models' tables give, on either backend."""
    from cedb.store.tables import of_models, tables_of

    with engine.connect() as connection:
        reflected = tables_of(connection)
        assert tables_of(connection) is reflected  # read once per engine
        for table, model in zip(reflected, of_models()):
            assert sorted(c.name for c in table.c) == sorted(c.name for c in model.c)  # order may differ
        for filters in SHAPES:
            if keys is not None and filters.sort not in (None, *keys):
                continue
            built = [
                query.build(filters, keys, tables=tables).compile(dialect=engine.dialect)
                for tables in (reflected, of_models())
            ]
            assert str(built[0]) == str(built[1])
            assert built[0].params == built[1].params
            connection.execute(query.build(filters, keys, tables=reflected)).all()  # and it runs


def test_filters_are_bound_parameters():
    statement = query.build(query.Filters(host=INJECTION, paper=INJECTION, min_ce=99, year_from=2020))
    compiled = str(statement.compile())
    assert "DROP" not in compiled and "99" not in compiled and "2020" not in compiled


# --------------------------------------------------------------------------- CLI


def test_cli_query_json_has_exactly_the_documented_keys(sqlite_cli):
    # The issue-3 keys in order, then the CE method's inputs (issue 4: exported in JSON), then
    # the provenance: status, source paper, location and quote (issue 14).
    rows = sqlite_cli.json("query", "--limit", "2")
    assert rows and all(list(row) == KEYS + ["method_params", "status", "source", "location", "quote"] for row in rows)


def test_cli_query_formats_and_keys(cli):
    rows = cli.json("query", "--practical", "--min-ce", "99", "--sort", "-ce_percent")
    assert rows and all(list(row)[: len(KEYS)] == KEYS for row in rows)
    assert [r["ce_percent"] for r in rows] == sorted((r["ce_percent"] for r in rows), reverse=True)
    assert all(r["practical"] is True and r["ce_percent"] >= 99 for r in rows)

    as_csv = list(
        csv.DictReader(
            io.StringIO(
                cli(
                    "query", "--practical", "--min-ce", "99", "--sort", "-ce_percent", "--format", "csv", check=True
                ).stdout
            )
        )
    )
    assert [int(r["id"]) for r in as_csv] == [r["id"] for r in rows]
    assert list(as_csv[0]) == KEYS

    jsonl = cli("query", "--category", "electrolyte", "--limit", "2", "--format", "jsonl", check=True).stdout
    lines = [json.loads(line) for line in jsonl.splitlines()]
    assert len(lines) == 2 and all(list(r)[: len(KEYS)] == KEYS and r["category"] == "electrolyte" for r in lines)

    md = cli("query", "--cell", "Li|Cu", "--format", "md", check=True).stdout.splitlines()
    assert md[0].strip("| ").split(" | ") == KEYS and set(md[1]) <= set("|-")
    assert len(md) == 2 + len(cli.json("query", "--cell", "li-cu"))


def test_cli_query_filters_and_literal_text(cli):
    strict = cli.json("query", "--practical", "--strict")
    assert strict and all(r["current_density_mA_cm2"] > 1 and r["areal_capacity_mAh_cm2"] > 3 for r in strict)
    before = database_snapshot(cli.url)
    assert cli.json("query", "--host", INJECTION, "--electrolyte", "%", "--additive", "_") == []
    assert cli.json("query", "--paper", INJECTION) == []
    foam = {r["paper"] for r in cli.json("query", "--host", "FOAM")}  # case-insensitive, literal
    assert "sun2025review-ref99" in foam and foam == {
        r["paper"] for r in cli.json("query") if "foam" in (r["host"] or "").lower()
    }
    assert database_snapshot(cli.url) == before


def test_cli_query_errors(sqlite_cli):
    sqlite_cli("query", "--limit", "0", check=True)
    before = database_snapshot(sqlite_cli.url)
    assert_user_error(sqlite_cli("query", "--sort", "bogus"), contains="cannot sort by 'bogus'")
    assert_user_error(sqlite_cli("query", "--profile", "bogus"), contains="unknown profile 'bogus'")
    assert_user_error(sqlite_cli("query", "--status", "done"), contains="status 'done' is not known")
    assert database_snapshot(sqlite_cli.url) == before
