"""Classes of language found on held-out batch 15 (bench/extract/REPORT.md).

Batch 15 is full text of solid-state papers converted from PDF: spaced formulas, glyph codes
for the minus sign, cathode loadings, windows of cycles, alloy anodes and reference potentials.
Each class has phrasings written for these tests (not copied from the batch) that the code
before the fixes got wrong, and guards that must not change.
"""

import pytest

from cedb.extract import extract_text
from cedb.extract.normalize import prepare
from cedb.extract.sentences import split_sentences
from tests.test_extract_batch14 import found, qualifiers  # (CE, current, capacity, cycles, cell) rows


def sentences(text: str) -> list[str]:
    flat = prepare(text).text
    return [flat[a:b] for a, b in split_sentences(flat)]


# A formula whose amounts PDF conversion spaced ("LiNi 0.8 Co0.15 Al 0.05 O2") goes on after a
# decimal point: the point is no sentence end with a glued citation.
@pytest.mark.parametrize(
    "text",
    [
        "The Li || LiNi 0.6 Co0.2 Mn0.2 O2 cell kept a CE of 99.8% over 150 cycles.",
        "A Li 6 PS4.8 Br 1.2 electrolyte was pressed onto the Li foil before cycling.",
        "Cells with Li1.2 Ni0.13 Co0.13 Mn0.54 O2 cathodes were assembled in a glove box.",
    ],
)
def test_a_spaced_formula_does_not_end_a_sentence(text):
    assert sentences(text) == [text]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Li(2% Ag)/LPSC/ LiNi 0.9 Co0.05 Mn0.05 O2 batteries keep an average CE of 99.9%.",
            [(99.9, None, None, None, "full")],
        ),
        (
            "Paired with Li || LiNi 0.5 Co0.2 Mn0.3 O2 cathodes, the average CE reaches 99.7% over 90 cycles.",
            [(99.7, None, None, 90, "full")],
        ),
    ],
)
def test_the_cell_before_a_spaced_formula_stays_in_the_sentence(text, expected):
    assert found(text, "markdown") == expected


# guard: a glued citation after a formula still ends the sentence before a short word
def test_a_citation_after_a_formula_still_ends_a_sentence():
    text = "The cathode was LiNi0.8Co0.1Mn0.1O2.15 In 1 M LiPF6 the Li||Cu CE was 97.5%."
    assert len(sentences(text)) == 2


# "/C0" is a PDF converter's code for the minus sign: "mA h g /C0 1" is "mA h g-1".
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Li||Cu cells cycled at 0.5 mA cm /C0 2 and 1 mAh cm /C0 2 show a CE of 99.1%.",
            [(99.1, 0.5, 1.0, None, "li-cu")],
        ),
        (
            "The Li||Cu half cell gives an average CE of 98.9% at 2 mA cm /C0 2 and 2 mA h cm /C0 2 .",
            [(98.9, 2.0, 2.0, None, "li-cu")],
        ),
    ],
)
def test_glyph_code_minus_in_units(text, expected):
    assert found(text, "markdown") == expected


@pytest.mark.parametrize(
    "text",
    [
        # a capacity per gram and a retention: a cathode's cell, once the glyph is read
        "The composite delivers 182 mA h g /C0 1 with 96% capacity retention and a CE of 99.8% after 200 cycles.",
        "After 300 cycles it retains 91% of 205 mA h g /C0 1 , with a stable coulombic efficiency of 99.7%.",
    ],
)
def test_glyph_code_capacity_per_gram_is_a_cathode(text):
    assert found(text, "markdown") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the same converters write "~" as "B" before a number
        ("The Li||Cu CE stays at B 99.4% at 0.5 mA cm /C0 2 .", [(99.4, "about")]),
        ("Li||Cu cells at 1 mA cm /C0 2 keep a CE of B 98.7% for 100 cycles.", [(98.7, "about")]),
        # guard: without the converter's code a "B" is left alone
        ("The Li||Cu CE stays at B 99.4% at 0.5 mA cm-2.", [(99.4, None)]),
    ],
)
def test_glyph_code_approximately(text, expected):
    assert qualifiers(text, "markdown") == expected


def test_glyph_codes_leave_formulas():
    flat = prepare("The [B12H12] 2 /C0 anion and Li3BO3 B 12 mA cm /C0 2", "markdown").text
    assert "[B12H12] 2 -" in flat and "Li3BO3 ~ 12 mA cm -2" in flat


