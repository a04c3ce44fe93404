"""Kim et al. (PNAS 2023) elemental descriptors, with the paper's worked checks."""

import json

import pytest

from cedb.chemistry.descriptors import (
    DESCRIPTOR_KEYS,
    component_moles,
    describe,
)
from cedb.chemistry.electrolyte import parse
from cedb.chemistry.formula import molar_mass_g_mol
from cedb.errors import InvalidValue


def test_worked_check_lipf6_ec_dmc():
    d = describe("1M LiPF6 EC-DMC (3:7 v/v)", convention="kim2023")
    assert d.convention == "kim2023"
    # Without a percent additive the two conventions give the same moles.
    assert describe("1M LiPF6 EC-DMC (3:7 v/v)").values == d.values
    assert d.values["C"] == pytest.approx(0.2516, abs=1e-4)
    assert d.values["O"] == pytest.approx(0.2516, abs=1e-4)
    assert d.values["F"] == pytest.approx(0.03928, abs=1e-4)
    # FC and InOr are printed to three decimals (0.156, 1.182), so they are checked at
    # that precision and, to 1e-4, against the values implied by the printed F, O, C
    # (P atoms = F/6 for LiPF6): FC = F/C, InOr = (O + F + P)/C.
    assert round(d.values["FC"], 3) == 0.156
    assert round(d.values["InOr"], 3) == 1.182
    assert d.values["FC"] == pytest.approx(0.03928 / 0.2516, abs=1e-4)
    assert d.values["InOr"] == pytest.approx((0.2516 + 0.03928 + 0.03928 / 6) / 0.2516, abs=1e-4)


def test_worked_check_litfsi_dme():
    assert describe("3.57 M LiTFSI DME").values["F"] == pytest.approx(0.1014, abs=1e-4)


def test_output_keys_are_exactly_the_papers():
    d = describe("1M LiPF6 EC-DMC (3:7 v/v)")
    assert tuple(d.values) == DESCRIPTOR_KEYS
    assert DESCRIPTOR_KEYS == ("F", "O", "C", "sF", "aF", "sO", "aO", "sC", "aC", "FC", "OC", "FO", "InOr")
    data = json.loads(json.dumps(d.to_dict()))
    assert set(data["descriptors"]) == set(DESCRIPTOR_KEYS)
    assert data["convention"] == "physical"  # cedb's default


def test_solvent_and_anion_sides_add_up():
    d = describe("1.2M LiFSI DME-TTE (1:3 mol)", densities_g_mL={"TTE": 1.5})
    for x in "FOC":
        assert d.values[f"s{x}"] + d.values[f"a{x}"] == pytest.approx(d.values[x])
    assert d.values["aC"] == 0  # LiFSI has no carbon
    assert d.anion_side == ("LiFSI",)


def test_volume_ratio_moles():
    moles = component_moles("1M LiPF6 EC-DMC (3:7 v/v)")
    assert moles["EC"] == pytest.approx(300 * 1.32 / molar_mass_g_mol("C3H4O3"))
    assert moles["DMC"] == pytest.approx(700 * 1.07 / molar_mass_g_mol("C3H6O3"))
    assert moles["LiPF6"] == 1.0


def test_weight_ratio_scales_masses_so_volumes_add_to_one_litre():
    moles = component_moles("1 M LiPF6 in EC/DMC (1:1 w/w)")
    volume_mL = moles["EC"] * molar_mass_g_mol("C3H4O3") / 1.32 + moles["DMC"] * molar_mass_g_mol("C3H6O3") / 1.07
    assert volume_mL == pytest.approx(1000)
    assert moles["EC"] * molar_mass_g_mol("C3H4O3") == pytest.approx(moles["DMC"] * molar_mass_g_mol("C3H6O3"))


def test_mole_ratio_with_salt_in_molar_scales_moles_so_volumes_add_to_one_litre():
    moles = component_moles("1.2 M LiPF6 in EC/DMC (1:2 mol)")
    assert moles["DMC"] == pytest.approx(2 * moles["EC"])
    volume_mL = moles["EC"] * molar_mass_g_mol("C3H4O3") / 1.32 + moles["DMC"] * molar_mass_g_mol("C3H6O3") / 1.07
    assert volume_mL == pytest.approx(1000)
    assert moles["LiPF6"] == 1.2


def test_pure_mole_ratio_coefficients_are_the_moles():
    moles = component_moles("LiFSI-1.2DME-3TTE")
    assert moles == {"DME": 1.2, "TTE": 3.0, "LiFSI": 1.0}
    d = describe("LiFSI-1.2DME-3TTE")
    # LiFSI F2LiNO4S2 (10 atoms, 2 F), DME C4H10O2 (16 atoms), TTE C5H4F8O (18 atoms, 8 F)
    total = 10 + 1.2 * 16 + 3 * 18
    assert d.values["F"] == pytest.approx((2 + 24) / total)
    assert d.values["aF"] == pytest.approx(2 / total)


def test_molality_uses_the_solvent_mass():
    moles = component_moles("1 mol/kg LiTFSI in DME")
    assert moles["LiTFSI"] == pytest.approx(0.867)  # 1 L DME weighs 0.867 kg


def test_additive_percent_kim_convention_adds_that_volume_on_top():
    moles = component_moles("1 M LiPF6 EC-DMC (1:1 v) 2% VC", convention="kim2023")
    assert moles["VC"] == pytest.approx(20 * 1.355 / molar_mass_g_mol("C3H2O3"))
    assert moles["VC"] == pytest.approx(
        component_moles("1 M LiPF6 EC-DMC (1:1 v) 2 vol% VC", convention="kim2023")["VC"]
    )


