"""Nothing a user writes is ever run: Python and Jinja written into rule strings, spec strings and
names come out as text in every output format, and nothing they ask for happens.

The payloads would, if run, create a file (Python) or print 1337 and XXX (Jinja). A rule pack
whose every string carries them fails a spec whose every string carries them too, and the
spec's name is pulled into the failure message through a {cell.name} placeholder.
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import TODAY

FAILURE_MODE = "short-circuit"


def payloads(marker) -> list[str]:
    return [f"__import__('os').system('touch {marker}')", "{{ 7*191 }}", "{% for x in range(3) %}X{% endfor %}",
            "{{ ''.__class__.__mro__[1].__subclasses__() }}"]


def rule_pack(marker) -> str:
    strings = " ".join(f'"{text}"' for text in (p.replace("'", "\\'") for p in payloads(marker)))
    return f"""
rule inert.payload "Every string here is a payload {{{{ 7*191 }}}}" {{
  require false
  severity error
  failure {FAILURE_MODE}
  message "name: {{cell.name}}; " {strings}
  because {strings}
  mitigate {strings}
  cite {strings}
  outside {strings}
}}
"""


def spec(marker) -> str:
    text = " | ".join(payloads(marker)).replace("\\", "\\\\").replace('"', '\\"')
    return f'''spec_version = 1

[cell]
name = "{text}"
carrier = "Li"
source = "{text}"

[anode]
material = "Li"

[[waiver]]
rule = "mechanics.shear-modulus-ratio"
reason = "{text}"
'''


def bad_spec(marker) -> str:
    """The payloads as a key and as a material name: they come back inside error messages."""
    key = payloads(marker)[0]
    return f'''spec_version = 1

[cell]
name = "x"
carrier = "Li"
"{key}" = 1

[cathode]
material = "{{{{ 7*191 }}}} {{% for x in range(3) %}}X{{% endfor %}}"
'''


def cellrules(*args, cwd, environment):
    return subprocess.run([sys.executable, "-m", "cellrules", *args], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("inert")
    marker = root / "PWNED"
    (root / "pack").mkdir()
    (root / "pack" / "payload.rules").write_text(rule_pack(marker), encoding="utf-8")
    (root / "payload.toml").write_text(spec(marker), encoding="utf-8")
    (root / "payload-bad.toml").write_text(bad_spec(marker), encoding="utf-8")
    environment = dict(os.environ, XDG_CACHE_HOME=str(root / "cache"))
    return root, marker, environment


def check_formats() -> list[str]:
    from cellrules.cli.check import FORMATS

    return list(FORMATS)


def explain_formats() -> list[str]:
    try:
        from cellrules.report.render import FORMATS
    except ImportError:  # explain not built in this tree
        return []
    return list(FORMATS)


def assert_inert(run, marker):
    output = run.stdout + run.stderr
    assert "Traceback" not in output and "internal error" not in output
    assert not marker.exists(), "a payload ran as Python"
    assert "1337" not in output and "XXX" not in output, "a payload ran as a template"
    assert "<class '" not in output, "a payload ran as a template"
    assert "7*191" in output.replace("\\", "")  # Markdown shows it as \{\{ 7\*191 \}\}


@pytest.mark.parametrize("output_format", check_formats())
def test_check_output_keeps_payloads_as_text(workspace, output_format):
    root, marker, environment = workspace
    run = cellrules("check", "--rules", "pack", "--format", output_format, "--all", "--today", TODAY.isoformat(),
                    "payload.toml", cwd=root, environment=environment)
    assert run.returncode == 1, run.stderr
    assert_inert(run, marker)
    assert "inert.payload" in run.stdout


@pytest.mark.parametrize("output_format", check_formats())
def test_error_messages_keep_payloads_as_text(workspace, output_format):
    root, marker, environment = workspace
    run = cellrules("check", "--format", output_format, "payload-bad.toml", cwd=root, environment=environment)
    assert run.returncode == 2
    assert_inert(run, marker)


@pytest.mark.parametrize("output_format", explain_formats())
def test_explanations_keep_payloads_as_text(workspace, output_format):
    root, marker, environment = workspace
    for args in (["payload.toml"], ["--rule", "inert.payload"]):
        run = cellrules("explain", "--rules", "pack", "--format", output_format, "--today", TODAY.isoformat(),
                        *args, cwd=root, environment=environment)
        assert run.returncode == 0, run.stderr
        assert_inert(run, marker)


def test_rule_listing_keeps_payloads_as_text(workspace):
    root, marker, environment = workspace
    for args in (["list"], ["list", "--format", "json"], ["show", "inert.payload"]):
        run = cellrules("rules", "--rules", "pack", *args, cwd=root, environment=environment)
        assert run.returncode == 0, run.stderr
        assert_inert(run, marker)
