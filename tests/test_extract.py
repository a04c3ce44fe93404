"""cedb.extract: notations, negatives, multi-result sentences, offsets, compare, the bench."""

import dataclasses
import importlib.util
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cedb.errors import InvalidValue, NotFound
from cedb.extract import Candidate, compare, extract_file, extract_text, read_source
from cedb.extract.mapped import MappedText
from cedb.extract.normalize import prepare
from cedb.extract.sentences import split_sentences

FIXTURES = Path(__file__).parent / "fixtures" / "extract"
from conftest import REVIEW_TEXT as REVIEW  # noqa: E402
from conftest import needs_review  # noqa: E402

BENCH = Path(__file__).parents[1] / "bench" / "extract" / "evaluate.py"


def one(text: str, kind: str = "text") -> Candidate:
    found = extract_text(text, kind=kind)
    assert len(found) == 1, found
    return found[0]


def conditions(c: Candidate) -> tuple:
    return (c.ce_percent, c.current_density_mA_cm2, c.areal_capacity_mAh_cm2, c.cycles)


# --- notations ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # unicode minus, superscripts, ASCII, slashes, caret, en dash, middle dot, μA, line break
        "Li||Cu cells show a CE of 99.2% at 1 mA cm−2 and 2 mAh cm−2 for 100 cycles.",
        "Li||Cu cells show a CE of 99.2% at 1 mA cm⁻² and 2 mAh cm⁻² for 100 cycles.",
        "Li||Cu cells show a CE of 99.2% at 1 mA cm-2 and 2 mAh cm-2 for 100 cycles.",
        "Li||Cu cells show a CE of 99.2% at 1 mA/cm2 and 2 mAh/cm2 for 100 cycles.",
        "Li||Cu cells show a CE of 99.2% at 1 mA cm^-2 and 2 mA h cm^-2 for 100 cycles.",
        "Li||Cu cells show a CE of 99.2% at 1 mA cm–2 and 2 mAh cm–2 for 100 cycles.",
        "Li||Cu cells show a CE of 99.2% at 1 mA·cm−2 and 2 mAh·cm−2 for 100 cycles.",
        "Li||Cu cells show a CE of 99.2 % at 1000 μA cm−2 and 2 mA h cm−2 for 100 cycles.",
        "Li‖Cu cells show a CE of 99.2% at 1 mA cm−2 and 2 mAh\ncm−2 for 100 cycles.",
        "Li||Cu cells show a CE of 99.2% at 1mA cm-2 and 2mAh cm-2 for 100 cycles.",
        # other SI prefixes, scaled by cedb.units (pint), not by hand
        "Li||Cu cells show a CE of 99.2% at 0.001 A cm−2 and 0.002 Ah cm−2 for 100 cycles.",
        "Li||Cu cells show a CE of 99.2% at 1000 µA cm-2 and 2000 µAh cm-2 for 100 cycles.",
        "Li||Cu cells show a CE of 99.2% at 1000 uA/cm2 and 2000 uAh/cm2 for 100 cycles.",
    ],
)
def test_unit_notations(text):
    c = one(text)
    assert conditions(c) == (99.2, 1, 2, 100)
    assert c.cell == "li-cu" and c.complete


def test_html_superscripts_and_entities():
    html = (
        "<p>Li||Cu cells show a CE of 99.2% at 1 mA cm<sup>&minus;2</sup> and 2 mAh cm<sup>-2</sup> for 100 cycles.</p>"
    )
    assert conditions(one(html, kind="html")) == (99.2, 1, 2, 100)


def test_lost_superscripts_are_read_and_flagged():
    c = one("The composite anode keeps a CE of 99.2% for 200 cycles at 1 mA cm and 3 mAh cm in carbonate.")
    assert conditions(c) == (99.2, 1, 3, 200)
    assert "lost superscript" in c.reason and c.confidence < 0.9


def test_pdf_hyphenation_and_line_breaks():
    text = (
        "the Cu-\nNi foam shows an aver-\nage CE of 99.0% at a cur-\nrent density of 2 mA\ncm−2 "
        "and a depo-\nsition capacity of 2 mAh cm−2."
    )
    c = one(text)
    assert conditions(c) == (99.0, 2, 2, None) and c.qualifier == "average"
    assert "Cu-Ni foam" in c.sentence and "deposition" in c.sentence


def test_blank_line_inside_a_sentence_does_not_split_it():
    text = (
        "As a result, the composite anode demonstrates\n\nan exceptional CE of 99.7% across 180 "
        "cycles at 1 mA cm−2 and 4 mAh\ncm−2."
    )
    assert conditions(one(text)) == (99.7, 1, 4, 180)


def test_glued_citation_after_the_unit():
    text = (
        "Guo et al. achieved a CE of about 99.0% over 90 cycles at 2 mA cm−2 and 4 mAh cm−2.98 "
        "However, carbon has a low affinity for Li.130,131"
    )
    c = one(text)
    assert conditions(c) == (99.0, 2, 4, 90) and c.qualifier == "about"
    assert c.sentence.endswith("4 mAh cm-2.")  # the citation 98 is not part of the sentence
    assert text[c.start : c.end] == c.sentence.replace("-", "−")


def test_more_than_cycles_and_thousands_separator():
    c = one("The anode runs for more than 450 cycles with a CE of 99.0% at 3 mA cm−2 and 4 mAh cm−2.")
    assert c.cycles == 450 and "lower bound" in c.reason
    assert (
        one("The Li||Cu cell ran for 1,000 cycles at 0.5 mA cm−2 and 0.5 mAh cm−2 with an average CE of 99.45%.").cycles
        == 1000
    )


def test_ce_as_a_fraction():
    c = one("The Li||Cu cell shows a CE of 0.995 at 0.5 mA cm−2 and 1 mAh cm−2.")
    assert c.ce_percent == pytest.approx(99.5) and "fraction" in c.reason


def test_range_reports_low_and_high():
    c = one("CEs of 97–99% were measured at 1 mA cm−2 and 1 mAh cm−2 over 100 cycles.")
    assert (c.ce_percent, c.ce_high_percent, c.qualifier) == (97, 99, "range")
    c = one("Across five electrolytes the average CE ranged from 96.5% to 98.9% at 0.5 mA cm−2 and 1 mAh cm−2.")
    assert (c.ce_percent, c.ce_high_percent, c.qualifier) == (96.5, 98.9, "average, range")


def test_plus_minus_and_shared_percent_sign():
    assert one("The CE of Li||Cu cells is 97.8 ± 0.2% at 0.5 mA cm−2 and 1 mAh cm−2.").ce_percent == 97.8
    found = extract_text("The CEs were 99.0, 98.5 and 97.2% for E1, E2 and E3 at 1 mA cm−2 and 1 mAh cm−2.")
    assert [conditions(c) for c in found] == [
        (99.0, 1, 1, None),
        (98.5, 1, 1, None),
        (97.2, 1, 1, None),
    ]


@pytest.mark.parametrize(
    ("text", "qualifier"),
    [
        ("an average CE of 99.4%", "average"),
        ("a mean Coulombic efficiency of 99.4%", "average"),
        ("a CE of up to 99.4%", "up to"),
        ("a CE as high as 99.4%", "up to"),
        ("a CE exceeding 99.4%", ">"),
        ("a CE of >99.4%", ">"),
        ("a CE of about 99.4%", "about"),
        ("a CE of ~99.4%", "about"),
        ("an average CE of up to 99.4%", "average, up to"),
        ("a 99.4% average CE", "average"),
        ("a CE of 99.4%", None),
    ],
)
def test_qualifiers(text, qualifier):
    c = one(f"The Li||Cu cell delivers {text} over 100 cycles at 1 mA cm−2 and 1 mAh cm−2.")
    assert (c.ce_percent, c.qualifier) == (99.4, qualifier)


@pytest.mark.parametrize(
    ("cell_text", "cell"),
    [
        ("Li||Cu", "li-cu"),
        ("Li|Cu", "li-cu"),
        ("Li-Cu", "li-cu"),
        ("Li|Cu half", "li-cu"),
        ("Li||Li symmetric", "li-li"),
        ("Li||NCM811 full", "full"),
        ("anode-free Cu||NCM811", "anode-free"),
        ("Cu||LiFePO4", "anode-free"),
    ],
)
def test_cell_types(cell_text, cell):
    c = one(f"The {cell_text} cells show an average CE of 99.1% over 100 cycles at 1 mA cm−2 and 1 mAh cm−2.")
    assert c.cell == cell


def test_method_hints():
    assert (
        one("Using the Aurbach protocol at 0.5 mA cm-2 and 1 mAh cm-2, the average CE is 99.5%.").method_hint
        == "aurbach"
    )
    assert (
        one("The reservoir method gives an average CE of 99.6% at 0.5 mA cm−2 and 1 mAh cm−2.").method_hint
        == "reservoir"
    )


def test_reservoir_capacity_is_not_the_cycled_capacity():
    c = one(
        "The reservoir method (10 cycles at 0.5 mA h cm−2, reservoir 5 mA h cm−2) yields an "
        "average CE of 99.6% at 0.5 mA cm−2."
    )
    assert conditions(c) == (99.6, 0.5, 0.5, 10)


# --- several results in one sentence --------------------------------------------


def test_two_results_with_their_own_conditions():
    text = (
        "This composite Li metal maintains a high CE of 99.4% over 150 cycles at a current "
        "density of 1 mA cm−2 "
        "and a deposition capacity of 4 mAh cm−2, and an even higher CE of 99.6% over 200 "
        "cycles at a current "
        "density of 2 mA cm−2 and a deposition capacity of 3 mAh cm−2."
    )
    assert [conditions(c) for c in extract_text(text)] == [(99.4, 1, 4, 150), (99.6, 2, 3, 200)]


def test_bare_percent_list_after_a_ce_word():
    text = (
        "The host shows CEs of 99.4 % over 150 cycles at 1 mA cm⁻² and 4 mAh cm⁻², and 99.6 % "
        "over 200 cycles at 2 mA cm⁻² and 3 mAh cm⁻²."
    )
    assert [conditions(c) for c in extract_text(text)] == [(99.4, 1, 4, 150), (99.6, 2, 3, 200)]


def test_respectively_pairs_values_in_order():
    text = (
        "Average CEs of 99.2% and 98.7% were obtained at 0.5 and 2 mA cm−2, respectively, with a "
        "capacity of 1 mAh cm−2."
    )
    found = extract_text(text)
    assert [conditions(c) for c in found] == [(99.2, 0.5, 1, None), (98.7, 2, 1, None)]
    assert all(c.qualifier == "average" for c in found)


def test_opening_conditions_are_shared_and_clause_conditions_are_not():
    text = (
        "At 1 mA cm−2 and 1 mAh cm−2, the CE of bare Cu dropped to 91.3% within 80 cycles, "
        "whereas the coated Cu kept 98.9% for 300 cycles."
    )
    assert [conditions(c) for c in extract_text(text)] == [(91.3, 1, 1, 80), (98.9, 1, 1, 300)]
    text = (
        "In the LHCE, Li||Cu cells achieve an average CE of 99.3% at 0.5 mA cm−2 and 1 mAh cm−2, "
        "while at 3 mA cm−2 and 3 mAh cm−2 the average CE reaches 98.8%."
    )
    assert [conditions(c) for c in extract_text(text)] == [(99.3, 0.5, 1, None), (98.8, 3, 3, None)]


