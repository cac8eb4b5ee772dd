"""Argument types the commands share, so that `--jobs 0` or `--budget x` reads the same everywhere."""
from __future__ import annotations

import argparse


def positive_int(text: str) -> int:
    """A count of 1 or more: jobs, chunk sizes, edits, budgets, ranks."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value
