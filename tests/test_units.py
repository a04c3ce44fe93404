"""Quantities with units -> canonical units, and the validation of every result field (cedb.units, cedb.results)."""

import pytest

from cedb import units
from cedb.errors import InvalidValue
from cedb.results import normalise, normalise_field

J, Q = units.CURRENT_DENSITY, units.AREAL_CAPACITY


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (2, 2.0),
        (2.5, 2.5),
        ("2", 2.0),
        (" 2 ", 2.0),
        (".5", 0.5),
        ("20 A/m^2", 2.0),
        ("20 A m-2", 2.0),
        ("500 uA cm-2", 0.5),
        ("500 µA cm⁻²", 0.5),
        ("500 μA/cm2", 0.5),
        ("2 mA cm−2", 2.0),  # the PDF minus sign
        ("2 mA cm^-2", 2.0),
        ("2 mA/cm2", 2.0),
        ("2mA/cm2", 2.0),
        ("2 mA·cm⁻²", 2.0),
        ("2 mA / cm^2", 2.0),
        ("0.002 A/cm^2", 2.0),
        ("1e-3 A/cm2", 1.0),
        ("20 mA/mm^2", 2000.0),
    ],
)
def test_current_density_in_any_unit_is_stored_in_mA_cm2(text, expected):
    assert units.to_canonical(text, J) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3", 3.0),
        ("3 mAh/cm2", 3.0),
        ("3 mAh cm-2", 3.0),
        ("3 mAh cm⁻²", 3.0),
        ("3 mA h cm-2", 3.0),
        ("3 mA*h/cm^2", 3.0),
        ("0.003 Ah/cm2", 3.0),
        ("30 A h m-2", 3.0),
        ("3000 uAh/cm2", 3.0),
        ("10.8 C/cm^2", 3.0),  # 3 mAh = 10.8 C
    ],
)
def test_areal_capacity_in_any_unit_is_stored_in_mAh_cm2(text, expected):
    assert units.to_canonical(text, Q) == expected


@pytest.mark.parametrize("text", ["1.5 g/Ah", "1.5 g Ah-1", "1.5 g Ah⁻¹", "1.5 mg/mAh", "1.5 g/(A h)", "1.5"])
def test_ec_ratio_units(text):
    # "g/Ah" must be g/(A*h), not (g/A)*h.
    assert units.to_canonical(text, units.EC_RATIO) == pytest.approx(1.5)


@pytest.mark.parametrize("text", ["25", "25 °C", "25 degC", "25 deg C", "298.15 K", "77 degF", "25 ℃"])
def test_temperature_units(text):
    assert units.to_canonical(text, units.TEMPERATURE) == pytest.approx(25.0)


def test_conversions_carry_no_float_noise():
    # 20 A/m^2 * 1e-4 is 1.9999999999999998 in plain floats; the stored value is exactly 2.
    assert units.to_canonical("20 A/m^2", J) == 2.0
    assert units.to_canonical("0.3 A/m^2", J) == 0.03


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2 mA", "wrong unit"),
        ("2 mAh/cm2", "wrong unit"),
        ("2 %", "wrong unit"),
        ("2 ppm", "wrong unit"),
        ("abc", "cannot read"),
        ("mA/cm2", "cannot read"),  # a bare unit is not 1 mA cm-2
        ("1/0 mA/cm2", "cannot read"),
        ("10**10000 mA/cm^2", "cannot read"),
        ("(( mA", "cannot read"),
        ("2 mA cm-2)", "cannot read"),
        ("3,5", "comma"),  # 3.5 or 35? refused, not guessed
        ("1,000", "comma"),
        ("", "empty"),
        ("   ", "empty"),
        ("nan", "finite"),
        ("inf", "finite"),
        (float("nan"), "finite"),
        (True, "not a number"),
    ],
)
def test_unreadable_or_wrong_current_density_is_one_clear_error(text, message):
    with pytest.raises(InvalidValue, match=message) as caught:
        units.to_canonical(text, J)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("text", ["3 mA/cm2", "3 mAh", "3 A h"])
def test_capacity_with_the_wrong_unit(text):
    with pytest.raises(InvalidValue, match="areal capacity .* has the wrong unit: expected mAh cm⁻²"):
        units.to_canonical(text, Q)