def test_conditions_of_another_cell_are_not_taken():
    text = (
        "Symmetric Li||Li cells cycle stably for 1000 h at 1 mA cm−2 and 1 mAh cm−2, and Li||Cu "
        "cells show an average CE of 99.2%."
    )
    c = one(text)
    assert conditions(c) == (99.2, None, None, None) and c.cell == "li-cu" and not c.complete


# --- what is not a result ---------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "The NCM811 cathode delivered an initial CE of 88.6% at 0.1 C.",
        "When the CE of the cathode is nearly 100% and the capacity retention is 80%, the cell lasts long.",
        "The graphite anode exhibits a CE of 99.95% over 1000 cycles at 1 mA cm−2 and 2 mAh cm−2.",
        "The silicon anode shows an average CE of 99.6% after formation at 0.5 mA cm−2.",
        "Zn||Cu cells deliver an average CE of 99.8% over 1,000 cycles at 1 mA cm−2 and 1 mAh cm−2.",
        "Na||Cu cells showed an average CE of 99.9% at 1 mA cm−2 and 1 mAh cm−2.",
        "The Li||NCM811 full cell shows a first-cycle CE of 89.7%, which reflects the anode loss.",
        "The initial CE of the Li||Cu cell was 96.2% because of SEI formation.",
        "The Li||LFP cell retains 92.4% of its initial capacity after 500 cycles at 1 C.",
        "The Li||NCM523 cell achieves 625 cycles based on 80% capacity retention.",
        "The electrolyte shows a Li+ transference number of 0.72 and an ionic conductivity of 3.1 mS cm−1.",
        "Adding 5% FEC and 2 wt% LiNO3 to the carbonate electrolyte forms a LiF-rich SEI.",
        "The addition of 10 vol% FEC makes Li deposition uniform.",
        "A CE exceeding 99.99% is required for a Li metal anode to survive 1000 cycles.",
        "However, it is essential to strive for a CE exceeding 99.99% under practical conditions.",
        "An anode-free Li metal battery with a CE of 99.00% endures for 22 cycles.",
        "Conversely, a battery with a CE of 99.99% can achieve up to 2231 cycles, as illustrated in Fig. 1b.",
        "Assuming a cathode CE of 100%, an anode with an average CE of 99.5% would reach 80% "
        "retention after 40 cycles.",
        "To compete with graphite, Li metal anodes must reach a CE of at least 99.9% at 3 mA cm−2 and 3 mAh cm−2.",
        "Upon surpassing a threshold of 95% CE, the deposition morphology becomes uniform.",
        "After years of refinement, Li metal anodes have achieved an impressive CE of 99.9% under mild conditions.",
        "To date, researchers have prepared Li metal anodes achieving CEs that surpass 99.0% and even approach 99.9%.",
        "Fig. 5 Advances in high-CE (>99.0%) Li metal anodes under practical conditions.",
        "For Li metal anodes with a CE of up to 99.9% or even 99.99%, this level of accuracy is inadequate.",
        "Conventional carbonate electrolytes deliver average CEs of only 80–90% for Li metal.",
        "Li||Cu cells with 20% excess Li were assembled to evaluate the CE.",
    ],
)
def test_not_a_result(text):
    assert extract_text(text) == []


def test_additive_percentage_next_to_a_result():
    c = one("With 5% FEC, Li||Cu cells achieved an average CE of 98.1% over 200 cycles at 0.5 mA cm−2 and 1 mAh cm−2.")
    assert conditions(c) == (98.1, 0.5, 1, 200)


def test_capacity_retention_next_to_a_result():
    c = one("Li||NCM811 cells retained 85% of their capacity after 300 cycles with an average CE of 99.9%.")
    assert (c.ce_percent, c.cycles, c.cell, c.complete) == (99.9, 300, "full", False)
    assert "cathode" in c.reason


def test_ce_without_conditions_is_incomplete_and_never_invented():
    c = one(
        "The optimized electrolyte enables a Coulombic efficiency (CE) of 99.4% for Li metal plating and stripping."
    )
    assert conditions(c) == (99.4, None, None, None)
    assert not c.complete and c.cell is None
    assert c.confidence <= 0.5 and "no conditions" in c.reason


def test_complete_needs_current_and_capacity_not_cycles():
    c = one("The Li|Cu cells exhibited an average CE of 99.4% at 1 mA cm−2 and 5 mAh cm−2.")
    assert c.complete and c.cycles is None
    c = one("At 2 mA cm−2, the Li||Cu cell shows a CE of 98.2% over 100 cycles.")
    assert not c.complete and "incomplete" in c.reason


@needs_review
def test_every_candidate_has_a_confidence_and_a_reason():
    for c in extract_file(REVIEW):
        assert 0 < c.confidence <= 1 and c.reason
    keys = {f.name for f in dataclasses.fields(Candidate)}
    assert keys == {
        "ce_percent", "ce_high_percent", "qualifier", "current_density_mA_cm2",
        "areal_capacity_mAh_cm2", "cycles", "cell", "method_hint", "complete", "confidence",
        "reason", "sentence", "start", "end", "electrolyte", "host", "quote",
    }  # fmt: skip


# --- offsets ---------------------------------------------------------------------


@needs_review
def test_review_offsets_point_at_the_sentence():
    source = REVIEW.read_text(encoding="utf-8")
    found = extract_file(REVIEW)
    assert len(found) == 11
    for c in found:
        piece = source[c.start : c.end]
        assert re.search(rf"{c.ce_percent:g}(?:\.0+)?\s*%", piece)
        assert " ".join(piece.split())[:15] == c.sentence[:15]
    rcf = next(c for c in found if c.ce_percent == 99.7)
    assert conditions(rcf) == (99.7, 1, 4, 180)
    assert source[rcf.start : rcf.end].startswith("As a result, the\ncomposite Li anode")


@pytest.mark.parametrize("name", ["paper.txt", "paper.md", "paper.html", "paper.pdf"])
def test_files_by_suffix(name):
    path = FIXTURES / name
    source, _ = read_source(path)
    found = extract_file(path)
    assert len(found) == 1
    c = found[0]
    assert c.cell == "li-cu" and c.qualifier == "average" and c.complete
    assert str(c.ce_percent) in source[c.start : c.end]
    if name == "paper.html":
        assert "<sup>&minus;2</sup>" in source[c.start : c.end]  # offsets index the raw HTML


def test_file_errors(tmp_path):
    with pytest.raises(NotFound):
        extract_file(tmp_path / "missing.txt")
    with pytest.raises(InvalidValue):
        extract_file(tmp_path / "paper.docx")
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"not a pdf")
    with pytest.raises(InvalidValue):
        extract_file(broken)


def test_mapped_text_sub_maps_back():
    text = MappedText.identity("a depo-\nsition of 4 mAh cm−2")
    joined = text.sub(r"-\n", "").sub("−", "-")
    assert joined.text == "a deposition of 4 mAh cm-2"
    start = joined.text.index("deposition")
    assert joined.source_span(start, start + len("deposition")) == (2, 2 + len("depo-\nsition"))


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet="ab CE%.-−⁻²\n<>/sup1234567890", max_size=80),
    st.sampled_from(["text", "markdown", "html"]),
)
def test_prepare_offsets_stay_in_order_and_in_range(source, kind):
    mapped = prepare(source, kind)
    spans = [mapped.source_span(i, i + 1) for i in range(len(mapped.text))]
    for i, (start, end) in enumerate(spans):
        assert 0 <= start < end <= len(source)
        if i:
            assert start >= spans[i - 1][0] and end >= spans[i - 1][1]
        if end - start == 1 and mapped.text[i] in "abCEsup":
            assert source[start] == mapped.text[i]
    for a, b in split_sentences(mapped.text):
        s, e = mapped.source_span(a, b)
        assert 0 <= s < e <= len(source)


# --- compare -----------------------------------------------------------------------


def test_compare_known_conflict_new():
    found = extract_text(
        "The host shows CEs of 99.4 % over 150 cycles at 1 mA cm⁻² and 4 mAh cm⁻², and 99.6 "
        "% over 200 cycles "
        "at 2 mA cm⁻² and 3 mAh cm⁻². Li||Cu cells give an average CE of 98.0% at 5 mA cm−2 "
        "and 5 mAh cm−2."
    )
    existing = [
        {
            "id": 7,
            "paper": "x",
            "current_density_mA_cm2": 1.0,
            "areal_capacity_mAh_cm2": 4.0,
            "cycles": 150,
            "ce_percent": 99.43,
        },
        {
            "id": 8,
            "paper": "x",
            "current_density_mA_cm2": 2.0,
            "areal_capacity_mAh_cm2": 3.0,
            "cycles": 200,
            "ce_percent": 99.2,
        },
        {
            "id": 9,
            "paper": "y",
            "current_density_mA_cm2": 5.0,
            "areal_capacity_mAh_cm2": 5.0,
            "cycles": None,
            "ce_percent": 98.0,
        },
    ]
    report = compare(found, existing, paper="x")
    assert [(r.status, r.existing_id) for r in report] == [
        ("known", 7),
        ("conflict", 8),
        ("new", None),
    ]
    assert report[1].existing_ce_percent == 99.2
    assert compare(found, existing)[2].status == "known"  # no paper filter: row 9 matches
    assert report[1].to_dict()["status"] == "conflict"


def test_compare_needs_same_cycles_when_both_state_them():
    c = one("Li||Cu cells give an average CE of 98.0% over 100 cycles at 5 mA cm−2 and 5 mAh cm−2.")
    row = {
        "id": 1,
        "paper": "p",
        "current_density_mA_cm2": 5,
        "areal_capacity_mAh_cm2": 5,
        "cycles": 300,
        "ce_percent": 98.0,
    }
    assert compare([c], [row])[0].status == "new"
    assert compare([c], [{**row, "cycles": None}])[0].status == "known"
    assert compare([c], [{**row, "ce_percent": 98.06}])[0].status == "new"  # other cycles: new
    assert compare([c], [{**row, "cycles": 100, "ce_percent": 98.06}])[0].status == "conflict"


# --- the bench ---------------------------------------------------------------------


