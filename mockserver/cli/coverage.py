"""``leadmock coverage``: the spec coverage of a journal export (``GET /__admin/journal``), so a
team whose tests are not in Python gets the report the pytest plugin prints."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from mockserver.app import served_vendors
from mockserver.cli.command import Command
from mockserver.config import Config
from mockserver.coverage import (
    Coverage,
    below,
    documented_operations,
    markdown,
    percentage,
    table,
)
from mockserver.registry import registry_for

MAX_JOURNAL_BYTES = 512 * 1024 * 1024
"""The largest export read: a journal keeps at most 64 MB by default."""


def coverage(args: argparse.Namespace) -> int:
    """Print (and write) the coverage of the requests in a journal export; 1 below a floor."""
    from mockserver.specfiles import load_spec

    entries = _export(Path(args.journal))
    if isinstance(entries, str):
        print(f"leadmock coverage: {args.journal}: {entries}", file=sys.stderr)
        return 2
    config = Config(specs=tuple(str(Path(spec).resolve()) for spec in args.spec))
    registry = registry_for(config)
    counted = Coverage()
    for vendor in [*registry.vendors, *served_vendors(config)]:
        for mount in vendor.mounts:
            counted.document(
                mount.name, documented_operations(load_spec(mount.spec), vendor.operation_name)
            )
    counted.add_exported(entries)
    report = counted.report()
    if args.format == "json":
        print(json.dumps(report, indent=2))
    elif args.format == "markdown":
        print(markdown(report), end="")
    else:
        print(table(report) if report["apis"] else "no request of the export reached an API")
    if args.report:
        folder = Path(args.report)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "leadmock-coverage.json").write_text(json.dumps(report, indent=2) + "\n")
        (folder / "leadmock-coverage.md").write_text(markdown(report))
    failures = [
        reason
        for part, floor in (("operations", args.fail_under), ("statuses", args.statuses_fail_under))
        if floor is not None and (reason := below(report, part, floor)) is not None
    ]
    for reason in failures:
        print(reason, file=sys.stderr)
    return 1 if failures else 0


def _export(path: Path) -> list[dict] | str:
    """The entries of a journal export, or why it is not one."""
    try:
        if path.stat().st_size > MAX_JOURNAL_BYTES:
            return f"larger than {MAX_JOURNAL_BYTES // (1024 * 1024)} MB"
        entries = json.loads(path.read_bytes())
    except OSError as exc:
        return exc.strerror or str(exc)
    except (ValueError, RecursionError):
        return "not JSON (a journal export is GET /__admin/journal's answer)"
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        return "not a journal export: a JSON array of entries (GET /__admin/journal's answer)"
    return entries


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``leadmock coverage``'s options."""
    parser.add_argument("journal", metavar="JOURNAL", help="a journal export (JSON)")
    parser.add_argument(
        "--spec",
        action="append",
        default=[],
        metavar="FILE",
        help="an OpenAPI document the mock served with --spec (repeatable)",
    )
    parser.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    parser.add_argument(
        "--report", metavar="DIR", help="also write leadmock-coverage.json and .md into DIR"
    )
    parser.add_argument(
        "--fail-under",
        type=percentage,
        metavar="N",
        help="exit 1 below N%% of the documented operations of the APIs called",
    )
    parser.add_argument(
        "--statuses-fail-under",
        type=percentage,
        metavar="N",
        help="exit 1 below N%% of the documented statuses of the APIs called",
    )


COMMAND = Command(
    name="coverage",
    help="the spec coverage of a journal export: operations, statuses, parameters, fields",
    add_arguments=add_arguments,
    run=coverage,
)
