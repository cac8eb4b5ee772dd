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


def job_count(text: str) -> int | None:
    """`--jobs N`, or `--jobs auto` (None): every core this process may use, and a single process for a
    batch too small to repay starting the others (cli/batch.py decides, per run)."""
    if text == "auto":
        return None
    return positive_int(text)
