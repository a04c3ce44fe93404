"""The shipped chemical vocabulary: formulas, molar masses, names, ambiguity."""

import csv
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cedb.chemistry.formula import atom_count, hill_formula, molar_mass_g_mol, parse_formula
from cedb.chemistry.smiles import smiles_atoms
from cedb.chemistry.vocabulary import (
    ROLES,
    Chemical,
    Vocabulary,
    check_vocabulary,
    data_path,
    default_vocabulary,
    lookup,
    name_key,
    read_vocabulary,
)
from cedb.errors import InvalidValue


def test_data_path_finds_the_checkout_data_directory():
    assert data_path() == Path(__file__).resolve().parents[1] / "data"
    assert (data_path() / "chemicals.csv").is_file()


def test_the_shipped_vocabulary_passes_every_check():
    assert check_vocabulary() == []


def test_the_vocabulary_covers_the_review_and_lhce_chemicals():
    required = """LiFSI LiTFSI LiPF6 LiBF4 LiDFOB LiBOB LiNO3 LiDFP LiClO4 LiAsF6 Li2S5 LiF CuF2
    DME DOL DEE DMC EC DEC EMC FEC VC PC TEP TMP SL AN FM THF MeTHF G2 G3 G4 DMSO BTFE TTE
    TFEO FDMB F4DEE HFME BTFEC ES 12-crown-4 ISDN TFOFE PFB TO LiI LiIO3 Li2O Li3N Cu ZnO Mo2N
    CNT""".split()
    abbreviations = {c.abbreviation for c in default_vocabulary().chemicals}
    assert set(required) <= abbreviations


def test_roles_are_from_the_documented_set():
    assert {c.role for c in default_vocabulary().chemicals} <= set(ROLES)


def test_molar_masses_are_computed_from_formulas():
    assert molar_mass_g_mol("LiPF6") == pytest.approx(151.905, abs=0.01)
    assert molar_mass_g_mol("LiN(SO2F)2") == pytest.approx(187.07, abs=0.02)
    assert molar_mass_g_mol("LiN(SO2CF3)2") == pytest.approx(287.08, abs=0.01)
    assert molar_mass_g_mol("C4H10O2") == pytest.approx(90.12, abs=0.01)
    assert lookup("EC").chemical.molar_mass_g_mol == pytest.approx(88.06, abs=0.01)


def test_the_csv_has_no_molar_mass_column_to_disagree_with_the_formula():
    header = next(csv.reader(open(data_path() / "chemicals.csv", encoding="utf-8")))
    assert "molar_mass_g_mol" not in header  # only an optional *listed* value to check against


def test_formula_parser_handles_groups_and_rejects_garbage():
    assert parse_formula("LiB(C2O4)2") == {"Li": 1, "B": 1, "C": 4, "O": 8}
    assert parse_formula("LiN(SO2C2F5)2")["F"] == 10
    assert atom_count("LiPF6") == 8
    assert hill_formula("LiN(SO2F)2") == "F2LiNO4S2"
    assert hill_formula("C3H4O3") == "C3H4O3"
    with pytest.raises(InvalidValue, match="unknown element 'Xx'"):
        parse_formula("C3Xx")
    with pytest.raises(InvalidValue, match="unbalanced"):
        parse_formula("Li(SO2")
    with pytest.raises(InvalidValue, match="unexpected character"):
        parse_formula("C3H4O3*")


def test_every_smiles_agrees_with_its_formula():
    for chem in default_vocabulary().chemicals:
        if chem.smiles:
            assert smiles_atoms(chem.smiles) == parse_formula(chem.formula), chem.abbreviation


def test_smiles_counter_counts_implicit_hydrogens():
    assert smiles_atoms("COCCOC") == {"C": 4, "H": 10, "O": 2}
    assert smiles_atoms("O=C1OCCO1") == {"C": 3, "H": 4, "O": 3}
    assert smiles_atoms("[Li+].F[P-](F)(F)(F)(F)F") == {"Li": 1, "P": 1, "F": 6}


