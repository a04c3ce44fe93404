"""cedb.bibliography: DOIs, keys, LaTeX decoding, BibTeX in and out, Crossref records (pure, no database)."""

import json
from pathlib import Path

import pytest

from cedb import bibliography
from cedb.bibliography import (
    crossref_to_reference,
    find_doi,
    latex_to_text,
    make_key,
    normalise_doi,
    parse_bibtex,
    title_key,
    to_bibtex,
)
from cedb.errors import InvalidValue
from cedb.store.models import Reference

FIXTURES = Path(__file__).resolve().parent / "fixtures"
MESSY = FIXTURES / "bib" / "messy.bib"


# --------------------------------------------------------------------------- DOIs


@pytest.mark.parametrize(
    "text",
    [
        "10.5555/ABC",
        " 10.5555/abc ",
        "https://doi.org/10.5555/ABC",
        "http://doi.org/10.5555/abc",
        "https://dx.doi.org/10.5555/abc",
        "doi:10.5555/abc",
        "DOI: 10.5555/Abc",
        "https://doi.org/10.5555%2Fabc",
        "10.5555/abc.",
    ],
)
def test_normalise_doi_variants(text):
    assert normalise_doi(text) == "10.5555/abc"


def test_normalise_doi_keeps_the_suffix_characters():
    assert normalise_doi("10.1016/S0378-7753(02)00123-4") == "10.1016/s0378-7753(02)00123-4"
    assert normalise_doi("doi:10.5555/Synth.2021_001") == "10.5555/synth.2021_001"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "abc",
        "doi:",
        "10.5555",
        "10.5555/",
        "10.55/abc",
        "11.5555/abc",
        "10.5555/a b",
        "https://example.org/10.5555/abc",
        "refs.bib",
    ],
)
def test_normalise_doi_rejects(text):
    with pytest.raises(InvalidValue, match="is not a DOI"):
        normalise_doi(text)
    assert not bibliography.looks_like_doi(text)


def test_find_doi_prefers_the_doi_field_then_url_then_note():
    assert find_doi({"doi": "10.5555/First", "url": "https://doi.org/10.5555/second"}) == "10.5555/first"
    assert find_doi({"url": "https://doi.org/10.5555/ABC", "note": "10.5555/other"}) == "10.5555/abc"
    assert find_doi({"note": "Available at https://doi.org/10.5555/note.2023.42."}) == "10.5555/note.2023.42"
    assert find_doi({"doi": "doi:10.5555/host.2020.7"}) == "10.5555/host.2020.7"


def test_find_doi_in_running_text():
    assert find_doi({"note": r"See 10.5555/a\_b for details"}) == "10.5555/a_b"
    # A bracket the DOI did not open belongs to the sentence ...
    assert find_doi({"note": "cited in the review (doi 10.5555/abc); see Fig. 2"}) == "10.5555/abc"
    # ... one it opened is part of the DOI.
    assert find_doi({"note": "see 10.1016/S0378-7753(02)00123-4)."}) == "10.1016/s0378-7753(02)00123-4"


def test_find_doi_none():
    assert find_doi({}) is None
    assert find_doi({"doi": "", "url": "https://example.org/paper", "note": "no identifier"}) is None
    assert find_doi({"title": "10.5555/in-a-title-is-not-a-doi"}) is None


# --------------------------------------------------------------------------- LaTeX and keys


@pytest.mark.parametrize(
    "latex, text",
    [
        (r"M{\"u}ller", "Müller"),
        (r"{\'E}mile", "Émile"),
        (r"caf\'{e}", "café"),
        (r"{\v{S}}koda", "Škoda"),
        (r"Stra{\ss}e", "Straße"),
        (r"A {LiNO$_3$} additive", "A LiNO3 additive"),
        (r"Li$_{2}$S-rich", "Li2S-rich"),
        (r"LiPF$_6$ in EC", "LiPF6 in EC"),
        (r"Na$^+$ ions", "Na+ ions"),
        (r"\textit{in situ} study", "in situ study"),
        (r"$\alpha$-Li", "α-Li"),
        (r"99.9\,\% \& more", "99.9 % & more"),
        ("{{Braces}}   and\n  spaces", "Braces and spaces"),
    ],
)
def test_latex_to_text(latex, text):
    assert latex_to_text(latex) == text


def test_title_key_ignores_case_markup_accents_and_punctuation():
    assert title_key(r"A {LiNO$_3$} Additive!") == "alino3additive"
    assert title_key("a LiNO3 additive") == "alino3additive"
    assert title_key(r"Caf{\'e} M{\"u}ller") == title_key("Cafe Muller") == "cafemuller"
    assert title_key(None) is None
    assert title_key("{}") is None