@needs_review
def test_bench_meets_the_targets():
    spec = importlib.util.spec_from_file_location("extract_bench", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    report = bench.evaluate(REVIEW)
    assert report["passed"], "\n".join(report["errors"])
    for scores in report["scores"].values():
        assert scores["precision"] >= 0.95
        for field in bench.FIELDS:
            assert scores[field] >= 0.95, field
    assert report["scores"]["review"]["labels"] == 11
    assert report["scores"]["abstracts"]["labels"] >= 40


# --- robustness ---------------------------------------------------------------------


def test_unknown_kind_is_a_user_error():
    with pytest.raises(InvalidValue):
        extract_text("a CE of 99%", kind="docx")


def test_long_runs_of_numbers_stay_fast():
    import time

    numbers = ", ".join(str(i) for i in range(3000))
    started = time.perf_counter()
    extract_text(f"The CE values were {numbers} units, at {numbers} mA cm-2.")
    assert time.perf_counter() - started < 2


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "Li||Cu",
                "CE",
                "of",
                "99.5%",
                "97–99%",
                "0.995",
                "at",
                "1",
                "mA cm−2",
                "mAh cm-2",
                "and",
                ",",
                ".",
                "cycles",
                "1,000",
                "cathode",
                "average",
                "up to",
                "\n",
                "-\n",
                "5%",
                "FEC",
                "required",
                "<sup>-2</sup>",
                "respectively",
            ]
        ),
        max_size=60,
    )
)
def test_any_word_soup_gives_well_formed_candidates(words):
    text = " ".join(words)
    for c in extract_text(text):
        assert 0 <= c.start < c.end <= len(text)
        assert 40 <= c.ce_percent <= 100 and 0 < c.confidence <= 1 and c.reason
        assert c.complete == (c.current_density_mA_cm2 is not None and c.areal_capacity_mAh_cm2 is not None)


# --- drafts -------------------------------------------------------------------------


def test_drafts_map_the_vocabulary(tmp_path):
    from cedb import curation
    from cedb.extract.drafts import draft_document, statistic, write_drafts

    assert [statistic(q) for q in ("average, up to", "up to", ">", "about", None)] == [
        "average", "maximum", "exceeding", None, None,
    ]  # fmt: skip
    found = extract_text(
        "The reservoir method gives an average CE of 99.6% at 0.5 mA cm−2 and 1 mAh cm−2. "
        "The reservoir method gives an average CE of 99.6% at 0.5 mA cm−2 and 1 mAh cm−2. "
        "CEs of 97–99% were measured."
    )
    document = draft_document(found, paper="x2025", where="x.txt")
    first, second = document["measurements"]  # the repeated result appears once
    assert first["method"] == "aurbach" and first["statistic"] == "average"
    assert first["location"].startswith("x.txt, characters 0-")
    # a range is drafted as its upper end, never a midpoint; both ends are in the note
    assert (second["ce_percent"], second["statistic"]) == (99, "maximum")
    assert "range, 97-99 %" in second["note"] and "current_density_mA_cm2" not in second
    path = write_drafts(found, paper="x2025", directory=tmp_path)
    assert curation.check([path]).problems == []
    with pytest.raises(InvalidValue):
        write_drafts(found, paper="x2025", directory=tmp_path)
    with pytest.raises(InvalidValue):
        draft_document(found, paper=" ")


# --- issue #13: classes of language, each with several phrasings ----------------------


def results(text: str, kind: str = "text") -> list[tuple]:
    return [
        (c.ce_percent, c.current_density_mA_cm2, c.areal_capacity_mAh_cm2, c.cycles)
        for c in extract_text(text, kind=kind)
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The Li plating/stripping delivers average CEs (99.7% and 99.5% under 1.0 mA cm−2, "
            "3.0 mAh cm−2 and 3.0 mA cm−2, 3.0 mAh cm−2, respectively).",
            [(99.7, 1.0, 3.0, None), (99.5, 3.0, 3.0, None)],
        ),
        (
            "Li||Cu cells reach CEs of 98.9% and 99.4% at 0.5 mA cm-2 with 1 mAh cm-2 and at "
            "2 mA cm-2 with 4 mAh cm-2, respectively.",
            [(98.9, 0.5, 1, None), (99.4, 2, 4, None)],
        ),
        (
            "Li||Cu cells give CEs of 97.5%, 98.6% and 99.0% at 1, 2 and 3 mA cm−2 with 1 mAh cm−2, respectively.",
            [(97.5, 1, 1, None), (98.6, 2, 1, None), (99.0, 3, 1, None)],
        ),
    ],
)
def test_respectively_pairs_values_with_condition_groups_in_order(text, expected):
    assert results(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The Li metal electrodes are deeply cycled at high capacities of 10 and 20 mAh cm−2"
            " with "
            "an average CE >98% at 1 mA cm−2.",
            [(98.0, 1, 10, None), (98.0, 1, 20, None)],
        ),
        (
            "The Cu@Ag host gives a CE of 99.0% at 0.5, 1 and 2 mA cm−2 with 1 mAh cm−2.",
            [(99.0, 0.5, 1, None), (99.0, 1, 1, None), (99.0, 2, 1, None)],
        ),
    ],
)
def test_one_result_per_listed_condition(text, expected):
    assert results(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a comparison names another system's conditions
        (
            "The Li||Cu cell keeps a CE of 99.1% for 300 cycles at 1 mA cm−2, far longer than bare Cu (100 cycles).",
            (99.1, 1, None, 300),
        ),
        (
            "The electrolyte gives an average CE of 99.3% at 1 mA cm-2 and 1 mAh cm-2, "
            "outperforming the baseline (120 cycles at 0.5 mA cm-2).",
            (99.3, 1, 1, None),
        ),
        (
            "Li|PEO|Cu cells run 1400 cycles with a CE of ≈99.2%, which is seven times longer than "
            "that of Li|PP|Cu cells at 0.5 mA cm−2.",
            (99.2, None, None, 1400),
        ),
        # a preliminary step's current is not the cycling current
        (
            "Li||Cu cells show a CE of 98.8% after two formation cycles at 0.1 mA cm-2,"
            " followed by "
            "100 cycles at 1 mA cm-2 and 1 mAh cm-2.",
            (98.8, 1, 1, 100),
        ),
        (
            "The half cells present a CE as high as 97.8% after 1 min of activation at 3 mA cm−2 "
            "follow by 10 cycles at a stripping current of 0.5 mA cm−2.",
            (97.8, 0.5, None, 10),
        ),
        # a capacity-retention clause of another cell
        (
            "The Li|LNFP|LFP cell shows 500 cycles with a 99.3% CE, and the Li|LNFP|NCM811 cell "
            "maintains 80% capacity retention after 170 cycles.",
            (99.3, None, None, 500),
        ),
        (
            "Li||Cu cells reach a CE of 99.5% over 200 cycles; the full cell retains 85% of its "
            "capacity after 400 cycles.",
            (99.5, None, None, 200),
        ),
    ],
)
def test_conditions_stay_in_their_own_clause(text, expected):
    assert results(text) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        # another chemistry named earlier in the paragraph
        "Sodium metal anodes suffer from dendrites. Here a glyme electrolyte is used. High average "
        "CEs of 99.9% were achieved over 300 cycles at 0.5 mA cm−2.",
        "Aqueous zinc metal batteries are safe and cheap. The additive gives a CE of 99.7% over"
        " 1000 "
        "cycles at 1 mA cm−2 and 1 mAh cm−2.",
        "Potassium metal anodes are studied. The host reaches a CE of 99.1% at 0.5 mA cm−2.",
        "The magnesium plating and stripping is studied. The stabilised CE is 88 ± 1% at 0.5 mA cm−2.",
        # named in the sentence itself
        "Without LiNO3, a Coulombic efficiency of ∼99.5% for 500 cycles shows a suppressed shuttle effect.",
        "A lithium–sulfur battery exhibits an average CE of 99.6% over 2000 cycles.",
        "An average CE of 99.72% for 300 cycles is reached in Cu||Na cells.",
        "Under Li plating, an average CE of 99.8% for the HC anode over 250 cycles is retained.",
        "The dual-ion battery with graphite cathode shows a CE of 97.5% over 500 cycles at 1 mA cm−2.",
        "In the Li-O2 battery, the round-trip efficiency is 80% and the CE reaches 98%.",
        "Lithium–air cells with the redox mediator keep a CE of 97% over 100 cycles.",
        # a cathode named by its formula, or a capacity per gram with retention
        "The LiNi0.8Co0.1Mn0.1O2 electrode delivers 200 mAh g-1 with a CE of 99.6% at 1 C.",
        "The cells deliver 150 mAh g-1 at 0.5 C with a CE of 99.8% and 90% capacity retention after 500 cycles.",
    ],
)
def test_other_chemistries_are_not_li_metal(text):
    assert extract_text(text) == []


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        (
            "Sodium metal anodes suffer from dendrites.\n\nThe Li||Cu cell shows a CE of 99.0% at "
            "1 mA cm−2 and 1 mAh cm−2.",
            "li-cu",
        ),  # a new paragraph forgets the chemistry
        (
            "We study lithium metal anodes in sodium-free electrolytes. The CE reaches 99.2% at "
            "1 mA cm−2 and 1 mAh cm−2.",
            None,
        ),
        (
            "The Li||LFP full cell delivers 150 mAh g-1 at 0.5 C with a CE of 99.8% and 90% capacity "
            "retention after 500 cycles.",
            "full",
        ),
    ],
)
def test_li_metal_context_is_kept(text, cell):
    [c] = extract_text(text)
    assert c.cell == cell


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("The average CE increases from 97.1% to 99.0% at 1 mA cm-2 and 1 mAh cm-2.", [99.0]),
        ("The CE of the Li||Cu cells increases from 53.95% to 83.82% with the additive.", [83.82]),
        ("With the additive the Li||Cu CE improved from 96 % to 98.5 % over 100 cycles.", [98.5]),
        # policy: a comparator named with its own system and value is a result
        ("Li||Cu cells reach a CE of 99.9% compared to ~99.5% for the F4DEE electrolyte.", [99.9, 99.5]),
    ],
)
def test_only_the_end_of_an_improvement_is_a_result(text, kept):
    assert [c.ce_percent for c in extract_text(text)] == kept


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Li||Cu cells reach a CE of 99.1% at 1 mA cm-2 and 1 mAh cm-2, higher than the "
            "additive-free electrolyte (92.2%).",
            [(99.1, 1, 1, None), (92.2, None, None, None)],
        ),
        (
            "The average CE of Li||Cu cells is 98.9% at 0.5 mA cm-2, outperforming the carbonate "
            "electrolyte (95.1%, 100 cycles).",
            [(98.9, 0.5, None, None), (95.1, None, None, 100)],
        ),
    ],
)
def test_a_comparator_keeps_its_own_conditions(text, expected):
    assert results(text) == expected


