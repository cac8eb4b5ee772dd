"""Finding spec files (cli.md, "Finding specs").

A directory may hold anything: a FIFO or a socket named `*.toml` (opening one for
reading blocks forever), a device, a dangling or looping symbolic link, a file
the user cannot read. None of them is a spec that could be checked, and none may
hang or silently vanish from the run: each is skipped with a note on stderr.
"""
from __future__ import annotations

import fnmatch
import os
import re
from pathlib import Path

from cellrules.errors import UsageError
from cellrules.fileio import named_kind, read_problem, read_regular
from cellrules.notes import NOTES
from cellrules.tomlfile import MAX_BYTES, tomllib

CONFIG_NAMES = ("pyproject.toml", "cellrules.toml")
_SKIP_DIRS = ("node_modules", "__pycache__", "site-packages")


def find_specs(paths, exclude=()) -> list[str]:
    """Files named are specs whatever their name; directories are searched for *.toml specs.

    A file named twice (`bad.toml` and `./bad.toml`) is checked once, under the name first given.
    """
    if not paths:
        raise UsageError("no path given", hint="cellrules check PATH... (a spec file or a directory of specs)")
    found: dict[str, str] = {}   # normalised path -> the name shown
    for given in paths:
        kind = named_kind(given)
        if kind == "file":
            found.setdefault(same_file_key(given), given)
        elif kind == "directory":
            specs = [p for p in _walk(given) if is_spec(p) and not (exclude and _excluded(Path(p), exclude))]
            if not specs:
                raise UsageError(f"no cell spec found in directory {given}",
                                 hint="a spec is a *.toml file with spec_version = 1 or a [cell] table")
            for spec in specs:
                found.setdefault(same_file_key(spec), spec)
        elif kind == "missing":
            raise UsageError(f"no such file or directory: {given}")
        else:
            raise UsageError(f"cannot check {given}: {kind}", hint="name a spec file or a directory of specs")
    return sorted(found.values())


def same_file_key(path: str) -> str:
    """The key under which two spellings of one path (`a.toml`, `./a.toml`, `d/../a.toml`) are one file."""
    return os.path.normpath(os.path.abspath(path))


def _walk(root: str):
    """The *.toml files under `root`, as path strings (a Path per file was a quarter of finding 100,000),
    spelt as Path(folder, name) spells them: a walk of "." gives "./sub", shown as "sub"."""
    top = os.fspath(Path(root))
    here = os.curdir + os.sep
    for folder, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIP_DIRS
                         and not os.path.exists(os.path.join(folder, d, "pyvenv.cfg")))
        shown = "" if folder == os.curdir else folder[len(here):] if folder.startswith(here) else folder
        for name in sorted(files):
            if name.endswith(".toml") and name not in CONFIG_NAMES:
                yield os.path.join(shown, name)


def _excluded(path: Path, patterns) -> bool:
    text = path.as_posix()
    return any(fnmatch.fnmatch(text, p) or fnmatch.fnmatch(path.name, p) for p in patterns)


# Comments and blank lines, then `spec_version =` or the `[cell]` header: a top-level key or the cell table.
_SPEC_START = re.compile(rb"(?:[ \t]*(?:#[^\n]*)?\r?\n)*[ \t]*(?:spec_version[ \t]*=|\[[ \t]*cell[ \t]*\])")


def is_spec(path: str | Path) -> bool:
    """A top-level spec_version or [cell]; a malformed file that looks like a spec is checked (and reported).

    A path that cannot be read as a regular file (a FIFO, a dangling link, no permission) is no spec:
    it is skipped with a note saying why.
    """
    try:
        raw = read_regular(path, MAX_BYTES)  # never all of a 50 MB file: the loader refuses it anyway
    except OSError as error:
        NOTES.add(f"skipped: {read_problem(path, error)}", str(path))
        return False
    if _SPEC_START.match(raw):
        return True  # the common case, decided without parsing the file twice
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):  # ValueError: bad UTF-8, bad TOML, a number too long for int()
        head = raw[:65536].decode("utf-8", "replace")
        return "spec_version" in head or "[cell]" in head
    return "spec_version" in data or isinstance(data.get("cell"), dict)
