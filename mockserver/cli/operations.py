"""``leadmock operations``: each API's operations, as the journal, faults and ``assert_called``
name them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mockserver.app import served_vendors
from mockserver.cli.command import Command
from mockserver.config import Config
from mockserver.registry import registry_for
from mockserver.vendors import known_names


def operations(args: argparse.Namespace) -> int:
    """Print each API's operations, as the journal, faults and ``assert_called`` name them."""
    from mockserver.specfiles import load_spec

    config = Config(specs=tuple(str(Path(spec).resolve()) for spec in args.spec))
    registry = registry_for(config)
    try:
        wanted = registry.apis_named(args.api) if args.api else None
    except LookupError as exc:
        print(f"leadmock operations: {str(exc).strip(chr(39))}", file=sys.stderr)
        return 2
    for vendor in served_vendors(config) if config.specs else registry.vendors:
        for mount in vendor.mounts:
            if wanted is not None and mount.name not in wanted:
                continue
            print(f"{mount.name}  ({mount.base_path})")
            paths = load_spec(mount.spec).get("paths", {})
            for template, item in paths.items():
                for method, operation in item.items():
                    if isinstance(operation, dict) and "operationId" in operation:
                        route = f"{method.upper()} {mount.base_path}{template}"
                        print(f"  {route:<64} {vendor.operation_name(operation['operationId'])}")
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``leadmock operations``'s options."""
    parser.add_argument(
        "api",
        nargs="?",
        metavar="API",
        help=f"one API, or a vendor's APIs: {', '.join(known_names())} (default: all)",
    )
    parser.add_argument(
        "--spec",
        action="append",
        default=[],
        metavar="FILE",
        help="list the operations of this OpenAPI document's API instead (repeatable)",
    )


COMMAND = Command(
    name="operations",
    help="list each API's operations: method, path and operationId",
    add_arguments=add_arguments,
    run=operations,
)
