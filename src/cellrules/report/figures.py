"""SVG figures of the explain report, drawn from its model.

Inline SVG only: no script, no external reference, no font file, so a report
opens offline and prints. Every coordinate goes through `_n` (one decimal,
no "-0.0"), so the same report gives the same bytes. Every text is
XML-escaped here, because the HTML template inserts the figures as markup.
"""
from __future__ import annotations

import math
import re
from html import escape

import attrs

from cellrules import units
from cellrules.report.render import plain

FONT = "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\""
MONO = "font-family=\"DejaVu Sans Mono, Menlo, Consolas, monospace\""

OUTCOME_COLOURS = {
    "fail": "#e06666", "waived": "#8fa8d8", "unknown": "#f1c232", "skipped": "#b7b7b7",
    "pass": "#93c47d", "not-applicable": "#eeeeee", "not evaluated": "#ffffff",
    "known": "#cfe2f3", "value unknown": "#f1c232",
}
SEVERITY_COLOURS = {"error": "#cc0000", "warning": "#e69138", "info": "#3d85c6"}
_GOOD, _BAD, _UNSURE = "#38761d", "#cc0000", "#777777"
_GUARDED = "#3d85c6"   # beyond the window, but a layer or a measured window keeps its rule from failing
_NOT_HERE = "#b7b7b7"  # a limit whose rule does not apply to this cell


def _n(x: float) -> str:
    """A coordinate with one decimal; the same float always gives the same text."""
    text = f"{x:.1f}"
    return "0.0" if text == "-0.0" else text


def _text(x, y, content, size=12, anchor="start", extra="", family=FONT) -> str:
    return (f"<text x=\"{_n(x)}\" y=\"{_n(y)}\" font-size=\"{size}\" text-anchor=\"{anchor}\" {family}"
            f"{(' ' + extra) if extra else ''}>{escape(plain(content))}</text>")


# The smallest a figure's text may be drawn on screen, in CSS px: a figure never shrinks below the width at
# which its smallest text has this size; on a narrow screen it scrolls sideways inside its frame instead.
READABLE_PX = 9.0
_FONT_SIZE = re.compile(r'font-size="([\d.]+)"')


def readable_width(width: float, body: list[str]) -> float:
    """The narrowest the figure may be shown at: its smallest font drawn at READABLE_PX."""
    smallest = min((float(size) for part in body for size in _FONT_SIZE.findall(part)), default=READABLE_PX)
    return min(width, width * READABLE_PX / smallest)


def _svg(name: str, width: float, height: float, title: str, body: list[str]) -> str:
    return "\n".join([
        f"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"figure figure-{name}\" width=\"{_n(width)}\" "
        f"height=\"{_n(height)}\" viewBox=\"0 0 {_n(width)} {_n(height)}\" role=\"img\" "
        f"aria-labelledby=\"{name}-title\" style=\"--readable-width: {_n(readable_width(width, body))}px\">",
        f"<title id=\"{name}-title\">{escape(title)}</title>",
        f"<rect x=\"0\" y=\"0\" width=\"{_n(width)}\" height=\"{_n(height)}\" fill=\"#ffffff\"/>",
        *body,
        "</svg>",
    ])


def _spread(anchors: list[float], gap: float) -> list[float]:
    """Label positions near their anchors (sorted ascending) with at least `gap` between them."""
    placed: list[float] = []
    for y in anchors:
        placed.append(max(y, placed[-1] + gap) if placed else y)
    return placed


# ---------------------------------------------------------------- energy levels (Figure 1f)

@attrs.frozen
class PotentialAxis:
    """Potential (V vs the carrier's couple) -> y. Potential grows downward: electron energy grows upward."""

    low: float
    high: float
    top: float
    bottom: float
    right: float = 590.0           # the SHE axis; the figure is wider by one column per extra electrolyte layer
    width: float = 720.0
    columns: dict = attrs.field(factory=lambda: dict(_COLUMNS))

    def y(self, vs_carrier: float) -> float:
        return self.top + (_drawable(vs_carrier) - self.low) / (self.high - self.low) * (self.bottom - self.top)