@pytest.mark.parametrize(
    ("name", "abbreviation"),
    [
        ("tetraglyme", "G4"),
        ("TEGDME", "G4"),
        ("G4", "G4"),
        ("Tetraethylene glycol dimethyl ether", "G4"),
        ("LiDFP", "LiDFP"),
        ("LiPO2F2", "LiDFP"),
        ("MeTHF", "MeTHF"),
        ("MTHF", "MeTHF"),
        ("2-MeTHF", "MeTHF"),
        ("diglyme", "G2"),
        ("lithium bis(fluorosulfonyl)imide", "LiFSI"),
        ("LiFSA", "LiFSI"),
        ("LiTFSA", "LiTFSI"),
        ("1,2-dimethoxyethane", "DME"),
        ("1,2–dimethoxyethane", "DME"),  # en dash
        ("OTE", "TFOFE"),
        ("ethylene carbonate fluoride", "FEC"),  # the review's wording
        ("LiODFB", "LiDFOB"),
        ("sulpholane", "SL"),
    ],
)
def test_synonyms_and_misspellings_resolve(name, abbreviation):
    result = lookup(name)
    assert result.chemical.abbreviation == abbreviation


@pytest.mark.parametrize(
    ("name", "default", "other"),
    [
        ("DEE", "1,2-diethoxyethane", "diethyl ether"),
        ("TMS", "sulfolane", "tetramethylsilane"),
        ("ES", "ethylene sulfite", "ethyl sulfide"),
        ("Li2Sx", "lithium pentasulfide", "chain length"),
    ],
)
def test_ambiguous_abbreviations_resolve_to_a_default_with_a_warning(name, default, other):
    result = lookup(name)
    assert result.chemical.name == default
    assert len(result.warnings) == 1
    assert "ambiguous" in result.warnings[0] and other in result.warnings[0]


def test_unambiguous_names_have_no_warning():
    assert lookup("1,2-diethoxyethane").warnings == ()
    assert lookup("sulfolane").warnings == ()


def test_short_abbreviations_are_case_sensitive():
    assert lookup("SN").chemical.name == "succinonitrile"
    assert lookup("Sn").chemical.name == "tin"
    with pytest.raises(InvalidValue, match="unknown chemical 'an'"):
        lookup("an")


def test_unknown_names_fail_with_a_suggestion():
    with pytest.raises(InvalidValue, match="unknown chemical 'tetraglyne'.*tetraglym"):
        lookup("tetraglyne")


def test_longest_name_wins_when_matching_in_text():
    vocab = default_vocabulary()
    assert vocab.match_at("BTFEC", 0)[1].abbreviation == "BTFEC"
    assert vocab.match_at("FEC", 0)[1].abbreviation == "FEC"
    assert vocab.match_at("MeTHF/THF", 0)[1].abbreviation == "MeTHF"
    assert vocab.match_at("12-crown-4 ", 0)[0] == "12-crown-4"
    assert vocab.match_at("DEC", 1) is None  # "EC" inside "DEC" is not a name


def _match_by_alternations(vocab: Vocabulary, text: str, pos: int):
    """match_at as it was: the two compiled alternations (now used only for non-ASCII text)."""
    if pos > 0 and text[pos - 1].isalpha():
        return None
    best = None
    for pattern in vocab._matchers:
        m = pattern.match(text, pos)
        if m and (best is None or len(m.group(0)) > len(best)):
            best = m.group(0)
    return None if best is None else (best, vocab.index[name_key(best)])


_NAMES = sorted({n for c in default_vocabulary().chemicals for n in c.names})


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(_NAMES),
            st.sampled_from(_NAMES).map(str.upper),
            st.sampled_from(_NAMES).map(str.lower),
            st.text(alphabet="aAbBcCeEkKsSiIlL0129 -/():;,.+%", max_size=4),
            st.text(max_size=3),
        ),
        max_size=5,
    )
)
def test_match_at_without_compiled_alternations_matches_as_they_do(parts):
    vocab = default_vocabulary()
    text = "".join(parts)
    for pos in range(len(text) + 1):
        assert vocab.match_at(text, pos) == _match_by_alternations(vocab, text, pos), (text, pos)


def test_the_papers_densities_are_used_for_ec_dmc_dme():
    vocab = default_vocabulary()
    assert vocab.get("EC").density_g_mL == 1.32
    assert vocab.get("DMC").density_g_mL == 1.07
    assert vocab.get("DME").density_g_mL == 0.867


def test_densities_always_name_a_source_and_salts_have_none():
    for chem in default_vocabulary().chemicals:
        assert (chem.density_g_mL is None) == (chem.density_source is None), chem.abbreviation
        if chem.role == "salt":
            assert chem.density_g_mL is None, chem.abbreviation


def _vocab(*chemicals: Chemical) -> Vocabulary:
    return Vocabulary(chemicals=chemicals)


