"""Electrolyte texts as they are entered (issue 12): parsed once, never silently dropped."""

import json
import warnings

import pytest

from cedb.chemistry.entry import UnparsedElectrolyte, annotate, stated_roles
from cedb.chemistry.vocabulary import (
    Chemical,
    add_user_chemical,
    default_vocabulary,
    read_vocabulary,
    user_vocabulary_path,
)
from cedb.errors import InvalidValue
from cedb.formulations import annotate as store_fields

LHCE = (
    "localized high-concentration electrolyte (LHCE): BTFE introduced as a diluent, "
    "replacing the original dimethyl carbonate (DMC) solvent"
)  # the bundled review's text


def test_prose_roles_are_read_only_where_stated():
    assert stated_roles(LHCE) == [("diluent", "BTFE")]  # DMC is what was replaced
    assert stated_roles("TTE was used as the diluent") == [("diluent", "TTE")]
    assert stated_roles("FEC as co-solvent and LiNO3 as an additive") == [("solvent", "FEC"), ("additive", "LiNO3")]
    assert stated_roles("replacing DMC as solvent") == []
    assert stated_roles("an ether electrolyte with TTE") == []  # named, role not stated


def test_a_parsed_text_gets_canonical_string_and_component_index():
    result = annotate("1 M LiPF6 in FEC/DMC", "2 wt% LiNO3")
    assert result.unparsed is None and result.warning is None
    assert result.fields["electrolyte_canonical"] == "LiPF6 1 M | DMC ?, FEC ? | -"
    assert result.fields["components"] == ("|salt:LiPF6|solvent:FEC|solvent:DMC|additive:LiNO3|")
    assert json.loads(result.fields["formulation"])["complete"] is False


def test_an_unparsed_text_keeps_its_stated_roles_and_says_why():
    result = annotate(LHCE, None)
    assert result.fields["electrolyte_canonical"] is None
    assert result.fields["components"] == "|diluent:BTFE|"
    assert result.unparsed.startswith("cannot read 'localized'")
    assert "cedb chem unparsed" in result.warning


def test_unknown_additive_words_are_reported_not_dropped():
    result = annotate("1 M LiPF6 in EC/DMC (1:1 v/v)", "2 wt% LiNO3 + magic dust")
    assert result.fields["components"].endswith("|additive:LiNO3|")
    assert result.unknown_additives == ("magic dust",)
    assert "magic dust" in result.warning and result.unparsed is None
    # The bundled review's additive text: both salts are found inside the phrase.
    phrase = annotate(None, "LiNO3 with trace CuF2 as a dissolution promoter")
    assert phrase.fields["components"] == "|additive:LiNO3|additive:CuF2|"
    assert phrase.warning is None


def test_the_write_path_hook_warns_once_per_unparsed_text():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fields = store_fields(LHCE, None)
        store_fields("1 M LiPF6 in EC/DMC (1:1 v/v)", None)
    assert fields["components"] == "|diluent:BTFE|"
    assert [w.category for w in caught] == [UnparsedElectrolyte]
    assert "BTFE introduced as a diluent" in str(caught[0].message)


def test_user_vocabulary_adds_and_replaces(tmp_path, monkeypatch):
    mine = tmp_path / "chemicals.csv"
    monkeypatch.setenv("CEDB_CHEMICALS", str(mine))
    assert user_vocabulary_path() == mine
    assert default_vocabulary().get("FEC").density_g_mL is None
    fec = default_vocabulary().get("FEC")
    sourced = Chemical(**{**fec.__dict__, "density_g_mL": 1.45, "density_source": "test input"})
    assert add_user_chemical(sourced) == (mine, "added")
    assert default_vocabulary().get("FEC").density_g_mL == 1.45  # the user's row wins
    assert len(default_vocabulary().chemicals) == len(read_vocabulary(mine).chemicals) + len(
        [c for c in default_vocabulary().chemicals if c.abbreviation != "FEC"]
    )
    clash = Chemical(abbreviation="XEC", name="test", role="solvent", formula="C3H4O3", synonyms=("DMC",))
    with pytest.raises(InvalidValue, match="name 'DMC' also belongs to"):
        add_user_chemical(clash)
    assert [c.abbreviation for c in read_vocabulary(mine).chemicals] == ["FEC"]  # unchanged


def test_an_empty_env_var_turns_the_user_file_off(monkeypatch):
    monkeypatch.setenv("CEDB_CHEMICALS", "")
    assert user_vocabulary_path() is None
    with pytest.raises(InvalidValue, match="CEDB_CHEMICALS is empty"):
        add_user_chemical(default_vocabulary().get("FEC"))