@pytest.mark.parametrize(
    ("text", "kind", "expected", "qualifier"),
    [
        ("Li||Cu cells show a CE of 99.83% at 0.5?mA?cm−2 and 1.0?mAh?cm−2.", "text", (99.83, 0.5, 1.0, None), None),
        # every thin space and the superscript minus lost as "?" (this round)
        (
            "Li||Cu cells show a CE of 99.2?% at 0.5?mA?cm?2 and 1?mAh?cm?2 over 200?cycles.",
            "text",
            (99.2, 0.5, 1, 200),
            None,
        ),
        (
            "Li||Cu cells keep an average CE of 98.7?% for 300?cycles at 2?mA?cm?2.",
            "text",
            (98.7, 2, None, 300),
            "average",
        ),
        (
            "In carbonate, a significantly high CE of $99.3% is reached at 1 mA cm-2 and 1 mAh cm-2.",
            "text",
            (99.3, 1, 1, None),
            "about",
        ),
        (
            "<p>Li||Cu cells with LiPF<sub>6</sub> show a CE of 99.1% at 1 mA cm<sup>−2</sup> and "
            "2 mAh cm<sup>&#8722;2</sup>.</p>",
            "html",
            (99.1, 1, 2, None),
            None,
        ),
        (
            "Li||Cu cells run 1400 cycles with an average CE of 98.2% at 10 mA cm–2.",
            "text",
            (98.2, 10, None, 1400),
            "average",
        ),
        (
            "The electrode enables an enhanced average Coulombic efficiency (CE) of 98.4% at 0.5 mA cm−2.",
            "text",
            (98.4, 0.5, None, None),
            "average",
        ),
        ("The Li||Cu cell cycles with an average of 99.1% CE at 1 mA cm−2.", "text", (99.1, 1, None, None), "average"),
    ],
)
def test_normalisation_and_qualifiers(text, kind, expected, qualifier):
    [c] = extract_text(text, kind=kind)
    assert conditions(c) == expected and c.qualifier == qualifier


def test_a_qualifier_before_a_second_value():
    first, second = extract_text("Li||Cu cells show CEs of 99.5% and ~99.3% at 1 mA cm−2.")
    assert (first.qualifier, second.qualifier) == (None, "about")
    first, second = extract_text("Li||Cu CEs of 99.4% and ≈99.1% are obtained.")
    assert second.qualifier == "about"


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ("The lithium-to-copper half cells show a CE of 97.8% at 0.5 mA cm−2.", "li-cu"),
        ("A copper|lithium cell cycles with an average CE of 98.4% at 4 mA cm−2.", "li-cu"),
        ("A lithium|copper cell cycles with an average CE of 98.4% at 4 mA cm−2.", "li-cu"),
        (
            "An average CE of 99.2% for 150 cycles is obtained with a plating capacity of 2 mAh cm−2 on copper foil.",
            "li-cu",
        ),
        ("The Li|LNFP50|Cu asymmetric cells hold a CE of 99.2% for 1400 cycles.", "li-cu"),
        ("The anode-free LiFePO4 full batteries keep an average CE of 99.4% over 250 cycles.", "anode-free"),
        ("The Li@Cu/LiFePO4 full cell exhibits a CE of 99.7% at 2 C for 500 cycles.", "full"),
        (
            "Although the cathode is Ni-rich, our lithium-metal battery delivers an average CE "
            ">99.65% over 100 cycles.",
            "full",
        ),
        ("The full battery with a thin Li anode delivers a CE of 99.5% over 100 cycles.", "full"),
    ],
)
def test_spelled_out_cells(text, cell):
    [c] = extract_text(text)
    assert c.cell == cell


@pytest.mark.parametrize(
    ("text", "electrolyte", "host"),
    [
        (
            "In 1 M LiPF6 in EC/DEC, the Cu@Ag host shows a CE of 98.5% at 1 mA cm-2 and 1 mAh cm-2.",
            "1 M LiPF6 in EC/DEC",
            "Cu@Ag host",
        ),
        (
            "We design a TEOF-based localized high-concentration electrolyte. Li||Cu cells show a "
            "CE of 99.1% at 0.5 mA cm-2 and 1 mAh cm-2.",
            "TEOF-based localized high-concentration electrolyte",
            None,
        ),
        (
            "The 3DM Cu/ZnO current collector gives a CE of 97.8% in 3 mol/kg ether-based electrolyte at 1 mA cm-2.",
            "3 mol/kg ether-based electrolyte",
            "3DM Cu/ZnO current collector",
        ),
        ("Li||Cu cells show a CE of 99.0% at 1 mA cm-2 and 1 mAh cm-2.", None, None),
    ],
)
def test_electrolyte_and_host_text(text, electrolyte, host):
    [c] = extract_text(text)
    assert (c.electrolyte, c.host) == (electrolyte, host)


def test_extraction_time_grows_linearly_with_the_text():
    import time

    paper = (REVIEW.read_text(encoding="utf-8")[:20000] if REVIEW.is_file() else "") + (
        "The Li||Cu cells show a CE of 99.1% at 1 mA cm-2 and 1 mAh cm-2. " * 100
    )
    # and a text without sentence stops, full of CE values
    flood = "CE of 99.1% and 1 mA cm-2 and 98.2% for 100 cycles and " * 150

    def seconds(text: str) -> float:
        # CPU time of this process: a test on the other pytest-xdist worker, or another process
        # on the machine, slows the wall clock of one measurement and not the other.
        start = time.process_time()
        extract_text(text)
        return time.process_time() - start

    for text in (paper, flood):
        small, large = seconds(text), seconds(text * 8)
        assert large < 20 * max(small, 1e-3), (small, large)  # linear: ~8x; quadratic: ~64x


# --- classes found on held-out batch 4 (after its held-out score was recorded) --------


@pytest.mark.parametrize(
    ("text", "cycles"),
    [
        ("The Li||Cu CE exceeds 97.0 % after 320 lithium plating/stripping cycles.", 320),
        ("Li||Cu cells keep a CE of 99.0% over 500 stable charge/discharge cycles.", 500),
        ("The Li||Cu CE stays at 98.1% for 150 Li deposition/stripping cycles.", 150),
    ],
)
def test_cycle_counts_with_words_before_cycles(text, cycles):
    [c] = extract_text(text)
    assert c.cycles == cycles


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("We report an electrolyte for lithium metal batteries with a high Li Coulombic efficiency (∼98.5%).", [98.5]),
        (
            "When the Ti3C2I2 serves as the host, the average CE exceeds 97.0 % in conventional ester electrolyte.",
            [97.0],
        ),
        ("Conventional carbonate electrolytes deliver average CEs of only 80–90% for Li metal.", []),
        ("Li metal anodes have achieved CEs of 99.9% under mild conditions.", []),
    ],
)
def test_field_summaries_and_own_work(text, found):
    assert [c.ce_percent for c in extract_text(text)] == found


@pytest.mark.parametrize(
    "text",
    [
        "Li deposition is stable at 50 °C. A lithium–sulfur battery exhibits an average CE of 100%.",
        "Li metal anodes are cycled at 1 C. The Li–S cell with polysulfides shows a CE of 98.9%.",
    ],
)
def test_a_unit_before_a_stop_ends_the_sentence(text):
    assert extract_text(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "The electrolyte gives a higher maximum Li||Cu Coulombic efficiency (CE) of 99.9%.",
        "Li||Cu cells reach a maximum CE of 99.6% at 0.5 mA cm−2.",
    ],
)
def test_maximum_before_the_ce_word(text):
    [c] = extract_text(text)
    assert c.qualifier == "up to"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Li||Cu cells reach a CE of 99.2% at 1 mA cm-2–1 mA h cm-2 for 300 cycles.", (99.2, 1, 1, 300)),
        ("The Li|Cu half cell gives an average CE of 98.7% (0.5 mA cm−2-2 mAh cm−2).", (98.7, 0.5, 2, None)),
    ],
)
def test_a_dash_joining_two_conditions_separates_them(text, expected):
    assert results(text) == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The electrolyte gives a CE of 99.3% in Li||Cu cells and a capacity retention of 80% "
            "after 500 cycles in Li||NCM811 full cells.",
            (99.3, None, None, None),
        ),
        (
            "A CE of 98.9% is reached in Li||Cu cells at 1 mA cm-2 and Li||LFP full cells run for 300 cycles.",
            (98.9, 1, None, None),
        ),
    ],
)
def test_and_starting_a_clause_about_another_cell_ends_the_clause(text, expected):
    assert results(text) == [expected]


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("The CE rises from 95.9 and 98.6% for bare Li and Li@C, to >99.3% with the host.", [99.3]),
        ("The average CE improves from 94.1%, 96.0% or 97.2%, to 99.1% in Li||Cu cells.", [99.1]),
    ],
)
def test_every_value_of_a_from_list_is_a_baseline(text, kept):
    assert [c.ce_percent for c in extract_text(text)] == kept


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "With this electrolyte, the CE of Li||Cu cells reached 98.9% and 99.2% after 100 and 200 "
            "cycles, respectively.",
            [(98.9, None, None, 100), (99.2, None, None, 200)],
        ),
        (
            "Li||Cu cells keep CEs of 99.0%, 98.6% and 97.9% over 100, 300 and 500 cycles, respectively, at 1 mA cm-2.",
            [(99.0, 1, None, 100), (98.6, 1, None, 300), (97.9, 1, None, 500)],
        ),
    ],
)
def test_respectively_pairs_cycle_lists(text, expected):
    assert results(text) == expected


def test_a_cycle_list_for_one_value_is_not_assigned():
    [c] = extract_text("The Li||Cu CE stays at 99.1% after 100 and 200 cycles at 1 mA cm-2.")
    assert c.cycles is None and c.current_density_mA_cm2 == 1


@pytest.mark.parametrize(
    "text",
    [
        "Potassium||Cu cells cycle with an average CE of 98.5% at 0.5 mA cm-2.",
        "The sodium-to-copper cell shows a CE of 99.6% over 400 cycles at 1 mA cm-2.",
        "In copper|zinc cells the average CE is 99.7% at 2 mA cm-2 and 1 mAh cm-2.",
    ],
)
def test_spelled_out_cells_of_other_metals_are_not_li_metal(text):
    assert extract_text(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "The CE of Li plating/stripping on Cu foil was 98.4 % at 1 mA cm-2 and 1 mAh cm-2.",
        "A CE of 99.2% is achieved for Li deposition on a Cu substrate at 0.5 mA cm−2.",
    ],
)
def test_plating_on_copper_is_a_li_cu_test(text):
    [c] = extract_text(text)
    assert c.cell == "li-cu"