# A critical current density's capacity is the limit test's, like its current.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The Li||Cu cell reaches a CE of 99.5% and a CCD of 4 mA cm−2/4 mAh cm−2.",
            [(99.5, None, None, None, "li-cu")],
        ),
        (
            "The coated Cu gives a Li||Cu CE of 99.2%, with a critical current density of 2.5 mA cm−2 at 2.5 mAh cm−2.",
            [(99.2, None, None, None, "li-cu")],
        ),
        (
            "The Li||Cu CE was 99.0% and the critical capacity exceeded 6 mAh cm−2.",
            [(99.0, None, None, None, "li-cu")],
        ),
        # guard: the CE's own conditions before the limit stay
        (
            "The Li||Cu CE was 99.3% at 1 mA cm−2 and 1 mAh cm−2, and the CCD was 3 mA cm−2/3 mAh cm−2.",
            [(99.3, 1.0, 1.0, None, "li-cu")],
        ),
    ],
)
def test_critical_current_and_capacity_are_limits(text, expected):
    assert found(text) == expected


# A loading is the cathode's areal capacity, not the Li cycled per cycle.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Li||NCM811 full cells with a cathode loading of 4.2 mAh cm−2 reach an average CE of 99.8% over "
            "100 cycles.",
            [(99.8, None, None, 100, "full")],
        ),
        (
            "At high loadings of 3 mAh cm−2 and 5 mAh cm−2, the Li||LFP full cells keep a CE of 99.9%.",
            [(99.9, None, None, None, "full")],
        ),
        (
            "With the areal capacity of the cathode (3.2 mAh cm−2), the Li||NCA cell shows a CE of 99.6%.",
            [(99.6, None, None, None, "full")],
        ),
        (
            "The Li||NMC622 cell (mass loading 3.1 mAh cm−2) keeps an average CE of 99.7% at 0.3 mA cm−2.",
            [(99.7, 0.3, None, None, "full")],
        ),
        # guards: a Li loading is the plated capacity; a cathode named with its capacity stays
        (
            "Li||Cu cells with a Li plating loading of 3 mAh cm−2 at 1 mA cm−2 show a CE of 99.1%.",
            [(99.1, 1.0, 3.0, None, "li-cu")],
        ),
        (
            "The Li||LFP full cells reach a CE of 99.9% with 2.5 mAh cm−2 cathodes.",
            [(99.9, None, 2.5, None, "full")],
        ),
        # a host loaded with Li: its loading is the plated capacity
        (
            "The Li||Cu test shows that the scaffold accommodates a high capacity loading of 8 mAh cm−2 with a CE "
            "of 99.1% at 1 mA cm−2.",
            [(99.1, 1.0, 8.0, None, "li-cu")],
        ),
    ],
)
def test_a_cathode_loading_is_not_the_capacity(text, expected):
    assert found(text) == expected


# A window of cycles ends at its last cycle; a count may be written as a word.
@pytest.mark.parametrize(
    ("text", "cycles"),
    [
        ("The Li||Cu cell keeps an average CE of 99.6% from 100 cycles to 500 cycles.", [500]),
        ("The Li||Cu cell shows an average CE of 99.3% between the 20th and 200th cycles.", [200]),
        ("The Li||Cu CE averages 99.1% from the 50th to the 400th cycle.", [400]),
        ("The Li||Cu CE reaches 99.2% after three cycles.", [3]),
        ("The Li||Cu CE stabilises at 99.5% within ten cycles.", [10]),
        ("The anode-free cell delivers an average CE above 99% over the first twenty cycles.", [20]),
        # guards: a formation step's count is not the result's; digits as before
        ("After two formation cycles, the Li||Cu CE was 99.3% over 100 cycles.", [100]),
        ("The Li||Cu CE was 98.8% over 250 cycles.", [250]),
    ],
)
def test_cycle_windows_and_number_words(text, cycles):
    assert [c.cycles for c in extract_text(text)] == cycles


# A Li–In alloy written "InLi" or "In–Li" is another chemistry, as "Li–In" already was.
@pytest.mark.parametrize(
    "text",
    [
        "NCM811|LPSC|InLi cells show a CE of 99.8% over 200 cycles.",
        "An In–Li alloy anode was used for all cells. The CE was 99.7% after the first cycle.",
        "Short circuits were avoided with an In-Li anode. The Coulombic efficiency stays above 99.5%.",
    ],
)
def test_indium_lithium_alloy_is_another_chemistry(text):
    assert found(text) == []


# "V vs. Li/Li+" is a reference potential, not a Li||Li cell or Li metal.
@pytest.mark.parametrize(
    "text",
    [
        "A Li–In anode was used. The cells were cycled between 2.5 and 4.3 V vs. Li/Li+. The CE was 99.6% "
        "at the 20th cycle.",
        "Graphite anodes were paired with the new cathode. Potentials are given versus Li/Li+ at 25 °C. "
        "The average CE was 99.9% over 100 cycles.",
    ],
)
def test_a_reference_potential_is_no_li_metal_cell(text):
    assert found(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # guards: Li/Li and Li||Cu cells are still cells
        ("Li/Li symmetric cells and a Li||Cu CE of 99.2% over 100 cycles.", [(99.2, None, None, 100, "li-cu")]),
        ("The Li/Li cell and its CE of 99.0% over 50 cycles.", [(99.0, None, None, 50, "li-li")]),
    ],
)
def test_li_li_cells_stay_cells(text, expected):
    assert found(text) == expected


