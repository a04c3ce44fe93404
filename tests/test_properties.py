"""Property-based tests (hypothesis): bad input is refused in one line, good input is stored exactly.

Every way values enter cedb is fed random and adversarial values: the options of
`cedb result add` (through ``results.normalise`` + ``crud.add_result``, as the command does),
the fields of curation files, BibTeX text, electrolyte descriptions and quantities with units.
The promise under test: a value is either accepted and stored exactly as its canonical form,
or refused with a ``CedbError`` whose message is one line, and a refused write leaves the
database as it was. Any other exception is a bug (the CLI would print a traceback).

The bugs this search found are fixed and pinned by the regression tests at the end;
``_known_bug`` is where an input hitting a known, unfixed bug would be set aside.
"""

import datetime
import re

import pytest
import yaml
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from cedb import results
from cedb.errors import CedbError, InvalidValue
from cedb.store import crud
from tests.conftest import database_snapshot

DB_SETTINGS = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
PURE_SETTINGS = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

INT4_MAX = 2**31 - 1  # PostgreSQL's integer column (measurement.cycles)


def _known_bug(values: dict) -> str | None:
    """Inputs that hit a known, unfixed bug (none now: every bug found here was fixed)."""
    return None
    for name, value in values.items():
        if name in ("paper", "source") and isinstance(value, str) and "\x00" in value:
            return "NUL in a key (PostgreSQL)"
        if name == "cycles" and isinstance(value, int) and value > INT4_MAX:
            return "cycles overflow"
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return "lone surrogate"
    return None


def one_line(exc: BaseException) -> str:
    message = str(exc)
    assert message and "\n" not in message and "\r" not in message, repr(message)
    return message


# --------------------------------------------------------------------------- values

NASTY = [
    "",
    " ",
    "\t",
    "nan",
    "NaN",
    "-nan",
    "inf",
    "-inf",
    "Infinity",
    "1e309",
    "-1e309",
    "-1",
    "0",
    "-0",
    "0.0",
    "1e-320",
    "5e-324",
    "1e308",
    "1.7976931348623157e308",
    "1,5",
    "1,000",
    "1.5",
    "3",
    "99.9",
    "100",
    "100.0000001",
    "99.99999999999999999",
    "0.5",
    "1",
    "1.0000001",
    "1e30",
    "2147483647",
    "2147483648",
    "9223372036854775808",
    "1" * 400,
    "١٢",
    "½",
    "٣",
    "3 mA/cm2",
    "20 A/m^2",
    "3 mAh cm-2",
    "-1 mA/cm2",
    "0 mA/cm2",
    "5 degC",
    "300 K",
    "-300 degC",
    "1 m",
    "1 kg",
    "mA/cm2",
    "1 mA/cm2 extra",
    "1 mA/cm2 mA/cm2",
    "2 %",
    "2 ppm",
    "1/0",
    "0/0",
    "1 mA/(0 cm^2)",
    "(1)",
    "1e",
    "1..2",
    "--1",
    "+5",
    "0x10",
    "1_000",
    "∞",
    "1 mA cm⁻²",
    "1 µA/cm²",
    "3 g/Ah",
    "3 g/(A*h)",
    "99.6 %",
    "99.6%%",
    "%",
    "'; DROP TABLE measurement; --",
    "_",
    '"',
    "'",
    "\\",
    "\x00",
    "a\x00b",
    "\x1b[31mred",
    "\u202egnp",
    "x" * 250,
    "é" * 201,
    "💥" * 60,
    "Li||Cu",
    "li‖cu",
    "LI|CU",
    "half cell",
    "AVG",
    "reservoir",
    "true",
    "no",
    "#",
    "composite",
    "draft",
    "VERIFIED",
    "null",
    "None",
    "[]",
    "{}",
    '{"a": 1}',
    "\n",
    "a\nb",
    "a\r\nb",
    "\ufeff99",
    "９９",
    "99\u00a0%",
]

raw_value = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=30),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(min_value=1e-6, max_value=1e6).map(lambda f: f"{f:g} mA/cm2"),
)
safe_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=60)