@pytest.mark.parametrize(
    ("text", "electrolyte"),
    [
        (
            "A Li||Cu cell using 1 M LiPF6 in EC/DEC with 10 wt% FEC shows a CE of 97.6% at 0.5 mA cm-2.",
            "1 M LiPF6 in EC/DEC with 10 wt% FEC",
        ),
        (
            "Li||Cu cells with 1 M LiTFSI in DOL/DME + 2 wt% LiNO3 reach a CE of 98.8%.",
            "1 M LiTFSI in DOL/DME + 2 wt% LiNO3",
        ),
        # words that name no electrolyte
        ("Li||Cu cells reach a CE of 99.0%, in contrast to 90.1% for the bare electrolyte.", None),
        ("The CE of Li||Cu cells is 98.1% in the baseline electrolyte.", None),
    ],
)
def test_electrolyte_additives_and_unnamed_electrolytes(text, electrolyte):
    assert {c.electrolyte for c in extract_text(text)} == {electrolyte}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The Na||Cu cell achieves an average CE of 99.9%, and the Li||Cu cell 99.2% at 0.5 mA cm−2.",
            [(99.2, 0.5, None, None)],
        ),
        (
            "The zinc anode in the new electrolyte exhibits a CE of 99.5% over 1000 cycles at "
            "1 mA cm-2, whereas Li||Cu cells show 98.2%.",
            [(98.2, None, None, None)],
        ),
        (
            "Zn||Cu cells reach 99.8% at 2 mA cm-2, while Li||Cu cells reach a CE of 98.9% at 0.5 mA cm-2.",
            [(98.9, 0.5, None, None)],
        ),
    ],
)
def test_a_li_metal_clause_after_another_metal_keeps_its_own_conditions(text, expected):
    assert results(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "The CE for Li metal is greatly improved to 99.3% (from 96.5% for the control) under 1 mA cm-2/1 mAh cm-2.",
        "The Li||Cu CE rises to 99.3%, from 96.5% with the bare electrolyte.",
    ],
)
def test_to_y_from_x_keeps_only_y(text):
    assert [c.ce_percent for c in extract_text(text)] == [99.3]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Li||Cu cells with the 3D host show a CE of 99.1% at 0.5 mA cm−2, much higher than "
            "that of bare Cu (92.1%).",
            [(99.1, None, "3D host"), (92.1, None, None)],
        ),
        (
            "Li||Cu cells reach a CE of 99.0% compared to 95% for the carbonate electrolyte.",
            [(99.0, None, None), (95.0, "carbonate electrolyte", None)],
        ),
        (
            "The LHCE electrolyte gives Li||Cu cells a CE of 99.3%. The CE is 99.1% at 1 mA cm-2, "
            "higher than that of the Cu foil current collector (93%).",
            [
                (99.3, "LHCE electrolyte", None),
                (99.1, "LHCE electrolyte", None),
                (93.0, None, "Cu foil current collector"),
            ],
        ),
    ],
)
def test_a_comparator_has_its_own_electrolyte_and_host(text, expected):
    assert [(c.ce_percent, c.electrolyte, c.host) for c in extract_text(text)] == expected


@pytest.mark.parametrize(
    "text",
    [
        "Average CEs of Li||Cu cells reach 99.1% (0.5 mA cm−2, 1 mAh cm−2) and 98.5% (1 mA cm−2, 2 mAh cm−2).",
        "Li||Cu cells give an average CE of 99.1% (0.5 mA cm−2), 98.9% (1 mA cm−2) or 98.5% (2 mA cm−2).",
    ],
)
def test_average_carries_over_values_with_their_own_conditions(text):
    found = extract_text(text)
    assert len(found) >= 2 and all(c.qualifier == "average" for c in found)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Using Aurbach's protocol, the average CE was measured as 99.5% with 4.5 M LiFSI in DME, "
            "and 98.1% with 1 M LiFSI in DME.",
            ["4.5 M LiFSI in DME", "1 M LiFSI in DME"],
        ),
        (
            "In 1 M LiPF6 in EC/DEC the Li||Cu CE is 92.0%, while in 2 M LiFSI in DME it is 98.9%.",
            ["1 M LiPF6 in EC/DEC", "2 M LiFSI in DME"],
        ),
    ],
)
def test_each_value_takes_the_nearest_named_electrolyte(text, expected):
    assert [c.electrolyte for c in extract_text(text)] == expected


# Classes found on held-out batch 6 (issue #13), each as a language pattern with more than
# one phrasing.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The resulting GPE achieves 99.2% Coulombic efficiency (CE) in Cu||Li cells and enables "
            "4.5 V LiNi0.8Mn0.1Co0.1O2||Li to demonstrate 81% capacity retention after 140 cycles.",
            [(99.2, None, None, None)],
        ),
        (
            "The coating gives an average CE of 98.8% at 1 mA cm-2 and delivers 90% capacity "
            "retention after 300 cycles in Li||LFP cells.",
            [(98.8, 1.0, None, None)],
        ),
        (
            "Li||Cu cells show a CE of 99.0% and also maintain 85% of the capacity after 500 cycles.",
            [(99.0, None, None, None)],
        ),
    ],
)
def test_a_retention_clause_joined_by_and_with_its_own_verb_ends_the_ce_clause(text, expected):
    assert results(text) == expected


def test_and_without_a_verb_of_its_own_still_shares_the_conditions():
    text = "Li||Cu cells reach a CE of 99.1% at 1 mA cm-2 and 2 mAh cm-2 over 300 cycles."
    assert results(text) == [(99.1, 1.0, 2.0, 300)]


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ("The Cu@GPE|Li cell keeps a coulombic efficiency of 97.1% after 200 cycles.", "li-cu"),
        ("The Cu@PAN + PVDF||Li cell keeps a CE above 95% for 160 cycles.", "li-cu"),
        ("Cu@Ag/Li cells reach an average CE of 99.0%.", "li-cu"),
        ("The Cu@GPE|NMC cell keeps an average CE of 99.2% over 100 cycles.", "anode-free"),
    ],
)
def test_a_coated_cu_electrode_is_still_the_cu_side_of_the_cell(text, cell):
    assert [c.cell for c in extract_text(text)] == [cell]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The Li||Cu cell keeps a CE of 97.1% at 5 mA cm−2 after 200 cycles relative to the "
            "conventional GPE (90.1%) after 100 cycles.",
            [(97.1, 5.0, None, 200), (90.1, None, None, 100)],
        ),
        (
            "Li||Cu cells cycled at 2 mA cm-2 show a CE of 98.9% for 300 cycles, in comparison "
            "with 96.0% over 150 cycles for the bare separator.",
            [(98.9, 2.0, None, 300), (96.0, None, None, 150)],
        ),
    ],
)
def test_a_comparator_with_conditions_of_its_own_takes_no_others(text, expected):
    assert results(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "The DPE electrolyte delivers a CE of 99.7%, an improvement over DME at 98.3%. "
        "The CE measurement was obtained under standardized Li||Cu half-cell cycling conditions.",
        "CE values were measured in Li|Cu cells with the new additive. The additive raises the CE to 99.1%.",
    ],
)
def test_the_cell_of_the_ce_measurement_named_in_the_paragraph(text):
    assert {c.cell for c in extract_text(text)} == {"li-cu"}


def test_a_measurement_sentence_in_another_paragraph_gives_no_cell():
    text = "CE values were measured in Li|Cu cells.\n\nThe electrolyte gives a CE of 99.1%."
    assert [c.cell for c in extract_text(text)] == [None]


# --- workflow problems met while curating (issue #14) ---------------------------


def test_draft_quote_is_the_source_verbatim(tmp_path):
    """A draft's quote keeps the source's characters: the curation rules need it verbatim."""
    from cedb.extract.drafts import draft_document

    text = (
        "The electrolyte shows ionic conductivity of 3.0 × 10−4 S cm−1, and\n"
        "Li‖Cu cells reach an average CE of 99.1% at 0.5 mA cm⁻² and 1 mAh cm−2."
    )
    (c,) = extract_text(text)
    assert c.sentence != c.quote  # the normalised sentence rewrites "cm−2", "‖" and "⁻²"
    assert c.quote == " ".join(text.split())
    (m,) = draft_document([c], paper="x2025")["measurements"]
    assert m["quote"] in " ".join(text.split()) and "cm⁻² and 1 mAh cm−2" in m["quote"]
    # HTML: tags go, entities are decoded, the characters stay
    (h,) = extract_text("<p>Li||Cu cells show a CE of 99.2% at 1 mA cm<sup>&minus;2</sup>.</p>", kind="html")
    assert h.quote == "Li||Cu cells show a CE of 99.2% at 1 mA cm−2."


def test_a_critical_current_density_is_not_the_cycling_current():
    c = one(
        "The electrolyte enables the Li anode to reach a high coulombic efficiency of 99.1% "
        "and a critical current density of 3.7 mA cm−2."
    )
    assert conditions(c) == (99.1, None, None, None)
    # a current of its own clause is still taken
    c = one("Li||Cu cells reach a CE of 99.1% at 1 mA cm−2 (CCD of 3.7 mA cm−2).")
    assert c.current_density_mA_cm2 == 1


def test_stops_glued_to_the_next_word_end_sentences():
    """Abstract indexes print text with the spaces after stops lost: one result, one sentence."""
    text = (
        "Herein,the effect of electrostatic interaction is firstly proposed.This asdesigned "
        "electrolyte exhibits excellent compatibility with Li metal anode(a Li deposition/stripping "
        "Coulombic efficiency of 99.3%)and high-voltage LiCoO_(2) cathode.Consequently,the cells "
        "achieve improved cycling (see Fig.Three and e.g.Table S1)."
    )
    c = one(text)
    assert c.quote.startswith("This asdesigned") and c.quote.endswith("cathode.")
    assert [text[a:b][:4] for a, b in split_sentences(prepare(text, "text").text)] == [
        "Here", "This", "Cons",
    ]  # fmt: skip


# Classes the curators met running `cedb extract --to-curation` on real abstracts (issue #14
# workflow), each a language pattern with more than one phrasing.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The Li||Cu half cells achieved 95.9 and 98.6% CE in the control and the optimized electrolyte.",
            [95.9, 98.6],
        ),
        ("Li||Cu cells deliver 95.9% and 98.6% CE for the control and the optimized electrolyte.", [95.9, 98.6]),
        ("Li||Cu cells give 97.2, 98.1 and 98.6% average CEs for the three hosts.", [97.2, 98.1, 98.6]),
        ("The CEs of the Li||Cu cells are 95.9 and 98.6% for bare Cu and the coated Cu.", [95.9, 98.6]),
    ],
)
def test_every_value_of_a_list_with_one_percent_sign_is_found(text, expected):
    assert [c.ce_percent for c in extract_text(text)] == expected


def test_a_list_before_the_ce_word_keeps_its_qualifier_and_first_cycle_rejection():
    found = extract_text("Li||Cu cells give 97.2 and 98.6% average CEs over 100 cycles.")
    assert [(c.ce_percent, c.qualifier) for c in found] == [(97.2, "average"), (98.6, "average")]
    assert extract_text("The cells give 85.2 and 88.6% initial CEs.") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The Li||Cu cell reaches a CE of 99.3% in 1 M LiFSI in DME and 98.1% in 1 M LiPF6 in "
            "EC/DEC at 0.5 mA cm−2 and 1 mAh cm−2.",
            ["1 M LiFSI in DME", "1 M LiPF6 in EC/DEC"],
        ),
        (
            "The CE of Li||Cu cells is 99.3% in the LHCE and 97.5% in the carbonate electrolyte at "
            "0.5 mA cm−2 and 1 mAh cm−2.",
            ["LHCE", "carbonate electrolyte"],
        ),
        (
            "Li||Cu cells reach CEs of 99.1% with the fluorinated ether electrolyte and 96.2% with "
            "the conventional carbonate electrolyte.",
            ["fluorinated ether electrolyte", "carbonate electrolyte"],
        ),
        (
            "Using 1 M LiFSI in DME and 1 M LiPF6 in EC/DEC, Li||Cu cells show CEs of 99.3% and 96.5%, respectively.",
            ["1 M LiFSI in DME", "1 M LiPF6 in EC/DEC"],
        ),
    ],
)
def test_two_electrolytes_in_one_sentence_stay_apart(text, expected):
    assert [c.electrolyte for c in extract_text(text)] == expected


