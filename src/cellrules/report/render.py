"""Render explain reports with jinja2: the built-in templates, or a lab's own in a sandbox.

Only `cellrules explain` imports this module, so `cellrules check` never pays
for jinja2. Every value a template prints is escaped for its format by
default: HTML by jinja2's autoescape, Markdown and text by a `finalize` hook,
so a cell name such as `<script>` or `{{ 7*7 }}` stays inert text. A lab's
template (`--template FILE`) runs in jinja2's immutable sandbox and may extend
the built-in ones as `cellrules/NAME`.
"""
from __future__ import annotations

import contextlib
import os
import re
import textwrap
from pathlib import Path

import jinja2
from jinja2.loaders import split_template_path
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from cellrules.errors import CellrulesError, Location
from cellrules.fileio import named_kind, read_problem, read_regular
from cellrules.tomlfile import decode_utf8
from cellrules.report.safe import text_block, text_line

FORMATS = ("text", "markdown", "html")
TEMPLATES = Path(__file__).resolve().parent / "templates"
_SUFFIX = {"text": "txt", "markdown": "md", "html": "html"}
WIDTH = 80


class TemplateError(CellrulesError):
    """A report template that cannot be read, compiled or rendered."""


def builtin_template(kind: str, fmt: str) -> str:
    """The built-in template's name: `report.md.j2`, `rule.html.j2`, ..."""
    return f"{kind}.{_SUFFIX[fmt]}.j2"


def render(kind: str, fmt: str, context: dict, template_path: str | None = None) -> str:
    """Render `kind` ("report" or "rule") in `fmt`, with the built-in template or the lab's."""
    environment = _environment(fmt, template_path)
    name = Path(template_path).name if template_path else builtin_template(kind, fmt)
    if template_path is None:
        text = environment.get_template(name).render(**context)  # a built-in template failing is a bug
        return wrap_text(text) if fmt == "text" else text
    # A lab's template may fail in any way a template can, and may try to run forever or fill the memory:
    # every failure is a template error at its file:line, and rendering runs under a size, time and memory limit.
    try:
        with _limits():
            text = _generate(environment.get_template(name), context)
    except TemplateError:
        raise
    except jinja2.TemplateSyntaxError as error:
        raise TemplateError(f"template syntax error: {error.message}",
                            Location(error.filename or template_path, error.lineno or 0, 1)) from None
    except jinja2.TemplateNotFound as error:
        raise TemplateError(f"template not found: {error.name}", _failing_line(error, environment)) from None
    except RecursionError as error:
        raise TemplateError("template failed: it recurses too deeply (a macro or include that calls itself?)",
                            _failing_line(error, environment)) from None
    except MemoryError as error:
        raise TemplateError(f"template failed: it needs more than {MAX_MEMORY // 2**20} MiB of memory",
                            _failing_line(error, environment)) from None
    except Exception as error:  # noqa: BLE001 - whatever a lab's template raises is that template's error
        shown = str(error) or type(error).__name__
        raise TemplateError(f"template failed: {shown}", _failing_line(error, environment)) from None
    return wrap_text(text) if fmt == "text" else text


# A lab's template is rendered under limits: no report needs more, and a template that would is a mistake.
MAX_TEMPLATE_BYTES = 1024 * 1024       # one template file
MAX_OUTPUT = 32 * 1024 * 1024          # characters of output
MAX_SECONDS = 20.0                      # wall time of one rendering
MAX_MEMORY = 1024 * 1024 * 1024         # address space added while rendering (Linux)


class _RenderTimeout(Exception):
    def __str__(self) -> str:
        return f"it ran for more than {MAX_SECONDS:g} s (an endless or very large loop?)"


def _generate(template, context: dict) -> str:
    """The template's output, stopped once it exceeds MAX_OUTPUT characters."""
    parts, size = [], 0
    for part in template.generate(**context):
        size += len(part)
        if size > MAX_OUTPUT:
            raise TemplateError(f"template failed: its output exceeds {MAX_OUTPUT // 2**20} MiB", Location(
                template.filename or "", 0, 0))
        parts.append(part)
    return "".join(parts)


@contextlib.contextmanager
def _limits():
    """A wall-time limit (SIGALRM, main thread) and an address-space limit (RLIMIT_AS) while a lab template runs;
    each only where the platform has it."""
    import signal
    import threading

    timed = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if timed:
        def expire(signum, frame):
            raise _RenderTimeout()

        previous = signal.signal(signal.SIGALRM, expire)
        signal.setitimer(signal.ITIMER_REAL, MAX_SECONDS)
    restore = _cap_memory()
    try:
        yield
    finally:
        if timed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        if restore is not None:
            restore()


