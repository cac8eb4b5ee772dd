"""`cellrules check PATH...`: evaluate specs, print findings, exit 0/1/2.

Each spec is checked under the nearest configuration above it (or `--config`),
with the command line on top; files are checked in parallel when there are
many; the findings are printed in one of five formats, file by file as each
result is final (report/stream.py), so the output never depends on `--jobs`
and memory not on the number of files.
"""
from __future__ import annotations

import argparse
import datetime
import os
import sys
from pathlib import Path

import attrs

from cellrules.cli.arguments import job_count
from cellrules.errors import CellrulesError, ManyErrors, UsageError, did_you_mean

FORMATS = ("text", "json", "sarif", "junit", "github")
INPUTS_SHOWN = ("json", "sarif", "junit")   # the formats that print each finding's inputs
COLORS = ("auto", "always", "never")
STDIN = "-"   # the path that means "the spec on standard input"


def register(commands) -> None:
    parser = commands.add_parser("check", help="check cell specs against the design rules")
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="spec files or directories searched for specs; - reads one spec from standard input")
    parser.add_argument("--stdin-filename", metavar="PATH",
                        help="the name a spec read from standard input is reported under, and whose folder's "
                             "configuration applies (default: -, the working directory's)")
    parser.add_argument("--format", default="text", help="text (default), json, sarif, junit or github")
    parser.add_argument("--all", action="store_true", help="also report passes and rules that do not apply")
    parser.add_argument("--strict", action=argparse.BooleanOptionalAction, default=None,
                        help="an incomplete file fails the check (overrides `strict` in the configuration)")
    parser.add_argument("--rules", action="append", default=[], metavar="DIR",
                        help="add a rule pack (repeatable; adds to `rules-dirs` in the configuration)")
    parser.add_argument("--config", metavar="FILE",
                        help="use this cellrules.toml or pyproject.toml for every spec instead of searching")
    parser.add_argument("--select", action="append", metavar="IDS",
                        help="check only these rule ids or prefixes (comma-separated, repeatable)")
    parser.add_argument("--ignore", action="append", metavar="IDS",
                        help="skip these rule ids or prefixes (comma-separated, repeatable)")
    parser.add_argument("--severity", action="append", default=[], metavar="ID=LEVEL",
                        help="override a rule's severity: error, warning or info (repeatable)")
    parser.add_argument("--fail-on", choices=("error", "warning"), default=None,
                        help="the lowest severity whose failure fails a file (default error)")
    parser.add_argument("--jobs", "-j", type=job_count, default=None, metavar="N",
                        help="check files in N processes, or auto (the default): every core, and one process "
                             "for a batch too small to gain from more")
    parser.add_argument("--color", default="auto",
                        help="auto (default), always or never; with auto, NO_COLOR turns colour off, "
                             "FORCE_COLOR on and TERM=dumb off")
    parser.add_argument("--only-specs", action="store_true",
                        help="skip named files that are not specs or that the configuration excludes "
                             "(for pre-commit, which passes every changed *.toml)")
    parser.add_argument("--today", metavar="YYYY-MM-DD", help="the date waivers expire against (default: today)")
    parser.add_argument("--root", metavar="DIR",
                        help="the repository root SARIF URIs are relative to (default: the folder holding .git "
                             "above the specs, else the working directory)")
    parser.add_argument("--no-cache", action="store_true",
                        help="check every file again instead of reusing the cached results of files, rules and "
                             "options unchanged since an earlier check")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="print every file's status, and on stderr which configuration files applied")
    parser.set_defaults(run=run)


def parse_today(text: str | None) -> datetime.date:
    if not text:
        return datetime.date.today()
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--today {text!r} is not a date", hint="write YYYY-MM-DD") from None


def command_line_config(args):
    """The command line's settings as a Config layer; None where an option was not given."""
    from cellrules.cli.config import SEVERITIES, Config

    def ids(values):
        return None if values is None else tuple(p.strip() for v in values for p in v.split(",") if p.strip())

    severity = []
    for item in args.severity:
        rule, _, level = item.partition("=")
        if not rule or not level:
            raise UsageError(f"--severity {item!r} is not ID=LEVEL",
                             hint="LEVEL is error, warning or info, e.g. --severity mechanics.shear-modulus-ratio=error")
        if level not in SEVERITIES:
            raise UsageError(f"--severity {item!r}: {level!r} is not a level; the levels are error, warning and info",
                             hint=did_you_mean(level, SEVERITIES) or f"e.g. --severity {rule.strip()}=error")
        severity.append((rule.strip(), level))
    return Config(select=ids(args.select), ignore=ids(args.ignore), severity=tuple(sorted(severity)),
                  rules_dirs=tuple(os.path.normpath(d) for d in args.rules), fail_on=args.fail_on, strict=args.strict)


