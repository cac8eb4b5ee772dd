"""Bad input never crashes and never passes: every case in tests/bad is run through the real
program (`python -m cellrules check`, a subprocess), must exit 2 without a traceback, and must
print exactly the errors its first lines promise, each at its file:line:col with its hint:

    # expect: 8:1: stack_pressure = 5 has no unit
    # hint: add a unit, e.g. "5 MPa"

- tests/bad/specs/NAME.toml is checked as a spec;
- tests/bad/rules/NAME.rules becomes pack/NAME.rules, and tests/bad/knowledge/NAME.toml
  pack/knowledge/NAME.toml, of a rule pack given with `--rules pack` to check a good spec.

Spec errors are findings of the file (stdout); rule-pack errors stop the run before any spec is
read (stderr); both are printed `PATH:LINE:COL: error: MESSAGE`.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import attrs
import pytest

from cellrules.resources import builtin_rules_dir

BAD = Path(__file__).resolve().parent / "bad"
GOOD_SPEC = """spec_version = 1

[cell]
name = "Li | LLZO | LFP, a working cell"
carrier = "Li"
temperature = "25 degC"
stack_pressure = "1 MPa"

[anode]
material = "Li"

[electrolyte]
material = "LLZO"

[cathode]
material = "LiFePO4"
"""
_EXPECT = re.compile(rb"^# (expect|hint): (.*)$")


@attrs.frozen
class Case:
    kind: str                  # specs | rules | knowledge
    source: Path               # the case file in tests/bad
    expected: tuple            # ((LINE:COL, message, hint or None), ...)

    @property
    def shown(self) -> str:
        """The path cellrules prints for the case file, run from the case's work directory."""
        if self.kind == "specs":
            return self.source.name
        return str(Path("pack", *(["knowledge"] if self.kind == "knowledge" else []), self.source.name))

    def error_line(self, where: str, message: str) -> str:
        return f"{self.shown}:{where}: error: {message}"


_RULE_LINE = re.compile(r"\{rule-line:([a-z0-9.-]+)\}")


