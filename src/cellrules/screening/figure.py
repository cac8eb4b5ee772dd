"""The screen's heat map as SVG, in the style of the explain report's figures.

Two varied fields on the axes; each cell is coloured by the best status any
candidate with that pair of values reached over the other fields (pass green,
incomplete yellow, fail red, the explain report's outcome colours) and labelled
passing/total. Inline SVG only (no script, no external reference), every
coordinate with one decimal and every text escaped, so the same screen gives
the same bytes.
"""
from __future__ import annotations

from html import escape

from cellrules.report.figures import FONT, OUTCOME_COLOURS

STATUS_COLOURS = (OUTCOME_COLOURS["pass"], OUTCOME_COLOURS["unknown"], OUTCOME_COLOURS["fail"],
                  OUTCOME_COLOURS["not-applicable"])
STATUS_WORDS = ("a candidate passes", "at best incomplete", "every candidate fails", "all excluded")
CELL_W, CELL_H = 64.0, 26.0
CHAR_W = 6.6                      # width of a 11 px DejaVu Sans character, for laying out labels


def _n(x: float) -> str:
    text = f"{x:.1f}"
    return "0.0" if text == "-0.0" else text


def _text(x, y, content, size=11, anchor="start", extra="") -> str:
    return (f"<text x=\"{_n(x)}\" y=\"{_n(y)}\" font-size=\"{size}\" text-anchor=\"{anchor}\" {FONT}"
            f"{(' ' + extra) if extra else ''}>{escape(str(content))}</text>")


def heat_map_svg(heat, title: str) -> str:
    """The SVG document of a summaries.HeatMap."""
    columns, rows = len(heat.x_labels), len(heat.y_labels)
    left = 16 + CHAR_W * max([len(label) for label in heat.y_labels] + [len(heat.y)])
    label_room = CHAR_W * max(len(label) for label in heat.x_labels)
    rotate = label_room > CELL_W - 6
    top = 44.0
    grid_w, grid_h = columns * CELL_W, rows * CELL_H
    bottom = top + grid_h + (label_room * 0.72 + 18 if rotate else 22) + 22
    width = max(left + grid_w + 24, 360.0)
    height = bottom + 40
    body = [_text(12, 20, title, size=13, extra="font-weight=\"bold\"")]
    for j, label in enumerate(heat.y_labels):
        y = top + j * CELL_H
        body.append(_text(left - 8, y + CELL_H / 2 + 4, label, anchor="end"))
        for i in range(columns):
            x = left + i * CELL_W
            best = int(heat.best[i, j])
            total, passing = int(heat.total[i, j]), int(heat.passing[i, j])
            body.append(f"<rect x=\"{_n(x)}\" y=\"{_n(y)}\" width=\"{_n(CELL_W)}\" height=\"{_n(CELL_H)}\" "
                        f"fill=\"{STATUS_COLOURS[best]}\" stroke=\"#ffffff\" stroke-width=\"1\">"
                        f"<title>{escape(f'{heat.x} = {heat.x_labels[i]}, {heat.y} = {label}: {passing:,} of {total:,} pass ({STATUS_WORDS[best]})')}</title></rect>")
            body.append(_text(x + CELL_W / 2, y + CELL_H / 2 + 4, f"{passing:,}/{total:,}", size=10, anchor="middle"))
    axis_y = top + grid_h
    for i, label in enumerate(heat.x_labels):
        x = left + i * CELL_W + CELL_W / 2
        if rotate:
            body.append(_text(x, axis_y + 12, label, anchor="end", extra=f"transform=\"rotate(-45 {_n(x)} {_n(axis_y + 12)})\""))
        else:
            body.append(_text(x, axis_y + 16, label, anchor="middle"))
    body.append(_text(left + grid_w / 2, bottom - 8, heat.x, anchor="middle", extra="font-weight=\"bold\""))
    body.append(_text(12, top - 10, heat.y, extra="font-weight=\"bold\""))
    x = 12.0
    for colour, word in zip(STATUS_COLOURS, STATUS_WORDS):
        body.append(f"<rect x=\"{_n(x)}\" y=\"{_n(bottom + 6)}\" width=\"12\" height=\"12\" fill=\"{colour}\"/>")
        body.append(_text(x + 16, bottom + 16, word, size=10))
        x += 24 + CHAR_W * 0.9 * len(word)
    width = max(width, x)
    return "\n".join([
        f"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"figure figure-screen\" width=\"{_n(width)}\" "
        f"height=\"{_n(height)}\" viewBox=\"0 0 {_n(width)} {_n(height)}\" role=\"img\" aria-labelledby=\"screen-title\">",
        f"<title id=\"screen-title\">{escape(title)}</title>",
        f"<rect x=\"0\" y=\"0\" width=\"{_n(width)}\" height=\"{_n(height)}\" fill=\"#ffffff\"/>",
        *body,
        "</svg>",
    ]) + "\n"