def _number(low: float, high: float, unit: str = ""):
    plain = st.floats(min_value=low, max_value=high, allow_nan=False).map(lambda f: f"{f:.6g}")
    return plain if not unit else st.one_of(plain, plain.map(lambda t: f"{t} {unit}"))


# Each option: values a user would type (accepted or refused for a reason), plus the nasty ones.
GOOD = {
    "ce": _number(50, 100),
    "current": _number(0.001, 100, "mA/cm2"),
    "capacity": _number(0.001, 100, "mAh/cm2"),
    "cycles": st.integers(min_value=1, max_value=10**6).map(str),
    "cell": st.sampled_from(["li-cu", "Li||Cu", "Li | Li", "full", "anode free", "half-cell"]),
    "method": st.sampled_from(["aurbach", "zhang-full", "Reservoir", "conventional", "unspecified"]),
    "category": st.sampled_from(["electrolyte", "composite", "interface", "Other"]),
    "statistic": st.sampled_from(["average", "max", "stabilized", "over"]),
    "status": st.sampled_from(["draft", "verified", "Rejected"]),
    "label": safe_text,
    "host": safe_text,
    "additive": safe_text,
    "location": safe_text,
    "note": safe_text,
    "curator": safe_text,
    "quote": safe_text,
    "electrolyte": st.one_of(
        st.sampled_from(["1 M LiPF6 in EC/DMC (1:1 v/v)", "4 M LiFSI DME", "1.2M LiFSI DMC-BTFE (1:2 mol)"]), safe_text
    ),
    "source": st.sampled_from(["src", "nope"]),
    "full_cell": st.booleans(),
    "temperature": _number(-100, 200, "degC"),
    "ec_ratio": _number(0.01, 100, "g/Ah"),
    "np_ratio": _number(0.01, 100),
    "cathode_loading": _number(0.01, 100, "mAh/cm2"),
}


@st.composite
def add_options(draw) -> dict:
    """Some options with good values, then up to three replaced by random or adversarial ones."""
    names = sorted(GOOD)
    chosen = draw(st.lists(st.sampled_from(names), unique=True, max_size=len(names)))
    options = {"paper": "p1", "ce": draw(GOOD["ce"])}
    options.update({name: draw(GOOD[name]) for name in chosen})
    if set(chosen) & {"label", "host", "electrolyte", "additive"}:
        options["category"] = draw(GOOD["category"])
    nasty = draw(st.sampled_from([0, 0, 1, 1, 2, 3]))
    for name in draw(st.lists(st.sampled_from(names + ["paper"]), unique=True, min_size=nasty, max_size=nasty)):
        if name == "paper":
            options[name] = draw(st.sampled_from(["", " ", "P1", "p1'--", "%", "p1\x00"]))
        elif name == "full_cell":
            options[name] = draw(raw_value)
        else:
            options[name] = draw(raw_value)
    return options


def _cli_values(options: dict) -> dict:
    # cli/result.py _collect: --full-cell-derived arrives as full_cell
    return {("full_cell_derived" if k == "full_cell" else k): v for k, v in options.items() if v is not None}


def _stored(engine, measurement_id: int) -> tuple[dict, dict]:
    from cedb.store.db import session_scope
    from cedb.store.models import Measurement, Strategy

    with session_scope(engine) as session:
        row = session.get(Measurement, measurement_id)
        strategy = session.get(Strategy, row.strategy_id) if row.strategy_id else None
        plain = lambda v: v.value if hasattr(v, "value") else v  # noqa: E731
        measurement = {name: plain(getattr(row, name)) for name in results.MEASUREMENT_FIELDS}
        measurement["source_key"] = crud.get_reference(session=session, key="src").id == row.source_id
        stored_strategy = {name: plain(getattr(strategy, name)) for name in results.STRATEGY_FIELDS} if strategy else {}
    return measurement, stored_strategy


@pytest.fixture
def papers(engine):
    from cedb.store.db import session_scope
    from cedb.store.models import ReferenceCreate

    with session_scope(engine) as session:
        for key in ("p1", "src"):
            crud.add_reference(session=session, create=ReferenceCreate(key=key, title=f"Paper {key}"))
    return engine