def test_a_dual_salt_electrolyte_stays_one_electrolyte():
    text = "In 1 M LiTFSI and 0.5 M LiNO3 in DOL/DME, Li||Cu cells reach a CE of 99.1%."
    assert [c.electrolyte for c in extract_text(text)] == ["1 M LiTFSI and 0.5 M LiNO3 in DOL/DME"]


def test_one_draft_strategy_per_electrolyte():
    from cedb.extract.drafts import draft_document

    text = (
        "The Li||Cu cell reaches a CE of 99.3% in 1 M LiFSI in DME and 98.1% in 1 M LiPF6 in "
        "EC/DEC at 0.5 mA cm−2 and 1 mAh cm−2."
    )
    document = draft_document(extract_text(text), paper="two2025")
    labels = [s["label"] for s in document["strategies"]]
    assert labels == ["1 M LiFSI in DME", "1 M LiPF6 in EC/DEC"]
    assert [(m["strategy"], m["ce_percent"]) for m in document["measurements"]] == [
        ("1 M LiFSI in DME", 99.3),
        ("1 M LiPF6 in EC/DEC", 98.1),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # (CE, cell, current, capacity, cycles) per result
        (
            "Li||Cu cells show a CE of 99.2% at 0.5 mA cm−2 and 1 mAh cm−2, enabling a Li||LFP full "
            "cell with an average CE of 99.8%.",
            [(99.2, "li-cu", 0.5, 1.0, None), (99.8, "full", None, None, None)],
        ),
        (
            "The average CE is 99.9% in Li||NCM811 full cells and 99.3% in Li||Cu cells at 1 mA cm−2 and 1 mAh cm−2.",
            [(99.9, "full", None, None, None), (99.3, "li-cu", 1.0, 1.0, None)],
        ),
        (
            "The Li||Cu cells show a CE of 99.3% at 1 mA cm−2 and 1 mAh cm−2 and the Li||LFP full "
            "cells a CE of 99.9% with 2.5 mAh cm−2 cathodes.",
            [(99.3, "li-cu", 1.0, 1.0, None), (99.9, "full", None, 2.5, None)],
        ),
        (
            "A Li||NMC622 full cell with a 3.5 mAh cm−2 cathode delivers an average CE of 99.8% over "
            "150 cycles, while Li||Cu cells reach an average CE of 99.1%.",
            [(99.8, "full", None, 3.5, 150), (99.1, "li-cu", None, None, None)],
        ),
    ],
)
def test_full_cell_and_li_cu_results_keep_their_own_cell_and_conditions(text, expected):
    assert [
        (c.ce_percent, c.cell, c.current_density_mA_cm2, c.areal_capacity_mAh_cm2, c.cycles) for c in extract_text(text)
    ] == expected


# Classes found on held-out batch 8 (issue #13), each a pattern with more than one phrasing.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "While the efficiency of PEO-based SPEs still falls short of the efficiency benchmark set "
            "by liquid electrolytes, we demonstrated >95% CE in Li|SPE|Cu cells.",
            [95.0],
        ),
        (
            "Although a CE above 99.9% is required for practical cells, our Li||Cu cells reach a CE "
            "of 99.5% at 1 mA cm−2 and 1 mAh cm−2.",
            [99.5],
        ),
        ("Although our Li||Cu cells reach a CE of 99.5%, a CE of 99.9% is still required.", [99.5]),
    ],
)
def test_a_target_word_counts_only_in_its_own_concessive_clause(text, expected):
    assert [c.ce_percent for c in extract_text(text)] == expected


@pytest.mark.parametrize(
    "text",
    [
        "Presaturating the electrolyte improves the Li plating/stripping Coulombic efficiency from "
        "90.5% (bare Cu in commercial electrolyte) to 96.1% at 0.5 mA cm–2 and 1 mAh cm–2.",
        "The coated electrode keeps a Li plating/stripping CE of 98.7%, compared with 93.0% for a bare copper foil.",
        "Lithium deposition on the coated foil gives a CE of 98.9%, against 94.2% on bare Cu.",
    ],
)
def test_a_bare_cu_electrode_makes_a_li_cu_test(text):
    assert {c.cell for c in extract_text(text)} == {"li-cu"}


@pytest.mark.parametrize(
    "text",
    [
        # no Li plating named: the text names no cell and none is made up (abstract-33)
        "At 1 mA cm−2 and 1 mAh cm−2, the CE of the bare Cu electrode dropped to 91.3% within 80 "
        "cycles, whereas the Cu3N-coated electrode kept 98.9% for 300 cycles.",
        "The CE of bare copper foil fades to 90.2% after 100 cycles, while the coated foil keeps 98.5%.",
    ],
)
def test_bare_cu_without_plating_names_no_cell(text):
    assert {c.cell for c in extract_text(text)} == {None}


def test_bare_cu_against_a_cathode_stays_anode_free():
    found = extract_text("The bare Cu||NCM811 cell keeps an average CE of 98.1% over 100 cycles.")
    assert [c.cell for c in found] == ["anode-free"]


# --- Point 7 of issue #13: the electrolyte and host words of each result (this round) --------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a leading concessive or comparison clause names another electrolyte than the value's
        (
            "While the PEO-based SPE falls short of the benchmark set by liquid carbonate electrolytes, "
            "we demonstrate a CE of 98.5% with the LiFSI-based gel electrolyte in Li||Cu cells.",
            "LiFSI-based gel electrolyte",
        ),
        (
            "Although ether electrolytes are unstable at high voltage, Li||Cu cells in the fluorinated "
            "sulfonamide electrolyte show a CE of 99.3% at 1 mA cm-2 and 1 mAh cm-2.",
            "fluorinated sulfonamide electrolyte",
        ),
        (
            "Compared with the conventional carbonate electrolyte, Li||Cu cells in the localized "
            "high-concentration electrolyte show a CE of 99.3%.",
            "localized high-concentration electrolyte",
        ),
        # citation markers are not part of the name; the words after them still are
        (
            "Li||Cu cells in 1.5 M LiFSI [2] in DME give a CE of 99.2% at 1 mA cm-2 and 1 mAh cm-2.",
            "1.5 M LiFSI in DME",
        ),
        ("Li||Cu cells in 1 M LiPF6 in EC/DEC [12,13] give a CE of 97.2%.", "1 M LiPF6 in EC/DEC"),
        # a bracket closed but not opened in the name ends it
        ("The F5DEE-based electrolyte (1.2 M LiFSI) achieves a CE of 99.9% in Li||Cu cells.", "1.2 M LiFSI"),
        ("The cells (with 2 M LiFSI in DME) reach a CE of 99.4% in Li||Cu cells.", "2 M LiFSI in DME"),
        # "via", "over": a preposition is no part of a name
        (
            "We design a Li+ solvation structure via electrolyte engineering, and Li||Cu cells give a CE of 99.5%.",
            None,
        ),
        (
            "The DPE electrolyte gives a CE of 99.7% in Li||Cu cells, an improvement over the DME-based electrolyte.",
            "DPE electrolyte",
        ),
    ],
)
def test_electrolyte_words_are_the_values_own_and_clean(text, expected):
    assert [c.electrolyte for c in extract_text(text)] == [expected]


def _labelled_items() -> list[dict]:
    import json

    bench = Path(__file__).resolve().parents[1] / "bench" / "extract"
    items = []
    for path in sorted(bench.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            item = json.loads(line) if line.strip() else {}
            if "text" in item:
                items.append({**item, "set": path.stem})
    return items


def test_every_labelled_text_gives_drafts_that_pass_the_check(tmp_path):
    # Issue #13: "Drafts must always pass curate check", as a property over every labelled
    # text of bench/extract (the abstract set and each held-out batch). Their electrolyte and
    # host words have balanced brackets, no citation markers and no leading preposition.
    import yaml

    from cedb import curation
    from cedb.extract.drafts import write_drafts

    items = _labelled_items()
    assert len(items) > 150
    strategies = 0
    for item in items:
        candidates = extract_text(item["text"], kind=item.get("kind", "text"))
        if not candidates:
            continue
        key = re.sub(r"[^a-z0-9]+", "-", f"{item['set']}-{item['id']}".lower())
        path = write_drafts(candidates, paper=key, directory=tmp_path, location="abstract")
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for strategy in document.get("strategies", []):
            for field in ("electrolyte", "host"):
                words = strategy.get(field)
                if words is None:
                    continue
                strategies += 1
                assert words.count("(") == words.count(")") and words.count("[") == words.count("]"), words
                assert not re.search(r"\[\d+(?:\s*[,–-]\s*\d+)*\]", words), words
                assert not re.match(r"(?i)(?:over|via|than|versus|of|in|with)\b", words), words
    report = curation.check([tmp_path])
    assert report.problems == [], [str(p) for p in report.problems[:5]]
    assert report.files > 100 and strategies > 40


# --- Classes found by probing new phrasings (this round, no batch involved) -----------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # an areal-capacity condition between two values does not end the list of CEs
        (
            "The Li||Cu cell shows a Coulombic efficiency of 97.5% at a high current density of "
            "5 mA cm^-2 and a deposition capacity of 5 mAh cm^-2, and even 96% at 10 mA cm^-2.",
            [(97.5, 5, 5), (96.0, 10, None)],
        ),
        (
            "Li||Cu cells give a CE of 99.1% at 0.5 mA cm−2 with a plating capacity of 1 mAh cm−2, "
            "and 98.4% at 2 mA cm−2.",
            [(99.1, 0.5, 1), (98.4, 2, None)],
        ),
    ],
)
def test_an_areal_capacity_condition_does_not_end_a_list_of_ces(text, expected):
    assert [c[:3] for c in map(conditions, extract_text(text))] == expected


@pytest.mark.parametrize(
    "text",
    [
        # a capacity figure or retention still ends it: 90% is no CE
        "Li||Cu cells give a CE of 99.1% and a discharge capacity of 150 mAh g−1, and 90% after 200 cycles.",
        "Li||Cu cells give a CE of 99.1%, and a capacity retention of 90% after 200 cycles.",
    ],
)
def test_a_capacity_figure_still_ends_a_list_of_ces(text):
    assert [c.ce_percent for c in extract_text(text)] == [99.1]


@pytest.mark.parametrize(
    "text",
    [
        "A high Coulombic efficiency of 99.3% is achieved for Li deposition on Cu at 2 mA cm–2 for 2 mAh cm–2.",
        "Lithium plating on copper at 1 mA cm-2 and 1 mAh cm-2 proceeds with a CE of 98.9%.",
        "Li plating on Cu foam gives a CE of 98.1% at 1 mA cm-2.",
    ],
)
def test_li_plated_on_cu_without_a_foil_word_is_a_li_cu_test(text):
    assert [c.cell for c in extract_text(text)] == ["li-cu"]


def test_li_plated_on_a_coated_cu_names_no_cell_kind_of_its_own():
    assert [c.cell for c in extract_text("Li plating on Cu-coated carbon gives a CE of 98.9%.")] == [None]


