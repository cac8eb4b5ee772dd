"""A lab's report template reads only its own folder, fails as a template error at its file:line, and
cannot run forever or fill the memory (issue 13, D5, D15, D19).

A pull request can add both a template and a symbolic link beside it (git stores links), so a
link to /proc/self/environ would print the CI secrets into the report: includes and the template
itself must be regular files inside the template's folder.
"""
from __future__ import annotations

import os

import pytest

from cellrules.report import render
from conftest import EXAMPLES, run_cli

SPEC = EXAMPLES / "li-llzo-lfp.toml"


def explain(template, *args, env=None):
    return run_cli("explain", "--template", template, *args, SPEC, env=env)


def folder_with(tmp_path, text: str, name: str = "report.j2"):
    folder = tmp_path / "t"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


SECRET = "cellrules-canary-7f3a"


CASES = [(how, target) for how in ("include", "import", "extends", "main")
         for target in ("/proc/self/environ", "outside-file", "outside-dir")
         if not (how == "main" and target == "outside-dir")]  # a folder the user names is the user's choice


@pytest.mark.parametrize("how, target", CASES)
def test_a_symbolic_link_out_of_the_template_folder_is_refused(tmp_path, target, how):
    outside = tmp_path / "secret.txt"
    outside.write_text(SECRET, encoding="utf-8")
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "env").write_text(SECRET, encoding="utf-8")
    folder = tmp_path / "t"
    folder.mkdir()
    link, included = {"/proc/self/environ": ("env", "env"), "outside-file": ("env", "env"),
                      "outside-dir": ("sub", "sub/env")}[target]
    (folder / link).symlink_to({"/proc/self/environ": "/proc/self/environ", "outside-file": str(outside),
                                "outside-dir": str(tmp_path / "secrets")}[target])
    statement = {"include": f"{{% include '{included}' %}}", "import": f"{{% import '{included}' as m %}}",
                 "extends": f"{{% extends '{included}' %}}", "main": ""}[how]
    (folder / "report.j2").write_text(f"before {statement} after\n", encoding="utf-8")
    template = folder / ("report.j2" if how != "main" else included)
    result = explain(template, env={"CELLRULES_CANARY": SECRET})
    assert result.returncode == 2, result.stdout[:300]
    assert SECRET not in result.stdout + result.stderr
    assert "symbolic link out of the template's folder" in result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr


def test_a_link_inside_the_folder_is_followed(tmp_path):
    folder = folder_with(tmp_path, "{% include 'alias.j2' %}")
    (folder / "part.j2").write_text("{{ report.name }} part\n", encoding="utf-8")
    (folder / "alias.j2").symlink_to(folder / "part.j2")
    result = explain(folder / "report.j2")
    assert result.returncode == 0, result.stderr
    assert "part" in result.stdout


@pytest.mark.parametrize("source, message, line", [
    ("ok\n{% macro m() %}{{ m() }}{% endmacro %}\n{{ m() }}\n", "recurses too deeply", None),
    ("ok\n\n{{ 1 // 0 }}\n", "template failed: integer division or modulo by zero", 3),
    ("ok\n{% for i in range(10**9) %}{% endfor %}\n", "template failed", 2),
    ("{{ 'x' * 10**10 }}\n", "too large for a template", 1),
    ("{{ 'x' * 10000000000 }}\n", "too large for a template", 1),
    ("{{ 2 ** 100000 }}\n", "too large for a template", 1),
    ("{{ 'x'|center(10**10) }}\n", "template failed", None),
    ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", "template failed: it ran for more", None),
    ("a\nb\n{% include 'missing.j2' %}\n", "template not found: missing.j2", 3),
    ("{{ report.no_such_thing }}\n", "template failed", 1),
])
def test_a_failing_template_is_a_template_error_at_its_line(tmp_path, monkeypatch, source, message, line):
    folder = folder_with(tmp_path, source)
    template = str(folder / "report.j2")
    monkeypatch.setattr(render, "MAX_SECONDS", 3.0)
    monkeypatch.setattr(render, "MAX_MEMORY", 256 * 1024 * 1024)
    with pytest.raises(render.TemplateError) as raised:
        render.render("report", "text", {"report": _Report()}, template)
    assert message in raised.value.message, raised.value.message
    assert raised.value.location.path == template
    if line is not None:
        assert raised.value.location.line == line


class _Report:
    name = "cell"


def test_an_error_in_an_included_template_points_at_the_include(tmp_path):
    folder = folder_with(tmp_path, "one\n{% include 'part.j2' %}\n")
    (folder / "part.j2").write_text("a\nb\n{{ 1 // 0 }}\n", encoding="utf-8")
    with pytest.raises(render.TemplateError) as raised:
        render.render("report", "text", {"report": _Report()}, str(folder / "report.j2"))
    assert (raised.value.location.path, raised.value.location.line) == (str(folder / "part.j2"), 3)


def test_the_output_of_a_template_is_capped(tmp_path, monkeypatch):
    monkeypatch.setattr(render, "MAX_OUTPUT", 10_000)
    folder = folder_with(tmp_path, "{% for i in range(5000) %}xxxxxxxxxx{% endfor %}")
    with pytest.raises(render.TemplateError, match="output exceeds"):
        render.render("report", "text", {"report": _Report()}, str(folder / "report.j2"))


@pytest.mark.parametrize("setup, message", [
    ("directory", "cannot read template: it is a directory, not a regular file"),
    ("fifo", "cannot read template: it is a FIFO, not a regular file"),
    ("missing", "cannot read template: no such file"),
    ("not-utf8", "the file is not UTF-8 text (byte 0xff)"),
])
def test_a_template_that_cannot_be_read_says_why(tmp_path, setup, message):
    template = tmp_path / "t" / "report.j2"
    template.parent.mkdir()
    if setup == "directory":
        template.mkdir()
    elif setup == "fifo":
        os.mkfifo(template)
    elif setup == "not-utf8":
        template.write_bytes(b"line one\nline \xff two\n")
    result = explain(template)
    assert result.returncode == 2
    assert message in result.stderr
    if setup == "not-utf8":
        assert f"{template}:2:6: error:" in result.stderr


def test_an_unclosed_raw_block_names_the_template_as_given(tmp_path):
    folder = folder_with(tmp_path, "one\n{% raw %}\nnever closed\n")
    result = run_cli("explain", "--template", "t/report.j2", SPEC, cwd=tmp_path)
    assert result.returncode == 2
    assert "t/report.j2:" in result.stderr and "template syntax error" in result.stderr
    assert folder.is_dir()


def test_a_template_may_still_extend_the_builtin_one(tmp_path):
    folder = folder_with(tmp_path, '{% extends "cellrules/report.txt.j2" %}')
    result = explain(folder / "report.j2")
    assert result.returncode == 0 and "cellrules explain" in result.stdout
