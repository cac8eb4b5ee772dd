"""Every format survives every string (issue 13, D7, D8, D16).

Strings a user controls reach the reports from three sources: a spec (a custom material's
name), a rule pack (a rule's message) and a file name (which need not even be UTF-8). Each
source carries the same payload of terminal escapes, a bell, a forged finding line, line and
paragraph separators and bidi controls; every output format must come out as valid UTF-8 that
its own parser accepts, with no control character and no forged line in text output.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from cellrules.report import safe
from conftest import EXAMPLES, TODAY

FORGED = "bad.toml:1:1: error forged.rule FORGED"
PAYLOAD = "X\x1b]0;pwned\x07\x1b[2J\n" + FORGED + "\u2028" + FORGED + "\r\u202eevil\u2066\x85\x9b31m\x00"
FORMATS = ("text", "json", "sarif", "junit", "github")
# Any C0 or C1 control but the newline that ends a line, the separators, the bidi controls.
_UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _toml_string(text: str) -> str:
    return '"' + "".join(c if c.isalnum() or c in " ./:;[]-" else f"\\u{ord(c):04x}" for c in text) + '"'


SPEC = f"""spec_version = 1

[cell]
name = {_toml_string(PAYLOAD)}
carrier = "Li"
temperature = "25 degC"
stack_pressure = "80 MPa"

[anode]
material = "Li"

[electrolyte]
material = "LLZO"

[cathode]
material = {_toml_string(PAYLOAD)}
custom = true
potential = "4.3 V vs Li/Li+"
"""

RULE = r'''
rule lab.payload "PAYLOAD_TITLE" {
  require cell.stack_pressure <= 1 MPa
  severity error
  failure metal-creep
  message "PAYLOAD_MESSAGE {cell.stack_pressure}"
  because "PAYLOAD_MECHANISM"
  mitigate "lower the pressure"
  cite "lab notebook 12"
}
'''.replace("PAYLOAD_TITLE", "title\\n" + FORGED).replace("PAYLOAD_MESSAGE", "message\\t\\n" + FORGED) \
   .replace("PAYLOAD_MECHANISM", "mechanism\\n" + FORGED)


def run(*args, cwd, env=None):
    environment = dict(os.environ, PYTHONIOENCODING="utf-8", XDG_CACHE_HOME=str(Path(cwd) / ".cache"))
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "cellrules", *args], cwd=cwd, env=environment,
                          capture_output=True, timeout=300)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("strings")
    specs = root / "specs"
    specs.mkdir()
    (specs / "payload.toml").write_text(SPEC, encoding="utf-8")
    # A good spec under a name with the payload's characters, and one whose name is not UTF-8.
    good = (EXAMPLES / "li-lgps-bad.toml").read_bytes()
    hostile_name = "n\x1b[2J\u202e" + FORGED.replace("/", "_") + "\u2028x.toml"
    (specs / hostile_name).write_bytes(good)
    os.makedirs(os.fsencode(specs / "sub"), exist_ok=True)
    with open(os.fsencode(specs / "sub") + b"/caf\xe9.toml", "wb") as handle:
        handle.write(good)
    pack = root / "pack"
    pack.mkdir()
    (pack / "lab.rules").write_text(RULE, encoding="utf-8")
    return root


def assert_valid(fmt: str, output: bytes) -> str:
    """The output is UTF-8 that its format's parser accepts; returns the text."""
    text = output.decode("utf-8")  # strict: a surrogate or stray byte fails here
    if fmt in ("json", "sarif"):
        json.loads(text)
    elif fmt == "junit":
        ET.fromstring(output)  # expat: rejects control characters and malformed XML
    if fmt in ("text", "github"):
        unsafe = _UNSAFE.search(text.replace("\t", " ") if fmt == "github" else text)  # a tab is harmless there
        assert not unsafe, repr(unsafe)
        for line in text.splitlines():
            assert not line.startswith(FORGED) and not line.startswith("bad.toml"), line
            if fmt == "github":
                assert line.startswith(("::error ", "::warning ", "::notice ")), line
    return text


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("locale", ["C.UTF-8", "C"])
def test_every_format_writes_every_string_safely(folder, fmt, locale):
    process = run("check", "--all", "--today", TODAY.isoformat(), "--format", fmt, "--rules", "pack", "specs",
                  cwd=folder, env={"LC_ALL": locale})
    assert process.returncode == 1, process.stderr
    assert b"internal error" not in process.stderr and b"internal error" not in process.stdout
    text = assert_valid(fmt, process.stdout)
    # Every file is reported, the undecodable byte shown as a visible escape (a SARIF URI: its percent-encoding).
    assert {"sarif": "caf%E9.toml", "json": "caf\\\\xe9.toml"}.get(fmt, "caf\\xe9.toml") in text
    assert "payload.toml" in text