_E_WIDTH, _E_HEIGHT, _E_TOP, _E_BOTTOM = 720.0, 460.0, 60.0, 420.0
_E_LEFT, _E_RIGHT = 80.0, 590.0
_COLUMNS = {"anode": (110.0, 230.0), "electrolyte": (270.0, 420.0), "cathode": (460.0, 575.0)}
_LAYER_COLUMN = 120.0           # added width per electrolyte layer beyond the first


# Levels beyond this many volts are drawn at the edge of the axis: no cell has one, but a figure must not fail.
_E_LIMIT = 1e6


def _step(span: float) -> float:
    """A round tick step giving at most 12 ticks over `span` volts, for any span."""
    for step in (0.25, 0.5, 1.0, 2.0, 5.0, 10.0):
        if span / step <= 12:
            return step
    decade = 10.0 ** math.floor(math.log10(span / 12))
    return next(m * decade for m in (1, 2, 5, 10) if span / (m * decade) <= 12)


def _drawable(value: float) -> float:
    """A level's position on the axis: clamped to the drawable range (NaN at the middle)."""
    return 0.0 if math.isnan(value) else min(max(value, -_E_LIMIT), _E_LIMIT)


def energy_axis(diagram) -> PotentialAxis:
    """The axis the energy diagram is drawn on: every level inside, rounded out to half volts."""
    values = [_drawable(lv.vs_carrier) for lv in diagram.levels]
    low = math.floor((min(values) - 0.3) * 2) / 2
    high = math.ceil((max(values) + 0.3) * 2) / 2
    extra = _LAYER_COLUMN * max(len(diagram.layers) - 1, 0)
    columns = {"anode": _COLUMNS["anode"], "electrolyte": (_COLUMNS["electrolyte"][0], _COLUMNS["electrolyte"][1] + extra),
               "cathode": (_COLUMNS["cathode"][0] + extra, _COLUMNS["cathode"][1] + extra)}
    return PotentialAxis(low, max(high, low + 1.0), _E_TOP, _E_BOTTOM, _E_RIGHT + extra, _E_WIDTH + extra, columns)


def energy_diagram(diagram) -> str:
    """Anode and cathode potentials against the electrolyte's window on one scale (review Figure 1f)."""
    axis = energy_axis(diagram)
    carrier_she = diagram.level("reference").vs_she
    body = [_text(12, 22, f"Energy levels of this cell, on one potential scale (window: "
                          f"{diagram.window_kind or 'unknown'})", 14, extra="font-weight=\"bold\""),
            _text(12, 42, "up: higher electron energy (lower potential), as in review Figure 1f", 11,
                  extra="fill=\"#555555\"")]
    body += _potential_axes(axis, diagram.reference, carrier_she)
    body += _electrolyte_band(axis, diagram)
    body += _electrode(axis, diagram, "anode", diagram.anode_crosses, "reduces the electrolyte", diagram.anode_guard)
    body += _electrode(axis, diagram, "cathode", diagram.cathode_crosses, "oxidises the electrolyte",
                       diagram.cathode_guard)
    for key, label in (("reference", diagram.reference), ("SHE", "SHE")):
        y = axis.y(diagram.level(key).vs_carrier)
        body.append(f"<line data-level=\"{key}\" x1=\"{_n(_E_LEFT)}\" y1=\"{_n(y)}\" x2=\"{_n(axis.right)}\" "
                    f"y2=\"{_n(y)}\" stroke=\"#666666\" stroke-width=\"1\" stroke-dasharray=\"{'6 3' if key == 'reference' else '2 3'}\"/>")
        body.append(_text(axis.right + 44, y + 4, label, 11, extra="fill=\"#444444\""))
    return _svg("energy", axis.width, _E_HEIGHT, f"Energy-level diagram, V vs {diagram.reference} and V vs SHE", body)


