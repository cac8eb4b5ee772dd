"""The shipped CI files work as written, from a clean clone, with no edit but the repository location.

- action.yml: its `${{ }}` expressions are rendered as GitHub would, and every `run:` step is
  executed in order by bash, the install line included, verbatim: it installs cellrules from
  the action's checkout (`github.action_path`, here a clean clone of this repository). pip is
  kept offline through its environment (no index, no build isolation: the test environment has
  hatchling), which leaves the command itself untouched.
- docs/ci/gitlab-ci.yml: its script runs as GitLab runs it, with CELLRULES_REQUIREMENT set to a
  path (the second way the template documents).
- .pre-commit-hooks.yaml: the hook's entry on the files pre-commit would pass.
- `python -m build` (offline: --no-isolation) gives a wheel and an sdist that `twine check` accepts.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
import xmlschema
import yaml

from conftest import EXAMPLES, REPO
from cellrules import __version__

JUNIT = xmlschema.XMLSchema10(str(Path(__file__).parent / "data" / "junit-10.xsd"))
# Placeholders a user would have to replace; only the repository location (YOUR-ORG/cellrules) is allowed.
PLACEHOLDER = re.compile(r"\b(OWNER|YOUR-[A-Z]+|CHANGEME|TODO|FIXME|XXX)\b")
CI_FILES = [REPO / "action.yml", REPO / ".pre-commit-hooks.yaml", *sorted((REPO / "docs" / "ci").glob("*.yml")),
            EXAMPLES / "design-repo" / ".gitlab-ci.yml", EXAMPLES / "design-repo" / ".pre-commit-config.yaml",
            EXAMPLES / "design-repo" / ".github" / "workflows" / "cellrules.yml"]


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    """A clean clone of this repository: what a user's `uses:` or pip sees, without local leftovers."""
    target = tmp_path_factory.mktemp("clone") / "cellrules"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(target)], check=True, timeout=120)
    return target


