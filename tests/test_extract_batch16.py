"""Classes of language found on held-out batch 16 (bench/extract/REPORT.md).

Batch 16 is 2026 abstracts (OpenAlex text: spaced formulas and powers, "half-cells" without a
named Cu electrode, coated-Cu hosts, Li-free and zero-excess cells, lists of tests with their own
cells). Each class has phrasings written for these tests (not copied from the batch) that the
code before the fixes got wrong, and guards that must not change.
"""

import pytest

from cedb.extract import extract_text
from tests.test_extract_batch14 import found, qualifiers  # (CE, current, capacity, cycles, cell) rows


# "half cells" alone names no Cu electrode: a host or a coated collector cycled against Li is
# a Li plating test in no cell the schema names (README: a cell only where the text names it).
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The carbon scaffold showed a Coulombic efficiency of 99.1% in half cells over 400 cycles.",
            [(99.1, None, None, 400, None)],
        ),
        (
            "Owing to the graded interphase, the half-cells deliver a high average CE of 98.7%.",
            [(98.7, None, None, None, None)],
        ),
        (
            "In half cells paired with a Li foil counter electrode, the MXene host keeps a CE of 99.4%.",
            [(99.4, None, None, None, None)],
        ),
    ],
)
def test_half_cells_alone_name_no_cell(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # guards: a half cell written with its Cu electrode stays Li||Cu
        ("The Li||Cu half cells reach an average CE of 99.3% over 200 cycles.", [(99.3, None, None, 200, "li-cu")]),
        ("Lithium-to-copper half cells kept a CE of 98.9%.", [(98.9, None, None, None, "li-cu")]),
    ],
)
def test_a_named_li_cu_half_cell_keeps_its_cell(text, expected):
    assert found(text) == expected


# A Cu collector coated with a host ("Ag3Sn@Cu", "ZnO @Cu foil") in a sentence saying Li is
# plated on it is the Cu side of a Li||Cu test; without plating words it names no cell.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The Ag3Sn@Cu electrode supports Li plating/stripping for 600 cycles with an average CE of 99.0%.",
            [(99.0, None, None, 600, "li-cu")],
        ),
        (
            "Li deposition on the ZnO @Cu foil is dense, and the CE stays at 98.6% over 150 cycles.",
            [(98.6, None, None, 150, "li-cu")],
        ),
        (
            "Lithium plating on the Sb2Se3@Cu collector is uniform, keeping a CE of 99.1% for 250 cycles.",
            [(99.1, None, None, 250, "li-cu")],
        ),
    ],
)
def test_a_coated_cu_collector_with_li_plating_is_li_cu(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # guards: no plating words, and a Li-predeposited "Li@Cu" anode of a full cell
        ("The Ag3Sn@Cu electrode shows an average CE of 99.0%.", [(99.0, None, None, None, None)]),
        ("The Li@Cu||LFP cell keeps a CE of 99.7% over 300 cycles.", [(99.7, None, None, 300, "full")]),
    ],
)
def test_a_coated_cu_without_plating_or_a_li_anode_is_not_li_cu(text, expected):
    assert found(text) == expected


# No Li in the negative electrode at assembly: "Li-free full cells", "zero-excess Li metal
# batteries", "ZELMBs" are anode-free cells.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The Li-free full cells with NCM811 cathodes keep an average CE of 99.6% over 120 cycles.",
            [(99.6, None, None, 120, "anode-free")],
        ),
        (
            "Zero-excess lithium metal batteries using this electrolyte reach a CE of 98.9%.",
            [(98.9, None, None, None, "anode-free")],
        ),
        (
            "The additive gives ZELMBs an average Coulombic efficiency of 99.2%.",
            [(99.2, None, None, None, "anode-free")],
        ),
    ],
)
def test_li_free_and_zero_excess_cells_are_anode_free(text, expected):
    assert found(text) == expected


# A cathode formula whose subscripts the source spaced ("LiFePO 4 ||Li", "LiCoO 2 /Li") still
# names a full cell written cathode first, not a Li||Li cell.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The LiFePO 4 ||Li cells retain 95% of their capacity and a CE of 99.8% after 500 cycles.",
            [(99.8, None, None, 500, "full")],
        ),
        ("The LiCoO 2 /Li battery shows a CE of 99.5% over 200 cycles.", [(99.5, None, None, 200, "full")]),
    ],
)
def test_a_cathode_first_cell_with_spaced_subscripts_is_full(text, expected):
    assert found(text) == expected


# A Li||Li (symmetric) cell named in another conjunct with its own lifetime or overpotential is
# that test's cell, not the CE's.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The film keeps a low overpotential of 12 mV for 3000 h in symmetric cells and an average CE of "
            "99.0% over 500 cycles.",
            [(99.0, None, None, 500, None)],
        ),
        (
            "The host gives an average CE of 98.9% in half cells, and stable cycling for 1800 h in Li||Li cells.",
            [(98.9, None, None, None, None)],
        ),
    ],
)
def test_a_symmetric_cell_of_another_conjunct_is_not_the_ces(text, expected):
    assert found(text) == expected


