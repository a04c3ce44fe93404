"""cedb extract, run as the installed command a user types."""

import json
import subprocess
from pathlib import Path

import pytest
from conftest import assert_user_error, make_cli

FIXTURES = Path(__file__).parent / "fixtures" / "extract"
from conftest import REVIEW_TEXT as REVIEW  # noqa: E402
from conftest import needs_review  # noqa: E402

TEXT = (
    "Li||Cu cells give an average CE of 99.4% at 1 mA cm-2 and 4 mAh cm-2 over 150 cycles. "
    "The CE of 99.6% was kept at 2 mA cm-2 and 3 mAh cm-2 over 200 cycles. "
    "A CE of 99.1% was obtained."
)


@pytest.fixture
def run(request, tmp_path):
    """Run `cedb ...` (in-process unless marked end_to_end); plain extraction never opens its database."""
    yield make_cli(request, f"sqlite:///{tmp_path / 'never.sqlite'}", tmp_path)
    assert not (tmp_path / "never.sqlite").exists()  # extraction alone needs no database


def _json(process: subprocess.CompletedProcess) -> list[dict]:
    assert process.returncode == 0, process.stderr
    return json.loads(process.stdout)


def test_help(run):
    process = run("extract", "--help")
    assert process.returncode == 0
    for option in ("--format", "--to-curation", "--paper", "--record", "--compare", "--kind"):
        assert option in process.stdout


@needs_review
def test_review_as_json(run):
    rows = _json(run("extract", REVIEW, "--format", "json"))
    assert len(rows) == 11
    rcf = next(r for r in rows if r["ce_percent"] == 99.7)
    assert (rcf["current_density_mA_cm2"], rcf["areal_capacity_mAh_cm2"], rcf["cycles"]) == (
        1,
        4,
        180,
    )
    source = REVIEW.read_text(encoding="utf-8")
    assert "99.7%" in source[rcf["start"] : rcf["end"]]
    assert set(rows[0]) >= {
        "ce_percent",
        "qualifier",
        "complete",
        "confidence",
        "reason",
        "sentence",
    }


def test_table_and_note(run):
    process = run("extract", FIXTURES / "paper.txt")
    assert process.returncode == 0, process.stderr
    assert "99.3" in process.stdout and "ce_percent" in process.stdout
    assert "1 candidate(s) in paper.txt" in process.stderr


def test_stdin_with_kind(run):
    html = "<p>Li||Cu cells: average CE of 99.2% at 1 mA cm<sup>-2</sup> and 1 mAh cm<sup>-2</sup>.</p>"
    rows = _json(run("extract", "-", "--kind", "html", "--format", "json", input=html))
    assert [(r["ce_percent"], r["areal_capacity_mAh_cm2"]) for r in rows] == [(99.2, 1)]
    assert "<sup>" in html[rows[0]["start"] : rows[0]["end"]]


def test_min_confidence(run, tmp_path):
    (tmp_path / "p.txt").write_text(TEXT, encoding="utf-8")
    assert len(_json(run("extract", "p.txt", "-f", "json"))) == 3
    assert [r["ce_percent"] for r in _json(run("extract", "p.txt", "-f", "json", "--min-confidence", "0.6"))] == [
        99.4,
        99.6,
    ]


def test_user_errors(run, tmp_path):
    assert_user_error(run("extract", "missing.txt"), contains="no file")
    (tmp_path / "p.docx").write_text("x")
    assert_user_error(run("extract", "p.docx"), contains=".pdf")
    (tmp_path / "p.txt").write_text(TEXT, encoding="utf-8")
    assert_user_error(run("extract", "p.txt", "--to-curation", "out"), contains="--paper")
    assert_user_error(run("extract", "-", "--record", "--paper", "x", input=TEXT), contains="--yes")


def test_to_curation_writes_checkable_drafts(run, tmp_path):
    (tmp_path / "p.txt").write_text(TEXT, encoding="utf-8")
    process = run("extract", "p.txt", "--to-curation", "drafts", "--paper", "new2025")
    assert process.returncode == 0, process.stderr
    draft = tmp_path / "drafts" / "new2025.yaml"
    import yaml

    document = yaml.safe_load(draft.read_text(encoding="utf-8"))
    assert document["reference"] == {"key": "new2025"}
    rows = document["measurements"]
    assert [m["ce_percent"] for m in rows] == [99.4, 99.6, 99.1]
    assert rows[0]["statistic"] == "average" and rows[0]["cell"] == "li-cu"
    assert all(m["status"] == "draft" and m["quote"] for m in rows)
    assert "current_density_mA_cm2" not in rows[2]  # no conditions stated: none invented
    check = run("curate", "check", "--offline", "drafts")
    assert check.returncode == 0, check.stdout + check.stderr
    assert_user_error(run("extract", "p.txt", "--to-curation", "drafts", "--paper", "new2025"), contains="--force")
    again = run("extract", "p.txt", "--to-curation", "drafts", "--paper", "new2025", "--force")
    assert again.returncode == 0, again.stderr