@pytest.mark.parametrize("value", ["-1", -1, 0, "0", "-20 A/m^2", "−2 mA cm−2", "0 mA/cm2"])
def test_positive_quantities_refuse_zero_and_negatives(value):
    with pytest.raises(InvalidValue, match="must be positive"):
        units.positive(value, J)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("99.6", 99.6),
        (99.6, 99.6),
        ("99.6 %", 99.6),
        ("99.6%", 99.6),
        (100, 100.0),
        ("1.5", 1.5),
        (50, 50.0),
    ],
)
def test_ce_percent_accepted(value, expected):
    assert units.ce_percent(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("100.0001", "above 100"),
        (101, "above 100"),
        (1, "fraction"),
        ("1.0", "fraction"),
        (0.996, r"fraction: give it in percent \(99.6 for 0.996\)"),
        (0.5, "fraction"),
        (0, "must be positive"),
        (-99.6, "must be positive"),
        ("abc", "not a number"),
        ("99,6", "not a number"),
        (True, "not a number"),
        (float("nan"), "finite"),
        (float("inf"), "finite"),
    ],
)
def test_ce_percent_refused(value, message):
    with pytest.raises(InvalidValue, match=message):
        units.ce_percent(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("150", 150),
        (150, 150),
        (150.0, 150),
        ("1,000", 1000),
        ("12,345", 12345),
        ("1e3", 1000),
    ],
)
def test_cycles_accepted(value, expected):
    assert units.cycles(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("150.5", "whole number"),
        (150.5, "whole number"),
        ("1,5", "whole number"),
        ("abc", "whole number"),
        ("inf", "whole number"),
        (True, "whole number"),
        (0, "at least 1"),
        ("-3", "at least 1"),
    ],
)
def test_cycles_refused(value, message):
    with pytest.raises(InvalidValue, match=message):
        units.cycles(value)


# --------------------------------------------------------------------------- every field of a result


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("cell", "Li||Cu", "li-cu"),
        ("cell", "Li|Cu", "li-cu"),
        ("cell", "Li‖Cu", "li-cu"),
        ("cell", "Li || Cu", "li-cu"),
        ("cell", "half cell", "li-cu"),
        ("cell", "Li||Li", "li-li"),
        ("cell", "anode free", "anode-free"),
        ("method", "Aurbach's method", "aurbach"),
        ("method", "CONVENTIONAL", "conventional"),
        ("category", "composite", "composite-anode"),
        ("category", "Electrolyte engineering", "electrolyte"),
        ("statistic", "avg", "average"),
        ("statistic", "over", "exceeding"),
        ("status", "verified", "verified"),
        ("full_cell_derived", "#", True),
        ("full_cell_derived", "no", False),
        ("method_params", '{"n": 10, "q_t": 5}', '{"n": 10, "q_t": 5}'),
        ("np_ratio", "1.8", 1.8),
        ("temperature", "-20 degC", -20.0),
        ("current", "20 A/m^2", 2.0),
        ("capacity", "3 mAh/cm2", 3.0),
        ("cathode_loading", "5.2", 5.2),
        ("e/c", "1.4 g/Ah", 1.4),
        ("label", "  RCF host  ", "RCF host"),
        ("note", "", None),
    ],
)
def test_normalise_field(name, value, expected):
    assert normalise_field(name, value) == expected


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("cell", "coin", "cell 'coin' is not known: use one of li-cu"),
        ("method", "guess", "method 'guess' is not known"),
        ("category", "magic", "category 'magic' is not known"),
        ("statistic", "median", "statistic 'median' is not known"),
        ("status", "done", "status 'done' is not known"),
        ("full_cell_derived", "maybe", "not true or false"),
        ("method_params", "{not json", "not JSON"),
        ("method_params", "[1, 2]", "must be a mapping"),
        ("np_ratio", "-1", "must be positive"),
        ("np_ratio", "1.8 mA", "wrong unit"),
        ("temperature", "500", "at most 200"),
        ("temperature", "-150 degC", "at least -100"),
        ("ec_ratio", "1.5 g", "wrong unit"),
        ("cathode_loading", "0", "must be positive"),
        ("location", "x" * 201, "at most 200"),
        ("curator", "y" * 101, "at most 100"),
        ("label", "z" * 201, "at most 200"),
        ("note", "a\x00b", "NUL"),
        ("colour", "red", "unknown field 'colour'"),
    ],
)
def test_normalise_field_refused(name, value, message):
    with pytest.raises(InvalidValue, match=message):
        normalise_field(name, value)