def _potential_axes(axis: PotentialAxis, reference: str, carrier_she: float) -> list[str]:
    body = [f"<line x1=\"{_n(_E_LEFT)}\" y1=\"{_n(axis.top)}\" x2=\"{_n(_E_LEFT)}\" y2=\"{_n(axis.bottom)}\" stroke=\"#000000\"/>",
            f"<line x1=\"{_n(axis.right)}\" y1=\"{_n(axis.top)}\" x2=\"{_n(axis.right)}\" y2=\"{_n(axis.bottom)}\" stroke=\"#000000\"/>"]
    step = _step(axis.high - axis.low)
    tick = math.ceil(axis.low / step) * step
    while tick <= axis.high + 1e-9:
        y = axis.y(tick)
        body.append(f"<line x1=\"{_n(_E_LEFT - 5)}\" y1=\"{_n(y)}\" x2=\"{_n(_E_LEFT)}\" y2=\"{_n(y)}\" stroke=\"#000000\"/>")
        body.append(_text(_E_LEFT - 8, y + 4, f"{tick:g}", 11, "end"))
        tick += step
    she_low, she_high = axis.low + carrier_she, axis.high + carrier_she
    tick = math.ceil(she_low / step) * step
    while tick <= she_high + 1e-9:
        y = axis.y(tick - carrier_she)
        body.append(f"<line x1=\"{_n(axis.right)}\" y1=\"{_n(y)}\" x2=\"{_n(axis.right + 5)}\" y2=\"{_n(y)}\" stroke=\"#000000\"/>")
        body.append(_text(axis.right + 8, y + 4, f"{tick + 0.0:g}", 11))
        tick += step
    middle = (axis.top + axis.bottom) / 2
    body.append(_text(22, middle, f"V vs {reference}", 12, "middle", f"transform=\"rotate(-90 22 {_n(middle)})\""))
    x = axis.width - 14
    body.append(_text(x, middle, "V vs SHE", 12, "middle", f"transform=\"rotate(90 {_n(x)} {_n(middle)})\""))
    return body


def _electrolyte_band(axis: PotentialAxis, diagram) -> list[str]:
    """The electrolyte's window; in a stack, one column per layer, anode side on the left."""
    left, right = axis.columns["electrolyte"]
    count = max(len(diagram.layers), 1)
    if count == 1:
        body = [_text((left + right) / 2, axis.bottom + 28, "electrolyte", 12, "middle", "font-weight=\"bold\"")]
        return body + _window_column(axis, diagram, 1, left, right)
    gap = 6.0
    width = (right - left - gap * (count - 1)) / count
    body = [_text((left + right) / 2, axis.bottom + 30, "electrolyte layers, anode side first", 11, "middle",
                  "fill=\"#555555\"")]
    for index, name in enumerate(diagram.layers, start=1):
        x0 = left + (index - 1) * (width + gap)
        body.append(_text(x0 + width / 2, axis.bottom + 15, name, 11, "middle", "font-weight=\"bold\""))
        body += _window_column(axis, diagram, index, x0, x0 + width)
    return body


def _window_column(axis: PotentialAxis, diagram, layer: int, left: float, right: float) -> list[str]:
    body = []
    mine = {lv.key: lv for lv in diagram.levels if lv.layer == layer}
    low, high = mine.get("window.low"), mine.get("window.high")
    if low is None or high is None:          # Eq. 1: the gap between LUMO and HOMO bounds the window
        low, high = mine.get("lumo"), mine.get("homo")
    if low is not None and high is not None:
        top, bottom = axis.y(low.vs_carrier), axis.y(high.vs_carrier)
        body.append(f"<rect data-level=\"window\" data-layer=\"{layer}\" x=\"{_n(left)}\" y=\"{_n(min(top, bottom))}\" "
                    f"width=\"{_n(right - left)}\" height=\"{_n(abs(bottom - top))}\" fill=\"#d9ead3\" stroke=\"#6aa84f\"/>")
    labels = []
    for key in ("window.low", "window.high", "lumo", "homo"):
        level = mine.get(key)
        if level is None:
            continue
        y = axis.y(level.vs_carrier)
        dash = "" if key.startswith("window") else " stroke-dasharray=\"5 3\""
        body.append(f"<line data-level=\"{key}\" x1=\"{_n(left)}\" y1=\"{_n(y)}\" x2=\"{_n(right)}\" y2=\"{_n(y)}\" "
                    f"stroke=\"#38761d\" stroke-width=\"2\"{dash}/>")
        short = level.label.split(" (")[0] if len(diagram.layers) > 1 else level.label
        labels.append((y, f"{short} {level.vs_carrier:.2f} V"))
    if not labels:
        body.append(_text((left + right) / 2, (axis.top + axis.bottom) / 2, "window unknown", 12 if len(diagram.layers) < 2
                          else 10, "middle", "fill=\"#777777\""))
    body += _labels(labels, (left + right) / 2, "middle", "#274e13", 11 if len(diagram.layers) < 2 else 10)
    return body