@pytest.mark.parametrize(
    "text",
    [
        "The Li//Cu cell shows a CE of 99.2% at 0.5 mA cm−2 and 1 mAh cm−2.",
        "Li // Cu cells keep a CE of 98.1% for 100 cycles.",
    ],
)
def test_a_double_slash_cell_is_li_cu(text):
    assert [c.cell for c in extract_text(text)] == ["li-cu"]


@pytest.mark.parametrize(
    "text",
    [
        "The CE of the Li|electrolyte|Cu cell is 99.2% at 0.5 mA cm−2.",
        "Li/electrolyte/Cu cells give a CE of 98.8%.",
    ],
)
def test_the_electrolyte_of_a_cell_notation_is_no_electrolyte_name(text):
    assert [c.electrolyte for c in extract_text(text)] == [None]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # n coordinated values, then a list of n conditions: paired in order without "respectively"
        (
            "The Li||Cu cell shows an average CE of 99.1% and 98.9% at 1 and 2 mA cm−2.",
            [(99.1, 1, None, None), (98.9, 2, None, None)],
        ),
        (
            "Li||Cu cells reach CEs of 99.4%, 99.0% and 98.1% at 0.5, 1 and 3 mA cm−2 with 1 mAh cm−2.",
            [(99.4, 0.5, 1, None), (99.0, 1, 1, None), (98.1, 3, 1, None)],
        ),
        (
            "CEs of ~99.2% and ~98.6% are obtained at 1 and 4 mAh cm-2 in Li||Cu cells at 1 mA cm-2.",
            [(99.2, 1, 1, None), (98.6, 1, 4, None)],
        ),
    ],
)
def test_coordinated_values_pair_with_a_list_of_as_many_conditions(text, expected):
    assert [conditions(c) for c in extract_text(text)] == expected


def test_one_value_with_a_list_still_gives_one_result_per_condition():
    found = extract_text("Li||Cu cells keep a CE of 99.0% at both 1 and 2 mA cm−2 with 1 mAh cm−2.")
    assert [conditions(c) for c in found] == [(99.0, 1, 1, None), (99.0, 2, 1, None)]


@pytest.mark.parametrize(
    ("text", "cycles"),
    [
        # the cycles of an activation or conditioning step are not the cycling condition
        (
            "After an activation step at 0.1 mA cm-2 for 5 cycles, the Li||Cu cell delivers a CE of "
            "99.1% at 1 mA cm-2.",
            None,
        ),
        ("Following conditioning at 0.2 mA cm−2 for 10 cycles, Li||Cu cells give a CE of 98.8% over 200 cycles.", 200),
        ("The cell is pre-cycled for 5 cycles at 0.1 mA cm-2; Li||Cu cells then give a CE of 99.0%.", None),
        # a step that ends ("followed by") leaves the count to the cycling
        (
            "Li||Cu cells give a CE as high as 97.8% after 1 min of activation at 3 mA cm−2 followed "
            "by 10 cycles at 0.5 mA cm−2.",
            10,
        ),
        # "SEI formation" is no step
        ("The LiF-rich SEI formation enables Li||Cu cells with a CE of 99.1% for 300 cycles.", 300),
    ],
)
def test_the_cycles_of_a_preliminary_step_are_not_taken(text, cycles):
    assert [c.cycles for c in extract_text(text)] == [cycles]


# "highest" ranks systems and gives no qualifier (README; held-out batch 16):
# tests/test_extract_batch16.py
@pytest.mark.parametrize("word", ["maximum", "peak"])
def test_a_maximum_ce_is_up_to(word):
    assert [c.qualifier for c in extract_text(f"The Li||Cu cell shows a {word} CE of 99.6% at 0.5 mA cm−2.")] == [
        "up to"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a chemical family names an electrolyte; "this electrolyte" takes the paragraph's
        (
            "We report a sulfolane-based electrolyte. Li||Cu cells using this electrolyte show a CE of 99.1%.",
            "sulfolane-based electrolyte",
        ),
        ("Li||Cu cells in the nitrile-based electrolyte give a CE of 98.4% at 1 mA cm−2.", "nitrile-based electrolyte"),
        (
            "The reservoir method yields an average CE of 99.6% at 0.5 mA cm−2 for the borate electrolyte.",
            "borate electrolyte",
        ),
        # "ionic liquid" is a family, "liquid" alone is not
        (
            "The CE of Li deposition on Cu reached 99.1% in the ionic liquid electrolyte at 0.5 mA cm-2.",
            "ionic liquid electrolyte",
        ),
        (
            "Li||Cu cells in the pyrrolidinium ionic liquid electrolyte give a CE of 98.8%.",
            "pyrrolidinium ionic liquid electrolyte",
        ),
        ("Li||Cu cells in the liquid electrolyte give a CE of 96.8%.", None),
        # a baseline is no name
        ("Li||Cu cells in the additive-free electrolyte give a CE of 95.4%.", None),
    ],
)
def test_a_chemical_family_names_an_electrolyte(text, expected):
    assert [c.electrolyte for c in extract_text(text)] == [expected]


@pytest.mark.parametrize(
    "text",
    [
        # an anode named by a formula other than Li's
        "The SnO2 anode delivers 800 mAh g−1 after 100 cycles with a CE of 98%.",
        "MoS2 anodes keep a Coulombic efficiency of 99.1% over 300 cycles.",
        "The Fe3O4 anode shows an average CE of 98.7% at 1 mA cm-2.",
        # a Li–S or Li–O2 cell, even with its Li metal anode named
        "The lithium–sulfur cell with the Li metal anode shows a CE of 97% at 0.2 C.",
        "The Li||S cells retained a CE of 99% over 500 cycles.",
        "The Li metal anode in Li–O2 batteries gives a CE of 98.5% over 50 cycles.",
        # earlier work and predictions
        "Previous studies reported a CE of 99.5% for LHCEs.",
        "A CE of 99.3% in LHCEs was reported previously.",
        "Our simulation predicts a CE of 99.7% for the optimized SEI.",
        "The model predicts an average CE of 99.9% for Li||Cu cells with the ideal SEI.",
    ],
)
def test_ces_of_other_anodes_cells_earlier_work_and_predictions_are_not_results(text):
    assert extract_text(text) == []


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        # a Li plating test named beside the Li–S chemistry keeps its CE
        ("For Li–S batteries, the protected Li anode shows a CE of 99.1% in Li||Cu cells at 1 mA cm−2.", "li-cu"),
        ("Li@Ti3C2Tx anodes give a CE of 98.9% in Li||Cu cells.", "li-cu"),
        ("The Li||NCM622 cells show 95% capacity retention and a CE of 99.9% after 200 cycles.", "full"),
    ],
)
def test_li_metal_ces_beside_those_classes_are_kept(text, cell):
    assert [c.cell for c in extract_text(text)] == [cell]


@pytest.mark.parametrize(
    "text",
    [
        # a serial comma ("A, B, and C") joins a list of values that share the conditions after it
        "We measured CEs of Li plating on Cu of 98.1%, 98.6%, and 99.0% in the three electrolytes at "
        "0.5 mA cm-2 and 1 mAh cm-2.",
        "Li||Cu cells give CEs of 98.1%, 98.6%, and 99.0% for the three hosts at 0.5 mA cm−2 and 1 mAh cm−2.",
    ],
)
def test_a_serial_comma_list_shares_the_conditions_after_it(text):
    assert [conditions(c) for c in extract_text(text)] == [(v, 0.5, 1, None) for v in (98.1, 98.6, 99.0)]


@pytest.mark.parametrize(
    "text",
    [
        # "average" carries over a second value after a short condition phrase of the first
        "The average CE over 200 cycles is 99.2% at 25 °C and 98.5% at −20 °C in Li||Cu cells.",
        "Li||Cu cells reach an average CE of 99.2% with the LHCE and 98.5% with the HCE.",
    ],
)
def test_average_carries_over_a_condition_phrase(text):
    assert [c.qualifier for c in extract_text(text)] == ["average", "average"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a contrast opening the next sentence carries the CE word of a result sentence
        (
            "Li||Cu cells using the sulfolane electrolyte show a CE of 99.1%. In contrast, the LiPF6-based "
            "carbonate electrolyte gives only 92.3% under the same conditions (0.5 mA cm−2, 1 mAh cm−2).",
            [(99.1, None, None, "li-cu"), (92.3, 0.5, 1, "li-cu")],
        ),
        (
            "The LHCE gives an average CE of 99.3% in Li||Cu cells at 1 mA cm−2. By comparison, the dilute "
            "electrolyte reaches 96.0% at 1 mA cm−2.",
            [(99.3, 1, None, "li-cu"), (96.0, 1, None, "li-cu")],
        ),
    ],
)
def test_a_contrast_sentence_carries_the_ce_word_before_it(text, expected):
    found = extract_text(text)
    assert [(c.ce_percent, c.current_density_mA_cm2, c.areal_capacity_mAh_cm2, c.cell) for c in found] == expected


@pytest.mark.parametrize(
    "text",
    [
        # another figure, no result before it, or another paragraph: nothing is carried
        "Li||Cu cells show a CE of 99.1%. In contrast, the full cell retains 85% of its capacity.",
        "Li||Cu cells show a CE of 99.1%. By comparison, the porosity of the host is 92%.",
        "The electrolyte is stable. In contrast, the carbonate electrolyte gives only 92.3%.",
        "Li||Cu cells show a CE of 99.1%.\n\nIn contrast, the carbonate electrolyte gives only 92.3%.",
    ],
)
def test_nothing_is_carried_to_other_figures_or_paragraphs(text):
    assert [c.ce_percent for c in extract_text(text)] == ([99.1] if "99.1" in text else [])


# --- batches 10 and 11 (seen): classes of language, phrasings written for these tests ----