def _cap_memory():
    """Lower the soft address-space limit to what the process uses now plus MAX_MEMORY; returns the undo."""
    try:
        import resource

        with open("/proc/self/statm", "rb") as statm:
            used = int(statm.read().split()[0]) * resource.getpagesize()
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = used + MAX_MEMORY
        if hard != resource.RLIM_INFINITY:
            cap = min(cap, hard)
        if soft != resource.RLIM_INFINITY and soft < cap:
            return None  # already tighter
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (ImportError, OSError, ValueError):
        return None
    return lambda: resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _environment(fmt: str, template_path: str | None):
    # Markdown autoescapes too, so that macro and include output (Markup) is not escaped twice.
    options = dict(autoescape=fmt != "text", finalize=_FINALIZERS[fmt], undefined=jinja2.StrictUndefined,
                   trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    builtin = jinja2.FileSystemLoader(str(TEMPLATES))
    if template_path is None:
        environment = jinja2.Environment(loader=builtin, **options)
    else:
        problem = {"missing": "no such file", "directory": "it is a directory, not a regular file"}.get(
            named_kind(template_path), named_kind(template_path))
        if problem != "file":
            raise TemplateError(f"cannot read template: {problem}", Location(template_path))
        loader = jinja2.ChoiceLoader([_FolderLoader(template_path), jinja2.PrefixLoader({"cellrules": builtin})])
        environment = _LimitedSandbox(loader=loader, **options)
    environment.filters["code"] = _CODE[fmt]
    environment.filters["code_block"] = _CODE_BLOCK[fmt]
    environment.filters["breakable"] = _BREAKABLE[fmt]
    if fmt == "markdown":
        environment.filters["join"] = _markdown_join
    return environment


def _failing_line(error: BaseException, environment) -> Location:
    """The template line a render error happened on: jinja2 maps its frames back to template lines, each
    frame named by its template's file; the innermost frame of a lab template (an include, a macro) wins."""
    folder = environment.loader.loaders[0]
    where = Location(folder.main, 0, 0)
    trace = error.__traceback__
    while trace is not None:
        if trace.tb_frame.f_code.co_filename in folder.loaded:
            where = Location(trace.tb_frame.f_code.co_filename, trace.tb_lineno, 1)
        trace = trace.tb_next
    return where


class _FolderLoader(jinja2.BaseLoader):
    """A lab template's own folder, and nothing outside it.

    Templates and their includes must be regular files whose real path lies inside
    the folder: a symbolic link out of it (to /proc/self/environ, to ~/.ssh) is
    refused, as are FIFOs and devices, a file above MAX_TEMPLATE_BYTES, and text
    that is not UTF-8 (reported at its line). jinja2's own FileSystemLoader follows
    symbolic links anywhere. Each template is named by its path as the user wrote
    it (`t/report.j2`), so errors point at files the user can open.
    """

    def __init__(self, main: str):
        self.main = main
        self.folder = os.path.dirname(main) or "."
        self.root = os.path.realpath(self.folder)
        self.loaded: set[str] = set()

    def get_source(self, environment, template: str):
        pieces = split_template_path(template)  # refuses ".." outright
        shown = os.path.normpath(os.path.join(self.folder, *pieces))
        if os.path.basename(shown) == os.path.basename(self.main) and len(pieces) == 1:
            shown = self.main
        real = os.path.realpath(shown)
        if os.path.commonpath([real, self.root]) != self.root:
            raise TemplateError(f"template {template!r} is a symbolic link out of the template's folder (to {real})",
                                Location(shown), hint="a template may include only files inside its own folder")
        try:
            raw = read_regular(real, MAX_TEMPLATE_BYTES)
        except FileNotFoundError:
            raise jinja2.TemplateNotFound(template) from None
        except OSError as error:
            raise TemplateError(f"cannot read template: {read_problem(shown, error)}", Location(shown)) from None
        if len(raw) > MAX_TEMPLATE_BYTES:
            raise TemplateError(f"template is larger than {MAX_TEMPLATE_BYTES // 1024} KiB", Location(shown, 1, 1))
        self.loaded.add(shown)
        return decode_utf8(raw, shown, TemplateError), shown, lambda: True


class _LimitedSandbox(ImmutableSandboxedEnvironment):
    """jinja2's immutable sandbox, where `*` and `**` cannot build a value too large to render."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context, operator, left, right):
        if operator == "**" and isinstance(left, (int, float)) and isinstance(right, (int, float)) \
                and abs(left) > 1 and right > 256:
            raise SecurityError(f"{left} ** {right} is too large for a template")
        if operator == "*":
            for sized, count in ((left, right), (right, left)):
                if isinstance(sized, (str, list, tuple)) and isinstance(count, int) \
                        and len(sized) * count > MAX_OUTPUT:
                    raise SecurityError(f"a repetition of {len(sized) * count} items is too large for a template")
        return super().call_binop(context, operator, left, right)


# ---------------------------------------------------------------- escaping per format

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|#~!{}])")


def plain(value) -> str:
    """Text output: one value on one line; no control, newline or bidi character reaches the terminal."""
    return text_line(value)


def markdown(value) -> str:
    """Markdown output: one line, HTML special characters as entities, Markdown syntax backslashed."""
    text = re.sub(r"\s+", " ", plain(value))
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _markdown_finalize(value):
    """Values are escaped for Markdown; what templates build (macros, includes, code spans) is Markup already."""
    from markupsafe import Markup

    return value if isinstance(value, Markup) else Markup(markdown(value))


def _markdown_code(value):
    """A code span that holds any text: a fence longer than any backtick run inside, pipes escaped for tables."""
    from markupsafe import Markup

    text = re.sub(r"\s+", " ", plain(value)).replace("|", "\\|")
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return Markup(f"{fence}{pad}{text}{pad}{fence}")


def _markdown_join(values, separator: str = "", attribute=None):
    """jinja2's join would HTML-escape only; a Markdown join escapes every part for Markdown."""
    from markupsafe import Markup

    parts = (getattr(v, attribute) if attribute else v for v in values)
    return Markup(markdown(separator).join(v if isinstance(v, Markup) else markdown(v) for v in parts))


def _html(value):
    """HTML output: autoescape does the escaping; control characters go as in text."""
    from markupsafe import Markup

    return value if isinstance(value, Markup) else plain(value)


def _html_code(value):
    from markupsafe import Markup, escape

    return Markup("<code>{}</code>").format(escape(text_line(value)))


def _markdown_code_block(value, language: str = ""):
    """A fenced block, shown verbatim: the fence is longer than any backtick run inside."""
    from markupsafe import Markup

    text = text_block(value).rstrip("\n")
    fence = "`" * max(3, max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    return Markup(f"{fence}{re.sub(r'[^a-z0-9+-]', '', language)}\n{text}\n{fence}")


def _html_code_block(value, language: str = ""):
    from markupsafe import Markup, escape

    return Markup("<pre><code>{}</code></pre>").format(escape(text_block(value)))


def _html_breakable(value):
    """A dotted or snake_case name that may wrap after each `.` and `_` (a <wbr>), never inside a word.

    `electrolyte.interphase_conducts_electrons` in a narrow table column wraps as
    `electrolyte.` / `interphase_conducts_` / `electrons`, not mid-word.
    """
    from markupsafe import Markup, escape

    text = str(escape(plain(value)))
    return Markup(re.sub(r"([._/])(?=[^\s])", r"\1<wbr>", text))


_FINALIZERS = {"text": plain, "markdown": _markdown_finalize, "html": _html}
_BREAKABLE = {"text": plain, "markdown": _markdown_finalize, "html": _html_breakable}
_CODE = {"text": plain, "markdown": _markdown_code, "html": _html_code}
_CODE_BLOCK = {"text": lambda value, language="": text_block(value), "markdown": _markdown_code_block,
               "html": _html_code_block}


def wrap_text(text: str, width: int = WIDTH) -> str:
    """Fold every line longer than `width`, continuing under its text (after a bullet, if any)."""
    out = []
    for line in text.split("\n"):
        if len(line) <= width:
            out.append(line)
            continue
        body = line.lstrip(" ")
        indent = len(line) - len(body)
        bullet = re.match(r"(?:\d+\.|-|\*) ", body)
        hang = indent + (len(bullet.group(0)) if bullet else 2)
        if hang > width // 2:
            indent = hang = 4
        out.extend(textwrap.wrap(body, width=width, initial_indent=" " * indent, subsequent_indent=" " * hang,
                                 break_long_words=True, break_on_hyphens=False) or [""])
    return "\n".join(out)
