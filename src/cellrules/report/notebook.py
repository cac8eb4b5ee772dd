"""HTML a Jupyter cell shows for the API's results (`_repr_html_`): small tables, every value escaped.

Plain `html.escape` rather than jinja2: a notebook showing a check result should not pay for a
template engine, and each table is a few lines. The explain report, a whole document with its own
styles, is framed (`srcdoc` of an iframe) so that its styles do not leak into the notebook.
"""
from __future__ import annotations

from html import escape

_STYLE = ("<style>.cellrules table{border-collapse:collapse}.cellrules td,.cellrules th{border:1px solid #ccc;"
          "padding:2px 6px;text-align:left;vertical-align:top}</style>")


def _table(headers, rows) -> str:
    head = "".join(f"<th>{escape(str(h))}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(cell))}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _wrap(*parts: str) -> str:
    return f'{_STYLE}<div class="cellrules">{"".join(parts)}</div>'


def check_html(result) -> str:
    title = f"<p><b>{escape(result.path)}</b>: {escape(result.status)}</p>"
    if result.status == "error":
        rows = [(str(e.location or ""), e.message, e.hint) for e in result.errors]
        return _wrap(title, _table(("where", "error", "hint"), rows))
    rows = [(f.line, f.severity, f.outcome, f.rule, f.message) for f in result.findings]
    if not rows:
        return _wrap(title, "<p>no findings</p>")
    return _wrap(title, _table(("line", "severity", "outcome", "rule", "message"), rows))


def fixes_html(fixes) -> str:
    from cellrules.fixes.render import summary_lines  # the same words as the command line's

    title = f"<p><b>{escape(fixes.path)}</b>: {escape(fixes.status)}"
    if fixes.nothing_to_fix:
        return _wrap(title + "; nothing to fix</p>")
    title += f"; to fix: {escape(', '.join(fixes.failures))}</p>"
    rows = []
    for s in fixes.suggestions:
        edits = "\n".join(c.description for c in s.changes)
        why = "\n".join(f"{c.evidence.rule}: {c.evidence.mitigation}" if c.evidence.mitigation else c.evidence.rule
                        for c in s.changes)
        rows.append((s.rank, edits, "safe" if s.safe else "unsafe", s.status, ", ".join(s.fixes), why))
    summary = summary_lines(fixes, shown=len(fixes.suggestions))
    table = _table(("rank", "edits", "safety", "status", "fixes", "evidence"), rows) if rows else ""
    notes = "".join(f"<p>{escape(line)}</p>" for line in summary)
    return _wrap(title, table.replace("\n", "<br>"), notes)


def spec_html(spec) -> str:
    cell = spec.cell
    rows = [(section, material.name) for section, material in cell.materials.items()]
    rows += [(f"electrolyte {layer.position}" if len(cell.electrolytes) > 1 else "electrolyte",
              layer.material.name if layer.material else "") for layer in cell.electrolytes]
    rows += [("interlayer", f"{layer.material.name} between {layer.values['between'].text}")
             for layer in cell.interlayers if "between" in layer.values]
    rows += [(path, value.text) for path, value in cell.values.items() if path.startswith("cell.")]
    return _wrap(f"<p><b>{escape(spec.path)}</b>: {escape(spec.name)} ({escape(spec.carrier)})</p>",
                 _table(("part", "value"), rows))


def framed(document: str) -> str:
    return (f'<iframe srcdoc="{escape(document, quote=True)}" style="width:100%;height:640px;border:0" '
            'sandbox="allow-same-origin"></iframe>')
