"""Project configuration for `check`: `[tool.cellrules]` in pyproject.toml or a `cellrules.toml`.

A design repository keeps its policy next to its specs, the way ruff and
Conftest read theirs: which rules apply (`select`, `ignore`), how severe they
are (`severity`), the lab's own rule packs (`rules-dirs`), what fails the
build (`fail-on`, `strict`) and which files are not specs at all (`exclude`).
The nearest configuration above a spec governs it, so one repository can hold
folders with different policies. Command-line options override the file.

A typo in a configuration key would silently change nothing, so every unknown
key is an error at its file:line:col with a did-you-mean (cli.md).
"""
from __future__ import annotations

import datetime
import fnmatch
import os
import re
from pathlib import Path

import attrs

from cellrules import repository
from cellrules.engine.evaluate import CheckOptions
from cellrules.errors import ConfigError, Location, ManyErrors, did_you_mean
from cellrules.fileio import read_regular
from cellrules.tomlfile import MAX_BYTES, TomlDocument, read_toml, tomllib

KEYS = ("select", "ignore", "severity", "rules-dirs", "fail-on", "strict", "exclude", "rule-docs-url")
SEVERITIES = ("error", "warning", "info")
FAIL_ON = ("error", "warning")
CONFIG_FILE, PYPROJECT = "cellrules.toml", "pyproject.toml"


@attrs.frozen
class Config:
    """What one configuration source says; None (or an empty severity) where it says nothing."""

    path: str | None = None                      # the file, as shown to the user; None for the command line
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None
    severity: tuple[tuple[str, str], ...] = ()   # (rule id, level) pairs, sorted
    rules_dirs: tuple[str, ...] | None = None    # resolved against the config file's folder
    fail_on: str | None = None
    strict: bool | None = None
    exclude: tuple[str, ...] = ()                # glob patterns relative to `root`
    root: str = "."                              # the folder exclude patterns are relative to
    rule_docs_url: str | None = None             # where the rule pages (docs/rules/) are published, for SARIF
    where: tuple[tuple[str, Location], ...] = attrs.field(default=(), eq=False)  # key -> its location

    def location(self, key: str) -> Location | None:
        return dict(self.where).get(key)

    def excludes(self, path: str) -> bool:
        """Whether a spec found in directory search matches an `exclude` pattern.

        A pattern matches the path relative to the configuration's folder, any
        folder on that path (so `drafts` and `drafts/*` skip a whole folder), or
        the file name alone.
        """
        if not self.exclude:
            return False
        relative = Path(os.path.relpath(os.path.abspath(path), os.path.abspath(self.root))).as_posix()
        parts = relative.split("/")
        candidates = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)] + [parts[-1]]
        return any(fnmatch.fnmatchcase(c, p.rstrip("/")) for p in self.exclude for c in candidates)