# Values listed before "for the first cycle" are all first-cycle CEs; a value said of the later
# cycles is not one.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Li||Cu cells show CEs of 85.1%, 88.0% and 90.2% during the first cycle.", []),
        ("The Li||Cu CEs are 78% and 83% for the initial cycle, respectively.", []),
        (
            "The Li||Cu CE is 85% in the first cycle and 99.5% in the subsequent cycles.",
            [(99.5, None, None, None, "li-cu")],
        ),
        (
            "The CE of the Li||Cu cell was 88% in the first cycle and rose to 99.2% thereafter.",
            [(99.2, None, None, None, "li-cu")],
        ),
        # guard: a value after a first-cycle CE with no later-cycle words stays rejected
        ("The initial CE of the Li||Cu cell is 80% and 85%.", []),
    ],
)
def test_first_cycle_lists_and_later_cycles(text, expected):
    assert found(text) == expected


# A value said to agree with earlier reports is the text's own.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Li||Cu cells with the bare electrolyte reach ~96% CE, consistent with previous studies.",
            [(96.0, None, None, None, "li-cu")],
        ),
        (
            "The Li||Cu cell keeps a CE of 98.1% over 100 cycles, in agreement with earlier reports.",
            [(98.1, None, None, 100, "li-cu")],
        ),
        # guards: quoted earlier work stays rejected
        ("Previous studies reported a CE of 99% in Li||Cu cells.", []),
        ("The highest reported CE of 99.5% was reached in Li||Cu cells.", []),
    ],
)
def test_agreement_with_earlier_reports(text, expected):
    assert found(text) == expected


# "ASSLMB", "SSLMBs": (all-)solid-state Li-metal batteries name Li metal beside a cathode.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("With a 4.5 V cathode, the ASSLMB reaches an average CE of 99.9%.", [(99.9, None, None, None, None)]),
        # a Li-metal battery paired with a cathode is a full cell (README; b17-27, batch 17)
        (
            "Paired with an NCM cathode, the SSLMBs keep a CE of 99.8% over 300 cycles.",
            [(99.8, None, None, 300, "full")],
        ),
        # guard: an all-solid-state lithium battery (ASSLB) names no Li metal
        ("With a 4.5 V cathode, the ASSLB reaches an average CE of 99.9%.", []),
    ],
)
def test_solid_state_li_metal_batteries(text, expected):
    assert found(text) == expected


# A full cell written cathode first, with or without the electrolyte between.
@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ("NCM811 || LPSC || Li cells show an average CE of 99.9%.", "full"),
        ("Cycling of (NCA with LPSC) || LPSC || Li at 4.3 V gives a CE of 99.8%.", "full"),
        ("The LFP/Li cells keep a CE of 99.7% over 200 cycles.", "full"),
        ("Li(1% Zn)/LPSC/NCM622 cells keep a CE of 99.6%.", "full"),
    ],
)
def test_cathode_first_full_cells(text, cell):
    assert [c.cell for c in extract_text(text)] == [cell]


@pytest.mark.parametrize(
    "text",
    [
        # guards: an alloy anode written after the cathode, a reference potential
        "NMC811 || LPSC || Li-In cells show an average CE of 99.9%.",
        "The NCM811 cathode was cycled between 3 and 4.3 V vs Li+/Li with a CE of 99.7%.",
    ],
)
def test_cathode_first_guards(text):
    assert found(text) == []


# A sentence whose CEs were measured in one kind of cell reports a test in it: a later CE of the
# paragraph whose sentence names no cell takes it (the paragraph-cell policy, README).
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The Li||NCM811 full cells were cycled for 300 cycles. No gas evolution was observed. The average "
            "CE reached 99.9%. This stems from the stable interphase on both electrodes. At 4.6 V, the CE "
            "stays above 99.8%.",
            [(99.9, None, None, None, "full"), (99.8, None, None, None, "full")],
        ),
        (
            "Anode-free cells were assembled with the new separator. Their impedance was low. The mean CE was "
            "99.2%. The separator wets well. Even with a thinner separator the CE is 98.9%.",
            [(99.2, None, None, None, "anode-free"), (98.9, None, None, None, "anode-free")],
        ),
        # guard: a CE reported without a cell carries none
        (
            "The electrolyte was dried. Its viscosity is low. The CE reached 99.9%. It wets the separator. "
            "The CE stays above 99.8% at 4.6 V.",
            [(99.9, None, None, None, None), (99.8, None, None, None, None)],
        ),
    ],
)
def test_a_reported_ce_carries_its_cell(text, expected):
    assert found(text) == expected