def test_make_key():
    assert make_key("Müller, Jörg and Durand, Émile", 2021, r"A {LiNO$_3$} additive") == "muller2021lino3"
    assert make_key("Jörg Müller", 2021, r"The Li$_{2}$S story") == "muller2021li2s"
    assert make_key("de la Cruz, Ana", 2020, "On the cells") == "delacruz2020cells"
    assert make_key(None, None, None) == "anon"
    assert len(make_key("X" * 200, 2020, "Y" * 200)) == 80


# --------------------------------------------------------------------------- BibTeX in


def _by_key(text: str) -> dict:
    return {entry.key: entry for entry in parse_bibtex(text).entries}


def test_parse_messy_file():
    entries = parse_bibtex(MESSY.read_text(encoding="utf-8")).entries
    assert [(e.key, e.line) for e in entries] == [
        ("Muller2021Nitrate", 8),
        ("ortiz2022sulfide", 18),
        ("wang2020host", 26),
        ("broken2019", 34),
        ("keller2023note", 40),
        ("unbalanced2018", 48),
        ("duplicateByDoi", 54),
        ("ortizCopy", 62),
        ("fresh2024", 69),
    ]
    by_key = {e.key: e for e in entries}
    assert by_key["broken2019"].error == "cannot parse: syntax error in line 36: '}' expected"
    assert by_key["unbalanced2018"].error == "unbalanced braces"
    assert [e.key for e in entries if e.error] == ["broken2019", "unbalanced2018"]

    muller = by_key["Muller2021Nitrate"].reference
    assert muller.title == "A LiNO3 additive that stabilises plated lithium in carbonate electrolytes"
    assert muller.authors == "Müller, Jörg and Durand, Émile and Zhang, Wei"
    assert muller.journal == "Journal of Synthetic Lithium Anodes"  # from @string
    assert (muller.year, muller.volume, muller.pages) == (2021, "12", "101–115")
    assert muller.doi == "10.5555/synth.2021.001"
    assert muller.entry_type == "article"

    ortiz = by_key["ortiz2022sulfide"].reference
    assert (ortiz.title, ortiz.doi, ortiz.year) == (
        "Li2S-rich interphases for dense lithium deposition",
        "10.5555/abc",
        2022,
    )
    assert by_key["wang2020host"].reference.entry_type == "misc"
    assert by_key["wang2020host"].reference.doi == "10.5555/host.2020.7"
    keller = by_key["keller2023note"].reference
    assert (keller.doi, keller.journal, keller.entry_type) == (
        "10.5555/note.2023.42",
        "Proceedings of the Synthetic Battery Symposium",
        "inproceedings",
    )
    assert by_key["duplicateByDoi"].reference.doi == "10.5555/synth.2021.001"
    assert title_key(by_key["ortizCopy"].reference.title) == title_key(ortiz.title)
    assert by_key["ortizCopy"].reference.doi is None
    assert by_key["fresh2024"].reference.title == (
        "Coulombic efficiency at 99.9 % under lean electrolyte & high loading"
    )


def test_parse_keeps_the_raw_entry():
    text = "% header\n@Article{k1,\n  title = {A {LiNO$_3$} study},\n  year = {2020},\n}\n"
    (entry,) = parse_bibtex(text).entries
    assert entry.reference.bibtex == "@Article{k1,\n  title = {A {LiNO$_3$} study},\n  year = {2020},\n}"


def test_parse_expands_string_macros_in_the_kept_entry():
    text = '@string{jsa = "J. Synth. Anodes"}\n@article{k1, title = {T}, journal = jsa # " B", year = 2020}\n'
    (entry,) = parse_bibtex(text).entries
    assert entry.reference.journal == "J. Synth. Anodes B"
    assert "J. Synth. Anodes B" in entry.reference.bibtex  # exportable without the @string


def test_parse_line_numbers_and_local_errors():
    text = (
        "@comment{old: @article{x, title = {T}}}\n"  # 1
        "@article{good1, title = {One}, year = 2001}\n"  # 2
        "\n"  # 3
        "@article{bad, title = {Two} year = 2002}\n"  # 4
        "@article{undefined, title = {Three}, journal = nosuchmacro, year = 2003}\n"  # 5
        "@article{badyear, title = {Four}, year = {soon}}\n"  # 6
        '@preamble{"\\newcommand{\\noop}[1]{}"}\n'  # 7
        "@article(paren, title = {Five}, year = 2005)\n"  # 8
    )
    entries = _by_key(text)
    assert list(entries) == ["good1", "bad", "undefined", "badyear", "paren"]
    assert [(k, e.line) for k, e in entries.items()] == [
        ("good1", 2),
        ("bad", 4),
        ("undefined", 5),
        ("badyear", 6),
        ("paren", 8),
    ]
    assert entries["good1"].error is None and entries["paren"].error is None
    assert entries["bad"].error.startswith("cannot parse: syntax error in line 4")
    assert "nosuchmacro" in entries["undefined"].error
    # An entry pybtex parses is kept (issue 10): a year that is not a year is left empty, and said so.
    assert entries["badyear"].error is None and entries["badyear"].reference.year is None
    assert entries["badyear"].warning == "year 'soon' is not a year: kept without a year"


