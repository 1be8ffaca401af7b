"""``leadmock inspect``: the resource model the engine infers from a document."""

from __future__ import annotations

import argparse
import json
import sys

from mockserver.cli.command import Command


def inspect(args: argparse.Namespace) -> int:
    """Print the resource model the engine infers from a document (``--json``: as data)."""
    from mockserver.engine import DocumentError, infer_model, read_document
    from mockserver.engine.describe import describe_model, model_json
    from mockserver.engine.overrides import apply_overrides, read_overrides

    try:
        document = read_document(args.file)
        overrides = read_overrides(document.spec, args.overrides)
        model = apply_overrides(infer_model(document), overrides, args.overrides or args.file)
    except DocumentError as exc:
        print(f"leadmock inspect: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(model_json(model), indent=2))
    else:
        print("\n".join(describe_model(model, args.file)))
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``leadmock inspect``'s options."""
    parser.add_argument("file", metavar="FILE", help="OpenAPI 3.0/3.1 or Swagger 2.0")
    parser.add_argument("--json", action="store_true", help="the model as JSON")
    parser.add_argument(
        "--overrides", metavar="FILE", help="corrections to the model (YAML or JSON; x-leadmock)"
    )


COMMAND = Command(
    name="inspect",
    help="print the resource model inferred from an OpenAPI document",
    add_arguments=add_arguments,
    run=inspect,
)