def test_a_ce_measured_in_a_symmetric_cell_keeps_it():
    # guard: the CE's own clause names the Li||Li cell (reservoir protocol)
    text = "In Li||Li symmetric cells with a limited reservoir, the CE was about 99.1% at 0.5 mA cm-2 and 1 mAh cm-2."
    assert found(text) == [(99.1, 0.5, 1.0, None, "li-li")]


# Potassium or sodium written only as an electrode of a cell name ("PTCDA||K", "NVP||Na",
# "K||graphite") is another chemistry.
@pytest.mark.parametrize(
    "text",
    [
        "Organic cathode||K full cells deliver >99.8% Coulombic efficiency over 500 cycles.",
        "The Na3V2(PO4)3||Na cells reach an average CE of 99.6% at 1 C.",
        "K||PTCDI cells with the new electrolyte show a CE of 99.7% over 300 cycles.",
    ],
)
def test_a_cell_naming_k_or_na_as_an_electrode_is_another_chemistry(text):
    assert found(text) == []


def test_a_li_cell_with_a_potassium_salt_is_still_li():
    # guard: "KPF6" and "K+" are no potassium electrode
    text = "With 0.1 M KPF6 as an additive, Li||Cu cells reach a CE of 99.2% over 200 cycles."
    assert found(text) == [(99.2, None, None, 200, "li-cu")]


# A power spaced off its unit ("mA cm − 2", "mAh cm - 2") is read as the power, not as a number
# of a list: one result, not two equal ones.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The Li||Cu cell keeps a CE of 99.5% over 800 cycles at 1 mA cm − 2 and 1 mAh cm − 2 .",
            [(99.5, 1.0, 1.0, 800, "li-cu")],
        ),
        (
            "At 3 mA cm - 2 and 3 mAh cm - 2 , Li||Cu cells give an average CE of 99.1%.",
            [(99.1, 3.0, 3.0, None, "li-cu")],
        ),
    ],
)
def test_a_spaced_power_is_read_once(text, expected):
    assert found(text) == expected


# Qualifiers: "approaching 100%" is "about"; "the highest CE of" ranks systems (electrolytes,
# hosts) and gives no qualifier (README, b14-01); "a maximum CE of" stays "up to".
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The Li||Cu cells show a CE approaching 99.9% over 300 cycles.", [(99.9, "about")]),
        ("Li||LFP cells deliver approaching 100% Coulombic efficiency after 900 cycles.", [(100.0, "about")]),
        ("Among the three electrolytes, EC-free gives the highest CE of 99.3% in Li||Cu cells.", [(99.3, None)]),
        ("The fluorinated ether shows the highest average CE of 99.5%.", [(99.5, "average")]),
        ("The Li||Cu cell reaches a maximum CE of 99.6%.", [(99.6, "up to")]),
    ],
)
def test_approaching_and_highest(text, expected):
    assert qualifiers(text) == expected


# A value after "initially" is the first cycle's; "Y% on average" is an average.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The dual-salt electrolyte shows excellent Li metal reversibility (99.4% on average, initially 96.5%).",
            [(99.4, "average")],
        ),
        ("The Li||Cu cells show a CE of initially 95.4% and 99.6% on average over 300 cycles.", [(99.6, "average")]),
        ("The new salt gives Li plating with a CE of initially 96.0%, 99.3% on average.", [(99.3, "average")]),
    ],
)
def test_initially_is_first_cycle_and_on_average_is_average(text, expected):
    assert qualifiers(text) == expected


def test_a_value_without_initially_is_kept():
    # guard: no first-cycle word, no "on average"
    assert qualifiers("The Li||Cu cells show a CE of 99.6% over 300 cycles.") == [(99.6, None)]


# Not field summaries: the field named after the value as its comparison ("comparable to
# state-of-the-art systems"), and a weak generic word in a sentence opening with a result
# connective ("As a result", "Consequently").
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "A Coulombic efficiency of 99.4%, similar to those of state-of-the-art fluorinated electrolytes, was "
            "obtained.",
            [(99.4, None, None, None, None)],
        ),
        (
            "Thus, a CE of 99.6%, higher than typical carbonate electrolytes, was reached in Li||Cu cells.",
            [(99.6, None, None, None, "li-cu")],
        ),
        (
            "Consequently, the salt-rich electrolyte gave a CE of 99.1% and enabled long cycling of Li metal "
            "batteries.",
            [(99.1, None, None, None, None)],
        ),
    ],
)
def test_a_compared_field_or_a_result_opener_is_no_summary(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        # guards: field summaries stay rejected
        "State-of-the-art electrolytes reach a CE of 99.5%.",
        "Li metal batteries typically show a CE below 99%.",
    ],
)
def test_field_summaries_stay_rejected(text):
    assert found(text) == []