def _electrode(axis: PotentialAxis, diagram, key: str, crosses, crossing_text: str, guard: str = "") -> list[str]:
    left, right = axis.columns[key]
    body = [_text((left + right) / 2, axis.bottom + 28, key, 12, "middle", "font-weight=\"bold\"")]
    level = diagram.level(key)
    if level is None:
        body.append(_text((left + right) / 2, (axis.top + axis.bottom) / 2, "potential unknown", 11, "middle",
                          "fill=\"#777777\""))
        return body
    state = "unknown" if crosses is None else ("guarded" if guard else ("fail" if crosses else "pass"))
    colour = {"unknown": _UNSURE, "guarded": _GUARDED, "fail": _BAD, "pass": _GOOD}[state]
    y = axis.y(level.vs_carrier)
    body.append(f"<line data-level=\"{key}\" data-state=\"{state}\" x1=\"{_n(left)}\" y1=\"{_n(y)}\" x2=\"{_n(right)}\" y2=\"{_n(y)}\" "
                f"stroke=\"{colour}\" stroke-width=\"4\"/>")
    symbol = "\u03bcA" if key == "anode" else "\u03bcC"
    body.append(_text((left + right) / 2, y - 8, f"{symbol} {level.vs_carrier:.2f} V", 12, "middle",
                      f"fill=\"{colour}\""))
    if guard:
        body.append(_text((left + right) / 2, y + 18, guard, 10, "middle", f"fill=\"{colour}\""))
    elif crosses:
        body.append(_text((left + right) / 2, y + 18, crossing_text, 10, "middle", f"fill=\"{colour}\""))
    return body


def _labels(labels, x, anchor, colour, size=11) -> list[str]:
    labels = sorted(labels)
    ys = _spread([y - 6 for y, _ in labels], 14)
    return [_text(x, y, text, size, anchor, f"fill=\"{colour}\"") for y, (_, text) in zip(ys, labels)]


# ---------------------------------------------------------------- mechanics panel

_G_WIDTH, _G_LEFT, _G_RIGHT, _G_ROW = 720.0, 70.0, 650.0, 110.0
_OPERATORS = {"<=": "\u2264", ">=": "\u2265", "<": "<", ">": ">"}


@attrs.frozen
class LogAxis:
    """A quantity (SI) -> x on a decade scale."""

    low_decade: int
    high_decade: int
    left: float
    right: float

    def x(self, value: float) -> float:
        exponent = math.log10(value) if 0 < value < math.inf else (self.high_decade if value > 0 else self.low_decade)
        exponent = min(max(exponent, self.low_decade), self.high_decade)
        return self.left + (exponent - self.low_decade) / (self.high_decade - self.low_decade) * (self.right - self.left)


def gauge_axis(gauge) -> LogAxis:
    """Decades around the value and every limit, at least two."""
    points = [lim.value for lim in gauge.limits if 0 < lim.value < math.inf]
    if gauge.value is not None and 0 < gauge.value < math.inf:
        points.append(gauge.value)
    if not points:
        points = [1.0]
    low = math.floor(math.log10(min(points)))
    high = max(math.ceil(math.log10(max(points))), low + 1)
    if high - low < 2:
        low -= 1
    return LogAxis(low, high, _G_LEFT, _G_RIGHT)


def mechanics_panel(gauges) -> str:
    """Each mechanics quantity of the cell on a log scale, with the limits the rules set and their failing sides."""
    body = [_text(12, 22, "Mechanics: this cell against the rule limits", 14, extra="font-weight=\"bold\"")]
    for index, gauge in enumerate(gauges):
        body += _gauge(gauge, 40 + index * _G_ROW)
    return _svg("mechanics", _G_WIDTH, 50 + len(gauges) * _G_ROW, "Mechanics panel: modulus ratio and stack pressure", body)


