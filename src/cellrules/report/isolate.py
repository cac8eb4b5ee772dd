"""Rendering that one file cannot break: a result the format fails on becomes that file's internal error.

Every format renders all results into one document, so an exception raised by one
result's finding would otherwise take the whole document, and every other file's
result, with it. The document is rendered as usual; only if that fails is each
result rendered alone to find the ones at fault, which are replaced by an
`error` result ("internal error in this file") before rendering again. A run
without a fault pays nothing for this.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence


def render_isolated(render: Callable[[Sequence], str], results: Sequence) -> tuple[str, list]:
    """The document, and the results it shows (those the format failed on replaced by internal errors)."""
    try:
        return render(results), list(results)
    except Exception:  # noqa: BLE001 - find the results at fault below; a general bug raises again there
        pass
    shown = [_renderable(render, result) for result in results]
    return render(shown), shown


def _renderable(render, result):
    from cellrules.engine.evaluate import internal_error_result

    try:
        render([result])
    except Exception as error:  # noqa: BLE001 - this result breaks the format: report it as its file's error
        return internal_error_result(result.path, error)
    return result