@pytest.fixture(scope="module")
def installed(tmp_path_factory, clone) -> dict:
    """Runs action.yml's install step verbatim; returns the environment in which the installed cellrules runs."""
    target = tmp_path_factory.mktemp("site")
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    (install,) = [step for step in action["runs"]["steps"] if step.get("name") == "Install cellrules"]
    bin_dir = Path(sys.executable).parent
    environment = dict(os.environ, PATH=f"{target / 'bin'}{os.pathsep}{bin_dir}{os.pathsep}{os.environ['PATH']}",
                       PYTHONPATH=str(target), PIP_NO_INDEX="1", PIP_NO_DEPS="1", PIP_NO_BUILD_ISOLATION="0",
                       PIP_TARGET=str(target), PIP_DISABLE_PIP_VERSION_CHECK="1")
    environment.update({key: _render(value, {"github.action_path": str(clone)}) for key, value in install["env"].items()})
    done = subprocess.run(["bash", "-e", "-c", install["run"]], env=environment, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    for key in ("PIP_NO_INDEX", "PIP_NO_DEPS", "PIP_NO_BUILD_ISOLATION", "PIP_TARGET"):
        environment.pop(key)
    where = subprocess.run(["python", "-c", "import cellrules; print(cellrules.__file__)"], env=environment,
                           capture_output=True, text=True, check=True).stdout
    assert where.startswith(str(target)), where     # the copy installed from the clone runs, not the source tree
    return environment


_EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")


def _render(text: str, context: dict) -> str:
    def value(match: re.Match) -> str:
        assert match.group(1) in context, f"unknown expression {match.group(1)!r}"
        return context[match.group(1)]
    return _EXPRESSION.sub(value, str(text))


def _condition(expression: str, context: dict) -> bool:
    """The `if:` expressions action.yml may use: always(), and `A == 'x'` / `A != 'x'` joined by &&."""
    inner = _EXPRESSION.fullmatch(expression.strip())
    terms = (inner.group(1) if inner else expression).split("&&")
    result = True
    for term in (t.strip() for t in terms):
        if term == "always()":
            continue
        match = re.fullmatch(r"([\w.-]+) (==|!=) '([^']*)'", term)
        assert match, f"action.yml uses an expression this test cannot read: {term!r}"
        name, operator, literal = match.groups()
        result &= (context.get(name, "") == literal) == (operator == "==")
    return result


def _run_action(installed: dict, workspace: Path, tmp_path: Path, **given) -> dict:
    """Every step of action.yml in order; returns what each step did."""
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    context = {f"inputs.{name}": str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    context.update({f"inputs.{name}": value for name, value in given.items()})
    context["github.action_path"] = "/not/used/after/install"
    output, summary = tmp_path / "output", tmp_path / "summary.md"
    done = {"uses": [], "stdout": "", "failed": None}
    for step in action["runs"]["steps"]:
        if "if" in step and not _condition(step["if"], context):
            continue
        if "uses" in step:
            done["uses"].append((step["uses"], {k: _render(v, context) for k, v in step.get("with", {}).items()}))
            continue
        if step.get("name") == "Install cellrules":
            continue        # done once, by the `installed` fixture, verbatim
        output.write_text("", encoding="utf-8")
        environment = dict(installed, GITHUB_OUTPUT=str(output), GITHUB_STEP_SUMMARY=str(summary))
        environment.update({key: _render(value, context) for key, value in step.get("env", {}).items()})
        ran = subprocess.run([step["shell"], "-e", "-c", step["run"]], cwd=workspace, env=environment,
                             capture_output=True, text=True, timeout=300)
        done["stdout"] += ran.stdout
        if ran.returncode != 0:
            done["failed"] = (step.get("name"), ran.returncode)
            break
        for line in output.read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition("=")
            context[f"steps.{step.get('id')}.outputs.{key}"] = value
    done["context"] = context
    done["summary"] = summary.read_text(encoding="utf-8") if summary.exists() else ""
    return done


@pytest.fixture
def workspace(tmp_path) -> Path:
    """A user's design repository as actions/checkout leaves it."""
    root = tmp_path / "workspace"
    (root / "designs").mkdir(parents=True)
    subprocess.run(["git", "init", "--quiet", str(root)], check=True)
    for name in ("li-lgps-bad.toml", "li-llzo-lfp.toml"):
        (root / "designs" / name).write_text((EXAMPLES / name).read_text(encoding="utf-8"), encoding="utf-8")
    return root


def test_the_action_installs_from_its_own_checkout():
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    (install,) = [step for step in action["runs"]["steps"] if step.get("name") == "Install cellrules"]
    assert install["env"] == {"ACTION_PATH": "${{ github.action_path }}"}
    assert install["run"].strip() == 'python -m pip install --quiet "$ACTION_PATH"'
    assert "version" not in action["inputs"]            # no pip requirement for a package that is not on an index


def test_the_action_runs_from_a_clean_clone(installed, workspace, tmp_path):
    done = _run_action(installed, workspace, tmp_path, paths="designs/")
    assert done["context"]["steps.check.outputs.exit-code"] == "1"      # li-lgps-bad fails
    assert done["failed"] == ("Fail on a failed design", 1)
    (upload,) = [with_ for uses, with_ in done["uses"] if "upload-sarif" in uses]
    assert upload == {"sarif_file": "cellrules.sarif", "category": "cellrules"}
    log = json.loads((workspace / "cellrules.sarif").read_text(encoding="utf-8"))
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
    assert uris == {"designs/li-lgps-bad.toml", "designs/li-llzo-lfp.toml"}
    assert "| error | designs/li-lgps-bad.toml:13 | mechanics.li-stack-pressure-failure |" in done["summary"]
    assert "::error " not in done["stdout"]                              # annotate defaults to false
    assert "designs/li-lgps-bad.toml:13:1: error: mechanics.li-stack-pressure-failure" in \
        re.sub(r"\x1b\[[0-9;]*m", "", done["stdout"])


def test_the_action_annotates_when_asked_and_passes_a_good_design(installed, workspace, tmp_path):
    done = _run_action(installed, workspace, tmp_path, paths="designs/", annotate="true", summary="false")
    assert "::error file=designs/li-lgps-bad.toml,line=13," in done["stdout"]
    assert done["summary"] == ""
    (workspace / "designs" / "li-lgps-bad.toml").unlink()
    passing = _run_action(installed, workspace, tmp_path, paths="designs/")
    assert passing["failed"] is None and passing["context"]["steps.check.outputs.exit-code"] == "0"


def test_the_gitlab_template_runs_with_a_path_in_its_one_variable(installed, clone, workspace, tmp_path):
    template = yaml.safe_load((REPO / "docs" / "ci" / "gitlab-ci.yml").read_text(encoding="utf-8"))
    job = template["cellrules"]
    requirement = job["variables"]["CELLRULES_REQUIREMENT"]
    assert requirement == f"git+https://github.com/YOUR-ORG/cellrules.git@v{__version__}"   # pinned to this release
    assert job["script"][0] == 'pip install --quiet "$CELLRULES_REQUIREMENT"'
    environment = dict(installed, CI_PROJECT_DIR=str(workspace), CELLRULES_REQUIREMENT=str(clone),
                       PIP_NO_INDEX="1", PIP_NO_DEPS="1", PIP_NO_BUILD_ISOLATION="0",
                       PIP_TARGET=str(tmp_path / "gitlab-site"))
    environment["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{environment['PATH']}"
    script = "\n".join(job["script"])            # GitLab runs the lines in one shell, stopping at the first failure
    done = subprocess.run(["bash", "-e", "-c", script], cwd=workspace, env=environment, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 1, done.stderr[-2000:]        # a failed design fails the job
    assert (tmp_path / "gitlab-site" / "cellrules").is_dir()  # the install line installed from the path
    report = (workspace / job["artifacts"]["reports"]["junit"]).read_text(encoding="utf-8")
    JUNIT.validate(report)
    assert "designs/li-lgps-bad.toml:13:1: error: mechanics.li-stack-pressure-failure" in done.stdout


def test_the_example_repository_uses_the_templates_install_line():
    example = yaml.safe_load((EXAMPLES / "design-repo" / ".gitlab-ci.yml").read_text(encoding="utf-8"))["cellrules"]
    template = yaml.safe_load((REPO / "docs" / "ci" / "gitlab-ci.yml").read_text(encoding="utf-8"))["cellrules"]
    assert example["script"][0] == template["script"][0]
    assert example["variables"]["CELLRULES_REQUIREMENT"] == template["variables"]["CELLRULES_REQUIREMENT"]
    for workflow in (REPO / "docs" / "ci" / "github-workflow.yml",
                     EXAMPLES / "design-repo" / ".github" / "workflows" / "cellrules.yml"):
        steps = yaml.safe_load(workflow.read_text(encoding="utf-8"))["jobs"]["check"]["steps"]
        assert steps[1]["uses"] == f"YOUR-ORG/cellrules@v{__version__}"


def test_the_pre_commit_hook_runs_on_what_pre_commit_passes(installed, workspace):
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert (hook["id"], hook["language"], hook["types"]) == ("cellrules", "python", ["toml"])
    (workspace / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    files = ["pyproject.toml", "designs/li-llzo-lfp.toml"]
    done = subprocess.run([*hook["entry"].split(), *files], cwd=workspace, env=installed, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.splitlines()[-1] == "1 file: 1 pass, 0 incomplete, 0 fail, 0 error"


def test_no_placeholder_but_the_repository_location():
    for path in CI_FILES:
        text = path.read_text(encoding="utf-8")
        for match in PLACEHOLDER.finditer(text):
            assert match.group(0) == "YOUR-ORG" and text[match.end():].startswith("/cellrules"), \
                f"{path.relative_to(REPO)}: placeholder {match.group(0)!r}"


# ---------------------------------------------------------------------------------------- packaging


@pytest.fixture(scope="module")
def dist(clone, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(clone)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out


def test_build_gives_a_wheel_and_an_sdist_that_twine_accepts(dist):
    wheel = dist / f"cellrules-{__version__}-py3-none-any.whl"
    sdist = dist / f"cellrules-{__version__}.tar.gz"
    assert wheel.is_file() and sdist.is_file()
    done = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", str(wheel), str(sdist)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("PASSED") == 2


def test_the_wheel_holds_what_cellrules_reads_at_run_time(dist):
    names = set(zipfile.ZipFile(dist / f"cellrules-{__version__}-py3-none-any.whl").namelist())
    assert "cellrules/grammar/cellrules.lark" in names
    rules = sorted(p.name for p in (REPO / "rules").glob("*.rules"))
    assert {f"cellrules/rules/{name}" for name in rules} <= names
    assert {f"cellrules/rules/cases/{p.name}" for p in (REPO / "rules" / "cases").glob("*.toml")} <= names
    assert {f"cellrules/rules/knowledge/{p.name}" for p in (REPO / "rules" / "knowledge").glob("*.toml")} <= names
    templates = {p.name for p in (REPO / "src" / "cellrules" / "report" / "templates").glob("*.j2")}
    assert {f"cellrules/report/templates/{name}" for name in templates} <= names
    metadata = zipfile.ZipFile(dist / f"cellrules-{__version__}-py3-none-any.whl").read(
        f"cellrules-{__version__}.dist-info/METADATA").decode()
    assert "License-Expression: MIT" in metadata and "Requires-Dist: lark" in metadata
    assert f"cellrules-{__version__}.dist-info/licenses/LICENSE" in names


def test_the_sdist_builds_everything_again(dist):
    members = {name.split("/", 1)[1] for name in tarfile.open(dist / f"cellrules-{__version__}.tar.gz").getnames()
               if "/" in name}
    for needed in ("pyproject.toml", "README.md", "LICENSE", "action.yml", ".pre-commit-hooks.yaml",
                   "grammar/cellrules.lark", "docs/rules/README.md", "docs/explain-json.md", "schema/cell-spec.schema.json",
                   "tests/data/junit-10.xsd", "examples/li-lgps-bad.toml"):
        assert needed in members, needed
