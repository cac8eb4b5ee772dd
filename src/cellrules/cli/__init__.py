"""The command line: argument parsing and exit codes; every command lives in its own module.

Exit codes (cli.md): 0 ok, 1 a design failed, 2 bad input or misuse, 130 when
interrupted (Ctrl-C), as a shell reports a process ended by SIGINT. No
traceback reaches the user: an internal error prints one line asking for a
bug report, the traceback only with --debug.
"""
from __future__ import annotations

import argparse
import sys

from cellrules.version import __version__
from cellrules.cli.exits import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK
from cellrules.cli.problems import report_error
from cellrules.errors import CellrulesError


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse exits 2 on misuse, as cli.md asks; keep its message short
        self.print_usage(sys.stderr)
        sys.stderr.write(f"cellrules: error: {message}\n")
        raise SystemExit(EXIT_ERROR)


def build_parser() -> argparse.ArgumentParser:
    from cellrules.cli import check, rules

    parser = _Parser(prog="cellrules", description="Design-rule checks for solid-state and metal-anode battery cells.")
    parser.add_argument("--version", action="version", version=f"cellrules {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    check.register(commands)
    rules.register(commands)
    for module in _optional_commands():
        module.register(commands)
    return parser


def _optional_commands():
    """Commands whose modules exist in this build (explain, schema, init, suggest, screen)."""
    import importlib

    found = []
    for name in ("explain", "schema", "init", "suggest", "screen"):
        try:
            found.append(importlib.import_module(f"cellrules.cli.{name}"))
        except ModuleNotFoundError as error:
            if error.name != f"cellrules.cli.{name}":
                raise
    return found


def main(argv=None) -> int:
    try:
        return _run(argv)
    except KeyboardInterrupt:  # at any point, parsing included: not "bad input" (2) but the user stopping us
        sys.stderr.write("cellrules: interrupted\n")
        return EXIT_INTERRUPTED


def _run(argv) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    try:
        return args.run(args)
    except CellrulesError as error:
        report_error(error)
        return EXIT_ERROR
    except BrokenPipeError:
        return EXIT_OK
    except Exception:  # noqa: BLE001 - the one place internal errors become a message
        if args.debug:
            raise
        sys.stderr.write("cellrules: internal error; please report it with the command and inputs "
                         "(run again with --debug for the traceback)\n")
        return EXIT_ERROR
    finally:
        from cellrules.notes import NOTES

        NOTES.print(verbose=getattr(args, "verbose", False))
