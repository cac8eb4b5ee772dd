"""The Python API: load, check, explain and fix cell specs from a script or a notebook.

    import cellrules

    spec = cellrules.load_spec("examples/li-lgps-bad.toml")
    result = cellrules.check(spec)          # in Jupyter, a findings table
    fixes = cellrules.suggest(spec)         # verified fixes, best first
    fixed_text = fixes.apply(1)             # the spec's text with the best fix, every other byte kept

A spec is given as a path (an `os.PathLike`, or a `str` without a line break), as TOML text (a `str`
with a line break), as a `dict` of the TOML's tables, or as the `Spec` that `load_spec` returned.
The keywords mirror the command line: `rules` adds rule packs (directories, like `--rules`);
`select`, `ignore`, `severity`, `fail_on` and `today` are `cellrules check`'s options. The API reads
no configuration file (cellrules.toml is the command line's); rule packs are read once per process.

Errors: `load_spec`, `explain` and `suggest` raise `cellrules.errors.CellrulesError` on a bad spec
(`ManyErrors.problems` holds every problem, each with `.location` and `.hint`); `check` returns a
result with status "error" and the problems in `.errors`, as `cellrules check` reports and goes on.

Extending the API (as `screen` was): this module is the single public surface.
1. A public function takes the spec first (`_document` reads every form) and the shared keywords
   (`_ruleset(rules)`, `_options(...)`), and does its work through the same engine functions the
   command line uses, so both give the same answer; its command-line command calls it.
2. It returns a frozen attrs value with `_repr_html_` (escaped HTML, report/notebook.py).
3. Its name goes into `__all__`; cellrules/__init__.py re-exports `__all__` lazily, so
   `import cellrules` stays cheap. The name must not be that of a subpackage of cellrules
   (importing the subpackage would replace the function): the fixes live in `cellrules.fixes`.
4. docs/python-api.md documents it and docs/examples/notebook.py runs it (tests run the example).
"""
from __future__ import annotations

import datetime
import functools
import os

import attrs

from cellrules.engine.evaluate import CheckOptions, check_document, check_file
from cellrules.errors import CellrulesError, ManyErrors, SpecError, UsageError
from cellrules.fixes import DEFAULT_BUDGET, DEFAULT_MAX_EDITS
from cellrules.fixes.model import Change, Fixes, Suggestion
from cellrules.tomlfile import TomlDocument, parse_toml, read_toml_text

__all__ = ["load_spec", "check", "explain", "suggest", "screen", "count_candidates", "materialize", "Spec",
           "CheckResult", "Explanation", "Fixes", "Suggestion", "Change", "CellrulesError"]

_SEVERITIES = ("info", "warning", "error")


@attrs.frozen
class Spec:
    """A spec read and validated against the rule set: its path (or "<string>", "<dict>"), text and tables."""

    path: str
    name: str
    carrier: str
    text: str | None = attrs.field(repr=False)          # None for a spec given as a dict
    data: dict = attrs.field(repr=False)
    cell: object = attrs.field(repr=False, eq=False)     # cellrules.cellspec.model.CellSpec
    document: TomlDocument = attrs.field(repr=False, eq=False)
    bom: bool = attrs.field(default=False, repr=False)

    def _repr_html_(self) -> str:
        from cellrules.report.notebook import spec_html
        return spec_html(self)


@attrs.frozen
class CheckResult:
    """What `cellrules check` says of one spec: its status and findings (or, for a bad spec, its errors)."""

    path: str
    status: str                                          # pass | incomplete | fail | error
    findings: tuple = ()                                 # cellrules.engine.results.Finding values
    errors: tuple = ()                                   # CellrulesError values when status is "error"
    result: object = attrs.field(default=None, repr=False, eq=False)   # the engine's FileResult

    @property
    def failures(self) -> tuple:
        return tuple(f for f in self.findings if f.outcome == "fail")

    def __str__(self) -> str:
        from cellrules.report.text import render_text
        return render_text([self.result])

    def _repr_html_(self) -> str:
        from cellrules.report.notebook import check_html
        return check_html(self)