@DB_SETTINGS
@given(options=add_options())
def test_result_add_values_are_stored_exactly_or_refused_in_one_line(papers, database_url, options):
    from cedb.store.db import session_scope

    engine = papers
    values = _cli_values(options)
    try:
        result = results.normalise(values)
    except CedbError as exc:
        one_line(exc)
        event(f"refused by normalise: {str(exc)[:40]}")
        return
    assume(
        _known_bug({**result.measurement, **result.strategy, "paper": result.paper, "source": result.source or ""})
        is None
    )
    assume(_known_bug(values) is None)
    before = database_snapshot(database_url)
    try:
        with session_scope(engine) as session:
            measurement_id = crud.add_result(session=session, result=result).id
    except CedbError as exc:
        one_line(exc)
        assert database_snapshot(database_url) == before
        event(f"refused by add_result: {type(exc).__name__}")
        return
    event("stored")
    stored, strategy = _stored(engine, measurement_id)
    for name, value in result.measurement.items():
        assert stored[name] == value, (name, value, stored[name])
        assert type(stored[name]) is type(value), (name, value, stored[name])
    assert stored["source_key"] == (result.source == "src")
    for name, value in result.strategy.items():
        assert strategy[name] == value, (name, value, strategy[name])
    # What was stored reads back through normalise unchanged (it is canonical).
    for name in (
        "current_density_mA_cm2",
        "areal_capacity_mAh_cm2",
        "cycles",
        "ce_percent",
        "cell",
        "temperature_C",
        "note",
        "label",
    ):
        source = stored if name in stored else strategy
        if source.get(name) is not None:
            assert results.normalise_field(name, source[name]) == source[name]


# --------------------------------------------------------------------------- curation files

from cedb.curation import MEASUREMENT_KEYS, REFERENCE_KEYS, STRATEGY_KEYS  # noqa: E402

yaml_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**25), max_value=10**25),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(NASTY),
    st.dates(min_value=datetime.date(1, 1, 1)),
    st.binary(max_size=8),
    st.sampled_from(["sun2025review", "s", "p9", 99.5, 3, "li-cu"]),
)
yaml_value = st.recursive(
    yaml_scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.one_of(st.text(max_size=6), st.integers(0, 9)), inner, max_size=3),
    ),
    max_leaves=6,
)
# Raw YAML for one value: tags, anchors, flow and block forms the emitter never writes.
raw_yaml = st.sampled_from(
    [
        "!!python/object/apply:os.system ['touch {marker}']",
        "!!python/name:os.system",
        "!!binary aGVsbG8=",
        "!!set {{a, b}}",
        "!!timestamp 2001-12-14t21:59:43.10-05:00",
        "&x [*x]",
        "*undefined",
        "{{a: 1, a: 2}}",
        "[1, [2, [3]]]",
        "'unterminated",
        '"\\x00"',
        '"\\ud800"',
        "|\n    block\n    text",
        ">-\n    folded",
        "? [complex, key]\n    : value",
        "!custom tag",
        "0o17",
        "0x1F",
        "1_000",
        ".inf",
        "-.inf",
        ".nan",
        "~",
        "2020-02-30",
        "99.5 %",
        '"9,5"',
        "@reserved",
        "`reserved",
        "%YAML 1.1",
        "--- second document",
    ]
)

yaml_number = lambda low, high: st.floats(min_value=low, max_value=high, allow_nan=False)  # noqa: E731
GOOD_REFERENCE = {
    "doi": st.sampled_from(["10.1000/xyz.1", "https://doi.org/10.1039/D4EB00034J", "doi:10.5/a_(b)"]),
    "title": safe_text,
    "authors": st.lists(safe_text, max_size=3),
    "year": st.integers(1800, 2100),
    "journal": safe_text,
    "volume": st.sampled_from(["7", "12(3)"]),
    "pages": st.sampled_from(["1–9", "e2"]),
    "entry_type": st.sampled_from(["article", "book"]),
    "note": safe_text,
    "bibtex": safe_text,
}
GOOD_STRATEGY = {"host": safe_text, "additive": safe_text, "description": safe_text, "electrolyte": GOOD["electrolyte"]}
GOOD_MEASUREMENT = {
    "ce_percent": yaml_number(50, 100),
    "current_density_mA_cm2": yaml_number(0.01, 50),
    "areal_capacity_mAh_cm2": yaml_number(0.01, 50),
    "cell": GOOD["cell"],
    "method": GOOD["method"],
    "statistic": GOOD["statistic"],
    "full_cell_derived": st.booleans(),
    "temperature_C": yaml_number(-100, 200),
    "ec_ratio_g_Ah": yaml_number(0.01, 100),
    "np_ratio": yaml_number(0.01, 100),
    "cathode_loading_mAh_cm2": yaml_number(0.01, 50),
    "source": st.sampled_from(["sun2025review", "p9"]),
    "method_params": st.dictionaries(st.sampled_from(["Q_T", "Q_C", "n", "Q_S"]), yaml_number(0.01, 100)),
    "location": safe_text,
    "quote": safe_text,
    "status": GOOD["status"],
    "curator": safe_text,
    "note": safe_text,
}


