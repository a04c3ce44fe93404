"""Every file cedb writes goes through here: atomic, all or nothing, never onto a database.

``with outputs.writing() as batch:`` gives temporary files in each target's folder
(``batch.write_text``, or ``batch.path`` for libraries that write to a path themselves);
when the block ends without error they are renamed over their targets, otherwise they
are removed, so a failed command (a missing --bib folder, a full disk) leaves nothing
behind. Renaming replaces a symbolic link at the target instead of following it out of
the folder. Files get the permissions the umask allows (as ``open`` would), not the
0600 of a temporary file. A target that is an SQLite file (the open database, or any
other), or its ``-wal``/``-shm``/``-journal`` companion, is refused before anything is
written. OS errors become one :class:`~cedb.errors.FileError` line (exit code 6).
"""

import errno
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cedb.errors import FileError

SQLITE_HEADER = b"SQLite format 3\x00"
_COMPANIONS = ("-wal", "-shm", "-journal")
_REASONS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "the file system is read-only",
    errno.EISDIR: "it is a folder",
    errno.ENOENT: "its folder does not exist",
    errno.ENOTDIR: "a part of its path is not a folder",
    errno.ENAMETOOLONG: "the name is too long",
}


def is_sqlite_file(path: Path) -> bool:
    """True if ``path`` (followed through links) is an SQLite database file."""
    try:
        if not Path(path).is_file():  # never open a pipe or device to look: it could block
            return False
        with open(path, "rb") as stream:
            return stream.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


def os_error_text(exc: OSError) -> str:
    """A short reason for an OS error ("permission denied", "the disk is full")."""
    return _REASONS.get(exc.errno or 0, exc.strerror or str(exc))


def check_target(target: Path) -> Path:
    """Refuse a target that cannot or must not be written; returns it unchanged."""
    target = Path(target)
    if target.is_dir():
        raise FileError(f"cannot write {target}: it is a folder; give a file name")
    parent = target.parent
    if not parent.is_dir():
        raise FileError(f"cannot write {target}: folder {parent} does not exist; create it first")
    base = target
    for suffix in _COMPANIONS:
        if target.name.endswith(suffix):
            base = target.with_name(target.name[: -len(suffix)])
    if is_sqlite_file(target) or (base != target and is_sqlite_file(base)):
        raise FileError(
            f"refusing to write {target}: it is an SQLite database (perhaps the one "
            "cedb is using); choose another file name"
        )
    return target


def _mode_for(target: Path) -> int:
    """The existing file's permissions, else what the umask allows for a new file."""
    try:
        return os.stat(target).st_mode & 0o7777
    except OSError:
        pass
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


class Batch:
    """Outputs written together: see the module's documentation."""

    def __init__(self) -> None:
        self._pending: list[tuple[Path, Path]] = []  # (temporary, target)
        self._created_dirs: list[Path] = []
        self._direct: list[Path] = []  # devices and pipes, written in place
        self._targets: set[Path] = set()  # named so far (a site names thousands)

    def directory(self, path: Path) -> Path:
        """A target folder, created if missing (and removed again if the batch fails)."""
        path = Path(path)
        missing = []
        probe = path
        while not probe.exists() and probe != probe.parent:
            missing.append(probe)
            probe = probe.parent
        if path.exists() and not path.is_dir():
            raise FileError(f"cannot write into {path}: it is a file, not a folder")
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise FileError(f"cannot create folder {path}: {os_error_text(exc)}") from None
        self._created_dirs.extend(reversed(missing))
        return path

    def path(self, target: Path) -> Path:
        """A temporary file beside ``target`` to write to; renamed over it when the batch ends."""
        target = check_target(Path(target))
        if target in self._targets:
            raise FileError(f"{target} is named twice as an output; give different file names")
        self._targets.add(target)
        if target.exists() and not target.is_file():
            self._direct.append(target)
            return target  # a device or pipe (-o /dev/stdout): written directly, nothing to rename
        try:
            handle, name = tempfile.mkstemp(
                dir=target.parent, prefix=f".{target.name}.", suffix=".cedb-tmp" + target.suffix
            )
        except OSError as exc:
            raise FileError(f"cannot write {target}: {os_error_text(exc)}") from None
        os.close(handle)
        self._pending.append((Path(name), target))
        return Path(name)

    def write_text(self, target: Path, text: str) -> Path:
        self.path(target).write_text(text, encoding="utf-8")
        return Path(target)

    def write_bytes(self, target: Path, data: bytes) -> Path:
        self.path(target).write_bytes(data)
        return Path(target)

    def _commit(self) -> None:
        for temporary, target in self._pending:
            os.chmod(temporary, _mode_for(target))
        for temporary, target in self._pending:
            os.replace(temporary, target)  # replaces a symlink itself, never what it points to
        self._pending.clear()

    def _discard(self) -> None:
        for temporary, _ in self._pending:
            try:
                os.unlink(temporary)
            except OSError:
                pass
        self._pending.clear()
        for directory in reversed(self._created_dirs):
            try:
                directory.rmdir()  # only if still empty
            except OSError:
                pass


@contextmanager
def writing() -> Iterator[Batch]:
    """All outputs of one command: renamed into place together at the end, or none at all."""
    batch = Batch()
    try:
        yield batch
        batch._commit()
    except OSError as exc:
        temporaries: dict[str, Path | str] = {str(temporary): target for temporary, target in batch._pending}
        temporaries.update({str(target): target for target in batch._direct})
        batch._discard()
        named = str(exc.filename) if exc.filename else None
        where = temporaries.get(named, named) if named else (list(temporaries.values()) or ["the output"])[-1]
        raise FileError(f"cannot write {where}: {os_error_text(exc)}; nothing was written") from None
    except BaseException:
        batch._discard()
        raise


def write_text(target: Path, text: str) -> Path:
    """One text file, atomically (see ``writing``)."""
    with writing() as batch:
        batch.write_text(target, text)
    return Path(target)
