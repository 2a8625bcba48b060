"""Files the app writes under DATA_DIR are its own: created 0600, directories 0700.

DATA_DIR holds the SQLite database (and its -wal/-shm files), the mail outbox (``.eml``
files with claim links), the session signing key, the response-cache stamp and the search
index. :func:`keep_files_private` sets the process umask to 0o077 when the app is built (each
gunicorn worker and every ``flask`` command builds one), so every file the app or a library
it calls creates (SQLite, the mail outbox, the index) is readable by the service's user
only, and creates DATA_DIR 0700 (an existing DATA_DIR open to others is only warned of: it
may be a directory the operator shares on purpose, and the files in it are private anyway).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

PRIVATE_UMASK = 0o077
PRIVATE_DIRECTORY = 0o700


def keep_files_private(data_dir: Path) -> None:
    """Umask 0o077 for this process, and DATA_DIR created 0700 if it is missing."""
    os.umask(PRIVATE_UMASK)
    try:
        data_dir.mkdir(mode=PRIVATE_DIRECTORY, parents=True, exist_ok=True)
    except OSError as error:
        why = "not a directory" if data_dir.exists() and not data_dir.is_dir() else error.strerror
        raise ValueError(f"DATA_DIR {data_dir} cannot be used: {why}; set DATA_DIR to "
                         "a directory c800 may create or write (default ./var)") from None
    if data_dir.stat().st_mode & 0o077:
        log.warning("DATA_DIR %s is open to other users (chmod 700 it); the files c800 creates in "
                    "it are private all the same", data_dir)