@attrs.frozen
class Explanation:
    """`cellrules explain SPEC`: the report on a design, rendered on demand as text, Markdown or HTML."""

    path: str
    status: str
    report: object = attrs.field(repr=False, eq=False)   # cellrules.report.explain.Report

    def render(self, format: str = "html", template: str | None = None) -> str:  # noqa: A002 - the CLI's word
        from cellrules.report.context import report_context
        from cellrules.report.render import FORMATS, render
        if format not in FORMATS:
            raise UsageError(f"unknown format {format!r}", hint="formats: " + ", ".join(FORMATS))
        return render("report", format, report_context(self.report, format), template)

    @property
    def text(self) -> str:
        return self.render("text")

    @property
    def markdown(self) -> str:
        return self.render("markdown")

    @property
    def html(self) -> str:
        return self.render("html")

    def __str__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        from cellrules.report.notebook import framed
        return framed(self.html)


def load_spec(source, *, rules=()) -> Spec:
    """Read and validate a spec; raises CellrulesError (ManyErrors with every problem) on a bad one."""
    from cellrules.cellspec.load import load_document

    document, text, bom = _document(source)
    ruleset = _ruleset(rules)
    cell = load_document(document, ruleset.knowledge, ruleset.by_id.keys())
    name = cell.values.get("cell.name")
    return Spec(document.path, name.value if name else "", cell.carrier, text, document.data, cell, document, bom)


def check(source, *, rules=(), select=(), ignore=(), severity=None, fail_on="error", today=None,
          include_all=False) -> CheckResult:
    """Check a spec as `cellrules check` does; a bad spec gives status "error", not an exception."""
    ruleset, options = _ruleset(rules), _options(select, ignore, severity, fail_on, today, include_all)
    if _is_path(source):
        result = check_file(ruleset, os.fspath(source), options)   # the command line's per-file function
    else:
        try:
            document = _document(source)[0]
        except CellrulesError as error:
            problems = tuple(error.problems) if isinstance(error, ManyErrors) else (error,)
            return CheckResult(_label(source), "error", (), problems, None)
        result = check_document(ruleset, document, options)
    return CheckResult(result.path, result.status, result.findings, result.errors, result)


def explain(source, *, rules=(), today=None, fixes: bool = True) -> Explanation:
    """The explain report of a spec (every rule's outcome, values, sources); raises on a bad spec.

    A failing spec's report has a "Verified fixes" section: the best suggestions of `suggest` with
    its defaults; `fixes=False` leaves it out (and skips the search).
    """
    from cellrules.report.explain import build_report

    ruleset, options = _ruleset(rules), _options((), (), None, "error", today, True)
    document, text, bom = _document(source)      # read once: the fix search edits the text checked here
    result = check_document(ruleset, document, options)
    if result.status == "error":
        raise ManyErrors(list(result.errors))
    section = None
    if fixes and result.status == "fail":
        from cellrules.fixes.section import section_fixes
        section = section_fixes(ruleset, document, text, bom, options.today)
    return Explanation(result.path, result.status, build_report(result, ruleset, section))


def suggest(source, *, max_edits: int = DEFAULT_MAX_EDITS, unsafe: bool = False, budget: int = DEFAULT_BUDGET,
            rules=(), select=(), ignore=(), severity=None, fail_on="error", today=None) -> Fixes:
    """Verified fixes of a failing spec, best first (`cellrules suggest`); raises on a bad spec.

    Each suggestion, applied (`Fixes.apply(rank)`) and checked under the same options, gives exactly
    its `status`, fixes its `fixes` and adds no failure. The search stops after `budget` evaluations
    and says so (`Fixes.exhausted`, `Fixes.budget_note`).
    """
    from cellrules.fixes.find import find_fixes   # the search's modules, only for a search

    if max_edits < 1 or budget < 1:
        raise UsageError("max_edits and budget must be 1 or more")
    document, text, bom = _document(source)
    return find_fixes(_ruleset(rules), document, text, _options(select, ignore, severity, fail_on, today, False),
                      max_edits=max_edits, unsafe=unsafe, budget=budget, bom=bom)


