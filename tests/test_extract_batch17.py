"""Classes of language found on held-out batch 17 (bench/extract/REPORT.md).

Batch 17 is 2026 abstracts (OpenAlex text: spaced formulas and double bars, alloy and Li-ion
negative electrodes in cell names, flow batteries, improvements written "X vs Y", lists of tests
each with its own cell). Each class has phrasings written for these tests (not copied from the
batch) that the code before the fixes got wrong, and guards that must not change.
"""

import pytest

from cedb.extract.quantities import find_cells, find_conditions
from tests.test_extract_batch14 import found, qualifiers  # (CE, current, capacity, cycles, cell) rows


# Not Li metal: a Li alloy anode however it is written ("LiIn", "LiAl", "Li–Si", "Al-Li"), a redox
# flow battery (its negolyte, posolyte), a supercapacitor, and a cell whose negative side is sulfur,
# graphite, silicon or a titanate ("NCM811||S600", "LFP||graphite", "Gr||NCM622").
@pytest.mark.parametrize(
    "text",
    [
        "The LiAl||LiCoO2 cells keep a Coulombic efficiency of 99.6% over 400 cycles.",
        "LiIn|Li6PS5Cl|NCM622 cells run 500 cycles at 0.5C with an average CE of 99.9%.",
        "A Li–Si alloy anode gives a CE of 99.2% over 200 cycles at 1 mA cm-2.",
        "The Al-Li anode paired with LFP shows a CE of 99.5% after 300 cycles.",
        "The vanadium redox flow battery shows a coulombic efficiency of 98.7% at 80 mA cm-2 over 600 cycles.",
        "With the new negolyte, the cell keeps 99.1% coulombic efficiency for 1000 cycles at 40 mA cm-2.",
        "The aqueous supercapacitor keeps a coulombic efficiency of 99.4% over 10000 cycles.",
        "An all-organic flow cell reaches 99.9% coulombic efficiency and 80% energy efficiency at 60 mA cm-2.",
        "In the 2 Ah NCM622||S450 pouch cells, the additive gives an average CE above 99.8% after 500 cycles.",
        "The LFP||graphite pouch cell keeps an average CE of 99.95% over 800 cycles.",
        "Gr||NCM811 cells with the additive reach a CE of 99.9% after 300 cycles.",
        "The electrolyte lets silicon-based anodes reach an average Coulombic efficiency of 99.7% in pouch cells.",
    ],
)
def test_other_chemistries_written_as_classes(text):
    assert found(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # guards: an alloy layer on a host is where Li is plated; a Li anode against a cathode
        (
            "A lithiophilic Li–Sn alloy layer forms on the Cu foil. The coated foil gives a CE of "
            "99.1% over 300 cycles.",
            [(99.1, None, None, 300, None)],
        ),
        (
            "The Li–Al alloy interphase guides Li deposition. The host keeps a CE of 98.9% for 250 cycles.",
            [(98.9, None, None, 250, None)],
        ),
        ("The Li||NCM811 cell keeps a CE of 99.8% over 200 cycles.", [(99.8, None, None, 200, "full")]),
        ("The NCM811||Li cell keeps a CE of 99.8% over 200 cycles.", [(99.8, None, None, 200, "full")]),
    ],
)
def test_li_metal_beside_those_classes_stays(text, expected):
    assert found(text) == expected


# "improved CE (98.5% vs 85.0%)": the bare value after "vs" in an improvement is where it started,
# as "from X to Y"; a comparison of two systems keeps both.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The additive gives a markedly improved CE (99.1% vs 92.4%) in Li||Cu cells.", [(99.1, None)]),
        (
            "The coating leads to an increased Coulombic efficiency of 98.8% versus 95.0% in Li||Cu cells.",
            [(98.8, None)],
        ),
        ("Li||Cu cells show an enhanced average CE (99.3% vs. 97.6%).", [(99.3, "average")]),
        # guards: a comparison of systems, a comparator with its own system
        (
            "Li||Cu cells show a higher average CE (99.6% vs. 98.9%) with the additive.",
            [(99.6, "average"), (98.9, "average")],
        ),
        ("Li||Cu cells show an improved CE of 99.2% versus 97.0% for DME.", [(99.2, None), (97.0, None)]),
    ],
)
def test_a_bare_vs_value_of_an_improvement_is_a_baseline(text, expected):
    assert qualifiers(text) == expected


