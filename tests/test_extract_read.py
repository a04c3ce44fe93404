"""cedb.extract.read_bounded: a text to extract from, read within the input size limit."""

from pathlib import Path

import pytest

from cedb.errors import CedbError, InvalidValue, NotFound
from cedb.extract import read_bounded

FIXTURES = Path(__file__).parent / "fixtures" / "extract"


def test_read_bounded_reads_each_kind_by_suffix():
    text, kind = read_bounded(FIXTURES / "paper.md")
    assert kind == "markdown" and text == (FIXTURES / "paper.md").read_text(encoding="utf-8")
    assert read_bounded(FIXTURES / "paper.html")[1] == "html"
    assert read_bounded(FIXTURES / "paper.pdf")[1] == "text"  # a PDF's pages, read as text


def test_read_bounded_refuses_a_file_over_the_limit_before_reading_it(tmp_path):
    big = tmp_path / "big.txt"
    big.write_text("x" * 20_000, encoding="utf-8")
    with pytest.raises(CedbError, match="big.txt"):
        read_bounded(big, max_input_mb=0.01)  # 10 kB
    assert read_bounded(big)[0] == "x" * 20_000  # the default limit (5 MB)
    small = tmp_path / "small.txt"
    small.write_text("CE of 99.5 %", encoding="utf-8")
    assert read_bounded(small, max_input_mb=0.01) == ("CE of 99.5 %", "text")


def test_read_bounded_reports_a_missing_file_and_an_unknown_suffix(tmp_path):
    with pytest.raises(NotFound):
        read_bounded(tmp_path / "none.txt")
    other = tmp_path / "paper.docx"
    other.write_text("x", encoding="utf-8")
    with pytest.raises(InvalidValue, match="use a .txt, .md, .html, .htm or .pdf file"):
        read_bounded(other)