def _gauge(gauge, top: float) -> list[str]:
    axis = gauge_axis(gauge)
    line_y = top + 62
    body = [_text(_G_LEFT, top + 14, f"{gauge.label}: {gauge.text}", 12, extra="font-weight=\"bold\"")]
    if not gauge.limits:
        body.append(_text(_G_LEFT, top + 30, "no rule sets a limit for this carrier", 11, extra="fill=\"#777777\""))
    for severity in ("info", "warning", "error"):
        for limit in gauge.limits:
            if limit.severity != severity:
                continue
            x = axis.x(limit.value)
            start, end = (x, _G_RIGHT) if limit.operator in ("<", "<=") else (_G_LEFT, x)
            applies = limit.outcome != "not-applicable"
            fill = SEVERITY_COLOURS[severity] if applies else _NOT_HERE
            body.append(f"<rect data-limit=\"{escape(limit.rule)}\" data-applies=\"{'yes' if applies else 'no'}\" "
                        f"x=\"{_n(start)}\" y=\"{_n(line_y - 14)}\" "
                        f"width=\"{_n(max(end - start, 0))}\" height=\"28\" fill=\"{fill}\" "
                        f"fill-opacity=\"0.25\"/>")
    body.append(f"<line x1=\"{_n(_G_LEFT)}\" y1=\"{_n(line_y)}\" x2=\"{_n(_G_RIGHT)}\" y2=\"{_n(line_y)}\" stroke=\"#000000\"/>")
    for decade in range(axis.low_decade, axis.high_decade + 1):
        x = axis.x(10.0 ** decade)
        body.append(f"<line x1=\"{_n(x)}\" y1=\"{_n(line_y)}\" x2=\"{_n(x)}\" y2=\"{_n(line_y + 5)}\" stroke=\"#000000\"/>")
        body.append(_text(x, line_y + 18, units.format_quantity(10.0 ** decade, gauge.dimension), 10, "middle"))
    for row, limit in enumerate(gauge.limits):
        x = axis.x(limit.value)
        applies = limit.outcome != "not-applicable"
        colour = SEVERITY_COLOURS.get(limit.severity, "#000000") if applies else _NOT_HERE
        body.append(f"<line x1=\"{_n(x)}\" y1=\"{_n(line_y - 16)}\" x2=\"{_n(x)}\" y2=\"{_n(line_y + 16)}\" "
                    f"stroke=\"{colour}\" stroke-width=\"2\"/>")
        note = limit.severity if applies else "does not apply here"
        body.append(_text(x, line_y + 30 + 11 * (row % 2), f"{_OPERATORS[limit.operator]} {limit.text} "
                                                             f"({note})", 10, "middle", f"fill=\"{colour}\""))
    if gauge.value is None:
        body.append(_text((_G_LEFT + _G_RIGHT) / 2, top + 34, "value unknown: the rules cannot place this cell",
                          11, "middle", "fill=\"#777777\""))
        return body
    x = axis.x(gauge.value)
    failed = [lim for lim in gauge.limits if lim.outcome == "fail"]   # a limit that does not apply never fails
    worst = "error" if any(lim.severity == "error" for lim in failed) else ("warning" if failed else "")
    colour = SEVERITY_COLOURS[worst] if worst else _GOOD
    body.append(f"<path data-value=\"{escape(gauge.name)}\" d=\"M {_n(x - 7)} {_n(line_y - 30)} L {_n(x + 7)} "
                f"{_n(line_y - 30)} L {_n(x)} {_n(line_y - 16)} Z\" fill=\"{colour}\"/>")
    body.append(_text(x, line_y - 34, gauge.text, 11, "middle", f"fill=\"{colour}\" font-weight=\"bold\""))
    return body


# ---------------------------------------------------------------- rule graph

_NODE_H, _ROW_H, _CHAR_W, _GRAPH_MAX_W = 20.0, 26.0, 6.6, 1000.0


def _box_width(label: str) -> float:
    return len(label) * _CHAR_W + 16