@attrs.frozen
class Settings:
    """The effective settings for one checked file: its configuration with the command line on top."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: tuple[tuple[str, str], ...] = ()
    rules_dirs: tuple[str, ...] = ()
    fail_on: str = "error"
    strict: bool = False
    include_all: bool = False
    today: datetime.date = attrs.field(factory=datetime.date.today)
    config: Config = Config()
    rule_docs_url: str = ""

    def options(self) -> CheckOptions:
        return CheckOptions(include_all=self.include_all, today=self.today, severity=dict(self.severity),
                            select=self.select, ignore=self.ignore, fail_on=self.fail_on)


def merge(config: Config, command_line: Config, include_all: bool, today: datetime.date) -> Settings:
    """The command line wins over the file; severities merge rule by rule; `--rules` adds to `rules-dirs`.

    Rule packs add up rather than replace each other: a spec that waives a rule of
    the repository's own pack must still find that rule when `--rules` adds another.
    """
    def pick(name, default):
        given = getattr(command_line, name)
        if given is not None:
            return given
        found = getattr(config, name)
        return default if found is None else found

    severity = dict(config.severity)
    severity.update(command_line.severity)
    return Settings(select=pick("select", ()), ignore=pick("ignore", ()), severity=tuple(sorted(severity.items())),
                    rules_dirs=tuple(dict.fromkeys((*(config.rules_dirs or ()), *(command_line.rules_dirs or ())))),
                    fail_on=pick("fail_on", "error"),
                    strict=pick("strict", False), include_all=include_all, today=today, config=config,
                    rule_docs_url=pick("rule_docs_url", ""))


class ConfigFinder:
    """The nearest configuration of each spec, walking up from its folder; each folder is read once.

    The walk stops at the repository root (repository.py): a configuration above
    the checkout belongs to no one who reviews the repository.
    """

    def __init__(self):
        self._by_folder: dict[Path, Config] = {}
        self._by_name: dict[str, Path] = {}   # a file's folder as named -> as a Path: one Path per folder, not per file

    def for_file(self, path: str) -> Config:
        named = os.path.dirname(path)
        folder = self._by_name.get(named)
        if folder is None:
            folder = self._by_name[named] = Path(os.path.abspath(path)).parent
        return self._for_folder(folder)

    def _for_folder(self, folder: Path) -> Config:
        """A broken configuration raises for every spec it governs, and is read once like a good one."""
        if folder not in self._by_folder:
            try:
                found = config_in(folder)
                if found is None:
                    top = folder.parent == folder or repository.is_root(folder)
                    found = Config() if top else self._for_folder(folder.parent)
            except ConfigError as error:
                found = error
            self._by_folder[folder] = found
        found = self._by_folder[folder]
        if isinstance(found, ConfigError):
            raise found
        return found


def config_in(folder: Path) -> Config | None:
    """The configuration a folder itself holds: cellrules.toml first, else a pyproject.toml with [tool.cellrules]."""
    candidate = folder / CONFIG_FILE
    if candidate.is_file():
        return load_config(_shown(candidate))
    candidate = folder / PYPROJECT
    if candidate.is_file() and _has_tool_table(candidate):
        return load_config(_shown(candidate))
    return None


def _shown(path: Path) -> str:
    """A found configuration file as the user sees it: relative to the working directory."""
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


def _has_tool_table(path: Path) -> bool:
    """Whether a pyproject.toml holds [tool.cellrules]. Any other pyproject.toml is not ours to judge:
    however broken (bad TOML, 5,000-digit numbers, deep nesting, not UTF-8, not a regular file), it is skipped."""
    try:
        data = tomllib.loads(read_regular(path, MAX_BYTES).decode("utf-8"))
    except (OSError, ValueError, RecursionError, MemoryError):  # ValueError: bad UTF-8, bad TOML, huge numbers
        return _mentions_tool_table(path)
    return isinstance(data.get("tool"), dict) and "cellrules" in data["tool"]


def _mentions_tool_table(path: Path) -> bool:
    """A pyproject.toml that cannot be parsed but names [tool.cellrules] is ours after all: load_config reports it."""
    try:
        return b"tool.cellrules" in read_regular(path, MAX_BYTES)
    except OSError:
        return False


def load_config(path: str) -> Config:
    """Read one configuration file (`--config FILE` or a found one); every problem is reported at once."""
    doc = read_toml(path, ConfigError)
    if os.path.basename(path) == PYPROJECT:
        tool = doc.data.get("tool")
        table = tool.get("cellrules") if isinstance(tool, dict) else None
        prefix, where = ("tool", "cellrules"), "[tool.cellrules]"
        if table is None:
            raise ConfigError("pyproject.toml has no [tool.cellrules] table", Location(path, 1, 1),
                              hint="add [tool.cellrules], or name a cellrules.toml")
        if not isinstance(table, dict):
            raise ConfigError("tool.cellrules must be a table", doc.where(*prefix))
    else:
        table, prefix, where = doc.data, (), path
    return _Parser(doc, prefix, where).parse(table)


class _Parser:
    def __init__(self, doc: TomlDocument, prefix: tuple, context: str):
        self.doc = doc
        self.prefix = prefix
        self.context = context
        self.problems: list[ConfigError] = []

    def at(self, *keys) -> Location:
        return self.doc.where(*self.prefix, *keys)

    def problem(self, message: str, *keys, hint: str = "") -> None:
        self.problems.append(ConfigError(message, self.at(*keys), hint))

    def parse(self, table: dict) -> Config:
        values: dict = {}
        for key, raw in table.items():
            if key not in KEYS:
                self.problem(f"unknown configuration key {key!r} in {self.context}", key,
                             hint=did_you_mean(key, KEYS) or "keys: " + ", ".join(KEYS))
                continue
            values[key] = raw
        folder = os.path.dirname(self.doc.path) or "."
        config = Config(
            path=self.doc.path,
            select=self.strings(values, "select"),
            ignore=self.strings(values, "ignore"),
            severity=self.severity(values.get("severity")),
            rules_dirs=self.rules_dirs(values, folder),
            fail_on=self.choice(values, "fail-on", FAIL_ON),
            strict=self.boolean(values, "strict"),
            exclude=self.strings(values, "exclude") or (),
            root=folder,
            rule_docs_url=self.url(values, "rule-docs-url"),
            where=tuple((key, self.at(key)) for key in values),
        )
        if self.problems:
            raise ManyErrors(sorted(self.problems, key=lambda p: (p.location.line, p.location.column)))
        return config

    def strings(self, values: dict, key: str) -> tuple[str, ...] | None:
        if key not in values:
            return None
        raw = values[key]
        if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
            self.problem(f"{key} must be a list of strings", key, hint=f'e.g. {key} = ["window", "mechanics.li-stack-pressure-creep"]'
                         if key != "exclude" else 'e.g. exclude = ["drafts/*"]')
            return None
        return tuple(raw)

    def severity(self, raw) -> tuple[tuple[str, str], ...]:
        if raw is None:
            return ()
        if not isinstance(raw, dict):
            self.problem("severity must be a table from rule id to error, warning or info", "severity",
                         hint='e.g. severity = { "mechanics.shear-modulus-ratio" = "error" }')
            return ()
        pairs = []
        for rule, level in raw.items():
            if level not in SEVERITIES:
                self.problem(f"severity of {rule} must be error, warning or info, got {level!r}", "severity", rule,
                             hint=did_you_mean(str(level), SEVERITIES) or f'e.g. "{rule}" = "warning"')
                continue
            pairs.append((rule, level))
        return tuple(sorted(pairs))

    def rules_dirs(self, values: dict, folder: str) -> tuple[str, ...] | None:
        dirs = self.strings(values, "rules-dirs")
        if dirs is None:
            return None
        resolved = []
        from cellrules.cli.load import rule_pack_problem

        for entry in dirs:
            path = os.path.normpath(os.path.join(folder, entry))
            if not os.path.isdir(path):
                self.problem(f"rules-dirs entry {entry!r} is not a directory (looked for {path})", "rules-dirs",
                             hint="paths in rules-dirs are relative to the configuration file")
                continue
            problem = rule_pack_problem(path)
            if problem:
                self.problem(f"rules-dirs entry {entry!r} is {problem}", "rules-dirs",
                             hint="a rule pack is a folder of *.rules files, with its knowledge/*.toml beside them")
                continue
            resolved.append(path)
        return tuple(resolved)

    def choice(self, values: dict, key: str, allowed: tuple[str, ...]) -> str | None:
        if key not in values:
            return None
        raw = values[key]
        if raw not in allowed:
            self.problem(f"{key} must be {' or '.join(allowed)}, got {raw!r}", key,
                         hint=did_you_mean(str(raw), allowed))
            return None
        return raw

    def url(self, values: dict, key: str) -> str | None:
        if key not in values:
            return None
        raw = values[key]
        if not isinstance(raw, str) or not re.match(r"^(https?|file)://\S+$", raw):
            self.problem(f"{key} must be an http(s) or file URL, got {raw!r}", key,
                         hint=f'e.g. {key} = "https://github.com/ORG/cellrules/blob/v0.1.0/docs/rules/{{rule}}.md"')
            return None
        return raw

    def boolean(self, values: dict, key: str) -> bool | None:
        if key not in values:
            return None
        if not isinstance(values[key], bool):
            self.problem(f"{key} must be true or false, got {values[key]!r}", key)
            return None
        return values[key]


def check_rule_ids(settings: Settings, rule_ids, concerns) -> None:
    """select, ignore and severity must name rules that exist: a typo would silently match nothing."""
    problems = []
    config = settings.config
    known = set(rule_ids)

    def exists(pattern: str) -> bool:
        stem = pattern.rstrip(".")
        return stem in known or any(rule_id.startswith(stem + ".") for rule_id in known)

    named = [("select", p) for p in settings.select] + [("ignore", p) for p in settings.ignore]
    named += [("severity", rule) for rule, _ in settings.severity]
    for key, pattern in named:
        if exists(pattern):
            continue
        hint = did_you_mean(pattern, [*known, *concerns]) or "list the rules with `cellrules rules list`"
        from_file = config.path is not None and pattern in _file_patterns(config, key)
        where = config.location(key) if from_file else None
        message = f"{key}: unknown rule id or prefix {pattern!r}"
        problems.append(ConfigError(message, where, hint) if from_file else ConfigError(message + " on the command line", None, hint))
    if not problems and (settings.select or settings.ignore) and not any(map(settings.options().selected, known)):
        # Nothing would run, and a check that runs no rule passes every design.
        keys = [k for k in ("select", "ignore") if getattr(config, k)]
        given_in_file = all(getattr(settings, k) == getattr(config, k) for k in keys) and config.path is not None
        where = config.location(keys[0]) if given_in_file and keys else None
        message = "select and ignore leave no rule to run" + ("" if given_in_file else " (with the command line)")
        problems.append(ConfigError(message, where, "an ignore pattern matches every selected rule; "
                                                    "narrow the ignore or widen the select"))
    if problems:
        raise ManyErrors(problems)


def _file_patterns(config: Config, key: str) -> tuple[str, ...]:
    if key == "severity":
        return tuple(rule for rule, _ in config.severity)
    return getattr(config, key) or ()
