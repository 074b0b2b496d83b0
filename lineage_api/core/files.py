"""Private files: the data directory is 0700 and every file the service keeps in it 0600.

The event log, keys, access log and embedded graph hold raw events, key hashes and who asked what; no other local
user should read them. SQLite creates a database's ``-wal``, ``-shm`` and ``-journal`` files with the database
file's own mode, so creating the database file 0600 before SQLite opens it covers those too; files left wider by an
older version are tightened when they are opened.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from lineage_api.core.errors import ConfigurationError

DIR_MODE = 0o700
FILE_MODE = 0o600
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def _tighten(path: Path, mode: int) -> None:
    try:
        if stat.S_IMODE(path.stat().st_mode) != mode:
            os.chmod(path, mode)
    except PermissionError as exc:
        raise ConfigurationError(f"cannot make {path} private (mode {mode:o}): {exc.strerror}") from None


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) and make it 0700; an existing wider directory is tightened."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    _tighten(path, DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty if absent, 0600, in a private directory; tighten it and its SQLite side files."""
    private_dir(path.parent)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE))
    except PermissionError as exc:
        raise ConfigurationError(f"cannot open {path}: {exc.strerror}") from None
    _tighten(path, FILE_MODE)
    for suffix in SQLITE_SIDE_FILES:
        side = path.with_name(path.name + suffix)
        if side.exists():
            _tighten(side, FILE_MODE)
    return path


__all__ = ["DIR_MODE", "FILE_MODE", "private_dir", "private_file"]