def run(args) -> int:
    from cellrules.cli.problems import report_error
    from cellrules.cli.exits import EXIT_ERROR, EXIT_FAIL, EXIT_OK
    from cellrules.cli.batch import CacheCounts, Task
    from cellrules.notes import NOTES
    from cellrules.report.color import colorize
    from cellrules.report.stream import Renderer, stream_document

    if args.format not in FORMATS:
        raise UsageError(f"unknown format {args.format!r}", hint="formats: " + ", ".join(FORMATS))
    if args.color not in COLORS:
        raise UsageError(f"unknown --color {args.color!r}", hint="auto, always or never")
    sources = read_stdin(args)
    settings, rulesets, broken, missing = _settings(args)
    for error in dict.fromkeys(broken.values()):  # each broken configuration once, at its own lines
        report_error(error)
    inputs = args.format in INPUTS_SHOWN
    options = {s: attrs.evolve(s.options(), finding_inputs=inputs) for s in set(settings.values())}  # one per config
    tasks = [Task(path, s.rules_dirs, options[s], sources.get(path)) for path, s in settings.items()]
    document = _document(args, rulesets, settings, sources)
    write = sys.stdout.write
    if args.format == "text" and wanted_color(args):
        write = lambda text: sys.stdout.write(colorize(text))  # noqa: E731 - colour is applied line by line
    render = Renderer(document, shown=_verbose_error if args.verbose else None)
    counts = CacheCounts()
    results = stream_document(_in_path_order(args, tasks, rulesets, broken, missing, counts, render), document,
                              write)
    if not args.no_cache:
        NOTES.detail(f"{counts.cached} of {counts.total} results from the result cache "
                     f"({counts.total - counts.cached} checked; --no-cache checks every file)")
    if args.format == "github" and os.environ.get("GITHUB_STEP_SUMMARY"):
        _append_summary(os.environ["GITHUB_STEP_SUMMARY"], document.summary.text())
    if args.debug:
        _print_tracebacks(results)
    statuses = {r.status for r in results}
    if "error" in statuses:
        return EXIT_ERROR
    if any(r.status == "fail" or (r.path in settings and settings[r.path].strict and r.status == "incomplete")
           for r in results):
        return EXIT_FAIL
    return EXIT_OK


def _in_path_order(args, tasks, rulesets, broken: dict, missing: list, counts, render):
    """Every result in path order, rendered, each as soon as it and those before it are final (issue 14): the
    checked specs from the workers, merged with the files whose configuration is unusable and the paths that do
    not exist."""
    import heapq

    from cellrules.cli.batch import default_jobs, iter_results

    tasks = sorted(tasks, key=lambda t: t.path)
    extras = sorted([render(_unusable_configuration(path, error)) for path, error in broken.items()]
                    + [render(_missing(path)) for path in missing], key=lambda r: r.path)
    checked = iter_results(tasks, rulesets, args.jobs or default_jobs(), cache=not args.no_cache, counts=counts,
                           render=render)
    return heapq.merge(checked, extras, key=lambda r: r.path) if extras else checked   # nearly always none


def _document(args, rulesets: dict, settings: dict, sources: dict):
    """The output format as a document written file by file (report/stream.py)."""
    if args.format == "json":
        from cellrules.report.json import JsonDocument
        return JsonDocument()
    if args.format == "sarif":
        from cellrules.report.sarif import SarifDocument
        rules = [rule for ruleset in rulesets.values() for rule in ruleset.rules]
        docs = next((s.rule_docs_url for _, s in sorted(settings.items()) if s.rule_docs_url), "")
        return SarifDocument(rules, include_all=args.all, root=sarif_root(args, settings),
                             line_text=LineReader(sources), help_url=docs)
    if args.format == "junit":
        from cellrules.report.junit import JunitDocument
        return JunitDocument({path: s.fail_on for path, s in settings.items()})
    if args.format == "github":
        from cellrules.report.github import GithubDocument
        return GithubDocument()
    from cellrules.report.text import TextDocument
    return TextDocument(verbose=args.verbose)