@st.composite
def curation_document(draw) -> dict:
    """A valid curation document, then up to three values replaced by random YAML data."""
    reference = {"key": "p9"}
    reference.update({k: draw(v) for k, v in GOOD_REFERENCE.items() if draw(st.booleans())})
    strategies = [
        {
            "label": label,
            "category": draw(GOOD["category"]),
            **{k: draw(v) for k, v in GOOD_STRATEGY.items() if draw(st.booleans())},
        }
        for label in draw(st.lists(st.sampled_from(["s", "t"]), unique=True, max_size=2))
    ]
    measurements = []
    for cycles in range(1, draw(st.integers(0, 3)) + 1):
        row = {"cycles": cycles}
        if strategies:
            row["strategy"] = strategies[0]["label"]
        row.update({k: draw(v) for k, v in GOOD_MEASUREMENT.items() if k == "ce_percent" or draw(st.booleans())})
        measurements.append(row)
    document = {"reference": reference, "strategies": strategies, "measurements": measurements}
    places = [(reference, k) for k in REFERENCE_KEYS] + [(reference, "extra")]
    places += [(row, k) for row in strategies for k in STRATEGY_KEYS]
    places += [(row, k) for row in measurements for k in MEASUREMENT_KEYS]
    places += [(document, k) for k in ("reference", "strategies", "measurements", "extra")]
    for index in draw(st.lists(st.integers(0, len(places) - 1), unique=True, max_size=3)):
        mapping, key = places[index]
        mapping[key] = draw(yaml_value)
    return document


def _curation_text(document: dict, raw: str | None, where: int) -> str:
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    if raw is None:
        return text
    # Replace the value of one "key: value" line by the raw YAML.
    lines = text.splitlines()
    candidates = [i for i, line in enumerate(lines) if re.match(r"^\s*(- )?[a-z_]+: \S", line)]
    if not candidates:
        return text
    index = candidates[where % len(candidates)]
    head = lines[index].split(": ", 1)[0]
    lines[index] = f"{head}: {raw}"
    return "\n".join(lines) + "\n"


@DB_SETTINGS
@given(document=curation_document(), raw=st.one_of(st.none(), raw_yaml), where=st.integers(0, 50))
def test_curation_files_give_problems_with_lines_or_load(engine, tmp_path, document, raw, where):
    from cedb import curation

    marker = tmp_path / "marker"
    path = tmp_path / "paper.yaml"
    text = _curation_text(document, raw.format(marker=marker) if raw else None, where)
    path.write_text(text, encoding="utf-8")
    lines = text.count("\n") + 1
    report = curation.check([path])
    assert not marker.exists()
    if report.problems:
        for problem in report.problems:
            assert problem.path == str(path)
            assert 1 <= problem.line <= lines, (problem, text)
            assert "\n" not in problem.message, problem
        event("problems reported")
        return
    record = report.records[0]
    assume(_known_bug({k: v for m in record.measurements for k, v in m.items()}) is None)
    assume(_known_bug(record.reference) is None)
    session = Session(engine)
    try:
        try:
            curation.load(session=session, paths=[path])
            session.flush()
            event("loaded")
        except CedbError as exc:  # e.g. an unknown source: reported as a problem, in one line
            one_line(exc)
            event(f"load refused: {type(exc).__name__}")
    finally:
        session.rollback()
        session.close()
    assert not marker.exists()