@pytest.mark.parametrize(
    "text",
    [
        # results the check cannot tell apart (same conditions, other CE)
        "Li||Cu cells show CEs of 99.1% and 98.2%. The cells keep a CE of 97.0%.",
        "The Li||Cu cell gives a CE of 99.4% at 1 mA cm-2 and 1 mAh cm-2. Another Li||Cu cell "
        "gives a CE of 98.8% at 1 mA cm-2 and 1 mAh cm-2.",
        # electrolytes and hosts become draft strategies
        "In 1 M LiPF6 in EC/DEC, the Cu@Ag host shows a CE of 98.5% at 1 mA cm-2 and 1 mAh cm-2. "
        "The 3D Cu skeleton in the TEOF-based electrolyte shows a CE of 99.1% at 1 mA cm-2 and "
        "1 mAh cm-2.",
    ],
)
def test_drafts_always_pass_the_check(run, tmp_path, text):
    (tmp_path / "p.txt").write_text(text, encoding="utf-8")
    process = run("extract", "p.txt", "--to-curation", "drafts", "--paper", "draft2025")
    assert process.returncode == 0, process.stderr
    check = run("curate", "check", "--offline", "drafts")
    assert check.returncode == 0, check.stdout + check.stderr
    import yaml

    document = yaml.safe_load((tmp_path / "drafts" / "draft2025.yaml").read_text(encoding="utf-8"))
    assert len(document["measurements"]) >= 2


def test_compare_and_record(sqlite_cli, tmp_path):
    # The bundled dataset holds ref102's two results (99.4 % and 99.6 %, no cell).
    (tmp_path / "p.txt").write_text(TEXT.replace("Li||Cu cells give", "The host gives"), encoding="utf-8")
    rows = sqlite_cli.json("extract", "p.txt", "--paper", "sun2025review-ref102", "--compare")
    assert [(r["ce_percent"], r["status"]) for r in rows] == [
        (99.4, "known"),
        (99.6, "known"),
        (99.1, "new"),
    ]
    assert all(r["existing_id"] for r in rows[:2])

    (tmp_path / "q.txt").write_text(
        "The host gives a CE of 99.9% at 2 mA cm-2 and 3 mAh cm-2 over 200 cycles. "
        "The host gives a CE of 98.0% at 5 mA cm-2 and 5 mAh cm-2 over 100 cycles.",
        encoding="utf-8",
    )
    rows = sqlite_cli.json("extract", "q.txt", "--paper", "sun2025review-ref102", "--compare")
    assert [r["status"] for r in rows] == ["conflict", "new"]

    process = sqlite_cli("extract", "q.txt", "--paper", "sun2025review-ref102", "--record", "--yes")
    assert process.returncode == 1  # the conflict is reported and not added; the new one is
    # The one wording of a conflict, as on every other route (cedb.store.bulk.conflict_message).
    from cedb.store.bulk import conflict_message

    expected = conflict_message(
        rows[0]["existing_id"], rows[0]["existing_ce_percent"], "sun2025review", 99.9, "sun2025review-ref102"
    )
    assert f"Conflict: {expected}" in process.stderr
    assert "1 / 2 complete candidate(s) recorded" in process.stderr
    added = sqlite_cli.json("query", "--paper", "sun2025review-ref102", "--status", "draft")
    assert [(r["ce_percent"], r["current_density_mA_cm2"], r["cycles"]) for r in added] == [(98.0, 5.0, 100)]

    again = sqlite_cli("extract", "q.txt", "--paper", "sun2025review-ref102", "--record", "--yes")
    assert "0 / 2" in again.stderr and "1 already recorded" in again.stderr
    assert_user_error(sqlite_cli("extract", "q.txt", "--paper", "nosuch", "--record", "--yes"), contains="nosuch")


