"""Whatever sits in the file system, a run neither hangs, nor crashes, nor loses a result in silence
(issue 13: D4 --rules and select/ignore, D9, D10, D11, D13, D19, D20).

FIFOs, sockets and devices where a spec, rule file, knowledge file or configuration is expected;
dangling and looping symbolic links; broken configurations in one folder of many; foreign
pyproject.toml files; `-o` onto devices and links. Every run here has a timeout: a FIFO opened
for reading would block forever.
"""
from __future__ import annotations

import os
import shutil
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLES, TODAY

GOOD = EXAMPLES / "li-llzo-lfp.toml"     # passes
BAD = EXAMPLES / "li-lgps-bad.toml"      # fails


def run(*args, cwd, timeout=120, **env):
    environment = dict(os.environ, XDG_CACHE_HOME=str(Path(cwd) / ".cache"), XDG_STATE_HOME=str(Path(cwd) / ".state"),
                       **env)
    return subprocess.run([sys.executable, "-m", "cellrules", *map(str, args)], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=timeout)


def specs_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "specs"
    folder.mkdir()
    shutil.copyfile(GOOD, folder / "good.toml")
    shutil.copyfile(BAD, folder / "bad.toml")
    return folder


def make_socket(path: Path):
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    return server


# ---------------------------------------------------------------- D10, D20: discovery

@pytest.mark.parametrize("kind", ["fifo", "socket", "dangling", "loop", "directory"])
def test_discovery_skips_what_is_not_a_regular_file_with_a_note(tmp_path, kind):
    folder = specs_folder(tmp_path)
    odd = folder / "odd.toml"
    keep = None
    if kind == "fifo":
        os.mkfifo(odd)
    elif kind == "socket":
        keep = make_socket(odd)
    elif kind == "dangling":
        odd.symlink_to(folder / "missing.toml")
    elif kind == "loop":
        odd.symlink_to(folder / "loop2.toml")
        (folder / "loop2.toml").symlink_to(odd)
    else:
        odd.mkdir()
    try:
        result = run("check", "--today", TODAY.isoformat(), "specs", cwd=tmp_path)
    finally:
        if keep is not None:
            keep.close()
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines()[-1] == "2 files: 1 pass, 0 incomplete, 1 fail, 0 error"
    expected = {"fifo": "it is a FIFO, not a regular file", "socket": "it is a socket, not a regular file",
                "dangling": "it is a symbolic link to a missing file", "loop": "it is a symbolic link loop"}
    if kind in expected:
        assert f"specs/odd.toml: note: skipped: {expected[kind]}" in result.stderr
    else:
        assert result.stderr == ""  # a folder named *.toml is searched like any folder


