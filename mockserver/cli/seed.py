"""``leadmock seed``: the whole seeded state as JSON."""

from __future__ import annotations

import argparse
import json
import sys

from mockserver.app import create_app
from mockserver.cli import arguments
from mockserver.cli.command import Command
from mockserver.config import Config


def seed(args: argparse.Namespace) -> int:
    """Print the whole seeded state as JSON: the same seed prints the same bytes."""
    mock = create_app(Config(seed=args.seed, leads=args.leads))
    json.dump(mock.store.dump(), sys.stdout, indent=1, sort_keys=True)
    print()
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``leadmock seed``'s options."""
    arguments.add_seed_options(parser)


COMMAND = Command(
    name="seed",
    help="print the seed data as JSON",
    add_arguments=add_arguments,
    run=seed,
)
