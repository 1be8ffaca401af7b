"""``leadmock``: the command line. One module a command, each of one shape
(``command.Command``: its name, help, options and what it runs), listed in ``COMMANDS``.

The CLI modules are the only ones that print. Exit codes: 0 success, 1 failures found, 2 bad
input.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from mockserver.cli import check, coverage, inspect, operations, proxy, seed, serve
from mockserver.cli.command import Command, subcommand
from mockserver.cli.options import OptionSourceError
from mockserver.config import ConfigError

COMMANDS: tuple[Command, ...] = (
    serve.COMMAND,
    check.COMMAND,
    proxy.COMMAND,
    operations.COMMAND,
    coverage.COMMAND,
    inspect.COMMAND,
    seed.COMMAND,
)
"""Every ``leadmock`` command, in the order ``leadmock --help`` lists them."""


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("leadmock")
    except PackageNotFoundError:  # a checkout run without installing
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    """The ``leadmock`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="leadmock",
        description="A stateful mock of the Tiledesk, Overloop and Leads & CRM APIs, and of "
        "any OpenAPI document (serve --spec), and a conformance checker for them. "
        "'leadmock COMMAND --help' says more of each command.",
    )
    parser.add_argument("--version", action="version", version=f"leadmock {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command_parser = commands.add_parser(
            command.name, help=command.help, description=command.description
        )
        command.add_arguments(command_parser)
        command_parser.set_defaults(func=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``leadmock`` and ``python -m mockserver``. Exit 2 on bad arguments."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    sources: list[str] = []
    named = next((a for a in argv if not a.startswith("-")), None)
    command = next((c for c in COMMANDS if c.name == named), None)
    if command is not None and command.read_defaults is not None:
        try:
            sources = command.read_defaults(subcommand(parser, command.name), argv)
        except OptionSourceError as exc:
            print(f"leadmock {command.name}: {exc}", file=sys.stderr)
            return 2
    args = parser.parse_args(argv)
    args.option_sources = sources
    if getattr(args, "leads", 2) < 2:
        print(
            "leadmock: --leads must be at least 2 (the documents' example leads)", file=sys.stderr
        )
        return 2
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"leadmock: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader stopped early (``leadmock operations | head``): not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
