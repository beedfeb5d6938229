"""Writing a file so that it appears under its name whole, or not at all, and safely.

Every file the command line writes (exports, plots) goes through `replacing`. A predictable
temporary name opened with a plain `open` let another user of a shared directory plant a
symlink there and have the write land on any file the victim can write; instead the
temporary file is created exclusively and without following links (`tempfile.mkstemp`, which
opens with O_CREAT | O_EXCL | O_NOFOLLOW under a random name) in the target's own directory,
synced, and renamed over the target. A rename replaces a symlink at the target itself rather
than writing through it.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Literal, TextIO, overload


def new_file_mode() -> int:
    """The mode `open` would give a new file: 0o666 less the process's umask."""
    mask = os.umask(0o022)  # reading the umask means setting it; put it straight back
    os.umask(mask)
    return 0o666 & ~mask


def sync_directory(directory: str | os.PathLike[str]) -> None:
    """Make a rename or a new name in `directory` survive a power cut."""
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:  # some systems cannot open a directory; the rename still happened
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


@overload
def replacing(
    target: str | os.PathLike[str], *, binary: Literal[False] = False
) -> contextlib.AbstractContextManager[TextIO]: ...
@overload
def replacing(
    target: str | os.PathLike[str], *, binary: Literal[True]
) -> contextlib.AbstractContextManager[IO[bytes]]: ...
def replacing(
    target: str | os.PathLike[str], *, binary: bool = False
) -> contextlib.AbstractContextManager[IO[Any]]:
    """A file to write that replaces `target` when the block ends without an error.

    Text is UTF-8. An existing target's permission bits are kept; a new one gets the
    umask's. On any error the temporary file is removed and `target` is left as it was.
    """
    return _replacing(Path(target), binary=binary)


@contextlib.contextmanager
def _replacing(target: Path, *, binary: bool) -> Iterator[IO[Any]]:
    directory = target.parent
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=f".{target.name}.", suffix=".partial")
    try:
        try:
            existing = target.lstat()
        except FileNotFoundError:
            mode = new_file_mode()
        else:
            regular = stat.S_ISREG(existing.st_mode)
            mode = stat.S_IMODE(existing.st_mode) if regular else new_file_mode()
        os.fchmod(fd, mode)
        file = os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8")
        fd = -1  # the file object owns it now
        with file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        Path(temporary).replace(target)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        Path(temporary).unlink(missing_ok=True)
        raise
    sync_directory(directory)


#: The files SQLite keeps beside a database while it is open.
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


@contextlib.contextmanager
def creating(target: str | os.PathLike[str]) -> Iterator[Path]:
    """A new, empty file to build in, that becomes `target` only if the block succeeds.

    For a command that creates a SQLite ledger: the database is built under a private name
    beside `target` and linked into place at the end, so a command that fails (a missing
    input, a bad line, Ctrl-C) leaves no empty ledger behind. The caller must have closed
    the database by the end of the block. If another process created `target` meanwhile,
    that one is kept and `FileExistsError` is raised.
    """
    final = Path(target)
    fd, name = tempfile.mkstemp(dir=final.parent, prefix=f".{final.name}.", suffix=".creating")
    temporary = Path(name)
    try:
        os.fchmod(fd, new_file_mode())
        os.close(fd)
        yield temporary
        for companion in ("-wal", "-journal"):
            leftover = Path(f"{temporary}{companion}")
            if leftover.exists() and leftover.stat().st_size:
                msg = f"{leftover} still holds data: the database was not closed"
                raise RuntimeError(msg)  # a caller's bug, never a user's
        os.link(temporary, final)  # fails, rather than replaces, if `target` appeared
    finally:
        for path in (temporary, *(Path(f"{temporary}{c}") for c in SQLITE_COMPANIONS)):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
    sync_directory(final.parent)


def sync_sqlite(path: str | os.PathLike[str]) -> None:
    """Make every commit to the SQLite database at `path` durable, however it was written.

    A store opened with `durable=False` commits without syncing and leaves its WAL to be
    checkpointed on close, which SQLite does only when the closing connection is the last:
    with another connection open, the tail of the WAL stayed unsynced. A FULL checkpoint
    moves the WAL into the database file and syncs it; should a reader hold the checkpoint
    back, the WAL itself is synced, which makes the commits in it just as durable.
    """
    conn = sqlite3.connect(path, timeout=60.0)
    try:
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA wal_checkpoint(FULL)").fetchone()
    finally:
        conn.close()
    for name in (os.fspath(path), f"{os.fspath(path)}-wal"):
        try:
            fd = os.open(name, os.O_RDONLY)
        except FileNotFoundError:
            continue
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
