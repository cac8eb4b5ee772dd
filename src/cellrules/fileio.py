"""Reading input files without ever blocking, and writing output files so that no reader sees half of one."""
from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path

_KINDS = ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


class NotRegularFile(OSError):
    """A path that exists but is not a regular file: reading it could block forever (a FIFO) or never end."""

    def __init__(self, path, kind: str):
        super().__init__(errno.EINVAL, f"it is {kind}, not a regular file", str(path))
        self.kind = kind


def file_kind(mode: int) -> str:
    """What a stat mode describes, for messages: "a FIFO", "a directory", ..."""
    for test, kind in _KINDS:
        if test(mode):
            return kind
    return "a regular file" if stat.S_ISREG(mode) else "not a regular file"


def read_problem(path, error: OSError) -> str:
    """Why a file could not be read, in words: "it is a FIFO, not a regular file", "a symbolic link loop", ..."""
    if isinstance(error, NotRegularFile):
        return error.strerror
    if error.errno == errno.ELOOP:
        return "it is a symbolic link loop"
    if error.errno == errno.ENOENT and os.path.islink(path):
        return f"it is a symbolic link to a missing file ({os.readlink(path)})"
    return error.strerror or str(error)


def named_kind(given: str) -> str:
    """"file", "directory", "missing", or what else keeps a path named on the command line from being checked."""
    try:
        mode = os.stat(given).st_mode
    except OSError as error:
        if error.errno == errno.ENOENT and not os.path.islink(given):
            return "missing"
        return read_problem(given, error)
    if stat.S_ISDIR(mode):
        return "directory"
    if stat.S_ISREG(mode):
        return "file"
    return f"it is {file_kind(mode)}, not a regular file"


def read_regular(path: str | Path, limit: int | None = None, *, follow_symlinks: bool = True) -> bytes:
    """The bytes of a regular file (at most `limit` + 1 of them), raising OSError otherwise.

    A FIFO, socket or device raises NotRegularFile without being opened (opening one
    can block forever, or act: a tape device rewinds); the file is then opened
    non-blocking and checked again with fstat, so one swapped in between is caught too.
    """
    mode = os.stat(path, follow_symlinks=follow_symlinks).st_mode
    if not stat.S_ISREG(mode):
        raise NotRegularFile(path, file_kind(mode))
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    descriptor = os.open(path, flags)
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise NotRegularFile(path, file_kind(status.st_mode))
        # Ask for the size fstat gives, plus one byte to see the end, not for 1 MiB: the buffer is then a
        # small allocation, and a read that comes up short once all of that size is in ends the loop
        # without another read call. Short before that (cut by a signal) or grown since: read on.
        expected = status.st_size
        chunks, size = [], 0
        while limit is None or size <= limit:
            want = expected + 1 - size if size < expected else 1 << 16
            asked = min(want, 1 << 20) if limit is None else min(want, 1 << 20, limit + 1 - size)
            chunk = os.read(descriptor, asked)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if len(chunk) < asked and size >= expected:
                break
        return b"".join(chunks)
    finally:
        os.close(descriptor)


def write_atomically(path: str | Path, data: bytes) -> None:
    """Write a report to `path` so that no reader ever sees half of it.

    The data goes to a temp file in the target's folder, which is then renamed over
    the target: atomic on one file system, so a report open in a browser or read by
    a CI step is either the old file or the new one. The file gets the permissions a
    plain write would give (0666 less the umask). A target that exists and is not a
    regular file (a device such as /dev/null, a FIFO, or a symbolic link to one or
    to /dev/stdout) is written in place: renaming over it would replace the device
    node or the link with a plain file. A symbolic link to a regular file stays a
    link; the file it names is replaced. Raises OSError; the caller decides what a
    failed write means.
    """
    target = Path(path)
    try:
        mode = os.stat(target).st_mode  # follows symbolic links; a loop raises, and is reported as such
    except FileNotFoundError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        with open(target, "wb") as out:
            out.write(data)
        return
    if target.is_symlink():
        target = Path(os.path.realpath(target))
    umask = os.umask(0)
    os.umask(umask)
    replace_file(target, data, 0o666 & ~umask)


def replace_file(target: Path, data: bytes, mode: int) -> None:
    """Write `data` under a temp name in `target`'s folder, set `mode`, rename it over `target`.

    Whatever `target` was (a file, a FIFO, a link) is replaced, never written through.
    """
    handle, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