# A current collector is where Li is plated: a cathode named in another clause of its sentence
# does not make its CE a cathode's.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The copper current collector loses only 5% of the Li inventory of NCM cathodes and keeps a CE of "
            "99.2% over 300 cycles.",
            [(99.2, None, None, 300, None)],
        ),
        (
            "Compared with commercial cathodes, the 3D current collector maintains a Coulombic efficiency of "
            "98.8% for 250 cycles.",
            [(98.8, None, None, 250, None)],
        ),
    ],
)
def test_a_current_collectors_ce_is_no_cathodes(text, expected):
    assert found(text) == expected


def test_a_cathode_ce_stays_rejected():
    # guard: an Al current collector is the cathode's
    assert found("The NCM811 cathode on an Al current collector shows an initial CE of 88%.") == []


# A conjunct about another test after the CE (the cycling of a full cell or a cathode, a list
# item "N cycles in Li||NCM cells") keeps its own cell and conditions (README conjunct policy).
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The electrolyte gives a 99.1% CE for Li metal and 4.5-V cycling of Li||NCM622 full cells "
            "for 300 cycles at 1.5 mA cm-2.",
            [(99.1, None, None, None, None)],
        ),
        (
            "The additive yields a Coulombic efficiency of 99.4% for Li plating, 600 stable cycles in "
            "Li||LiCoO2 cells, and a high-energy pouch cell.",
            [(99.4, None, None, None, None)],
        ),
        (
            "The gel delivers an average Li plating/stripping CE of 98.9% over 900 cycles, supports "
            "cycling of high-nickel cathodes at 10C (4.2 mA cm-2), and keeps pouch cells safe.",
            [(98.9, None, None, 900, None)],
        ),
    ],
)
def test_a_conjunct_about_another_tests_cycling_keeps_its_conditions(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # guards: the CE's own full cell, and conditions after a plainly coordinated retention
        (
            "Li||NCM811 full cells show a CE of 99.7% and 90% capacity retention after 200 cycles.",
            [(99.7, None, None, 200, "full")],
        ),
        (
            "Li||Cu cells give a CE of 99.2% and stable cycling for 400 cycles at 1 mA cm-2.",
            [(99.2, 1.0, None, 400, "li-cu")],
        ),
    ],
)
def test_a_ces_own_cycling_keeps_its_conditions(text, expected):
    assert found(text) == expected


# A list item before the CE's own cell ("Li||Li cells ... at 20 mA cm-2 for 3000 h, Li||Cu cells
# keep ...") is another test: its current and cycles are not the CE's.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Symmetric Li||Li cells run for 3000 h at 20 mA cm-2, Li||Cu cells keep 300 cycles with a CE "
            "of 98.6%, and full cells retain 85% capacity.",
            [(98.6, None, None, 300, "li-cu")],
        ),
        (
            "The coated Li anodes give 10 mV at 5 mA cm-2 in Li/Li cells, Li/Cu cells reach a CE of 99.0% "
            "over 200 cycles.",
            [(99.0, None, None, 200, "li-cu")],
        ),
    ],
)
def test_a_list_item_before_the_ces_own_cell_keeps_its_conditions(text, expected):
    assert found(text) == expected


def test_conditions_before_the_ces_own_cell_in_one_clause_are_shared():
    # guard: "At 1 mA cm-2, Li||Cu cells ..." is the CE's own opening, no other cell before it
    text = "At 1 mA cm-2 and 1 mAh cm-2, Li||Cu cells keep a CE of 99.3% over 400 cycles."
    assert found(text) == [(99.3, 1.0, 1.0, 400, "li-cu")]


# A sentence stating a problem of a kind of cell ("Anode-free cells suffer from ...", "... are
# hindered by ...") reports no test in it: a later CE does not take its cell.
@pytest.mark.parametrize(
    "text",
    [
        "Anode-free batteries suffer from rapid loss of active lithium. Here, a dual-salt electrolyte "
        "enables a Coulombic efficiency of 99.5%.",
        "Li||Cu cells with carbonate electrolytes are severely limited by dendrites. The new host "
        "reaches an average CE of 99.2%.",
    ],
)
def test_a_problem_statement_reports_no_tested_cell(text):
    assert [c.cell for c in extract_text(text)] == [None]


def test_a_reported_test_still_gives_the_cell():
    # guard: a sentence reporting the cycling of anode-free cells gives them to the next CE
    text = "The anode-free cells with the electrolyte were cycled for 100 cycles. The average CE was 99.1%."
    assert [c.cell for c in extract_text(text)] == ["anode-free"]