# --------------------------------------------------------------------------- BibTeX

BIB_TOKENS = [
    "@article{",
    "@ARTICLE(",
    "@book{",
    "@string{",
    "@preamble{",
    "@comment{",
    "@misc{",
    "@",
    "{",
    "}",
    "(",
    ")",
    ",",
    "=",
    '"',
    "#",
    " ",
    "\n",
    "key2020",
    "title",
    "author",
    "year",
    "doi",
    "journal",
    "pages",
    "2020",
    "10.1039/d4eb00034j",
    "https://doi.org/10.1/x",
    " and ",
    "Smith, J.",
    "{van} Berg",
    "\\input{/etc/passwd}",
    "\\include{x}",
    "\\write18{touch x}",
    '\\"{u}',
    "$_3$",
    "%",
    "\\",
    "~",
    "--",
    "jan",
    "undefinedmacro",
    "x = ",
    "\x00",
    "\ufeff",
    "é",
    "𝛼",
]
bib_text = st.one_of(
    st.lists(st.one_of(st.sampled_from(BIB_TOKENS), st.text(max_size=6)), max_size=40).map("".join),
    st.text(max_size=200),
)


@PURE_SETTINGS
@given(text=bib_text)
def test_parse_bibtex_never_raises_and_every_entry_has_a_reference_or_an_error(text):
    from cedb.bibliography import parse_bibtex

    parsed = parse_bibtex(text)
    for entry in parsed.entries:
        assert (entry.reference is None) != (entry.error is None), entry
        assert entry.line >= 1
        if entry.error:
            assert "\n" not in entry.error, entry.error


@PURE_SETTINGS
@given(data=st.data())
def test_parse_bibtex_survives_mutations_of_a_real_file(data):
    from pathlib import Path

    from cedb.bibliography import parse_bibtex

    text = (Path(__file__).parent / "fixtures" / "bib" / "messy.bib").read_text(encoding="utf-8")
    for _ in range(data.draw(st.integers(1, 5))):
        at = data.draw(st.integers(0, len(text)))
        cut = data.draw(st.integers(0, 20))
        text = text[:at] + data.draw(st.sampled_from(BIB_TOKENS) | st.text(max_size=3)) + text[at + cut :]
    for entry in parse_bibtex(text).entries:
        assert (entry.reference is None) != (entry.error is None), entry


# --------------------------------------------------------------------------- electrolytes and quantities

ELECTROLYTE_TOKENS = [
    "1",
    "1.2",
    "0",
    "-1",
    "1e309",
    "nan",
    "M",
    "m",
    "mol/L",
    "mol/kg",
    " ",
    "LiPF6",
    "LiFSI",
    "LiTFSI",
    "LiNO3",
    "EC",
    "DMC",
    "DEC",
    "DME",
    "DOL",
    "FEC",
    "TTE",
    "BTFE",
    "in",
    "+",
    "-",
    "/",
    ":",
    "1:1",
    "3:7",
    "(",
    ")",
    "v/v",
    "w/w",
    "by vol",
    "mol",
    "wt%",
    "vol%",
    "%",
    "=",
    ",",
    ";",
    "and",
    "with",
    "ppm",
    "x",
    "\x00",
    "½",
    "–",
    "∶",
    "LiPF₆",
    "Li",
    "F",
    "[",
    "]",
]
electrolyte_text = st.one_of(
    st.lists(st.sampled_from(ELECTROLYTE_TOKENS) | st.text(max_size=3), max_size=14).map(" ".join),
    st.lists(st.sampled_from(ELECTROLYTE_TOKENS), max_size=14).map("".join),
    st.text(max_size=40),
)


@PURE_SETTINGS
@given(text=electrolyte_text)
def test_electrolyte_parser_raises_only_invalid_value(text):
    from cedb.chemistry import parse
    from cedb.formulations import annotate

    try:
        formulation = parse(text)
    except InvalidValue as exc:
        one_line(exc)
    else:
        assert formulation.canonical
    annotate(text, text)  # used on every strategy: must never raise


