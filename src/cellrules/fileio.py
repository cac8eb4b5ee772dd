"""Writing output files so that no reader ever sees half of one."""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_atomically(path: str | Path, data: bytes) -> None:
    """Write `data` to a temp file in the target's folder, then rename it over the target.

    The rename is atomic on one file system, so a report open in a browser or
    read by a CI step is either the old file or the new one. The file gets the
    permissions a plain write would give (0666 less the umask), not the temp
    file's 0600. Raises OSError; the caller decides what a failed write means.
    """
    target = Path(path)
    handle, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
