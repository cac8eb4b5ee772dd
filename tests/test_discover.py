"""Finding specs in directories (cli/discover.py): every spelling of a folder gives its specs spelt as
pathlib spells them, the way they appear in every report (`sub/a.toml`, never `./sub/a.toml`)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import EXAMPLES

from cellrules.cli.discover import find_specs

SPECS = sorted(EXAMPLES.glob("*.toml"))[:3]


@pytest.fixture
def tree(tmp_path, monkeypatch):
    for folder in ("", "sub", "sub/deeper"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        for spec in SPECS:
            shutil.copyfile(spec, tmp_path / folder / spec.name)
    (tmp_path / "sub" / "notes.toml").write_text('title = "not a spec"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("given", [".", "./", "sub", "./sub", "sub/", "sub//deeper", "sub/./deeper", "../{name}/sub"])
def test_a_folder_s_specs_are_spelt_as_pathlib_spells_them(tree, given):
    given = given.format(name=tree.name)
    expected = sorted(str(p) for p in Path(given).rglob("*.toml") if p.name != "notes.toml")
    assert find_specs([given]) == expected
    assert not any(path.startswith("./") or "//" in path or "/./" in path for path in find_specs([given]))


def test_an_absolute_folder_gives_absolute_paths(tree):
    assert find_specs([str(tree / "sub")]) == sorted(str(p) for p in (tree / "sub").rglob("*.toml")
                                                     if p.name != "notes.toml")