def screen(space, output=None, *, jobs: int = 1, scheduler: str = "local", address: str | None = None, rules=(),
           top: int = 0, rank: str | None = None, pareto: str | None = None,
           heat_map: tuple[str, str] | None = None):
    """Screen every candidate of a design-space file (`cellrules screen`; docs/screening.md): each row
    checked by the whole rule set on the column backend, written to `output` (.parquet, .csv, .jsonl) or
    kept as `result.table`. Needs the `screen` extra (numpy, pyarrow, and dask.distributed for
    `scheduler="dask"`); without it, a UsageError names the extra to install."""
    from cellrules import screening

    return screening.screen(space, output, jobs=jobs, scheduler=scheduler, address=address, rules=rules, top=top,
                            rank=rank, pareto=pareto, heat_map=heat_map)


def count_candidates(space, rules=()) -> int:
    """How many candidates a design-space file holds after its exclusions (`cellrules screen --count`)."""
    from cellrules import screening

    return screening.count(space, rules)


def materialize(space, candidate: int, rules=()) -> str:
    """One candidate of a design space as spec text that `check` agrees with (`screen --materialize ID`)."""
    from cellrules import screening

    return screening.materialize(space, candidate, rules)


# -- the shared parts of every public function ---------------------------------------------------

def _is_path(source) -> bool:
    return isinstance(source, os.PathLike) or (isinstance(source, str) and "\n" not in source)


def _label(source) -> str:
    """The name a spec's results carry when it cannot even be parsed."""
    return "<dict>" if isinstance(source, dict) else "<string>"


def _document(source) -> tuple[TomlDocument, str | None, bool]:
    """(parsed document, its text or None for a dict, whether the file began with a byte-order mark)."""
    if isinstance(source, Spec):
        return source.document, source.text, source.bom
    if isinstance(source, dict):
        return TomlDocument("<dict>", source, {}), None, False
    if _is_path(source):
        return read_toml_text(os.fspath(source), SpecError)   # every read, size and syntax error, at its line
    if isinstance(source, str):
        return parse_toml(source.encode("utf-8"), "<string>", SpecError), source.lstrip("\ufeff"), False
    raise TypeError(f"a spec is a path, TOML text, a dict or a Spec, not {type(source).__name__}")


@functools.lru_cache(maxsize=8)
def _cached_ruleset(directories: tuple):
    from cellrules.engine.cache import cached_ruleset
    from cellrules.resources import builtin_rules_dir

    return cached_ruleset([builtin_rules_dir(), *directories])


def _ruleset(rules):
    if isinstance(rules, (str, os.PathLike)):
        rules = (rules,)
    return _cached_ruleset(tuple(os.path.normpath(os.fspath(d)) for d in rules))


def _options(select, ignore, severity, fail_on, today, include_all) -> CheckOptions:
    if fail_on not in ("error", "warning"):
        raise UsageError(f"fail_on must be 'error' or 'warning', not {fail_on!r}")
    severity = dict(severity or {})
    for rule, level in severity.items():
        if level not in _SEVERITIES:
            raise UsageError(f"severity of {rule} must be info, warning or error, not {level!r}")
    if isinstance(today, str):
        today = datetime.date.fromisoformat(today)
    return CheckOptions(include_all=include_all, today=today or datetime.date.today(), severity=severity,
                        select=_ids(select), ignore=_ids(ignore), fail_on=fail_on)


def _ids(values) -> tuple[str, ...]:
    if isinstance(values, str):
        values = (values,)
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())