def _builtin_rule_line(match: re.Match) -> str:
    """The line of a built-in rule, so expectations do not break when its file is edited above it."""
    for path in sorted(builtin_rules_dir().glob("*.rules")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.startswith(f"rule {match.group(1)} "):
                return str(number)
    raise LookupError(match.group(1))


def _expectations(source: Path) -> tuple:
    expected = []
    for line in source.read_bytes().splitlines():
        match = _EXPECT.match(line)
        if not match:
            break
        text = _RULE_LINE.sub(_builtin_rule_line, match.group(2).decode("utf-8")).replace("{builtin}", str(builtin_rules_dir()))
        if match.group(1) == b"expect":
            where, message = text.split(": ", 1)
            expected.append([where, message, None])
        else:
            expected[-1][2] = text
    return tuple(tuple(e) for e in expected)


CASES = [Case(kind, source, _expectations(source))
         for kind in ("specs", "rules", "knowledge")
         for source in sorted((BAD / kind).iterdir())]


def _environment(cache: Path) -> dict:
    """A private cache, and bytecode kept between runs as an installed package has it."""
    environment = dict(os.environ, XDG_CACHE_HOME=str(cache / "xdg"), PYTHONPYCACHEPREFIX=str(cache / "pyc"))
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    return environment


def _run(case: Case, workdir: Path, environment: dict) -> subprocess.CompletedProcess:
    workdir.mkdir(parents=True)
    if case.kind == "specs":
        shutil.copyfile(case.source, workdir / case.shown)
        args = [case.shown]
    else:
        (workdir / case.shown).parent.mkdir(parents=True)
        shutil.copyfile(case.source, workdir / case.shown)
        (workdir / "good.toml").write_text(GOOD_SPEC, encoding="utf-8")
        args = ["--rules", "pack", "good.toml"]
    return subprocess.run([sys.executable, "-m", "cellrules", "check", *args], cwd=workdir, env=environment,
                          capture_output=True, text=True, encoding="utf-8", errors="replace", timeout=300)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Every case's run, made in parallel once: each is a separate `cellrules check` process."""
    root = tmp_path_factory.mktemp("bad")
    environment = _environment(root)
    subprocess.run([sys.executable, "-m", "cellrules", "rules", "list"], env=environment, capture_output=True)
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        done = pool.map(lambda case: _run(case, root / case.kind / case.source.stem, environment), CASES)
        return dict(zip((case.source for case in CASES), done))


def test_the_corpus_covers_every_kind_of_bad_input():
    assert len(CASES) >= 40
    assert all(case.expected for case in CASES), [c.source.name for c in CASES if not c.expected]
    assert {case.kind for case in CASES} == {"specs", "rules", "knowledge"}


@pytest.mark.parametrize("case", CASES, ids=lambda case: f"{case.kind}/{case.source.name}")
def test_bad_input_is_reported_precisely(case, runs):
    run = runs[case.source]
    output = run.stdout if case.kind == "specs" else run.stderr
    assert run.returncode == 2, run.stdout + run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    assert "internal error" not in run.stderr
    lines = output.splitlines()
    reported = [(i, line) for i, line in enumerate(lines) if line.startswith(f"{case.shown}:")]
    assert [line for _, line in reported] == [case.error_line(where, message) for where, message, _ in case.expected]
    indent = "    "
    for (index, _), (_, _, hint) in zip(reported, case.expected):
        shown_hint = lines[index + 1] if index + 1 < len(lines) and lines[index + 1].startswith(f"{indent}hint: ") \
            else None
        assert shown_hint == (f"{indent}hint: {hint}" if hint else None)
    if case.kind == "specs":
        assert lines[-1] == "1 file: 0 pass, 0 incomplete, 0 fail, 1 error"


def test_a_50_megabyte_file_is_refused_before_it_is_read(tmp_path):
    huge = tmp_path / "huge.toml"
    with open(huge, "wb") as out:
        out.write(b'spec_version = 1\n[cell]\nname = "huge"\ncarrier = "Li"\n')
        block = b"# " + b"x" * 1022 + b"\n"
        for _ in range(50 * 1024):
            out.write(block)
    for target in (huge, tmp_path):  # named, and found in a directory
        run = subprocess.run([sys.executable, "-m", "cellrules", "check", str(target)], capture_output=True,
                             text=True, timeout=120, env=_environment(tmp_path))
        assert run.returncode == 2 and "Traceback" not in run.stderr
        assert run.stdout.splitlines()[:2] == [f"{huge}:1:1: error: file is larger than 1024 KiB",
                                               "    hint: a cell spec is a few kilobytes; is this the right file?"]


MIXED = ("bare-number", "toml-non-utf8", "unknown-electrolyte", "waiver-without-reason")


def _mixed_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "designs"
    folder.mkdir()
    (folder / "good-llzo.toml").write_text(GOOD_SPEC, encoding="utf-8")
    (folder / "good-lgps.toml").write_text(GOOD_SPEC.replace('"LLZO"', '"LGPS"'), encoding="utf-8")
    for name in MIXED:
        shutil.copyfile(BAD / "specs" / f"{name}.toml", folder / f"{name}.toml")
    return folder


def test_good_files_are_still_checked_next_to_bad_ones(tmp_path):
    _mixed_folder(tmp_path)
    run = subprocess.run([sys.executable, "-m", "cellrules", "check", "-v", "designs"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120, env=_environment(tmp_path))
    assert run.returncode == 2 and "Traceback" not in run.stderr
    lines = run.stdout.splitlines()
    assert "designs/good-llzo.toml: pass" in lines
    assert "designs/good-lgps.toml: fail" in lines  # Li against LGPS: the design is checked and fails
    assert any(line.startswith("designs/good-lgps.toml:") and " error: interphase." in line for line in lines)
    for name in MIXED:
        assert f"designs/{name}.toml: error" in lines
    assert lines[-1] == "6 files: 1 pass, 0 incomplete, 1 fail, 4 error"


def test_every_file_appears_in_json_results(tmp_path):
    folder = _mixed_folder(tmp_path)
    run = subprocess.run([sys.executable, "-m", "cellrules", "check", "--format", "json", "designs"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120, env=_environment(tmp_path))
    assert run.returncode == 2 and "Traceback" not in run.stderr
    results = {entry["file"]: entry for entry in json.loads(run.stdout)["results"]}
    assert set(results) == {f"designs/{path.name}" for path in folder.iterdir()}
    assert results["designs/good-llzo.toml"]["status"] == "pass"
    assert results["designs/good-lgps.toml"]["status"] == "fail"
    for name in MIXED:
        entry = results[f"designs/{name}.toml"]
        assert entry["status"] == "error" and entry["findings"] == [] and entry["message"].startswith("line ")
