"""The shape every ``leadmock`` command has: a name, its help, the options it adds to its
parser, and what it runs; ``mockserver.cli.COMMANDS`` lists them."""

from __future__ import annotations

import argparse
import os
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mockserver.requestlog import RequestLog


@dataclass(frozen=True)
class Command:
    """One ``leadmock`` subcommand."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
    """The command itself: its exit code (0 success, 1 failures found, 2 bad input)."""
    description: str | None = None
    read_defaults: Callable[[argparse.ArgumentParser, list[str]], list[str]] | None = None
    """Before the command line is parsed: set the parser's defaults from elsewhere (a config
    file, the environment) and say where they came from; ``OptionSourceError`` when they are
    wrong."""


def subcommand(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    """The parser of ``parser``'s subcommand ``name``."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices[name]
    raise LookupError(name)


def listen(command: str, host: str, port: int) -> socket.socket | None:
    """A socket listening on ``host:port``; else None, having said why in one line (a port in
    use is one line, not a banner and a trace)."""
    try:
        return socket.create_server((host, port))
    except OSError as exc:
        print(
            f"leadmock {command}: cannot listen on {host}:{port}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return None


def request_log(args: argparse.Namespace, journal: Any) -> RequestLog | None:
    """The request log on stdout (``--log-format``, colour on a terminal unless ``NO_COLOR``),
    told of each entry of ``journal``; None with ``--quiet``."""
    if args.quiet:
        return None
    log = RequestLog(
        sys.stdout,
        json_lines=args.log_format == "json",
        colour=sys.stdout.isatty() and "NO_COLOR" not in os.environ,
    )
    journal.subscribe(log)
    return log
