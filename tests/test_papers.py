"""cedb.papers: BibTeX out of the database (the library behind `cedb paper export`)."""

import pytest

from cedb import papers
from cedb.errors import NotFound
from cedb.store import crud
from tests.builders import add_paper


def _entries(text: str) -> dict:
    """The entries of a BibTeX text as pybtex reads them: an independent reading."""
    from pybtex.database import parse_string

    return parse_string(text, "bibtex").entries


def test_bibtex_writes_every_paper_or_the_named_ones(session):
    add_paper(session, "a2020", title="Dense lithium", authors="Doe, Jane and Roe, Rick", year=2020, doi="10.1000/a.1")
    add_paper(session, "b2021", title="Another anode", year=2021)
    add_paper(session, "ref9")
    crud.merge_references(session=session, old="ref9", new="b2021")
    text, count = papers.bibtex(session=session)
    entries = _entries(text)
    assert count == 2 and sorted(entries) == ["a2020", "b2021"]
    assert entries["a2020"].fields["title"] == "Dense lithium" and entries["a2020"].fields["doi"] == "10.1000/a.1"
    assert [str(p) for p in entries["a2020"].persons["author"]] == ["Doe, Jane", "Roe, Rick"]
    text, count = papers.bibtex(session=session, keys=["ref9"])  # an alias names its paper
    assert count == 1 and list(_entries(text)) == ["b2021"]


def test_bibtex_names_every_unknown_key(session):
    add_paper(session, "a2020")
    with pytest.raises(NotFound, match="no paper with key x1, y2: see `cedb paper list`"):
        papers.bibtex(session=session, keys=["a2020", "y2", "x1"])