def test_normalise_a_whole_result():
    result = normalise(
        {
            "paper": " yan2019 ",
            "ce": "99.6 %",
            "current": "3 mA cm-2",
            "capacity": "3 mAh/cm2",
            "cycles": "150",
            "cell": "Li|Cu",
            "category": "electrolyte",
            "electrolyte": "1 M LiPF6 EC/DEC",
            "additive": "LiNO3",
            "statistic": "average",
            "source": "sun2025review",
            "location": "Fig. 9c",
            "method": "",
        }
    )
    assert result.paper == "yan2019"
    assert result.source == "sun2025review"
    assert result.measurement == {
        "ce_percent": 99.6,
        "current_density_mA_cm2": 3.0,
        "areal_capacity_mAh_cm2": 3.0,
        "cycles": 150,
        "cell": "li-cu",
        "statistic": "average",
        "location": "Fig. 9c",
        "method": "unspecified",
        "ce_decimals": 1,  # "99.6 %" was reported with one decimal
    }
    # The label defaults to the first material named.
    assert result.strategy == {
        "category": "electrolyte",
        "electrolyte": "1 M LiPF6 EC/DEC",
        "additive": "LiNO3",
        "label": "1 M LiPF6 EC/DEC",
    }


def test_normalise_defaults_the_method_so_duplicates_compare_like_with_like():
    assert normalise({"paper": "p", "ce": 99}).measurement == {
        "ce_percent": 99.0,
        "method": "unspecified",
        "ce_decimals": 0,
    }


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"ce": 99}, "needs its paper"),
        ({"paper": "  ", "ce": 99}, "needs its paper"),
        ({"paper": "p"}, "needs its CE"),
        ({"paper": "p", "ce": 99, "label": "x"}, "needs its category"),
        ({"paper": "p", "ce": 99, "flavour": "x"}, "unknown field 'flavour'"),
    ],
)
def test_normalise_refuses_incomplete_results(raw, message):
    with pytest.raises(InvalidValue, match=message):
        normalise(raw)


@pytest.mark.parametrize(
    "quantity",
    [q for q in vars(units).values() if isinstance(q, units.Quantity) and q.spellings],
    ids=lambda q: q.name,
)
def test_every_fast_spelling_is_the_canonical_unit_for_pint(quantity):
    # The fast path skips pint for these spellings: each must be the canonical unit exactly.
    ureg = units.registry()
    for spelling in sorted(quantity.spellings):
        factor = ureg.Quantity(1, units.normalise_unit_text(spelling)).to(quantity.unit).magnitude
        assert factor == pytest.approx(1, rel=1e-12), spelling
        assert units.in_canonical_spelling(f"0.75 {spelling}", quantity) == 0.75
        assert units.to_canonical(f"0.75 {spelling}", quantity) == pytest.approx(0.75, rel=1e-12)


@pytest.mark.parametrize("text", ["0.75 A/m^2", "-1 mA/cm^2", "1,5 mA/cm2", "0 mA/cm2", "0.75", "1e400 mA/cm2"])
def test_unusual_text_is_left_to_pint(text):
    assert units.in_canonical_spelling(text, units.CURRENT_DENSITY) is None


@pytest.mark.parametrize(
    ("unit", "quantity", "expected"),
    [
        # SI prefixes worked by hand: 1 µA = 1e-3 mA, 1 A = 1e3 mA, 1 Ah = 1e3 mAh.
        ("mA cm-2", units.CURRENT_DENSITY, 1.0),
        ("μA cm^-2", units.CURRENT_DENSITY, 0.001),
        ("µA cm^-2", units.CURRENT_DENSITY, 0.001),
        ("uA cm^-2", units.CURRENT_DENSITY, 0.001),
        ("A cm^-2", units.CURRENT_DENSITY, 1000.0),
        ("mA h cm^-2", units.AREAL_CAPACITY, 1.0),
        ("mAh cm^-2", units.AREAL_CAPACITY, 1.0),
        ("μAh cm^-2", units.AREAL_CAPACITY, 0.001),
        ("Ah cm^-2", units.AREAL_CAPACITY, 1000.0),
    ],
)
def test_unit_factor_is_the_one_parsers_conversion(unit, quantity, expected):
    # cedb.extract scales every current and capacity it finds by this one function.
    assert units.factor(unit, quantity) == expected


def test_unit_factor_refuses_a_unit_of_another_quantity():
    with pytest.raises(InvalidValue, match="wrong unit"):
        units.factor("mA cm^-2", units.AREAL_CAPACITY)