def wanted_color(args) -> bool:
    from cellrules.report.color import wanted
    return wanted(args.color, _is_terminal(sys.stdout), os.environ)


def _missing(path: str):
    """A named path that does not exist: an error of its own in every format, while every other file is checked
    (a CI report must still say what went wrong rather than come out empty)."""
    from cellrules.engine.results import FileResult
    from cellrules.errors import Location

    error = UsageError("no such file or directory", Location(path),
                       hint="check the spelling; a relative path starts from the working directory")
    return FileResult(path, "error", message=error.message, errors=(error,))


def _settings(args) -> tuple[dict, dict, dict, list]:
    """Each spec's settings, the rule sets they need, the specs whose configuration cannot be used, and the
    named paths that do not exist.

    A mistake on the command line (a --rules pack, a --select id, the --config file) stops the run;
    a broken configuration found in a folder, or a broken rule pack it names, makes only the specs it
    governs errors (path -> the error), so every other folder is still checked.
    """
    from cellrules.cli.config import ConfigFinder, check_rule_ids, load_config, merge
    from cellrules.cli.load import load_ruleset

    today = parse_today(args.today)
    overrides = command_line_config(args)
    explicit = load_config(args.config) if args.config else None
    finder = ConfigFinder()
    include_all = args.all or args.format == "junit"  # JUnit lists every rule that ran, passes included
    settings, rulesets, broken, configs = {}, {}, {}, {}
    found, missing = _find(args, explicit, finder)
    merged: dict = {}     # id(config) -> its Settings: one object per configuration, not per spec
    for path in found:
        try:
            config = configs[path] = explicit or finder.for_file(path)
            if id(config) not in merged:
                merged[id(config)] = merge(config, overrides, include_all, today)
            settings[path] = merged[id(config)]
        except CellrulesError as error:
            broken[path] = error
    if args.verbose:
        sys.stderr.write(applied_configs(configs, explicit is not None))
    for setting in dict.fromkeys(settings.values()):
        try:
            if setting.rules_dirs not in rulesets:
                rulesets[setting.rules_dirs] = load_ruleset(setting.rules_dirs)
            ruleset = rulesets[setting.rules_dirs]
            check_rule_ids(setting, ruleset.by_id, {r.concern for r in ruleset.rules})
        except CellrulesError as error:
            if explicit is not None or setting.config.path is None or _from_command_line(error, overrides):
                raise
            broken.update((path, error) for path, s in settings.items() if s == setting)
    return {p: s for p, s in settings.items() if p not in broken}, rulesets, broken, missing


def _from_command_line(error: CellrulesError, overrides) -> bool:
    """Whether a problem lies in what the command line named (a --rules pack, a --select id) rather than in a
    folder's configuration file."""
    problems = error.problems if isinstance(error, ManyErrors) else [error]
    packs = [os.path.abspath(d) + os.sep for d in overrides.rules_dirs or ()]
    for problem in problems:
        if problem.location is None:
            return True  # check_rule_ids: an id given on the command line
        where = os.path.abspath(problem.location.path)
        if any(where.startswith(pack) for pack in packs):
            return True
    return False


def _unusable_configuration(path: str, error: CellrulesError):
    """The `error` result of a spec whose folder's configuration (or a rule pack it names) cannot be used.

    Each problem is reported at its own file:line:col inside the message, since the
    result's locations are lines of the spec.
    """
    from cellrules.engine.results import FileResult
    from cellrules.errors import ConfigError, Location

    problems = error.problems if isinstance(error, ManyErrors) else [error]
    errors = tuple(ConfigError(f"cannot use the configuration: {p.location}: {p.message}" if p.location
                               else f"cannot use the configuration: {p.message}", Location(path, 1, 1), p.hint)
                   for p in problems)
    return FileResult(path, "error", message=errors[0].message, errors=errors)


def _verbose_error(result):
    """With -v an internal error names its exception type."""
    from cellrules.errors import InternalError

    if any(isinstance(e, InternalError) for e in result.errors):
        errors = tuple(e.verbose() if isinstance(e, InternalError) else e for e in result.errors)
        result = attrs.evolve(result, errors=errors, message=errors[0].message)
    return result