# A critical current density's values in parentheses are no cycling current.
@pytest.mark.parametrize(
    "text",
    [
        "The electrolyte raises the critical current density (2.4 vs 0.8 mA cm-2) and gives a CE "
        "of 99.2% in Li||Cu cells.",
        "The interlayer lifts the CCD (from 1.0 to 2.6 mA cm-2) and keeps a CE of 98.9% in Li||Cu cells.",
        "A higher critical current density (1.5 versus 0.6 mA cm-2) and a CE of 99.0% are found in Li||Cu cells.",
    ],
)
def test_critical_current_in_parentheses_is_no_condition(text):
    assert [row[1] for row in found(text)] == [None]


def test_a_current_in_parentheses_stays_a_condition():
    # guard
    assert [row[1] for row in found("Li||Cu cells keep a CE of 99.2% (0.5 mA cm-2, 1 mAh cm-2).")] == [0.5]


# Cell names as OpenAlex writes them: an electrolyte with a slash between bars, a double bar
# spaced apart; "Li||Li 2 S" (a spaced Li2S cathode) is no Li||Li cell.
@pytest.mark.parametrize(
    ("sentence", "kind"),
    [
        ("The LFP | PEO/LLZO | Li cells cycle well.", "full"),
        ("The NCM622 | PVDF/LATP | Li cell cycles well.", "full"),
        ("Li | |Cu cells were assembled.", "li-cu"),
        ("The Li | | Cu cells were assembled.", "li-cu"),
        ("The Li | | NCM811 cells were assembled.", "full"),
    ],
)
def test_spaced_cell_names(sentence, kind):
    from cedb.extract.normalize import prepare

    assert [c.kind for c in find_cells(prepare(sentence).text)] == [kind]


@pytest.mark.parametrize(
    ("sentence", "kinds"),
    [
        ("The Li||Li 2 S cells were assembled.", []),
        ("Li/Li 2 O2 cells were assembled.", []),
        # guard
        ("The Li||Li cells were assembled.", ["li-li"]),
    ],
)
def test_a_spaced_formula_is_no_li_li_cell(sentence, kinds):
    assert [c.kind for c in find_cells(sentence)] == kinds


def test_a_spaced_double_bar_in_a_markdown_table_stays():
    from cedb.extract.normalize import prepare

    # guard: "| |" is an empty table cell in Markdown
    assert "| |" in prepare("| Li | | Cu |", "markdown").text


# A leading phrase saying how the work was done is no target clause: its method words
# ("prediction", "simulations") do not make the main clause's value hypothetical.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Guided by the predicted solvation energies, the electrolyte achieved a CE of 99.4% in Li||Cu cells.",
            [(99.4, None, None, None, "li-cu")],
        ),
        (
            "By combining simulations with experiments, we obtained an average CE of 99.2% over 300 "
            "cycles in Li||Cu cells.",
            [(99.2, None, None, 300, "li-cu")],
        ),
        # guards: an assumption in the opener, a target in the main clause
        ("By assuming a CE of 99.9%, the cell would last 700 cycles.", []),
        ("Using this electrolyte, a CE above 99.9% is required for practical cells.", []),
    ],
)
def test_a_leading_means_phrase_is_no_target(text, expected):
    assert found(text) == expected


# "When paired with a X cathode, the system ...": the cathode is the partner of a Li anode in a
# full cell, not the subject of the CE.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "When coupled with a LiNi 0.6 Co 0.2 Mn 0.2 O 2 cathode, the protected anode keeps a CE of "
            "99.7% over 500 cycles.",
            [(99.7, None, None, 500, "full")],
        ),
        (
            "Matched with an LFP cathode, the Li-metal anode delivers a CE of 99.6% after 400 cycles.",
            [(99.6, None, None, 400, "full")],
        ),
        # guard: the cathode itself
        ("The LiNi0.8Co0.1Mn0.1O2 cathode shows a CE of 99.1% over 100 cycles.", []),
    ],
)
def test_paired_with_a_cathode_is_a_full_cell(text, expected):
    assert found(text) == expected


