"""Render explain reports with jinja2: the built-in templates, or a lab's own in a sandbox.

Only `cellrules explain` imports this module, so `cellrules check` never pays
for jinja2. Every value a template prints is escaped for its format by
default: HTML by jinja2's autoescape, Markdown and text by a `finalize` hook,
so a cell name such as `<script>` or `{{ 7*7 }}` stays inert text. A lab's
template (`--template FILE`) runs in jinja2's immutable sandbox and may extend
the built-in ones as `cellrules/NAME`.
"""
from __future__ import annotations

import re
import textwrap
from pathlib import Path

from cellrules.errors import CellrulesError, Location

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
    import jinja2

    environment = _environment(fmt, template_path)
    name = Path(template_path).name if template_path else builtin_template(kind, fmt)
    # A lab's template may fail in any way a template can; a built-in one failing is a bug (internal error).
    caught = (jinja2.TemplateError, TypeError, ValueError, AttributeError) if template_path else ()
    try:
        text = environment.get_template(name).render(**context)
    except jinja2.TemplateSyntaxError as error:
        raise TemplateError(f"template syntax error: {error.message}",
                            Location(error.filename or name, error.lineno or 0, 1)) from None
    except jinja2.TemplateNotFound as error:
        raise TemplateError(f"template not found: {error.name}", Location(template_path or name)) from None
    except caught as error:
        raise TemplateError(f"template failed: {error}", _failing_line(error, template_path)) from None
    return wrap_text(text) if fmt == "text" else text


def _environment(fmt: str, template_path: str | None):
    import jinja2
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    # Markdown autoescapes too, so that macro and include output (Markup) is not escaped twice.
    options = dict(autoescape=fmt != "text", finalize=_FINALIZERS[fmt], undefined=jinja2.StrictUndefined,
                   trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    builtin = jinja2.FileSystemLoader(str(TEMPLATES))
    if template_path is None:
        environment = jinja2.Environment(loader=builtin, **options)
    else:
        path = Path(template_path)
        if not path.is_file():
            raise TemplateError("cannot read template: no such file", Location(template_path))
        loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(path.parent)),
                                      jinja2.PrefixLoader({"cellrules": builtin})])
        environment = ImmutableSandboxedEnvironment(loader=loader, **options)
    environment.filters["code"] = _CODE[fmt]
    environment.filters["code_block"] = _CODE_BLOCK[fmt]
    environment.filters["breakable"] = _BREAKABLE[fmt]
    if fmt == "markdown":
        environment.filters["join"] = _markdown_join
    return environment


def _failing_line(error: Exception, template: str) -> Location:
    """The template line a render error happened on: jinja2 maps its frames back to template lines."""
    line = 0
    trace = error.__traceback__
    while trace is not None:
        if trace.tb_frame.f_code.co_filename.endswith(Path(template).name):
            line = trace.tb_lineno
        trace = trace.tb_next
    return Location(template, line, 1 if line else 0)


# ---------------------------------------------------------------- escaping per format

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|#~!{}])")


def _show_control(match: re.Match) -> str:
    return f"\\x{ord(match.group(0)):02x}"


def plain(value) -> str:
    """Text output: no control character reaches the terminal (no escape sequences from a spec)."""
    return "" if value is None else _CONTROL.sub(_show_control, str(value))


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

    return Markup("<code>{}</code>").format(escape(value))


def _markdown_code_block(value, language: str = ""):
    """A fenced block, shown verbatim: the fence is longer than any backtick run inside."""
    from markupsafe import Markup

    text = plain(value).rstrip("\n")
    fence = "`" * max(3, max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    return Markup(f"{fence}{re.sub(r'[^a-z0-9+-]', '', language)}\n{text}\n{fence}")


def _html_code_block(value, language: str = ""):
    from markupsafe import Markup, escape

    return Markup("<pre><code>{}</code></pre>").format(escape(value))


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
_CODE_BLOCK = {"text": lambda value, language="": plain(value), "markdown": _markdown_code_block,
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