def test_unbalanced_entry_does_not_swallow_the_rest():
    text = "@article{open, title = {Never {closed}, year = 2001}\n@article{next1, title = {Next}, year = 2002}\n"
    entries = _by_key(text)
    assert entries["open"].error == "unbalanced braces"
    assert entries["next1"].reference.title == "Next"


# --------------------------------------------------------------------------- BibTeX out


def _reference(**fields) -> Reference:
    return Reference(**{"key": "k", "entry_type": "article", **fields})


def test_to_bibtex_round_trips_raw_entries_through_pybtex():
    from pybtex.database import parse_string

    good = [e for e in parse_bibtex(MESSY.read_text(encoding="utf-8")).entries if e.reference]
    references = [_reference(**e.reference.model_dump()) for e in good if e.key != "duplicateByDoi"]
    text = to_bibtex(references)
    data = parse_string(text, "bibtex")
    assert list(data.entries) == [r.key for r in references]
    # The LaTeX is written back as it was read, not escaped a second time.
    assert data.entries["Muller2021Nitrate"].fields["title"] == (
        "A {LiNO$_3$} additive that stabilises plated lithium in carbonate electrolytes"
    )
    assert data.entries["fresh2024"].fields["title"] == (
        r"Coulombic efficiency at 99.9\,\% under lean electrolyte \& high loading"
    )
    assert data.entries["ortiz2022sulfide"].fields["doi"] == "10.5555/abc"
    assert data.entries["wang2020host"].fields["doi"] == "10.5555/host.2020.7"  # normalised
    # ... and reading the export gives the same records.
    again = {e.key: e.reference for e in parse_bibtex(text).entries}
    for reference in references:
        for name in ("title", "authors", "journal", "year", "volume", "pages", "doi", "entry_type"):
            assert getattr(again[reference.key], name) == getattr(reference, name), (reference.key, name)


def test_to_bibtex_builds_entries_from_metadata():
    from pybtex.database import parse_string

    reference = _reference(
        key="sun2025x",
        title="LiNO3 & 5 % FEC: Li–S cells_",
        authors="Müller, Jörg and Sun, Li",
        journal="Synthetic Battery Letters",
        year=2025,
        volume="1",
        pages="340–363",
        doi="10.5555/x_y",
        entry_type="article",
        note="Curated from 10.5555/review (Table 2).",
    )
    text = to_bibtex([reference])
    entry = parse_string(text, "bibtex").entries["sun2025x"]
    assert entry.fields["pages"] == "340--363"
    assert entry.fields["doi"] == "10.5555/x_y"
    assert "note" not in entry.fields and "10.5555/review" in entry.fields["annote"]
    (back,) = parse_bibtex(text).entries
    assert back.reference.title == "LiNO3 & 5 % FEC: Li–S cells_"
    assert back.reference.authors == "Müller, Jörg and Sun, Li"
    assert back.reference.doi == "10.5555/x_y"  # not the DOI mentioned in the curation note
    assert (back.reference.year, back.reference.pages) == (2025, "340–363")


def test_to_bibtex_empty():
    assert to_bibtex([]) == ""


# --------------------------------------------------------------------------- Crossref records


def _message(name: str) -> dict:
    return json.loads((FIXTURES / "crossref" / name).read_text(encoding="utf-8"))["message"]


def test_crossref_to_reference():
    reference = crossref_to_reference(_message("ortiz2023dense.json"), "10.5555/crossref.2023.001")
    assert reference.key == "ortiz2023dense"
    assert reference.doi == "10.5555/crossref.2023.001"
    assert reference.title == "Dense lithium plating from a LiNO3-saturated ether electrolyte"
    assert reference.authors == "Ortiz, Ana and Müller, Jörg"
    assert (reference.journal, reference.year, reference.volume, reference.pages) == (
        "Synthetic Battery Letters",
        2023,
        "7",
        "100–112",
    )
    assert reference.entry_type == "article"


def test_crossref_to_reference_organisation_author_and_entities():
    reference = crossref_to_reference(_message("consortium2024.json"), "10.5555/crossref.2024.002")
    assert reference.authors == "Synthetic Cell Consortium"
    assert reference.title == "Coulombic efficiency at 99.9 % under lean electrolyte & high loading"
    assert (reference.year, reference.entry_type, reference.volume) == (2024, "inproceedings", None)


def test_crossref_to_reference_refuses_another_doi():
    with pytest.raises(ValueError, match="DOI mismatch"):
        crossref_to_reference(_message("ortiz2023dense.json"), "10.5555/something.else")