unit_text = st.one_of(
    st.text(max_size=25),
    st.lists(
        st.sampled_from(
            [
                "1",
                "2.5",
                "-",
                "+",
                "e",
                "3",
                " ",
                "mA",
                "A",
                "uA",
                "µA",
                "cm",
                "m",
                "mm",
                "2",
                "-2",
                "^",
                "/",
                "*",
                "(",
                ")",
                "h",
                "mAh",
                "g",
                "degC",
                "K",
                "%",
                ".",
                "⁻²",
                "x",
                "nan",
                "inf",
                ",",
            ]
        ),
        max_size=10,
    ).map("".join),
)


@PURE_SETTINGS
@given(text=unit_text)
def test_quantities_are_numbers_in_range_or_invalid_value(text):
    import math

    from cedb import units

    # "9**9**9": see test_a_power_tower_in_a_quantity_is_refused_before_pint_evaluates_it.
    for quantity in (units.CURRENT_DENSITY, units.AREAL_CAPACITY, units.TEMPERATURE, units.EC_RATIO):
        try:
            value = units.to_canonical(text, quantity)
        except InvalidValue as exc:
            one_line(exc)
        else:
            assert isinstance(value, float) and math.isfinite(value)


# --------------------------------------------------------------------------- round trip of text


printable_text = (
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=40)
    .map(str.strip)
    .filter(bool)
)


@pytest.fixture
def empty_database_file(tmp_path):
    """A migrated, empty SQLite file to copy (running the migrations per example is slow)."""
    from cedb.store.db import make_engine, prepare

    path = tmp_path / "template.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    prepare(engine, load_bundled=False)
    engine.dispose()
    return path


@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    texts=st.fixed_dictionaries(
        {
            "label": printable_text.map(lambda t: t[:200]),
            "host": printable_text,
            "note": printable_text,
            "quote": printable_text,
            "location": printable_text,
        }
    )
)
def test_text_survives_dump_and_load_unchanged(empty_database_file, tmp_path_factory, texts):
    """Any text a result can hold comes back from `curate dump` -> `curate load` as it was."""
    import shutil

    import sqlalchemy as sa

    from cedb import curation
    from cedb.store.db import make_engine, session_scope
    from cedb.store.models import ReferenceCreate

    directory = tmp_path_factory.mktemp("dump")
    engines = []
    for name in ("one.sqlite", "two.sqlite"):
        shutil.copy(empty_database_file, directory / name)
        engines.append(make_engine(f"sqlite:///{directory / name}"))
    first, second = engines
    with session_scope(first) as session:
        crud.add_reference(session=session, create=ReferenceCreate(key="p1"))
        crud.add_result(
            session=session, result=results.normalise({"paper": "p1", "ce": "99", "category": "other", **texts})
        )
    with session_scope(first) as session:
        curation.dump(session=session, directory=directory / "files")
    with session_scope(second) as session:
        curation.load(session=session, paths=[directory / "files"])
    stored = []
    for engine in engines:
        with engine.connect() as connection:
            row = (
                connection.execute(
                    sa.text(
                        "SELECT s.label, s.host, m.note, m.quote, m.location FROM measurement m "
                        "JOIN strategy s ON s.id = m.strategy_id"
                    )
                )
                .mappings()
                .one()
            )
            stored.append(dict(row))
        engine.dispose()
    assert stored[0] == {k: results.normalise_field(k, v) for k, v in texts.items()}
    assert stored[1] == stored[0]


# --------------------------------------------------------------------------- known bugs, pinned


@pytest.mark.parametrize("cycles", ["1e30", "9223372036854775808", "2147483648"])
def test_a_huge_cycle_count_is_refused_in_one_line(papers, database_url, cycles):
    from cedb.store.db import session_scope

    before = database_snapshot(database_url)
    with pytest.raises(CedbError) as caught:
        result = results.normalise({"paper": "p1", "ce": "99", "cycles": cycles})
        with session_scope(papers) as session:
            crud.add_result(session=session, result=result)
    one_line(caught.value)
    assert database_snapshot(database_url) == before


