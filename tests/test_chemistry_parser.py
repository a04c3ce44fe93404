"""The electrolyte parser on the notations of real papers and datasets."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cedb.chemistry.electrolyte import Formulation, parse, try_parse
from cedb.errors import InvalidValue


def table(f: Formulation) -> dict[str, tuple]:
    """{name: (role, amount rounded, unit)} for compact assertions."""
    return {c.name: (c.role, None if c.amount is None else round(c.amount, 4), c.unit) for c in f.components}


def has_warning(f: Formulation, *fragments: str) -> bool:
    return any(all(fr in w for fr in fragments) for w in f.warnings)


def test_hyphen_list_with_trailing_unstated_percent_additive():
    f = parse("1 M LiPF6 EC-DMC (1:1 v) 2% VC")
    assert table(f) == {
        "LiPF6": ("salt", 1.0, "M"),
        "EC": ("solvent", 0.5, "vol_frac"),
        "DMC": ("solvent", 0.5, "vol_frac"),
        "VC": ("additive", 2.0, "wt%"),
    }
    assert has_warning(f, "VC", "read as wt%")
    assert f.canonical == "LiPF6 1 M | DMC 0.5 vol, EC 0.5 vol | VC 2 wt%"


def test_salt_solvent_hyphen_and_plus_additive():
    f = parse("1 M LiClO4-PC + 5% FEC")
    assert table(f) == {
        "LiClO4": ("salt", 1.0, "M"),
        "PC": ("solvent", 1.0, "vol_frac"),
        "FEC": ("additive", 5.0, "wt%"),
    }


def test_dual_salt_with_weight_ratio():
    f = parse("0.6M LiTFSI 0.4M LiBOB EC-EMC (5:5 wt)")
    assert table(f) == {
        "LiTFSI": ("salt", 0.6, "M"),
        "LiBOB": ("salt", 0.4, "M"),
        "EC": ("solvent", 0.5, "wt_frac"),
        "EMC": ("solvent", 0.5, "wt_frac"),
    }
    assert f.warnings == ()
    assert f.canonical == parse("0.4 M LiBOB + 0.6 M LiTFSI in EMC/EC (1:1 w/w)").canonical


@pytest.mark.parametrize(
    "text",
    [
        "1 M LiPF6-EC/DEC (1:1 vol.)",
        "1M LiPF6 EC/DEC (v 1:1)",
        "1 M LiPF6 in EC:DEC = 1:1 (v/v)",
        "1 M LiPF6 in EC/DEC (1/1, v/v)",
        "1.0 M LiPF6 in EC/DEC (50:50 vol%)",
        "LiPF6 (1.0 M) in DEC/EC (1:1 by volume)",
        "1 M LiPF6 in EC–DEC (1∶1 v/v)",  # en dash, ratio colon
        "1 M LiPF6 in EC／DEC（1：1 v/v）",  # full-width forms
        "1 mol/L LiPF6 in EC/DEC 1:1 v/v",
        "1 mol L−1 LiPF6 in EC/DEC (1:1 in volume)",
    ],
)
def test_the_same_carbonate_electrolyte_however_written(text):
    f = parse(text)
    assert f.canonical == "LiPF6 1 M | DEC 0.5 vol, EC 0.5 vol | -"
    assert not has_warning(f, "assumed volume")


def test_lithium_fsi_with_basis_first():
    f = parse("1M LiFSI EC/DEC (v 1:1)")
    assert table(f) == {
        "LiFSI": ("salt", 1.0, "M"),
        "EC": ("solvent", 0.5, "vol_frac"),
        "DEC": ("solvent", 0.5, "vol_frac"),
    }


def test_lhce_with_mole_ratio_of_solvent_and_diluent():
    f = parse("1.2M LiFSI DMC-BTFE (1:2 mol)")
    assert table(f) == {
        "LiFSI": ("salt", 1.2, "M"),
        "DMC": ("solvent", 0.3333, "mol_frac"),
        "BTFE": ("diluent", 0.6667, "mol_frac"),
    }
    assert f.by_role() == {"salt": ["LiFSI"], "solvent": ["DMC"], "diluent": ["BTFE"], "additive": []}


def test_coefficient_string():
    f = parse("LiFSI-1.2DME-3TTE")
    assert table(f) == {
        "LiFSI": ("salt", 1.0, "mol_ratio"),
        "DME": ("solvent", 1.2, "mol_ratio"),
        "TTE": ("diluent", 3.0, "mol_ratio"),
    }
    assert f.canonical == "LiFSI 1 eq | DME 1.2 eq, TTE 3 eq | -"
    assert f.canonical == parse("LiFSI:DME:TTE = 1:1.2:3 (molar ratio)").canonical
    assert f.canonical == parse("2 LiFSI - 2.4 DME - 6 TTE").canonical


def test_spaced_coefficient_string_reports_the_ambiguous_tms():
    f = parse("1 LiFSI - 3 TMS- 3 TTE")
    assert table(f) == {
        "LiFSI": ("salt", 1.0, "mol_ratio"),
        "SL": ("solvent", 3.0, "mol_ratio"),
        "TTE": ("diluent", 3.0, "mol_ratio"),
    }
    assert has_warning(f, "'TMS' is ambiguous", "sulfolane", "tetramethylsilane")


def test_mole_ratio_including_salt_and_additive():
    f = parse("LiFSI-AN-VC (0.52:1:0.09 molar)")
    assert table(f) == {
        "LiFSI": ("salt", 1.0, "mol_ratio"),
        "AN": ("solvent", round(1 / 0.52, 4), "mol_ratio"),
        "VC": ("additive", round(0.09 / 0.52, 4), "mol_ratio"),
    }


def test_liquefied_gas_with_cosolvent_dosed_in_molar():
    f = parse("1.2M LiTFSI 1M AN in FM")
    assert table(f) == {
        "LiTFSI": ("salt", 1.2, "M"),
        "FM": ("solvent", 1.0, "vol_frac"),
        "AN": ("additive", 1.0, "M"),
    }
    assert f.additives[0].vocabulary_role == "solvent"


def test_glyme_by_name():
    f = parse("1 M LiFSI in tetraglyme")
    assert table(f) == {"LiFSI": ("salt", 1.0, "M"), "G4": ("solvent", 1.0, "vol_frac")}
    assert f.canonical == parse("1 M LiFSI in TEGDME").canonical == parse("1M LiFSI G4").canonical


def test_nested_in_makes_the_outer_salts_additives():
    f = parse("0.1 M Li2S5 + 5% LiNO3 in 1 M LiTFSI in DOL/DME (1:1 vol)")
    assert table(f) == {
        "LiTFSI": ("salt", 1.0, "M"),
        "DOL": ("solvent", 0.5, "vol_frac"),
        "DME": ("solvent", 0.5, "vol_frac"),
        "Li2S5": ("additive", 0.1, "M"),
        "LiNO3": ("additive", 5.0, "wt%"),
    }
    assert f.by_role()["salt"] == ["LiTFSI"]
    assert has_warning(f, "LiNO3", "read as wt%")


def test_diluent_at_percent_concentration_with_a_ratio_over_the_solvents():
    f = parse("1.8 M LiFSI/DME (1 : 1) with HFME at 50% concentration")
    assert table(f) == {
        "LiFSI": ("salt", 1.8, "M"),
        "DME": ("solvent", 0.5, "vol_frac"),
        "HFME": ("diluent", 0.5, "vol_frac"),
    }
    assert has_warning(f, "read as DME:HFME")
    assert has_warning(f, "no basis; assumed volume")
    assert has_warning(f, "'HFME' is ambiguous")


def test_diluent_at_percent_without_a_ratio():
    f = parse("1 M LiFSI in DME with TTE at 75% concentration")
    assert table(f)["TTE"] == ("diluent", 0.75, "vol_frac")
    assert table(f)["DME"] == ("solvent", 0.25, "vol_frac")


def test_at_percent_that_contradicts_the_ratio_is_an_error():
    with pytest.raises(InvalidValue, match="HFME is 50% of the solvents by the ratio but 'at 30 %'"):
        parse("1.8 M LiFSI/DME (1 : 1) with HFME at 30% concentration")


@pytest.mark.parametrize(
    ("text", "name", "amount"),
    [
        ("5wt% FEC", "FEC", 5.0),
        ("0.25wt% 12-Crown-4", "12-crown-4", 0.25),
        ("2 wt.% LiNO3", "LiNO3", 2.0),
        ("10 % wt FEC", "FEC", 10.0),
    ],
)
def test_additive_fragments(text, name, amount):
    f = parse(text)
    assert table(f) == {name: ("additive", amount, "wt%")}
    assert f.warnings == ()


def test_volume_percent_additive():
    f = parse("1 M LiPF6 in EC/DEC (1:1 v/v) + 10 vol% FEC")
    assert table(f)["FEC"] == ("additive", 10.0, "vol%")


def test_solvent_blend_without_salt():
    f = parse("EC:DMC = 1:1 (v/v)")
    assert table(f) == {"EC": ("solvent", 0.5, "vol_frac"), "DMC": ("solvent", 0.5, "vol_frac")}


def test_concentration_after_the_salt():
    assert table(parse("LiPF6 (1.0 M)")) == {"LiPF6": ("salt", 1.0, "M")}
    assert table(parse("LiPF6 1M in PC"))["LiPF6"] == ("salt", 1.0, "M")


@pytest.mark.parametrize(
    "text",
    [
        "1 mol/kg LiTFSI in G4",
        "LiTFSI in G4 (1 mol/kg)",
        "1 m LiTFSI in G4",
        "1 mol kg-1 LiTFSI in G4",
        "LiTFSI/G4 1 mol/kg",
    ],
)
def test_molality(text):
    assert table(parse(text))["LiTFSI"] == ("salt", 1.0, "m")


def test_millimolar_is_converted():
    assert table(parse("1 M LiPF6 in PC + 50 mM LiNO3"))["LiNO3"] == ("additive", 0.05, "M")


@pytest.mark.parametrize(
    "text",
    [
        "4 M LiFSI in DME",
        "LiFSI-DME (1:1.4 mol)",
        "lithium bis(fluorosulfonyl)imide/1,2-dimethoxyethane",
        "LiFSI/DME",
        "LiFSA in glyme",
    ],
)
def test_hce_notations_name_the_same_components(text):
    f = parse(text)
    assert f.by_role()["salt"] == ["LiFSI"]
    assert f.by_role()["solvent"] == ["DME"]
    assert set(f.names()) == {"LiFSI", "DME"}


def test_names_without_amounts_are_reported_not_guessed():
    f = parse("lithium bis(fluorosulfonyl)imide/1,2-dimethoxyethane")
    assert table(f)["LiFSI"] == ("salt", None, None)
    assert not f.complete
    assert has_warning(f, "no concentration stated for LiFSI")


def test_unstated_solvent_ratio_is_reported_not_guessed():
    f = parse("1 M LiPF6 in EC/DMC")
    assert table(f)["EC"] == ("solvent", None, None)
    assert f.canonical == "LiPF6 1 M | DMC ?, EC ? | -"
    assert has_warning(f, "ratio of EC/DMC is not stated")


def test_unstated_ratio_basis_defaults_to_volume_with_a_warning():
    f = parse("1 M LiTFSI in DOL:DME (1:1)")
    assert table(f)["DOL"] == ("solvent", 0.5, "vol_frac")
    assert has_warning(f, "DOL:DME = 1:1 has no basis; assumed volume")


def test_ratio_including_a_salt_is_a_mole_ratio():
    f = parse("LiFSI/DME (1:1.4)")
    assert table(f)["DME"] == ("solvent", 1.4, "mol_ratio")
    assert has_warning(f, "read as a mole ratio")
    with pytest.raises(InvalidValue, match="must be a mole ratio"):
        parse("LiFSI/DME (1:1.4 v/v)")


def test_salts_before_the_solvent_are_salts_and_after_it_additives():
    f = parse("1 M LiTFSI + 0.2 M LiNO3 in DOL/DME (1:1 by volume)")
    assert f.by_role()["salt"] == ["LiTFSI", "LiNO3"]
    f = parse("1 M LiTFSI in DOL/DME (1:1 by volume) + 0.2 M LiNO3")
    assert table(f)["LiNO3"] == ("additive", 0.2, "M")
    assert table(f)["LiTFSI"] == ("salt", 1.0, "M")
    g = parse("1 M LiPF6 in EC/DEC (1:1 v/v) + 0.05 M CsPF6")
    assert g.by_role()["salt"] == ["LiPF6"] and g.by_role()["additive"] == ["CsPF6"]


def test_several_additives():
    f = parse("1 M LiPF6 in EC/DEC (1:1 v/v) with 2 wt% LiNO3 and 0.5 wt% CuF2")
    assert f.by_role()["additive"] == ["LiNO3", "CuF2"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 M LiFSI in FEC", "FEC"),
        ("1 M LiFSI in BTFEC", "BTFEC"),
        ("1 M LiPF6 in EC", "EC"),
        ("1 M LiFSI in MeTHF", "MeTHF"),
        ("1 M LiFSI in THF", "THF"),
        ("1 M LiFSI in 2-MeTHF", "MeTHF"),
        ("1 M LiTFSI in DEC", "DEC"),
    ],
)
def test_names_inside_other_names_match_longest_first(text, expected):
    assert [c.name for c in parse(text).solvents] == [expected]


def test_hyphenated_names_are_not_split():
    f = parse("1 M LiPF6 in EC/DMC (1:1 v/v) + 1 wt% 12-crown-4")
    assert f.by_role()["additive"] == ["12-crown-4"]


def test_ambiguous_dee_is_reported():
    f = parse("1 M LiFSI in DEE")
    assert f.by_role()["solvent"] == ["DEE"]
    assert has_warning(f, "'DEE' is ambiguous", "diethyl ether")


def test_review_wording_for_fec():
    f = parse("1 M LiPF6 in EC/DEC (1:1 v/v) + 10 vol% fluoroethylene carbonate")
    assert table(f)["FEC"] == ("additive", 10.0, "vol%")


def test_to_dict_is_json_serialisable_and_complete():
    f = parse("1 M LiPF6 EC-DMC (1:1 v) 2% VC")
    data = json.loads(json.dumps(f.to_dict()))
    assert data["canonical"] == f.canonical
    assert data["complete"] is True
    assert data["salts"] == [{"name": "LiPF6", "role": "salt", "amount": 1.0, "unit": "M", "vocabulary_role": "salt"}]
    assert [s["name"] for s in data["solvents"]] == ["EC", "DMC"]
    assert data["warnings"] == list(f.warnings)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty electrolyte description"),
        ("   ", "empty electrolyte description"),
        ("hello world", "cannot read 'hello' at character 1"),
        ("1 M LiPF6 in EC/DMC (1:1 v/v) + 2% XYZ", "cannot read 'XYZ' at character 36"),
        ("1 M LiFSI in TMS-FNFSI", "cannot read 'FNFSI' in 'TMS-FNFSI' at character 18"),
        ("1 M LiFSI in tetraglyne", "did you mean 'tetraglyme'"),
        ("1 M", "amount '1 M' at character 1 of '1 M' is not attached to any chemical"),
        ("1 M LiPF6 in EC/DMC (1:1:1 v/v)", "ratio '1:1:1' at character 22 has 3 numbers"),
        ("1 M LiPF6 in EC/DMC (1:1 v/v", "unclosed '(' at character 21"),
        ("1 M LiPF6 in EC/DMC 1:1 v/v)", "unbalanced ')' at character 28"),
        ("1 M LiPF6 in 3 EC", "'EC' has a mole-ratio coefficient but the salts are given as"),
        ("M LiPF6 in PC", "unit 'M' at character 1 of 'M LiPF6 in PC' has no number"),
        ("1.5 LiPF6 M", "unit 'M' at character 11 of"),
        ("1 M LiPF6 in PC 7", "number '7' at character 17 of '1 M LiPF6 in PC 7' is not"),
        ("1 M LiPF6 in PC (fresh)", "cannot read 'fresh' at character 18"),
        ("1 M LiPF6 in Cu", "'Cu' at character 14 of '1 M LiPF6 in Cu' is a host material"),
        ("1 M LiPF6 in PC/PC", "names PC a second time"),
        ("1 M LiPF6 in EC/DMC (v/v)", "basis '(v/v)' at character 21 of"),
        ("1 M LiPF6 in EC/DMC (1:1 v/v) (w/w)", "contradicts the basis 'vol'"),
        ("1 M LiPF6 in PC at 5", "'at' at character 17 of '1 M LiPF6 in PC at 5' is not followed"),
        ("LiFSI-DME (1:1.2 v/v w/w)", "conflicting ratio bases"),
        ("1 M LiPF6 (2 M) in PC", "is a second amount for 'LiPF6'"),
        ("1 M LiPF6 1 M LiTFSI in DME (3 mol/kg)", "there is no salt without a concentration"),
        ("1 M LiPF6 in PC + 5 wt%", "after '+' is not followed by the chemical it doses"),
    ],
)
def test_unreadable_input_fails_with_a_precise_message(text, message):
    with pytest.raises(InvalidValue) as error:
        parse(text)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_try_parse_returns_the_message_instead_of_raising():
    f, error = try_parse("LP40")
    assert f is None and "cannot read 'LP40'" in error
    f, error = try_parse("1 M LiPF6 in PC")
    assert error is None and f.by_role()["salt"] == ["LiPF6"]


# --- properties ------------------------------------------------------------

SOLVENTS = ["EC", "DMC", "DEC", "EMC", "PC", "DME", "DOL", "TTE", "BTFE", "FEC", "G2", "THF"]
SALTS = ["LiPF6", "LiFSI", "LiTFSI", "LiBF4", "LiDFOB", "LiClO4"]
BASES = {
    "vol": ["v/v", "vol", "by volume", "v"],
    "wt": ["w/w", "wt", "by weight"],
    "mol": ["mol", "molar ratio", "by mol"],
}


@settings(max_examples=150, deadline=None)
@given(
    salt=st.sampled_from(SALTS),
    conc=st.sampled_from([0.5, 1.0, 1.2, 2.0, 4.0]),
    solvents=st.lists(st.sampled_from(SOLVENTS), min_size=2, max_size=3, unique=True),
    parts=st.lists(st.integers(1, 9), min_size=3, max_size=3),
    basis=st.sampled_from(sorted(BASES)),
    spelling=st.data(),
    scale=st.sampled_from([1, 2, 10]),
    sep=st.sampled_from(["/", "-", ":", " / "]),
)
def test_canonical_does_not_depend_on_how_the_electrolyte_is_written(
    salt, conc, solvents, parts, basis, spelling, scale, sep
):
    parts = parts[: len(solvents)]
    ratio = ":".join(map(str, parts))
    first = f"{conc} M {salt} in {'/'.join(solvents)} ({ratio} {BASES[basis][0]})"
    order = list(reversed(range(len(solvents))))
    word = spelling.draw(st.sampled_from(BASES[basis]))
    scaled = ":".join(str(parts[i] * scale) for i in order)
    second = f"{salt} ({conc} M) {sep.join(solvents[i] for i in order)} ({scaled}, {word})"
    a, b = parse(first), parse(second)
    assert a.canonical == b.canonical
    assert sorted(a.names("solvent") + a.names("diluent")) == sorted(solvents)
    assert sum(c.amount for c in a.solvents) == pytest.approx(1.0)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("0123456789.:-/+()% MmLiPFSECDvwtol,=")), max_size=30))
def test_any_input_parses_or_fails_with_invalid_value(text):
    try:
        f = parse(text)
    except InvalidValue as error:
        assert str(error)
    else:
        json.dumps(f.to_dict())