@pytest.mark.parametrize("kind, message", [
    ("fifo", "cannot check odd.toml: it is a FIFO, not a regular file"),
    ("loop", "cannot check odd.toml: it is a symbolic link loop"),
    ("dangling", "cannot check odd.toml: it is a symbolic link to a missing file"),
])
def test_a_special_file_named_on_the_command_line_is_named_for_what_it_is(tmp_path, kind, message):
    odd = tmp_path / "odd.toml"
    if kind == "fifo":
        os.mkfifo(odd)
    elif kind == "loop":
        odd.symlink_to(odd)
    else:
        odd.symlink_to(tmp_path / "gone.toml")
    result = run("check", "odd.toml", cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr


def test_one_file_named_twice_is_checked_once(tmp_path):
    shutil.copyfile(BAD, tmp_path / "bad.toml")
    (tmp_path / "sub").mkdir()
    result = run("check", "bad.toml", "./bad.toml", "sub/../bad.toml", ".", cwd=tmp_path)
    assert result.stdout.splitlines()[-1] == "1 file: 0 pass, 0 incomplete, 1 fail, 0 error"


# ---------------------------------------------------------------- D10, D13: rule packs, knowledge, --config

def pack_with(tmp_path: Path, where: str, kind: str) -> Path:
    pack = tmp_path / "pack"
    (pack / "knowledge").mkdir(parents=True)
    (pack / "lab.rules").write_text(
        'rule lab.low-pressure "Stack pressure at most 20 MPa" {\n  require cell.stack_pressure <= 20 MPa\n'
        '  severity error\n  failure metal-creep\n  because "our press"\n  mitigate "press less"\n'
        '  cite "lab notebook"\n}\n', encoding="utf-8")
    odd = pack / ("x.rules" if where == "rules" else "knowledge/x.toml")
    if kind == "fifo":
        os.mkfifo(odd)
    elif kind == "dangling":
        odd.symlink_to(pack / "nowhere")
    elif kind == "directory":
        odd.mkdir()
    return pack


@pytest.mark.parametrize("where", ["rules", "knowledge"])
@pytest.mark.parametrize("kind, message", [
    ("fifo", "it is a FIFO, not a regular file"),
    ("dangling", "it is a symbolic link to a missing file"),
])
@pytest.mark.parametrize("cache", ["cache", "no-cache"])
def test_a_pack_file_that_cannot_be_read_is_a_clean_error(tmp_path, where, kind, message, cache):
    pack_with(tmp_path, where, kind)
    shutil.copyfile(GOOD, tmp_path / "good.toml")
    result = run("check", "--rules", "pack", "good.toml", cwd=tmp_path,
                 **({"CELLRULES_NO_CACHE": "1"} if cache == "no-cache" else {}))
    assert result.returncode == 2
    shown = "pack/x.rules" if where == "rules" else "pack/knowledge/x.toml"
    assert f"{shown}: error: cannot read {'rule file' if where == 'rules' else 'the file'}: {message}" in result.stderr
    assert "internal error" not in result.stderr


@pytest.mark.parametrize("where", ["rules", "knowledge"])
def test_a_folder_named_like_a_pack_file_is_not_read_as_one(tmp_path, where):
    pack_with(tmp_path, where, "directory")
    shutil.copyfile(GOOD, tmp_path / "good.toml")
    result = run("check", "--rules", "pack", "good.toml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr


def test_a_fifo_given_as_config_is_an_error_not_a_hang(tmp_path):
    os.mkfifo(tmp_path / "fifo.toml")
    shutil.copyfile(GOOD, tmp_path / "good.toml")
    result = run("check", "--config", "fifo.toml", "good.toml", cwd=tmp_path)
    assert result.returncode == 2
    assert "fifo.toml: error: cannot read the file: it is a FIFO, not a regular file" in result.stderr


@pytest.mark.parametrize("name", ["cellrules.toml", "pyproject.toml"])
def test_a_fifo_where_a_configuration_would_be_is_passed_over(tmp_path, name):
    folder = specs_folder(tmp_path)
    os.mkfifo(folder / name)
    result = run("check", "--today", TODAY.isoformat(), "specs", cwd=tmp_path)
    assert result.returncode == 1 and "2 files" in result.stdout


# ---------------------------------------------------------------- D4: --rules must name a rule pack

@pytest.mark.parametrize("command", ["check", "explain"])
@pytest.mark.parametrize("given, message", [
    ("no-such-dir", "rule pack no-such-dir: no such directory"),
    ("lab.rules", "rule pack lab.rules: not a directory (name the folder that holds it)"),
    ("empty", "rule pack empty: not a rule pack: it holds no *.rules file and no knowledge/*.toml"),
])
def test_rules_must_name_a_rule_pack(tmp_path, command, given, message):
    shutil.copyfile(GOOD, tmp_path / "good.toml")
    (tmp_path / "lab.rules").write_text("", encoding="utf-8")
    (tmp_path / "empty").mkdir()
    result = run(command, "--rules", given, "good.toml", cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr


def test_rules_dirs_in_a_configuration_must_name_a_rule_pack(tmp_path):
    folder = specs_folder(tmp_path)
    (folder / "empty-pack").mkdir()
    (folder / "cellrules.toml").write_text('rules-dirs = ["empty-pack"]\n', encoding="utf-8")
    result = run("check", "specs", cwd=tmp_path)
    assert result.returncode == 2
    assert "rules-dirs entry 'empty-pack' is not a rule pack" in result.stderr


@pytest.mark.parametrize("config, args", [
    ('select = ["window"]\nignore = ["window"]\n', []),
    ('select = ["mechanics.li-stack-pressure-creep"]\n', ["--ignore", "mechanics"]),
])
def test_select_and_ignore_that_leave_no_rule_are_an_error(tmp_path, config, args):
    shutil.copyfile(BAD, tmp_path / "bad.toml")
    (tmp_path / "cellrules.toml").write_text(config, encoding="utf-8")
    result = run("check", *args, "bad.toml", cwd=tmp_path)
    assert result.returncode == 2
    assert "select and ignore leave no rule to run" in result.stderr + result.stdout


# ---------------------------------------------------------------- D11: configurations per folder

BROKEN_CONFIGS = {
    "unknown-key": 'selct = ["window"]\n',
    "malformed": 'select = ["window"\n',
    "unknown-rule": 'select = ["windw"]\n',
    "missing-pack": 'rules-dirs = ["nowhere"]\n',
    "broken-pack": 'rules-dirs = ["pack"]\n',
    "no-rule-left": 'select = ["window"]\nignore = ["window"]\n',
    "not-utf8": b'select = ["w\xff"]\n',
}


@pytest.mark.parametrize("case", BROKEN_CONFIGS)
def test_a_broken_configuration_costs_only_its_own_folder(tmp_path, case):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    shutil.copyfile(BAD, tmp_path / "a" / "one.toml")
    shutil.copyfile(BAD, tmp_path / "b" / "two.toml")
    config = BROKEN_CONFIGS[case]
    (tmp_path / "a" / "cellrules.toml").write_bytes(config if isinstance(config, bytes) else config.encode())
    if case == "broken-pack":
        (tmp_path / "a" / "pack").mkdir()
        (tmp_path / "a" / "pack" / "bad.rules").write_text("rule {", encoding="utf-8")
    for fmt in ("text", "json"):
        result = run("check", "--today", TODAY.isoformat(), "--format", fmt, "a", "b", cwd=tmp_path)
        assert result.returncode == 2
        assert "internal error" not in result.stderr
        if fmt == "text":
            assert "a/one.toml:1:1: error: cannot use the configuration: " in result.stdout
            assert "b/two.toml:" in result.stdout and "error: mechanics" in result.stdout  # b was checked
            assert result.stdout.splitlines()[-1] == "2 files: 0 pass, 0 incomplete, 1 fail, 1 error"
            assert "a/cellrules.toml" in result.stderr or "a/pack/bad.rules" in result.stderr


FOREIGN_PYPROJECTS = {
    "deep-nesting": "[project]\nname = 'x'\nvalue = " + "[" * 3000 + "]" * 3000 + "\n",
    "huge-integer": "[project]\nversion = " + "9" * 5000 + "\n",
    "malformed": "[project\nname = \n",
    "not-utf8": b"[project]\nname = '\xff'\n",
    "deep-inline-tables": "x = " + "{a = " * 2000 + "1" + "}" * 2000 + "\n",
}


@pytest.mark.parametrize("case", FOREIGN_PYPROJECTS)
def test_a_foreign_pyproject_never_crashes_the_run(tmp_path, case):
    folder = specs_folder(tmp_path)
    text = FOREIGN_PYPROJECTS[case]
    (tmp_path / "pyproject.toml").write_bytes(text if isinstance(text, bytes) else text.encode())
    result = run("check", "--today", TODAY.isoformat(), "specs", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines()[-1] == "2 files: 1 pass, 0 incomplete, 1 fail, 0 error"
    assert folder.is_dir()


# ---------------------------------------------------------------- D9: -o onto devices and links

def _device(tmp_path: Path) -> Path:
    """A character device like /dev/null: a copy where this user may make one, else /dev/null itself."""
    copy = tmp_path / "null"
    try:
        os.mknod(copy, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        return copy
    except PermissionError:
        return Path("/dev/null")  # a user who cannot make a device cannot replace this one either


@pytest.mark.parametrize("target", ["device", "link-to-device", "link-to-stdout", "link-to-file"])
@pytest.mark.parametrize("command", ["explain", "coverage"])
def test_o_writes_devices_and_links_in_place(tmp_path, target, command):
    shutil.copyfile(GOOD, tmp_path / "good.toml")
    device = _device(tmp_path)
    output = tmp_path / "out"
    if target == "device":
        output = device
    elif target == "link-to-device":
        output.symlink_to(device)
    elif target == "link-to-stdout":
        output.symlink_to("/proc/self/fd/1")
    else:
        (tmp_path / "report.txt").write_text("old", encoding="utf-8")
        output.symlink_to(tmp_path / "report.txt")
    args = ["explain", "-o", output, "good.toml"] if command == "explain" else ["rules", "coverage", "-o", output]
    result = run(*args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert stat.S_ISCHR(os.stat(device).st_mode)  # the device is still a device
    if target != "device":
        assert output.is_symlink()  # the link is still a link
    if target == "link-to-stdout":
        assert len(result.stdout) > 100  # the report went where the link points
    if target == "link-to-file":
        assert (tmp_path / "report.txt").read_text(encoding="utf-8") != "old"
