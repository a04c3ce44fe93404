"""cedb.outputs (every file cedb writes), cedb.safetext and the bounded quantity parser."""

import os
import sqlite3

import pytest

from cedb import outputs, safetext, units
from cedb.errors import FileError, InvalidValue


def test_a_failed_batch_leaves_nothing_and_an_earlier_file_untouched(tmp_path):
    (tmp_path / "table.md").write_text("old\n", encoding="utf-8")
    with pytest.raises(FileError, match="folder .*missing does not exist"):
        with outputs.writing() as batch:
            batch.write_text(tmp_path / "table.md", "new\n")
            batch.write_text(tmp_path / "missing" / "refs.bib", "@misc{x}\n")
    assert (tmp_path / "table.md").read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["table.md"]


def test_an_error_inside_the_batch_removes_its_files_and_the_folder_it_made(tmp_path):
    with pytest.raises(RuntimeError):
        with outputs.writing() as batch:
            folder = batch.directory(tmp_path / "new" / "dump")
            batch.write_text(folder / "a.yaml", "a: 1\n")
            raise RuntimeError("disk pulled out")
    assert list(tmp_path.iterdir()) == []


def test_outputs_replace_symlinks_and_honour_the_umask(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("mine\n", encoding="utf-8")
    (tmp_path / "out").mkdir()
    link = tmp_path / "out" / "x.txt"
    link.symlink_to(outside)
    old = os.umask(0o027)
    try:
        outputs.write_text(link, "new\n")
        outputs.write_text(tmp_path / "out" / "y.txt", "new\n")
    finally:
        os.umask(old)
    assert not link.is_symlink() and link.read_text(encoding="utf-8") == "new\n"
    assert outside.read_text(encoding="utf-8") == "mine\n"
    assert oct((tmp_path / "out" / "y.txt").stat().st_mode & 0o777) == "0o640"


def test_sqlite_files_and_their_companions_are_refused(tmp_path):
    database = tmp_path / "lab.db"
    sqlite3.connect(database).execute("CREATE TABLE t (x)").connection.close()
    for target in (database, tmp_path / "lab.db-wal", tmp_path / "lab.db-shm"):
        with pytest.raises(FileError, match="SQLite database"):
            outputs.write_text(target, "csv\n")
    with pytest.raises(FileError, match="is a folder"):
        outputs.write_text(tmp_path, "x")


def test_disk_full_is_one_file_error():
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    with pytest.raises(FileError, match="cannot write /dev/full: the disk is full"):
        outputs.write_text("/dev/full", "x" * 100_000)


def test_safe_text_escapes_controls_and_keeps_the_rest():
    assert safetext.terminal("a\x1b[2Jb\x07\tc\nd\u202e") == "a\\x1b[2Jb\\x07\tc\nd\\u202e"
    assert safetext.xlsx("\x1bq\r\n\t") == "\\x1bq\r\n\t"
    assert safetext.xlsx(3.5) == 3.5
    assert safetext.terminal("LiNO₃ 99.9 % Müller") == "LiNO₃ 99.9 % Müller"


@pytest.mark.parametrize(
    "text",
    [
        "1 * 9**387420489 mA/cm2",
        "1 mA/cm2 * 2**99**9",
        "2**99 mA/cm2",
        "2 mA/cm2*2",
        "2 mA/cm^2^3",
        "1 (mA)**(9**9)",
        "1 mA/cm2 / 0",
        "2 mA/cm2 " + "x" * 100,
        "(2) mA/cm2",
        "2 mA cm2**cm2",
    ],
)
def test_quantities_with_arithmetic_are_refused_before_pint(text):
    with pytest.raises(InvalidValue):
        units.to_canonical(text, units.CURRENT_DENSITY)


def test_huge_numbers_are_refused_not_overflowed():
    for value in (10**400, -(10**5000)):
        with pytest.raises(InvalidValue, match="more than 40 digits"):
            units.to_canonical(value, units.CURRENT_DENSITY)
        with pytest.raises(InvalidValue):
            units.ce_percent(value)
        with pytest.raises(InvalidValue):
            units.cycles(value)
