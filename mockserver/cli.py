"""``leadmock``: serve the mock, or print its seed data. The only module that prints."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from mockserver.app import create_app
from mockserver.config import Config
from mockserver.ratelimit import RateLimit
from mockserver.vendors import VENDORS


def _shared_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--seed", type=int, default=Config.seed, help="Faker seed (default: %(default)s)"
    )
    parser.add_argument(
        "--leads",
        type=int,
        default=Config.leads,
        help="leads seeded per project (default: %(default)s)",
    )


def _rate_limit(text: str) -> str:
    try:
        RateLimit.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    return text


def serve(args: argparse.Namespace) -> int:
    """Run the mock on ``--host``/``--port`` until interrupted."""
    import uvicorn

    config = Config(
        seed=args.seed, leads=args.leads, framework=args.framework, rate_limit=args.rate_limit
    )
    mock = create_app(config)
    base_url = f"http://{args.host}:{args.port}"
    limit = f", rate limit {config.rate_limit} per credential" if config.rate_limit else ""
    print(f"leadmock on {base_url} (seed {config.seed}, {config.framework} app{limit})")
    for vendor in VENDORS:
        for line in vendor.describe(mock.facts[vendor.name], base_url):
            print(line)
    sys.stdout.flush()
    uvicorn.run(mock, host=args.host, port=args.port, log_level=args.log_level)
    return 0


def seed(args: argparse.Namespace) -> int:
    """Print the whole seeded state as JSON: the same seed prints the same bytes."""
    mock = create_app(Config(seed=args.seed, leads=args.leads, jwt_secret="unused"))
    json.dump(mock.store.dump(), sys.stdout, indent=1, sort_keys=True)
    print()
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The ``leadmock`` argument parser."""
    parser = argparse.ArgumentParser(prog="leadmock", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve_parser = commands.add_parser("serve", help="serve every vendor API")
    _shared_options(serve_parser)
    serve_parser.add_argument(
        "--host", default="127.0.0.1", help="bind address (default: %(default)s)"
    )
    serve_parser.add_argument("--port", type=int, default=8080, help="port (default: %(default)s)")
    serve_parser.add_argument(
        "--framework",
        choices=("async", "flask"),
        default=Config.framework,
        help="Connexion AsyncApp or FlaskApp (default: %(default)s)",
    )
    serve_parser.add_argument(
        "--rate-limit",
        type=_rate_limit,
        default=None,
        help="per-credential limit such as 200/min, answered with 429 (default: off)",
    )
    serve_parser.add_argument(
        "--log-level", default="warning", help="uvicorn log level (default: %(default)s)"
    )
    serve_parser.set_defaults(func=serve)

    seed_parser = commands.add_parser("seed", help="print the seed data as JSON")
    _shared_options(seed_parser)
    seed_parser.set_defaults(func=seed)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``leadmock`` and ``python -m mockserver``. Exit 2 on bad arguments."""
    args = build_parser().parse_args(argv)
    if getattr(args, "leads", 0) < 2:
        print(
            "leadmock: --leads must be at least 2 (the documents' example leads)", file=sys.stderr
        )
        return 2
    return args.func(args)
