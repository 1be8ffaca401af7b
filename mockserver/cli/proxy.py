"""``leadmock proxy``: the command that puts ``contracts.proxy`` in front of an upstream.

It serves until interrupted, one request log line an exchange (with what the spec says of the
request and of the answer), then writes the recording and the drift report it was asked for
and prints the report's summary. Exit 0, or 1 when a departure is unclassified.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from mockserver.cli import arguments
from mockserver.cli.command import Command, listen, request_log
from mockserver.limits import Limits
from mockserver.server import server_config
from mockserver.vendors import known_names

if TYPE_CHECKING:
    from contracts.proxy import Proxy

DEFAULT_PORT = 8081


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``leadmock proxy``'s options."""
    parser.add_argument(
        "api",
        nargs="?",
        help=f"the API: {', '.join(known_names())}; with --spec, the document's (the default)",
    )
    parser.add_argument(
        "--spec",
        metavar="FILE",
        help="check the exchanges against this OpenAPI document (its API, served by the "
        "engine in leadmock serve --spec)",
    )
    parser.add_argument(
        "--upstream",
        required=True,
        type=_upstream,
        help="the URL the spec's paths are under, e.g. https://api.tiledesk.com/v3",
    )
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default: %(default)s)")
    parser.add_argument(
        "--port", type=arguments.port, default=DEFAULT_PORT, help="port (default: %(default)s)"
    )
    parser.add_argument(
        "--timeout",
        type=arguments.above_zero(float),
        default=30.0,
        help="seconds to wait for the upstream; a 504 past it (default: %(default)s)",
    )
    parser.add_argument(
        "--record",
        metavar="FILE",
        type=Path,
        help="write what the upstream answered as a state document, for leadmock serve --state",
    )
    parser.add_argument("--drift", metavar="FILE", type=Path, help="write the drift report here")
    parser.add_argument("--junit", metavar="FILE", type=Path, help="and as JUnit XML here")
    parser.add_argument(
        "--admin-token",
        default=None,
        help="answer /__admin/ to whoever sends this token (default: loopback callers only)",
    )
    parser.add_argument("--quiet", action="store_true", help="no request log")
    parser.add_argument("--log-format", choices=["text", "json"], default="text")


def _upstream(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an upstream URL: http(s)://host[:port][/base path], no query"
        )
    return text.rstrip("/")


def proxy(args: argparse.Namespace) -> int:
    """Serve the proxy until SIGINT or SIGTERM, then write what was asked."""
    import uvicorn

    try:
        from contracts.proxy import Proxy
    except ImportError as exc:
        if (exc.name or "").split(".")[0] not in ("schemathesis", "hypothesis"):
            raise
        print(
            "leadmock proxy: it checks answers with Schemathesis, in leadmock's check extra: "
            "pip install 'leadmock[check]'",
            file=sys.stderr,
        )
        return 2
    from mockserver.config import Config, ConfigError
    from mockserver.recording import Recorder
    from mockserver.registry import document_apis, registry_for

    config = Config(specs=(str(Path(args.spec).resolve()),) if args.spec else ())
    try:
        registry = registry_for(config)
        if args.api is None and not args.spec:
            raise LookupError("name the API, or give --spec FILE")
        args.api = registry.one_api_named(args.api or document_apis(config)[0])
    except (ConfigError, LookupError) as exc:
        print(f"leadmock proxy: {str(exc).strip(chr(39))}", file=sys.stderr)
        return 2

    listening = listen("proxy", args.host, args.port)
    if listening is None:
        return 2
    vendor, _ = registry.vendor_of(args.api)
    recorder = None
    if args.record is not None:
        if vendor.record is None:
            print(f"leadmock proxy: {args.api} has no recording", file=sys.stderr)
            return 2
        recorder = Recorder(vendor.record, args.record)
    limits = Limits()
    served = Proxy(
        args.api, args.upstream, timeout=args.timeout, recorder=recorder,
        admin_token=args.admin_token, limits=limits, registry=registry,
    )  # fmt: skip
    base_url = f"http://{args.host}:{args.port}"
    banner = sys.stderr if args.log_format == "json" else sys.stdout
    print(f"leadmock proxy on {base_url} for {args.api}, upstream {args.upstream}", file=banner)
    print(f"Drift report  {base_url}/__admin/drift", file=banner)
    print(f"Journal       {base_url}/__admin/journal", file=banner)
    if recorder is not None:
        print(f"Recording to  {args.record} (on exit)", file=banner)
    banner.flush()
    log = request_log(args, served.journal)
    settings = server_config(served, host=args.host, port=args.port, limits=limits)
    for stop in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop, lambda *_: None)
    uvicorn.Server(settings).run(sockets=[listening])
    if log is not None:
        log.close()
    return _finish(served, args)


def _finish(served: Proxy, args: argparse.Namespace) -> int:
    """Write the recording and the reports asked for; print the summary; the exit code."""
    from contracts.drift import find_drift

    lines = []
    if served.recorder is not None:
        path = served.recorder.write()
        lines.append(f"Recorded {served.recorder.exchanges} answers into {path}")
    target = f"{served.api} at {served.upstream} (proxy)"
    if args.drift is not None:
        args.drift.parent.mkdir(parents=True, exist_ok=True)
        args.drift.write_text(served.drift.markdown(target))
        lines.append(f"Drift report: {args.drift}")
    if args.junit is not None:
        args.junit.parent.mkdir(parents=True, exist_ok=True)
        args.junit.write_text(served.drift.junit())
        lines.append(f"JUnit drift report: {args.junit}")
    report = served.drift.report()
    drift = find_drift(report, served.vendor.checking().known_drift)
    unexplained = [item for item in drift if item.known is None]
    checks = sum(report.checks_by_phase.values())
    lines.append(f"{checks} checks, {len(drift)} departures, {len(unexplained)} unclassified")
    for item in drift:
        lines.append(f"  {item.kind}: {item.operation} {item.check}: {item.title}")
    print("\n".join(lines))
    return 1 if unexplained else 0


COMMAND = Command(
    name="proxy",
    help="forward your client's requests to the real API, checking both ways against the spec",
    description="A reverse proxy for one API: every request goes to --upstream unchanged "
    "and its answer comes back unchanged; both are checked against the API's spec (the "
    "answer with leadmock check's response checks), journalled at /__admin/journal, and "
    "gathered in a drift report (/__admin/drift, and on exit).",
    add_arguments=add_arguments,
    run=proxy,
)