def test_check_reports_bad_formulas_masses_duplicates_and_smiles():
    findings = check_vocabulary(
        _vocab(
            Chemical("AAA", "alpha", "solvent", "C2Q"),
            Chemical("BBB", "beta", "solvent", "C2H6O", molar_mass_listed_g_mol=50.0),
            Chemical("CCC", "gamma", "solvent", "CH4O", synonyms=("beta",)),
            Chemical("DDD", "delta", "salt", "CH4", smiles="CC"),
            Chemical("EEE", "epsilon", "solvent", "CH4", density_g_mL=0.9),
            Chemical("FFF", "phi", "reagent", "CH4", ambiguous_names=("FF",)),
        )
    )
    checks = {(f.record, f.check) for f in findings}
    assert ("AAA", "formula") in checks
    assert ("BBB", "molar-mass") in checks
    assert ("CCC", "unique-name") in checks
    assert ("DDD", "smiles") in checks
    assert ("EEE", "density") in checks
    assert ("FFF", "role") in checks
    assert ("FFF", "ambiguous-name") in checks


def test_read_vocabulary_reports_bad_numbers(tmp_path):
    path = tmp_path / "chemicals.csv"
    header = open(data_path() / "chemicals.csv", encoding="utf-8").readline()
    path.write_text(header + "X,x,solvent,CH4,,heavy,,,,,,\n", encoding="utf-8")
    with pytest.raises(InvalidValue, match="line 2: 'heavy' is not a number"):
        read_vocabulary(path)


def test_chemical_to_dict_is_json_ready():
    import json

    data = lookup("LiFSI").chemical.to_dict()
    assert data["molar_mass_g_mol"] == pytest.approx(187.07, abs=0.02)
    assert data["hill_formula"] == "F2LiNO4S2"
    json.dumps(data)


def test_issue_12_vocabulary_size_and_names():
    vocab = default_vocabulary()
    assert len(vocab.chemicals) >= 200
    # Every name issue 12 lists, and the names Kim et al.'s dataset uses that were unknown.
    names = """LiFSI LiTFSI LiPF6 LiBF4 LiDFOB LiBOB LiNO3 LiDFP LiTFPFB LiFNSI KNO3 RbNO3 CsNO3
    CsPF6 F4DEE F5DEE F6DEE FDMB FDMH F2DEM TTE BTFE TFEO OTE HFE TFEB TTFEB BTFEE MTFP P13FSI
    Pyr14FSI FEMC ETFEC TFEC BMC 12-crown-4 15-crown-5 18-crown-6 SL TEP TFEP AN SN""".split()
    for name in names:
        vocab.lookup(name)  # raises for an unknown name
    roles = {c.role for c in vocab.chemicals}
    assert roles == {"salt", "solvent", "diluent", "additive", "host material"}


def test_every_density_has_a_source_and_none_is_invented():
    for chem in default_vocabulary().chemicals:
        assert (chem.density_g_mL is None) == (chem.density_source is None), chem.abbreviation
    # The fluorinated solvents and diluents have no sourced density yet: they stay empty.
    for name in ("FEC", "BTFE", "TTE", "EMC", "F5DEE", "FDMB", "TFEB"):
        assert default_vocabulary().get(name).density_g_mL is None


# --- adding chemicals (the library behind `cedb chem add`)


def test_add_chemical_gives_a_listed_one_a_sourced_density_and_keeps_its_other_values(tmp_path):
    from cedb.chemistry.vocabulary import add_chemical

    path = tmp_path / "chemicals.csv"
    listed = lookup("FEC").chemical
    assert listed.density_g_mL is None  # what this test adds
    written, action = add_chemical("FEC", density_g_mL=1.45, density_source="datasheet", path=path)
    assert (written, action) == (path, "added")
    (mine,) = read_vocabulary(path).chemicals
    assert (mine.density_g_mL, mine.density_source) == (1.45, "datasheet")
    assert (mine.name, mine.formula, mine.role, mine.synonyms) == (
        listed.name,
        listed.formula,
        listed.role,
        listed.synonyms,
    )
    assert add_chemical("FEC", density_g_mL=1.46, density_source="handbook", path=path)[1] == "replaced"


def test_add_chemical_refuses_a_density_without_source_and_a_new_one_without_its_fields(tmp_path):
    from cedb.chemistry.vocabulary import add_chemical

    path = tmp_path / "chemicals.csv"
    with pytest.raises(InvalidValue, match="--density needs --density-source"):
        add_chemical("FEC", density_g_mL=1.45, path=path)
    with pytest.raises(InvalidValue, match="XYZ1 is not in the vocabulary: give --role, --formula"):
        add_chemical("XYZ1", name="a new solvent", path=path)
    assert not path.exists()  # nothing written on a refusal