def test_additive_percent_physical_convention_is_a_true_mass_fraction():
    f = parse("1 M LiPF6 EC-DMC (1:1 v) 2 wt% VC")
    d = describe(f, convention="physical")
    assert d.convention == "physical"
    masses = {
        name: n * molar_mass_g_mol({"EC": "C3H4O3", "DMC": "C3H6O3", "LiPF6": "LiPF6", "VC": "C3H2O3"}[name])
        for name, n in d.moles.items()
    }
    assert masses["VC"] / sum(masses.values()) == pytest.approx(0.02)
    assert describe(f, convention="kim2023").values["F"] != d.values["F"]


def test_additive_vol_percent_physical_convention_is_a_volume_fraction():
    d = describe("1 M LiPF6 EC-DMC (1:1 v) 10 vol% VC", convention="physical")
    vc_mL = d.moles["VC"] * molar_mass_g_mol("C3H2O3") / 1.355
    assert vc_mL / (1000 + vc_mL) == pytest.approx(0.10)
    assert any("salt's own volume is neglected" in w for w in d.warnings)


def test_salt_additive_counts_on_the_anion_side():
    d = describe("1 M LiTFSI in DOL/DME (1:1 v/v) + 0.2 M LiNO3")
    assert set(d.anion_side) == {"LiTFSI", "LiNO3"}
    assert d.moles["LiNO3"] == pytest.approx(0.2)


def test_species_dosed_in_molar_that_are_not_neutral_additives_count_as_anion_side():
    d = describe("1.2M LiTFSI 1M AN in FM", densities_g_mL={"FM": 0.8})
    assert set(d.anion_side) == {"LiTFSI", "AN"}
    assert d.values["aC"] > 0


def test_neutral_additive_dosed_in_molar_counts_on_the_solvent_side():
    d = describe("1 M LiPF6 in EC/DMC (1:1 v/v) + 0.1 M VC")
    assert d.anion_side == ("LiPF6",)


def test_missing_density_is_a_precise_error():
    with pytest.raises(
        InvalidValue,
        match="no density at 25 °C for BTFE, needed for its mole share .*--density BTFE=G_PER_ML.*cedb chem add BTFE",
    ):
        describe("1.2M LiFSI DMC-BTFE (1:2 mol)")
    d = describe("1.2M LiFSI DMC-BTFE (1:2 mol)", densities_g_mL={"BTFE": 1.4})
    assert d.values["F"] > 0


def test_incomplete_formulations_say_what_is_missing():
    with pytest.raises(InvalidValue, match="no amount for EC, DMC .*ratio of EC/DMC is not stated"):
        describe("1 M LiPF6 in EC/DMC")
    with pytest.raises(InvalidValue, match="names no solvent"):
        describe("5wt% FEC")


def test_unknown_convention_is_rejected():
    with pytest.raises(InvalidValue, match="unknown convention 'paper'"):
        describe("1 M LiPF6 in PC", convention="paper")


def test_undefined_ratios_are_none_with_a_warning():
    d = describe("LiFSI-1.2DME")
    assert d.values["FO"] is not None
    d = describe("LiPF6-10AN")
    assert d.values["FO"] is None
    assert any("FO is undefined" in w for w in d.warnings)
    json.dumps(d.to_dict())


# --- a CSV column of electrolytes (the library behind `cedb electrolyte describe --input`)


def test_describe_csv_describes_each_row_and_keeps_failed_ones_in_place(tmp_path):
    import csv
    from pathlib import Path

    from cedb.chemistry.descriptors import describe_csv

    path = Path(__file__).parent / "fixtures" / "electrolytes.csv"
    with open(path, newline="", encoding="utf-8") as handle:
        labelled = list(csv.DictReader(handle))
    table = describe_csv(path, column="text", convention="kim2023")
    assert len(table.rows) == len(labelled)
    assert table.columns[:4] == ["text", "category", "style", "expected"] and table.columns[-1] == "error"
    # Each failure names its line in the file, and its row keeps its place with the reason.
    failed = dict(table.failures)
    assert {i for i, r in enumerate(labelled, 2) if r["expected"] == "error"} <= set(failed)  # unparsable
    for line, row in enumerate(table.rows, 2):
        assert row["text"] == labelled[line - 2]["text"]
        assert row.get("error") == failed.get(line)
    ok = next(r for r in table.rows if "error" not in r)
    assert ok["convention"] == "kim2023" and set(DESCRIPTOR_KEYS) <= set(ok)
    one = describe(parse(ok["text"]), convention="kim2023")
    assert [ok[k] for k in DESCRIPTOR_KEYS] == [one.values[k] for k in DESCRIPTOR_KEYS]


def test_describe_csv_refuses_a_missing_column_and_columns_it_would_overwrite(tmp_path):
    from cedb.chemistry.descriptors import describe_csv
    from cedb.errors import NotFound

    path = tmp_path / "e.csv"
    path.write_text("electrolyte,F\n1 M LiPF6 in EC/DEC (1:1 v/v),x\n", encoding="utf-8")
    with pytest.raises(InvalidValue, match="no column 'text'"):
        describe_csv(path, column="text")
    with pytest.raises(InvalidValue, match="already has column\\(s\\) F; rename them"):
        describe_csv(path, column="electrolyte")
    with pytest.raises(NotFound):
        describe_csv(tmp_path / "none.csv", column="electrolyte")