def rule_graph(graph) -> str:
    """The rule graph: dependency chains left to right, each column as wide as its longest id, then the rest."""
    linked = {e.source for e in graph.edges} | {e.target for e in graph.edges}
    by_id = {node.id: node for node in graph.nodes}
    positions: dict[str, tuple[float, float]] = {}
    widths: dict[str, float] = {}
    y = 64.0
    for component in _components(graph, linked):
        depth = _depths(component, graph.edges)
        columns: dict[int, list[str]] = {}
        for node_id in sorted(component, key=lambda n: (depth[n], n)):
            columns.setdefault(depth[node_id], []).append(node_id)
        x = 16.0
        for level in sorted(columns):
            column_w = max(_box_width(n) for n in columns[level])
            for row, node_id in enumerate(columns[level]):
                positions[node_id], widths[node_id] = (x, y + row * _ROW_H), column_w
            x += column_w + 40
        y += max(len(m) for m in columns.values()) * _ROW_H + 10
    alone = sorted(n.id for n in graph.nodes if n.id not in linked)
    if alone:
        column_w = max(_box_width(n) for n in alone)
        per_row = max(1, int((_GRAPH_MAX_W - 16) // (column_w + 16)))
        y += 8
        for index, node_id in enumerate(alone):
            positions[node_id] = (16 + (index % per_row) * (column_w + 16), y + (index // per_row) * _ROW_H)
            widths[node_id] = column_w
        y += math.ceil(len(alone) / per_row) * _ROW_H
    if graph.not_drawn:
        y += 16
    width = max([x + widths[n] + 16 for n, (x, _) in positions.items()] + [640.0])
    body = [_text(12, 22, "Rule graph: each rule coloured by its outcome for this cell", 14,
                  extra="font-weight=\"bold\""),
            "<defs><marker id=\"graph-arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" "
            "markerHeight=\"7\" orient=\"auto\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#444444\"/></marker></defs>"]
    body += _legend()
    for edge in graph.edges:
        (x1, y1), (x2, y2) = positions[edge.source], positions[edge.target]
        start_x, start_y, end_x, end_y = x1 + widths[edge.source], y1 + _NODE_H / 2, x2, y2 + _NODE_H / 2
        bend = max((end_x - start_x) / 2, 20.0)
        dash = " stroke-dasharray=\"4 3\"" if edge.kind == "reads" else ""
        body.append(f"<path data-edge=\"{escape(edge.kind)}\" d=\"M {_n(start_x)} {_n(start_y)} C {_n(start_x + bend)} "
                    f"{_n(start_y)} {_n(end_x - bend)} {_n(end_y)} {_n(end_x)} {_n(end_y)}\" fill=\"none\" "
                    f"stroke=\"#444444\"{dash} marker-end=\"url(#graph-arrow)\"/>")
    for node_id in sorted(positions):
        node = by_id[node_id]
        x, top = positions[node_id]
        fill = OUTCOME_COLOURS.get("value unknown" if node.kind == "value" and node.outcome == "unknown"
                                   else node.outcome, "#ffffff")
        radius = "10" if node.kind == "value" else "3"
        body.append(f"<rect data-node=\"{escape(node.id)}\" data-outcome=\"{escape(node.outcome)}\" x=\"{_n(x)}\" "
                    f"y=\"{_n(top)}\" width=\"{_n(widths[node_id])}\" height=\"{_n(_NODE_H)}\" rx=\"{radius}\" "
                    f"fill=\"{fill}\" stroke=\"#444444\"/>")
        body.append(_text(x + 8, top + 14, node.id, 11, family=MONO))
    if graph.not_drawn:
        body.append(_text(16, y - 4, f"Not drawn: {graph.not_drawn} rules that do not apply to this cell "
                                     f"and depend on no rule that does.", 11, extra="fill=\"#555555\""))
    return _svg("graph", width, y + 12, "Rule graph coloured by outcome", body)


def _legend() -> list[str]:
    body, x = [], 12.0
    for outcome in ("fail", "waived", "unknown", "skipped", "pass", "not-applicable"):
        body.append(f"<rect x=\"{_n(x)}\" y=\"34\" width=\"14\" height=\"12\" fill=\"{OUTCOME_COLOURS[outcome]}\" "
                    f"stroke=\"#444444\"/>")
        body.append(_text(x + 18, 44, outcome, 11))
        x += 28 + len(outcome) * 6.5
    body.append(f"<rect x=\"{_n(x)}\" y=\"34\" width=\"14\" height=\"12\" rx=\"6\" fill=\"{OUTCOME_COLOURS['known']}\" "
                f"stroke=\"#444444\"/>")
    body.append(_text(x + 18, 44, "derived value", 11))
    return body


def _components(graph, linked) -> list[list[str]]:
    """Connected groups of linked nodes, each sorted, ordered by their first id."""
    neighbours: dict[str, set[str]] = {n: set() for n in linked}
    for edge in graph.edges:
        neighbours[edge.source].add(edge.target)
        neighbours[edge.target].add(edge.source)
    seen: set[str] = set()
    groups = []
    for start in sorted(linked):
        if start in seen:
            continue
        group, stack = [], [start]
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            group.append(node)
            stack.extend(sorted(neighbours[node] - seen))
        groups.append(sorted(group))
    return groups


def _depths(component, edges) -> dict[str, int]:
    """Longest chain of prerequisites before each node (the graph is acyclic: the checker rejects cycles)."""
    inside = set(component)
    parents: dict[str, list[str]] = {n: [] for n in component}
    for edge in edges:
        if edge.target in inside:
            parents[edge.target].append(edge.source)
    depth: dict[str, int] = {}

    def of(node: str) -> int:
        if node not in depth:
            depth[node] = 1 + max((of(p) for p in parents[node]), default=-1)
        return depth[node]

    for node in component:
        of(node)
    return depth


# ---------------------------------------------------------------- layer stack

_ROLE_STYLE = {
    "current collector": ("#b7b7b7", 16.0), "anode": ("#8e9fb8", 40.0), "SEI": ("#c9a0dc", 12.0),
    "interlayer": ("#f6b26b", 14.0), "electrolyte": ("#a2d5c6", 52.0), "coating": ("#f9cb9c", 14.0),
    "cathode": ("#8e7cc3", 40.0),
}


# Approximate advance widths of DejaVu Sans per character at 1 px font size: bold and regular.
_SANS_BOLD_EM, _SANS_EM = 0.62, 0.56
_STACK_BAR_W, _STACK_LABEL_X = 100.0, 122.0
_ELECTROLYTE_FILLS = ("#a2d5c6", "#cfe8a9", "#9fc5e8", "#d5e8d4")


def layer_stack(layers) -> str:
    """The cell as its layers from the anode side to the cathode side; thin layers drawn thin.

    The figure is as wide as its longest label, so on a phone it needs no more room than the text it holds.
    """
    title = "Layer stack, anode side at the top"
    body = [_text(12, 22, title, 14, extra="font-weight=\"bold\"")]
    width = 12 + len(title) * 14 * _SANS_BOLD_EM
    y = 38.0
    electrolytes = 0
    for layer in layers:
        fill, height = _ROLE_STYLE.get(layer.role, ("#dddddd", 20.0))
        if layer.role == "electrolyte":   # layers of a stack in turn, so each boundary shows
            fill = _ELECTROLYTE_FILLS[electrolytes % len(_ELECTROLYTE_FILLS)]
            electrolytes += 1
        body.append(f"<rect data-layer=\"{escape(layer.role)}\" x=\"12\" y=\"{_n(y)}\" width=\"{_n(_STACK_BAR_W)}\" "
                    f"height=\"{_n(height)}\" fill=\"{fill}\" stroke=\"#444444\"/>")
        middle = y + height / 2 + 4
        label = f"{layer.role}: {layer.name}"
        body.append(_text(_STACK_LABEL_X, middle, label, 12, extra="font-weight=\"bold\""))
        width = max(width, _STACK_LABEL_X + len(label) * 12 * _SANS_BOLD_EM)
        if layer.detail:
            body.append(_text(_STACK_LABEL_X, middle + 14, layer.detail, 10, extra="fill=\"#555555\""))
            width = max(width, _STACK_LABEL_X + len(layer.detail) * 10 * _SANS_EM)
        y += max(height, 30.0) + 4
    return _svg("stack", math.ceil(width + 12), y + 8, "Layer stack of the cell", body)