# "80% of capacity retention" has no article and is a retention.
@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("Using the additive, a CE of 99.3% in Li||Cu cells and 82% of capacity retention after 500 cycles.", [99.3]),
        ("By design, a CE of 99.0% in Li||Cu cells and 85% of initial capacity after 300 cycles are obtained.", [99.0]),
    ],
)
def test_percent_of_capacity_is_no_ce(text, values):
    assert [row[0] for row in found(text)] == values


# A comma whose next words are a cell of another kind ends the CE's clause: the later list
# item's cycles and cell are its own.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The Li||Cu cell reaches a CE of 99.2%, 4.5 V Li||NCM811 cells run 600 cycles, and pouch "
            "cells keep 90% capacity.",
            [(99.2, None, None, None, "li-cu")],
        ),
        (
            "Li||Cu cells give a CE of 98.9%, the Li||LFP pouch cell works for 700 cycles, and the rest is stable.",
            [(98.9, None, None, None, "li-cu")],
        ),
    ],
)
def test_a_list_item_with_its_own_cell(text, expected):
    assert found(text) == expected


# A retention stated by a clause of its own (a verb of its own) keeps the conditions after it;
# one phrase "CE and retention after N cycles" shares them (b8-01).
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The electrolyte enables a CE of 99.1% in Li||Cu cells and greatly extends cycling, "
            "retaining 85% of its capacity after 700 cycles.",
            [(99.1, None, None, None, "li-cu")],
        ),
        (
            "Li||Cu cells reach a CE of 98.7% and markedly improve battery performance, delivering "
            "90.2% capacity retention after 450 cycles at 1 C.",
            [(98.7, None, None, None, "li-cu")],
        ),
        (
            "The electrolyte gives a CE of 99.0% in Li||Cu cells and also boosts full-cell stability, "
            "delivering 88.1% capacity retention after 600 cycles.",
            [(99.0, None, None, None, "li-cu")],
        ),
        # guard: one phrase
        (
            "Li||Cu cells show an average CE of 99.9% and capacity retention of 95% after 300 cycles.",
            [(99.9, None, None, 300, "li-cu")],
        ),
    ],
)
def test_a_retention_clause_keeps_its_conditions(text, expected):
    assert found(text) == expected


# A cycle named by its number: "at the 125th cycle", "at the 125 cycle", "at cycle 300".
@pytest.mark.parametrize(
    ("sentence", "cycles"),
    [
        ("The CE is 99.1% at the 300th cycle.", 300),
        ("The cells deliver 120 mAh g-1 at the 150 cycle with a CE of 99.3%.", 150),
        ("The CE stays at 99.0% at cycle 250.", 250),
        # guards: a window records its last cycle
        ("The average CE in cycles 5-50 is 99.2%.", 50),
        ("The CE from the 10th to the 100th cycle is 99.2%.", 100),
    ],
)
def test_a_cycle_named_by_its_number(sentence, cycles):
    assert [c.values[0] for c in find_conditions(sentence) if c.kind == "cycles"] == [cycles]


# A comparator in "anode-free full-cell tests ..., whereas the bare Cu counterpart ..." is an
# anode-free cell too.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The anode-free full cells keep a CE of 99.2%, whereas the bare Cu counterpart reaches only 96.0%.",
            [(99.2, None, None, None, "anode-free"), (96.0, None, None, None, "anode-free")],
        ),
        (
            "Anode-free full-cell tests give 99.0% CE at the 100th cycle, whereas the control cell "
            "gives 94.1%, respectively.",
            [(99.0, None, None, 100, "anode-free"), (94.1, None, None, 100, "anode-free")],
        ),
    ],
)
def test_an_anode_free_full_cell_comparator(text, expected):
    assert found(text) == expected
