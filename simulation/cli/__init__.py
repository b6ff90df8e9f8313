"""The `gridgov` command: a thin shell over functions a researcher can call from Python.

Every argument parser lives in this package, one module per group of subcommands; each
registers itself through an `add_parser(subparsers)` function that sets `func` (returning an
exit code) and calls the functions a researcher calls from Python. Input problems
are raised as `ConfigError` and printed here as one line with exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from simulation.config import ConfigError

# Modules that contribute subcommands, in the order `gridgov --help` lists them.
COMMAND_MODULES = (
    "simulation.cli.run",
    "simulation.cli.demo",
    "simulation.cli.bench",
    "simulation.cli.experiment",
    "simulation.cli.dashboard",
)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every available subcommand."""
    parser = argparse.ArgumentParser(
        prog="gridgov",
        description="Generalist-grid community governance simulation.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            # An optional part (e.g. the dashboard extra) that is not installed.
            if exc.name and (exc.name == name or name.startswith(exc.name + ".")):
                continue
            raise
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the `gridgov` command line and return its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except ConfigError as exc:
        print(f"gridgov: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("gridgov: interrupted", file=sys.stderr)
        return 130