def found(text: str) -> list[tuple]:
    return [
        (c.ce_percent, c.current_density_mA_cm2, c.areal_capacity_mAh_cm2, c.cycles, c.cell) for c in extract_text(text)
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # an efficiency not called "Coulombic" in a Li plating test is the CE
        (
            "The additive raises the plating efficiency of Li||Cu cells to 99.2% at 1 mA cm-2.",
            [(99.2, 1, None, None, "li-cu")],
        ),
        (
            "Li||Cu cells show an average Li deposition efficiency of 99.4% over 300 cycles at 1 mA cm-2.",
            [(99.4, 1, None, 300, "li-cu")],
        ),
        (
            "The coating enables high-efficiency (98.9%) Li plating on Cu foil at 0.5 mA cm−2.",
            [(98.9, 0.5, None, None, "li-cu")],
        ),
        (
            "Cu||NCM811 anode-free cells keep a stripping efficiency of 99.1% over 100 cycles.",
            [(99.1, None, None, 100, "anode-free")],
        ),
    ],
)
def test_an_efficiency_of_a_li_plating_test_is_the_ce(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        # another kind of efficiency, another metal, no Li plating test, a class label
        ("Zn||Cu cells show a deposition efficiency of 99.6% over 500 cycles.", []),
        ("Na deposition efficiency reaches 99.8% in Na||Cu cells.", []),
        ("The Faradaic efficiency of CO2 reduction on the Cu electrode reaches 95%.", []),
        ("The deposition efficiency of the sputtered Cu film is 85%.", []),
        ("The Li||NCM811 cell shows an energy efficiency of 93% at 0.5 C.", []),
        ("Li plating on Cu proceeds with an energy efficiency of 91%.", []),
        ("Li||Cu cells are grouped as high-efficiency (>99.5%) cells.", []),
        ("The recovery efficiency of Li deposition reaches 90% in the recycling process.", []),
        ("Li deposition on Cu at 1 mA cm-2 shows a nucleation efficiency of 70%.", []),
        ("The Li||Cu cells deliver an efficiency gain of 60% over the control.", []),
        # an efficiency after a CE does not continue its list
        ("Li||Cu cells reach a CE of 99.1% and an energy efficiency of 92% at 1 mA cm-2.", [99.1]),
        ("Li||Cu cells give a CE of 99.3%, and the Faradaic efficiency of CO2 reduction on Cu is 85%.", [99.3]),
        ("The Li||LFP full cell shows a CE of 99.8% and a voltage efficiency of 90%.", [99.8]),
    ],
)
def test_other_efficiencies_are_not_ces(text, kept):
    assert [c.ce_percent for c in extract_text(text)] == kept


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        # the words describing the baseline of an improvement do not make a field summary
        (
            "The Li CE rises from 88.1% in the conventional carbonate electrolyte to 97.6% with the new additive.",
            [97.6],
        ),
        ("The CE is raised from 90.2% for the conventional electrolyte to 98.4% by the new salt.", [98.4]),
        # a bound or no space between "from", the baseline and "to"
        ("The additive lifts the CE of Li||Cu cells from below 90% to 98.6% at 0.5 mA cm-2.", [98.6]),
        ("The CE of Li||Cu cells went from<85%to 97.7% with the coating.", [97.7]),
        ("The CE rose from ~95%to 99.1% over 200 cycles in Li||Cu cells.", [99.1]),
        # guards: a summary stays one; bounds without "from" stay results
        ("In conventional electrolytes, the Li CE is only 85%.", []),
        ("Li||Cu cells keep a CE above 98% in the LHCE and below 90% in the carbonate electrolyte.", [98.0, 90.0]),
    ],
)
def test_the_baseline_of_an_improvement_with_a_bound_or_a_describing_word(text, kept):
    assert [c.ce_percent for c in extract_text(text)] == kept


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a coordinated conjunct about another test (hours, a symmetric cell) keeps its cell and
        # the conditions of its own noun phrase
        (
            "The electrolyte delivers a CE of 99.1% for Li plating/stripping over 300 cycles and stable "
            "cycling beyond 3000 h in Li||Li cells.",
            [(99.1, None, None, 300, None)],
        ),
        (
            "The coating gives a CE of 99.3% after 300 cycles and a lifespan of 1500 h at 2 mA cm-2 in "
            "symmetric cells.",
            [(99.3, None, None, 300, None)],
        ),
        (
            "The host reaches a CE of 98.7% over 150 cycles, and a cycling life of 900 h at 3 mA cm−2.",
            [(98.7, None, None, 150, None)],
        ),
        # a value before a list of cells of different kinds is stated for none of them
        (
            "The electrolyte gives a high CE of 99.4% and stable cycling of Li||Cu and Li||Li cells.",
            [(99.4, *[None] * 4)],
        ),
        (
            "A CE of 99.1% is obtained for the Li|Li symmetric cells and Li||Cu cells with the coating.",
            [(99.1, *[None] * 4)],
        ),
    ],
)
def test_the_cell_and_conditions_of_another_tests_conjunct_are_not_taken(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # guards: another cell named in its own clause, a shared predicate, the CE's own conjunct
        (
            "Li||Cu cells show a CE of 99.2% over 200 cycles and Li||Li cells cycle for 800 h at 1 mA cm-2.",
            [(99.2, None, None, 200, "li-cu")],
        ),
        (
            "High CE (99.5%) and a long lifespan (>900 h) are obtained at 0.5 mA cm−2 and 1 mAh cm−2 in Li||Cu cells.",
            [(99.5, 0.5, 1, None, "li-cu")],
        ),
        (
            "The CE of Li||Cu cells reaches 99.4% at 1 mA cm-2 and 1 mAh cm-2 and stays stable for 500 h.",
            [(99.4, 1, 1, None, "li-cu")],
        ),
        (
            "The host gives Li||Cu cells an average CE of 98.6%, and a longer cycle life over 300 cycles at "
            "1 mA cm−2 and 1 mAh cm−2.",
            [(98.6, 1, 1, 300, "li-cu")],
        ),
    ],
)
def test_conditions_shared_by_a_coordination_stay_shared(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a condition right after another figure, in the conjunct before the CE's, is that figure's
        (
            "The host delivers a capacity retention of 91% after 800 cycles and a Coulombic efficiency of 99.6% "
            "at 1 C in Li||LFP full cells.",
            [(99.6, None, None, None, "full")],
        ),
        (
            "The coating gives Li||Cu cells excellent reversibility over 600 cycles and an average CE of 99.4% "
            "at 2 mA cm−2.",
            [(99.4, 2, None, None, "li-cu")],
        ),
        (
            "The Li||Cu cell combines long-term stability over 500 cycles and a CE of 99.2% at 0.5 mA cm-2.",
            [(99.2, 0.5, None, None, "li-cu")],
        ),
        # guards: conditions of the subject, or written after the last conjunct, are shared
        (
            "Li||Cu cells cycled at 0.5 mA cm−2 for 300 cycles show high stability and an average CE of 99.3%.",
            [(99.3, 0.5, None, 300, "li-cu")],
        ),
        (
            "The Li||NCM811 cell shows an average CE of 99.8% and capacity retention of 90% after 300 cycles at 0.5 C.",
            [(99.8, None, None, 300, "full")],
        ),
        (
            "After 200 cycles at 1 mA cm−2, Li||Cu cells show high stability and a CE of 99.5%.",
            [(99.5, 1, None, 200, "li-cu")],
        ),
    ],
)
def test_a_condition_of_an_earlier_conjunct_stays_with_its_figure(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        # anode-free Li metal batteries by their abbreviation
        ("Applied in AFLMBs, the modified Cu foil keeps a CE of 99.0% over 200 cycles.", "anode-free"),
        ("In AFBs with the NCM811 cathode, the average CE reaches 99.3% over 150 cycles.", "anode-free"),
        ("The AFLB pouch cells keep an average CE of 99.5% at 0.2 C.", "anode-free"),
        # guards
        ("AFM shows a smooth Li deposit, and Li||Cu cells give a CE of 99.1%.", "li-cu"),
        ("The LMB pouch cell keeps an average CE of 99.6% at 0.2 C.", "full"),
    ],
)
def test_anode_free_batteries_by_abbreviation(text, cell):
    assert [c.cell for c in extract_text(text)] == [cell]


@pytest.mark.parametrize(
    ("text", "qualifier"),
    [
        ("The electrolyte shows near 98.9% Coulombic efficiency and a high conductivity.", "about"),
        ("Li||Cu cells reach a CE of near 99.4% at 1 mA cm-2.", "about"),
        ("Li||Cu cells in the linear 99.1% CE regime are studied at 1 mA cm-2.", None),
    ],
)
def test_near_is_about(text, qualifier):
    assert [c.qualifier for c in extract_text(text)] == [qualifier]


def test_no_held_out_passage_repeats_another_labelled_file():
    # A passage already in another batch is seen material: the held-out scores would overstate.
    spec = importlib.util.spec_from_file_location("extract_bench", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    found = {line for path in sorted(BENCH.parent.glob("heldout_batch*.jsonl")) for line in bench.repeats(path.name)}
    # The one known pair (both negatives; recorded in bench/extract/REPORT.md), seen from each side.
    assert found == {
        "b3-15 shares text with b9-01 of heldout_batch9.jsonl",
        "b9-01 shares text with b3-15 of heldout_batch3.jsonl",
    }


def _bench():
    spec = importlib.util.spec_from_file_location("extract_bench", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench


def test_agreement_scores_a_labeller_as_the_extractor_is_scored(tmp_path):
    import json

    def result(ce, **fields):
        return {"ce_percent": ce, "ce_high_percent": None, "current_density_mA_cm2": None,
                "areal_capacity_mAh_cm2": None, "cycles": None, "cell": None, **fields}  # fmt: skip

    reference = [{"id": "a", "results": [result(99.5, cycles=100), result(98.0)]}, {"id": "b", "results": []}]
    other = [{"id": "a", "results": [result(99.5), result(98.04)]}, {"id": "b", "results": [result(97.0)]}]
    for name, rows in (("ref.jsonl", reference), ("other.jsonl", other)):
        (tmp_path / name).write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    report = _bench().agreement(str(tmp_path / "ref.jsonl"), str(tmp_path / "other.jsonl"))
    # 99.5 found with the wrong cycles, 98.04 within the CE tolerance and right, 97.0 an extra result.
    assert (report["results"], report["found"], report["fully_right"], report["extra"]) == (2, 2, 1, 1)
    assert "field    a: cycles = None, reference 100" in report["errors"]


@pytest.mark.parametrize(
    ("labelling", "batches"),
    [
        ("labeller_A.jsonl", range(14, 19)),
        ("labeller_B.jsonl", range(14, 19)),
        ("batch19_second.jsonl", [19]),
        ("batch20_second.jsonl", [20]),
        ("batch21_second.jsonl", [21]),
    ],
)
def test_the_second_labellings_cover_their_batches(labelling, batches):
    import json

    folder = BENCH.parent
    batch_ids = [
        json.loads(line)["id"]
        for n in batches
        for line in (folder / f"heldout_batch{n}.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    rows = [json.loads(line) for line in (folder / "agreement" / labelling).read_text(encoding="utf-8").splitlines()]
    assert [row["id"] for row in rows] == batch_ids
    assert all("text" not in row for row in rows)  # labels only: the text stays in the batches


@pytest.mark.parametrize(
    "text",
    [
        "The CE measurement was obtained in Li||Cu half cells. The LHCE gives an average CE of 99.3% at 0.5 mA cm-2.",
        "We cycled Li||Cu cells with the new electrolyte at 1 mA cm-2. The average Coulombic efficiency reaches 99.1%.",
    ],
)
def test_a_cell_taken_from_another_sentence_says_so(text):
    c = one(text)
    assert c.cell == "li-cu" and "cell from another sentence" in c.reason


@pytest.mark.parametrize(
    "text",
    [
        "The Li||Cu cells give an average CE of 99.3% at 0.5 mA cm-2.",
        "The CE measurement was obtained in Li||Cu half cells. The anode-free cells reach an average CE of 98.1%.",
    ],
)
def test_a_cell_of_the_sentence_itself_says_nothing_of_other_sentences(text):
    assert "cell from another sentence" not in one(text).reason