@pytest.mark.parametrize("field", ["note", "label", "host", "quote"])
def test_text_that_is_not_utf8_is_refused_in_one_line(papers, database_url, field):
    from cedb.store.db import session_scope

    before = database_snapshot(database_url)
    with pytest.raises(CedbError) as caught:
        result = results.normalise({"paper": "p1", "ce": "99", "category": "other", field: "bad \udcff byte"})
        with session_scope(papers) as session:
            crud.add_result(session=session, result=result)
    one_line(caught.value)
    assert database_snapshot(database_url) == before


@pytest.mark.parametrize("value", ["{Q_T: 2020-01-01}", "{Q_T: !!binary aGVsbG8=}"])
def test_method_params_that_are_not_json_are_a_reported_problem(tmp_path, value):
    from cedb import curation

    path = tmp_path / "paper.yaml"
    path.write_text(
        f"reference:\n  key: p9\nmeasurements:\n- ce_percent: 99\n  method_params: {value}\n", encoding="utf-8"
    )
    report = curation.check([path])
    assert [(p.line, "method_params" in p.message) for p in report.problems] == [(5, True)]


def test_next_line_character_survives_dump_and_load():
    from cedb.curation import dumps

    for text in ("é\x85x\ny", "a\u2028b\nc"):
        assert yaml.safe_load(dumps({"note": text}))["note"] == text


def test_a_power_tower_in_a_quantity_is_refused_before_pint_evaluates_it(monkeypatch):
    """Pint evaluates ``**`` and ``^`` between numbers; cedb must not let it (the real call never ends)."""
    from cedb import units

    real = units.registry()
    asked: list[str] = []

    class Spy:  # pint as cedb uses it, recording what it is asked to evaluate instead of evaluating it
        def __getattr__(self, name):
            return getattr(real, name)

        def Quantity(self, text, *args):  # noqa: N802 (pint's name)
            asked.append(str(text))
            raise ValueError("not evaluated in this test")

    monkeypatch.setattr(units, "registry", lambda: Spy())
    for text in ("9**9**9 mA/cm2", "9^9^9", "10**10**10 mA cm-2", "2 mA/cm^(9**9**9)"):
        with pytest.raises(InvalidValue):
            units.to_canonical(text, units.CURRENT_DENSITY)
    assert not [t for t in asked if re.search(r"\d\s*(\*\*|\^)\s*\(?\s*\d+\s*(\*\*|\^)", t)], asked


def test_two_strategies_without_labels_are_reported_problems(tmp_path):
    from cedb import curation

    path = tmp_path / "paper.yaml"
    path.write_text("reference:\n  key: p9\nstrategies:\n- category: other\n- category: other\n", encoding="utf-8")
    report = curation.check([path])
    assert sorted(p.line for p in report.problems) == [4, 5]


@pytest.mark.parametrize("value", ["[a, b]", "{a: 1}"])
def test_a_strategy_reference_that_is_not_text_is_a_reported_problem(tmp_path, value):
    from cedb import curation

    path = tmp_path / "paper.yaml"
    path.write_text(f"reference:\n  key: p9\nmeasurements:\n- ce_percent: 99\n  strategy: {value}\n", encoding="utf-8")
    report = curation.check([path])
    assert [p.line for p in report.problems] == [5]


def test_a_key_with_a_nul_character_is_refused_in_one_line(papers, database_url, request):
    """A paper or source key from a spreadsheet cell or curation file may hold a NUL character."""
    from cedb.store.db import session_scope

    for raw in ({"paper": "p1\x00", "ce": "99"}, {"paper": "p1", "source": "src\x00", "ce": "99"}):
        before = database_snapshot(database_url)
        with pytest.raises(CedbError) as caught:
            result = results.normalise(raw)
            with session_scope(papers) as session:
                crud.add_result(session=session, result=result)
        one_line(caught.value)
        assert database_snapshot(database_url) == before


@pytest.mark.parametrize("value", ["!!int abc", "!!float abc", "!!bool abc", "!!timestamp 2001-12-14X"])
def test_an_explicit_tag_with_a_bad_value_is_a_reported_problem(tmp_path, value):
    from cedb import curation

    path = tmp_path / "paper.yaml"
    path.write_text(f"reference:\n  key: p9\n  note: {value}\n", encoding="utf-8")
    report = curation.check([path])
    assert [p.line for p in report.problems] == [3]
