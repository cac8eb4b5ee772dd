"""What a report template sees: the model, the version and, for HTML, the figures drawn as SVG.

Kept apart from render.py (the jinja2 plumbing) so that the figures, which use
render's escaping, and the renderer never import each other.
"""
from __future__ import annotations

from cellrules.version import __version__


def report_context(report, fmt: str) -> dict:
    """The context of a spec report; figures only for HTML (Markdown and text carry the same data as tables)."""
    from markupsafe import Markup

    from cellrules.report import figures

    drawn = None
    if fmt == "html":
        drawn = {"stack": Markup(figures.layer_stack(report.stack)),
                 "energy": Markup(figures.energy_diagram(report.energy)),
                 "mechanics": Markup(figures.mechanics_panel(report.gauges)) if report.gauges else "",
                 "graph": Markup(figures.rule_graph(report.graph.applicable()))}
    return {"report": report, "figures": drawn, "colours": figures.OUTCOME_COLOURS, "version": __version__}


def rule_context(doc) -> dict:
    """The context of `explain --rule ID`."""
    return {"rule": doc, "version": __version__}