@pytest.mark.parametrize("color", ["never", "always"])
def test_text_output_has_one_line_per_finding(folder, color):
    process = run("check", "--color", color, "--today", TODAY.isoformat(), "--rules", "pack", "specs", cwd=folder)
    text = process.stdout.decode("utf-8")
    plain = re.sub("\x1b\\[[0-9;]*m", "", text) if color == "always" else text  # the colour layer's own SGR codes
    assert not _UNSAFE.search(plain)
    shown = re.compile(r"^specs/\S.*:\d+:\d+: (error|warning|info|needs-data|pass|not-applicable|waived): "
                       r"[a-z][a-z0-9.-]+ |^    hint: |^\d+ files: ")
    for line in plain.splitlines():
        assert shown.match(line), line
    assert "lab.payload message\\t\\n" + FORGED in plain  # escaped, not dropped


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_explain_writes_every_string_safely(folder, fmt):
    process = run("explain", "--today", TODAY.isoformat(), "--format", fmt, "--rules", "pack", "specs/payload.toml",
                  cwd=folder)
    assert process.returncode == 0, process.stderr
    text = process.stdout.decode("utf-8")
    assert not _UNSAFE.search(text), repr(_UNSAFE.search(text))
    for line in text.splitlines():
        assert FORGED not in line or "\\n" + FORGED in line or "\\u2028" + FORGED in line or "\\n" in line, line
        assert not line.lstrip().startswith(FORGED), line


def test_explain_of_a_file_whose_name_is_not_utf8(folder):
    process = run("explain", os.fsdecode(b"specs/sub/caf\xe9.toml"), cwd=folder)
    assert process.returncode == 0, process.stderr
    assert "caf\\xe9.toml" in process.stdout.decode("utf-8")


def test_a_file_name_with_control_characters_in_stderr_is_escaped(folder):
    name = "specs/missing\x1b[2J\n" + FORGED
    process = run("check", name, cwd=folder)
    assert process.returncode == 2
    assert not _UNSAFE.search(process.stderr.decode("utf-8"))


@pytest.mark.parametrize("text, shown", [
    ("a\x1b[2Jb", "a\\x1b[2Jb"), ("line\nforged", "line\\nforged"), ("\u202eabc", "\\u202eabc"),
    ("sep\u2028x", "sep\\u2028x"), (os.fsdecode(b"caf\xe9"), "caf\\xe9"), ("\x9b", "\\x9b"), ("plain é ü", "plain é ü"),
])
def test_text_line_shows_what_it_escapes(text, shown):
    assert safe.text_line(text) == shown


def test_xml_text_is_always_well_formed():
    every = "".join(map(chr, range(0x20))) + "\ud800\udce9\ufffe\uffff<&>\"'"
    element = ET.Element("e", attribute=safe.xml_text(every))
    element.text = safe.xml_text(every)
    document = ET.tostring(element, encoding="unicode").encode("utf-8")
    assert ET.fromstring(document).text == safe.xml_text(every).replace("\r", "\n")  # XML's own line-end rule