def test_record_asks_before_each(sqlite_url, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from cedb.cli import extract as extract_cli
    from cedb.cli.main import app

    (tmp_path / "q.txt").write_text(
        "Li||Cu cells give a CE of 97.1% at 7 mA cm-2 and 7 mAh cm-2. "
        "Li||Cu cells give a CE of 97.2% at 8 mA cm-2 and 8 mAh cm-2.",
        encoding="utf-8",
    )
    monkeypatch.setattr(extract_cli, "_can_ask", lambda: True)
    runner = CliRunner()
    args = [
        "--db",
        sqlite_url,
        "extract",
        str(tmp_path / "q.txt"),
        "--paper",
        "sun2025review-ref99",
        "--record",
    ]
    result = runner.invoke(app, args, input="y\nn\n")
    assert result.exit_code == 0, result.output
    assert "1 / 2 complete candidate(s) recorded" in result.output
    again = runner.invoke(app, args, input="y\ny\n")
    assert "1 / 2" in again.output and "1 already recorded" in again.output


@needs_review
def test_review_drafts_reproduce_the_bundled_dataset(run, tmp_path):
    """Issue 6: `cedb extract REVIEW --to-curation` proposes exactly the values curated in curation/."""
    import yaml

    from cedb.resources import curation_dir

    process = run("extract", REVIEW, "--to-curation", "drafts", "--paper", "sun2025review")
    assert process.returncode == 0, process.stderr
    (draft,) = (tmp_path / "drafts").glob("*.yaml")
    drafted = yaml.safe_load(draft.read_text())["measurements"]
    assert {m["status"] for m in drafted} == {"draft"}  # a curator confirms them

    def key(m):
        return (m["ce_percent"], m.get("current_density_mA_cm2"), m.get("areal_capacity_mAh_cm2"), m.get("cycles"))

    # The review's own results: the files of its placeholders (the primary papers are curated from their abstracts).
    bundled = [
        m
        for f in curation_dir().glob("sun2025review*.yaml")
        for m in (yaml.safe_load(f.read_text()) or {}).get("measurements") or []
    ]
    assert sorted(map(key, drafted)) == sorted(map(key, bundled))
    # Every draft points at its sentence in the source.
    source = REVIEW.read_text(encoding="utf-8")
    for m in drafted:
        assert str(m["ce_percent"]).rstrip("0").rstrip(".") in m["quote"].replace("\n", " ")
        assert REVIEW.name in m["location"]
    assert len(source) > 0


@pytest.mark.parametrize(
    ("name", "source", "quotes"),
    [
        # Unicode minus, thin spaces and a line break inside the sentence; two CEs of one
        # strategy (the electrolyte) in one sentence.
        (
            "p.txt",
            "Li||Cu cells in 1 M LiFSI in DME reach a CE of 99.1% at 1\u2009mA\u2009cm\u22122 "
            "and 1 mAh cm\u22122, and 98.2%\nat 2 mA cm\u22122 and 1 mAh cm\u22122.\n",
            [
                "Li||Cu cells in 1 M LiFSI in DME reach a CE of 99.1% at 1\u2009mA\u2009cm\u22122 and "
                "1 mAh cm\u22122, and 98.2% at 2 mA cm\u22122 and 1 mAh cm\u22122."
            ]
            * 2,
        ),
        (
            "p.html",
            "<p>Li||Cu cells with LiPF<sub>6</sub> show a CE of 99.1% at 1 mA "
            "cm<sup>&#8722;2</sup> and 2 mAh cm<sup>&#8722;2</sup>.</p>",
            ["Li||Cu cells with LiPF6 show a CE of 99.1% at 1 mA cm\u22122 and 2 mAh cm\u22122."],
        ),
    ],
)
def test_draft_quotes_are_the_source_words_and_pass_check(run, tmp_path, name, source, quotes):
    import yaml

    (tmp_path / name).write_text(source, encoding="utf-8")
    process = run("extract", name, "--to-curation", "drafts", "--paper", "quote2025")
    assert process.returncode == 0, process.stderr
    document = yaml.safe_load((tmp_path / "drafts" / "quote2025.yaml").read_text(encoding="utf-8"))
    rows = document["measurements"]
    assert [m["quote"] for m in rows] == quotes
    assert all(m["location"].startswith(f"{name}, characters ") for m in rows)
    check = run("curate", "check", "--offline", "drafts")
    assert check.returncode == 0, check.stdout + check.stderr


def test_draft_from_stdin_is_located_as_stdin(run, tmp_path):
    import yaml

    text = "Li||Cu cells reach an average CE of 99.2% at 0.5 mA cm\u22122 and 1 mAh cm\u22122."
    process = run("extract", "-", "--to-curation", "drafts", "--paper", "stdin2025", input=text)
    assert process.returncode == 0, process.stderr
    (row,) = yaml.safe_load((tmp_path / "drafts" / "stdin2025.yaml").read_text())["measurements"]
    assert row["location"] == f"stdin, characters 0-{len(text)}" and row["quote"] == text


# --- curators' report on real abstracts (issue #14 workflow) ------------------------------


@pytest.mark.parametrize("location", ["abstract", "Fig. 3b"])
def test_location_option_sets_every_draft_location(run, tmp_path, location):
    (tmp_path / "p.txt").write_text(TEXT, encoding="utf-8")
    process = run("extract", "p.txt", "--to-curation", "drafts", "--paper", "loc2025",
                  "--location", location)  # fmt: skip
    assert process.returncode == 0, process.stderr
    import yaml

    rows = yaml.safe_load((tmp_path / "drafts" / "loc2025.yaml").read_text(encoding="utf-8"))["measurements"]
    assert len(rows) == 3 and {m["location"] for m in rows} == {location}
    # the offsets are kept in the note, so a draft can still be traced in the file
    assert "found at p.txt, characters 0-" in rows[0]["note"]
    check = run("curate", "check", "--offline", "drafts")
    assert check.returncode == 0, check.stdout + check.stderr


def test_location_option_is_refused_when_empty_too_long_or_without_drafts(run, tmp_path):
    (tmp_path / "p.txt").write_text(TEXT, encoding="utf-8")
    base = ("extract", "p.txt", "--to-curation", "drafts", "--paper", "loc2025")
    assert_user_error(run(*base, "--location", "  "), contains="--location")
    assert_user_error(run(*base, "--location", "x" * 201), contains="--location")
    assert_user_error(run("extract", "p.txt", "--location", "abstract"), contains="--to-curation")
    assert not (tmp_path / "drafts").exists()


@pytest.mark.parametrize(
    "sentence",
    [
        "Li||Cu cells deliver a CE of ∼97–99% at 0.5 mA cm−2 and 1 mAh cm−2.",
        "The CE of Li||Cu cells is 97-99 % at 0.5 mA cm−2 and 1 mAh cm−2.",
        "The CE of Li||Cu cells stays between 97 and 99% at 0.5 mA cm−2 and 1 mAh cm−2.",
        "In Li||Cu cells the CE ranges from 97% to 99% at 0.5 mA cm−2 and 1 mAh cm−2.",
    ],
)
def test_a_range_is_drafted_as_its_upper_end_with_both_ends_in_the_note(run, tmp_path, sentence):
    (tmp_path / "p.txt").write_text(sentence, encoding="utf-8")
    table = _json(run("extract", "p.txt", "--format", "json"))
    assert [(c["ce_percent"], c["ce_high_percent"]) for c in table] == [(97, 99)]
    process = run("extract", "p.txt", "--to-curation", "drafts", "--paper", "range2025")
    assert process.returncode == 0, process.stderr
    import yaml

    [row] = yaml.safe_load((tmp_path / "drafts" / "range2025.yaml").read_text(encoding="utf-8"))["measurements"]
    assert row["ce_percent"] == 99 and row["statistic"] == "maximum"  # never a midpoint (98)
    assert "range, 97-99 %" in row["note"] and "lower end, 97 %" in row["note"]
    assert (row["current_density_mA_cm2"], row["areal_capacity_mAh_cm2"]) == (0.5, 1)
    check = run("curate", "check", "--offline", "drafts")
    assert check.returncode == 0, check.stdout + check.stderr


def test_an_average_given_as_a_range_stays_an_average(run, tmp_path):
    (tmp_path / "p.txt").write_text(
        "Li||Cu cells show an average CE of 98.2–98.9% at 1 mA cm−2 and 1 mAh cm−2.", encoding="utf-8"
    )
    assert run("extract", "p.txt", "--to-curation", "d", "--paper", "avg2025").returncode == 0
    import yaml

    [row] = yaml.safe_load((tmp_path / "d" / "avg2025.yaml").read_text(encoding="utf-8"))["measurements"]
    assert (row["ce_percent"], row["statistic"]) == (98.9, "average")


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("p.txt", b"\x00\x01\x02 binary data"),  # a NUL
        ("p.md", bytes(range(1, 9)) * 200),  # control bytes, no NUL
        ("p.txt", "Li||Cu 99.5%".encode("utf-16")),  # UTF-16 text: not the UTF-8 cedb reads
    ],
)
def test_binary_data_named_as_text_is_refused_in_one_line(run, tmp_path, name, data):
    (tmp_path / name).write_bytes(data)
    assert_user_error(run("extract", name), contains="binary data, not text")


@pytest.mark.end_to_end  # in-process, pytest's log capture would hide what pypdf prints
def test_a_broken_pdf_gives_only_the_error_line(run, tmp_path):
    # pypdf logs its repair attempts ("EOF marker not found"); the user sees the one error line
    (tmp_path / "p.pdf").write_bytes(bytes(range(256)) * 12)  # no header, no EOF marker
    process = run("extract", "p.pdf")
    assert_user_error(process, contains="cannot read the PDF")
    assert process.stderr.strip().count("\n") == 0, process.stderr