def _print_tracebacks(results) -> None:
    """With --debug the traceback of every internal error goes to stderr."""
    from cellrules.errors import InternalError

    for result in results:
        for error in result.errors:
            if isinstance(error, InternalError):
                sys.stderr.write(error.traceback)


def _find(args, explicit, finder) -> tuple[list[str], list[str]]:
    """Specs named or found, and named paths that do not exist; with --only-specs, named files go through the
    same filter as found ones."""
    from cellrules.cli.discover import CONFIG_NAMES, find_specs, is_spec, same_file_key

    def excluded(path: str) -> bool:
        try:
            return (explicit or finder.for_file(path)).excludes(path)
        except CellrulesError:
            return False  # its configuration is broken: the file is reported with that error

    if not args.paths:
        find_specs(args.paths)  # raises the usage error for "no path given"
    found: list[str] = []
    missing: list[str] = []
    for given in args.paths:
        if given == STDIN:
            found.append(stdin_name(args))
        elif not os.path.lexists(given):
            missing.append(given)
        elif os.path.isdir(given):
            specs = [p for p in find_specs([given]) if not excluded(p)]
            if not specs:
                raise UsageError(f"every spec in directory {given} is excluded by the configuration",
                                 hint="see `exclude` in cellrules.toml or [tool.cellrules]")
            found.extend(specs)
        elif args.only_specs and os.path.isfile(given):
            if os.path.basename(given) not in CONFIG_NAMES and is_spec(Path(given)) and not excluded(given):
                found.append(given)
        else:
            found.extend(find_specs([given]))
    # One file named twice (`a.toml`, `./a.toml`, or named and found in a folder) is checked once.
    found = sorted({same_file_key(path): path for path in reversed(found)}.values())
    return found, sorted(set(missing) - set(found))


def applied_configs(configs: dict, explicit: bool) -> str:
    """For -v: which configuration file governs how many of the specs, so a surprising verdict can be traced."""
    counts: dict = {}
    for config in configs.values():
        counts[config.path] = counts.get(config.path, 0) + 1
    how = "given with --config" if explicit else "found"

    def specs(count: int) -> str:
        return f"{count} spec{'s' if count != 1 else ''}"

    lines = [f"cellrules: configuration {path} ({how}) applies to {specs(count)}"
             for path, count in sorted((p, c) for p, c in counts.items() if p is not None)]
    if None in counts:
        lines.append(f"cellrules: no configuration file applies to {specs(counts[None])} "
                     "(searched each spec's folder and those above it, up to the repository root)")
    return "".join(line + "\n" for line in lines)


def stdin_name(args) -> str:
    return getattr(args, "stdin_filename", None) or STDIN


def read_stdin(args) -> dict[str, bytes]:
    """{name: bytes} of the spec on standard input when `-` is among the paths; read once, at most 1 MiB and a byte."""
    from cellrules.tomlfile import MAX_BYTES

    if STDIN not in args.paths:
        return {}
    return {stdin_name(args): sys.stdin.buffer.read(MAX_BYTES + 1)}


def sarif_root(args, settings: dict) -> str:
    """--root, else the repository holding the first spec, else the working directory."""
    from cellrules.repository import find_root

    if args.root:
        if not os.path.isdir(args.root):
            raise UsageError(f"--root {args.root}: no such directory")
        return os.path.abspath(args.root)
    for path in sorted(settings):
        found = find_root(path if path != STDIN else ".")
        if found is not None:
            return str(found)
    return os.getcwd()


class LineReader:
    """The text of a spec line, for SARIF fingerprints; one file is held at a time (results come file by file)."""

    def __init__(self, sources: dict):
        self.sources = sources
        self.path = None
        self.lines: list[str] = []

    def __call__(self, path: str, line: int) -> str:
        if path != self.path:
            from cellrules.tomlfile import MAX_BYTES

            raw = self.sources.get(path)
            if raw is None:
                try:
                    with open(path, "rb") as handle:
                        raw = handle.read(MAX_BYTES + 1)
                except OSError:
                    raw = b""
            self.path, self.lines = path, raw.decode("utf-8", "replace").splitlines()
        return self.lines[line - 1] if 0 < line <= len(self.lines) else ""


def _append_summary(path: str, text: str) -> None:
    """Add the job summary to GitHub's file (appended: other steps' summaries share it)."""
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as error:  # the findings still reach the log and the annotations; say why the summary did not
        sys.stderr.write(f"cellrules: cannot write the job summary to {path}: {error.strerror or error}\n")


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
