"""``leadmock``: the command line. ``serve`` and ``seed`` here, ``check`` in ``checkcli``.

The CLI modules are the only ones that print. Exit codes: 0 success, 1 failures found, 2 bad
input.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import signal
import socket
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mockserver import cliarguments as arguments
from mockserver import memory
from mockserver.app import create_app, served_vendors
from mockserver.checkcli import check
from mockserver.config import Config, ConfigError
from mockserver.limits import Limits
from mockserver.proxycli import add_proxy_command
from mockserver.registry import registry_for
from mockserver.requestlog import RequestLog
from mockserver.serveoptions import FromConfig, OptionSourceError, config_file, option_values
from mockserver.server import server_config
from mockserver.statemodel import StateModelError
from mockserver.vendorrecord import AcceptedCredentials
from mockserver.vendors import known_names
from mockserver.workers import run_workers


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


# Each limit's option: (Limits field, type, what it bounds).
LIMIT_OPTIONS = {
    "--max-body-bytes": ("body_bytes", int, "request body size; 413 past it"),
    "--max-json-depth": ("json_depth", int, "nesting of a JSON body"),
    "--max-integer-digits": ("integer_digits", int, "digits of an integer in a JSON body or path"),
    "--max-headers": ("header_count", int, "request headers"),
    "--max-header-bytes": ("header_bytes", int, "request header names and values together"),
    "--header-timeout": ("header_seconds", float, "seconds to receive a request's headers"),
    "--body-timeout": ("body_seconds", float, "seconds to receive a request's body; 408 past it"),
    "--keep-alive-timeout": ("keep_alive_seconds", float, "seconds an idle connection stays open"),
    "--shutdown-timeout": ("shutdown_seconds", float, "seconds a shutdown waits for requests"),
}


def _limits(args: argparse.Namespace) -> Limits:
    given = {
        field: getattr(args, option[2:].replace("-", "_"))
        for option, (field, _, _) in LIMIT_OPTIONS.items()
    }
    return Limits(**{k: v for k, v in given.items() if v is not None})


def serve(args: argparse.Namespace) -> int:
    """Run the mock on ``--host``/``--port`` until interrupted."""
    config = Config(
        limits=_limits(args),
        seed=args.seed,
        leads=args.leads,
        framework=args.framework,
        rate_limit=args.rate_limit,
        admin_token=args.admin_token,
        base_paths=dict(args.base_path),
        vendors=tuple(args.vendor),
        specs=tuple(str(Path(spec).resolve()) for spec in args.spec),
        overrides={api: str(Path(file).resolve()) for api, file in args.overrides},
        cors=not args.no_cors,
        delay=args.delay,
        error_rate=args.error_rate[0],
        error_status=args.error_rate[1],
        validate_responses=args.validate_responses,
        store=args.store,
    )
    if args.workers > 1 and not args.store:
        print(
            f"leadmock serve: --workers {args.workers} needs --store redis://...: each worker "
            "would keep a state of its own, and a lead created through one would be missing "
            "from the others",
            file=sys.stderr,
        )
        return 2
    # Bound before anything is printed: a port in use is one line, not a banner and a trace.
    try:
        listening = socket.create_server((args.host, args.port))
    except OSError as exc:
        print(
            f"leadmock serve: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return 2
    recorded = _recording(args.state, config.limits.json_depth) if args.state else None
    if isinstance(recorded, str):
        print(f"leadmock serve: --state {args.state}: {recorded}", file=sys.stderr)
        return 2
    mock = create_app(config)
    # A mock that joined a shared store serves that store's seed, not the one asked for.
    config = mock.config
    accepted = AcceptedCredentials(
        tuple(args.accept_login), tuple(args.accept_api_key), tuple(args.accept_token)
    )
    if recorded is not None or accepted.logins or accepted.api_keys or accepted.tokens:
        try:
            args.recording_lines = mock.serve_recording(recorded, accepted)
        except StateModelError as exc:
            print(f"leadmock serve: --state {args.state}: {exc.where}: {exc}", file=sys.stderr)
            return 2
    # With JSON lines on stdout, the banner (for people) goes to stderr.
    banner = sys.stderr if args.log_format == "json" else sys.stdout
    for line in _banner(args, config, mock):
        print(line, file=banner)
    banner.flush()
    # The seed lives as long as the server: without this, each full collection walks every
    # seeded object, a pause of hundreds of milliseconds with a million leads.
    gc.collect()
    gc.freeze()
    if args.workers > 1:
        # Checked free above, without SO_REUSEPORT: another server on it would have refused.
        listening.close()
        code = run_workers(
            args.workers, args.host, args.port, lambda own: _serve_on(own, mock, args, config)
        )
        print("leadmock stopped")
        return code
    _serve_on(listening, mock, args, config, last_line="leadmock stopped")
    return 0


def _recording(path: str, json_depth: int) -> dict[str, Any] | str:
    """The state document at ``path``, checked as ``PUT /__admin/state`` checks one; or why
    it cannot be served."""
    from mockserver.admin import AdminError, read_state_file

    try:
        return read_state_file(path, depth=json_depth + 8)
    except OSError as exc:
        return exc.strerror or str(exc)
    except AdminError as exc:
        return f"{exc.field}: {exc}"


def _serve_on(
    listening: socket.socket, mock: Any, args: argparse.Namespace, config: Config,
    last_line: str | None = None,
) -> None:  # fmt: skip
    """Serve ``mock`` on ``listening`` until SIGINT or SIGTERM, with the request log."""
    import uvicorn

    log = None
    if not args.quiet:
        log = RequestLog(
            sys.stdout,
            json_lines=args.log_format == "json",
            colour=sys.stdout.isatty() and "NO_COLOR" not in os.environ,
        )
        mock.journal.subscribe(log)
    settings = server_config(
        mock, host=args.host, port=args.port, limits=config.limits, log_level=args.log_level
    )
    # uvicorn stops gracefully on Ctrl-C and SIGTERM, then raises the signal again for the
    # handler it found: with these, that is a clean exit 0, not a kill or a traceback.
    for stop in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop, lambda *_: None)
    uvicorn.Server(settings).run(sockets=[listening])
    mock.close()
    if log is None:
        if last_line:
            print(last_line)
    else:
        # Through the log's writer: a full pipe nobody reads must not hold the exit.
        log.close(last_line=last_line)


def _banner(args: argparse.Namespace, config: Config, mock: Any) -> list[str]:
    """Where each API is served, the seed's credentials, and where the options came from."""
    base_url = f"http://{args.host}:{args.port}"
    limit = f", rate limit {config.rate_limit} per credential" if config.rate_limit else ""
    on = f"{config.framework} app, {memory.allocator_name()}{limit}"
    lines = [f"leadmock on {base_url} (seed {config.seed}, {on})"]
    if mock.shared is not None:
        how = "seeded it" if mock.shared.seeded_here else "joined the state already there"
        workers = f", {args.workers} workers" if args.workers > 1 else ""
        lines.append(f"Store         {mock.shared.url.shown}{workers}: {how}")
    if args.option_sources:
        lines.append(f"Options from  {', '.join(args.option_sources)}")
    for vendor in served_vendors(config):
        lines.extend(vendor.describe(mock.facts[vendor.name], base_url))
    if getattr(args, "state", None):
        lines.append(f"Recording     {args.state} over the seed (reset returns to both)")
    lines += [f"              {line}" for line in getattr(args, "recording_lines", [])]
    faults = ", ".join(_fault_words(fault) for fault in mock.faults.list())
    if faults:
        lines.append(f"Faults        {faults} (they come back on reset)")
    guard = "X-Leadmock-Admin-Token required" if config.admin_token else "loopback callers only"
    lines.append(f"Admin plane   {base_url}/__admin/   ({guard})")
    return lines


def _fault_words(fault: Any) -> str:
    latency = fault.latency
    delay = f"{latency[0]:g}-{latency[1]:g} s" if isinstance(latency, tuple) else f"{latency:g} s"
    if fault.status is None:
        return f"every answer delayed {delay}"
    return f"{fault.share:.0%} of answers {fault.status}" + (f" after {delay}" if latency else "")


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


def operations(args: argparse.Namespace) -> int:
    """Print each API's operations, as the journal, faults and ``assert_called`` name them."""
    from mockserver.app import served_vendors
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


def seed(args: argparse.Namespace) -> int:
    """Print the whole seeded state as JSON: the same seed prints the same bytes."""
    mock = create_app(Config(seed=args.seed, leads=args.leads))
    json.dump(mock.store.dump(), sys.stdout, indent=1, sort_keys=True)
    print()
    return 0


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("leadmock")
    except PackageNotFoundError:  # a checkout run without installing
        return "unknown (not installed)"


def _read_option_sources(serve_parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """Set ``serve``'s defaults from the config file and the environment; where they came from."""
    finder = argparse.ArgumentParser(add_help=False)
    finder.add_argument("--config")
    explicit = finder.parse_known_args(argv)[0].config or os.environ.get("LEADMOCK_CONFIG")
    found = config_file(explicit, Path.cwd())
    table, where = (found[1], str(found[0])) if found else ({}, "")
    values, used, warnings = option_values(
        serve_parser, table=table, where=where, environ=os.environ
    )
    for warning in warnings:
        print(f"leadmock serve: {warning}", file=sys.stderr)
    serve_parser.set_defaults(**values)
    return used


def _subcommand(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices[name]
    raise LookupError(name)


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

    serve_parser = commands.add_parser(
        "serve",
        help="serve the vendor APIs (every one unless --api names some)",
        description="Serve the vendor APIs over HTTP, seeded, with a request log. Options also "
        "come from a config file (--config, leadmock.toml, or [tool.leadmock] in "
        "pyproject.toml) and LEADMOCK_* variables: the command line wins, then the "
        "environment, then the file.",
    )
    serve_parser.add_argument(
        "--config",
        metavar="FILE",
        help="read options from this TOML file (default: ./leadmock.toml, else "
        "[tool.leadmock] in ./pyproject.toml)",
    )
    _shared_options(serve_parser)
    serve_parser.add_argument(
        "--host", default="127.0.0.1", help="bind address (default: %(default)s)"
    )
    serve_parser.add_argument(
        "--port", type=arguments.port, default=8080, help="port, 1 to 65535 (default: %(default)s)"
    )
    serve_parser.add_argument(
        "--api",
        "--vendor",
        dest="vendor",
        action=FromConfig,
        default=[],
        type=arguments.api_or_vendor,
        metavar="NAME",
        help=f"serve only this API, or every API of this vendor: {', '.join(known_names())} "
        "(repeatable; default: all)",
    )
    serve_parser.add_argument(
        "--spec",
        action=FromConfig,
        default=[],
        metavar="FILE",
        help="serve this OpenAPI document (3.0, 3.1 or Swagger 2.0, YAML or JSON) statefully, "
        "as an API named by its file; repeatable. Alone unless --api names built-in APIs too "
        "('leadmock inspect FILE' shows what the engine makes of it)",
    )
    serve_parser.add_argument(
        "--overrides",
        action=FromConfig,
        default=[],
        type=arguments.api_file,
        metavar="API=FILE",
        help="correct the model of a --spec document's API with this file, as 'leadmock "
        "inspect --overrides' does (repeatable)",
    )
    serve_parser.add_argument(
        "--base-path",
        action=FromConfig,
        default=[],
        type=arguments.base_path,
        metavar="API=PATH",
        help="serve an API under another base path, e.g. leads-crm=/crm/v2 (repeatable)",
    )
    serve_parser.add_argument(
        "--store",
        type=arguments.store_url,
        default=None,
        metavar="URL",
        help="keep the state in Redis, shared by every worker and every leadmock given the "
        "same URL: redis://127.0.0.1:6379/0, ?prefix=NAME to keep mocks apart "
        "(default: in this process)",
    )
    serve_parser.add_argument(
        "--workers",
        type=arguments.workers,
        default=1,
        metavar="N",
        help="answer with N processes over one port; needs --store (default: 1)",
    )
    serve_parser.add_argument(
        "--framework",
        choices=("async", "flask"),
        default=Config.framework,
        help="Connexion AsyncApp or FlaskApp (default: %(default)s)",
    )
    serve_parser.add_argument(
        "--admin-token",
        default=None,
        help="answer /__admin/ to whoever sends this token (default: loopback callers only)",
    )
    serve_parser.add_argument(
        "--rate-limit",
        type=arguments.rate_limit,
        default=None,
        help="per-credential limit such as 200/min, answered with 429 (default: off)",
    )
    serve_parser.add_argument(
        "--no-cors",
        action="store_true",
        help="no CORS: preflights get 405 and browsers on other origins cannot read answers",
    )
    serve_parser.add_argument(
        "--validate-responses",
        action="store_true",
        help="check every answer against its spec: one that breaks it is a 500 (default: off)",
    )
    serve_parser.add_argument(
        "--delay",
        type=arguments.delay,
        default=0.0,
        help="add this delay to every vendor answer: 0.2, 200ms, or a range 100-500ms",
    )
    serve_parser.add_argument(
        "--error-rate",
        type=arguments.error_rate,
        default=(0.0, 500),
        metavar="SHARE[:STATUS]",
        help="answer this share of vendor requests with an error: 0.05 or 5%%, 500 unless "
        ":STATUS says (5%%:503)",
    )
    recording = serve_parser.add_argument_group("serving a recording (leadmock proxy --record)")
    recording.add_argument(
        "--state",
        metavar="FILE",
        help="lay this state document over the seed: a recording, or GET /__admin/state's",
    )
    recording.add_argument(
        "--accept-login",
        action=FromConfig,
        default=[],
        type=arguments.login,
        metavar="USER:PASSWORD",
        help="accept this login besides the seed's (a recorded user's, or a new one); repeatable",
    )
    recording.add_argument(
        "--accept-api-key",
        action=FromConfig,
        default=[],
        metavar="KEY",
        help="accept this API key besides the seed's; repeatable",
    )
    recording.add_argument(
        "--accept-token",
        action=FromConfig,
        default=[],
        metavar="TOKEN",
        help="a --spec API accepts only the bearer tokens named (default: any); repeatable",
    )
    log = serve_parser.add_argument_group("the request log: one line a request, on stdout")
    log.add_argument("--quiet", action="store_true", help="no request log")
    log.add_argument(
        "--log-format",
        choices=["text", "json"],
        default="text",
        help="text (coloured on a terminal) or json, one object a line (default: %(default)s)",
    )
    serve_parser.add_argument(
        "--log-level",
        default="warning",
        choices=["critical", "error", "warning", "info", "debug", "trace"],
        help="uvicorn's own log level (default: %(default)s)",
    )
    defaults = Limits()
    for option, (field, kind, meaning) in LIMIT_OPTIONS.items():
        serve_parser.add_argument(
            option,
            type=arguments.above_zero(kind),
            default=None,
            help=f"{meaning} (default: {getattr(defaults, field)})",
        )
    serve_parser.set_defaults(func=serve)

    check_parser = commands.add_parser(
        "check", help="check an API against its spec: the mock in-process, or --base-url"
    )
    check_parser.add_argument(
        "api",
        nargs="?",
        metavar="API",
        help=f"the API to check, a vendor's APIs, or all: {', '.join(known_names())}; with "
        "--spec, a document's API (default: every document's)",
    )
    check_parser.add_argument(
        "--spec",
        action="append",
        default=[],
        metavar="FILE",
        help="check the API of this OpenAPI document: the mock serving it in-process, or "
        "--base-url (repeatable)",
    )
    check_parser.add_argument(
        "--replay", metavar="FAILURE_ID", help="send a failure of the last run again"
    )
    check_parser.add_argument(
        "--base-url", help="a real endpoint, e.g. https://api.tiledesk.com/v3"
    )
    check_parser.add_argument("--seed", type=int, default=0, help="generation seed (default: 0)")
    check_parser.add_argument(
        "--max-examples", type=arguments.above_zero(int), default=10, help="examples a phase"
    )
    check_parser.add_argument(
        "--stateful-steps", type=arguments.above_zero(int), default=20, help="steps a sequence"
    )
    check_parser.add_argument(
        "--max-time", type=arguments.above_zero(int), default=None, help="time budget, seconds"
    )
    check_parser.add_argument(
        "--read-only",
        action="store_true",
        help="send only GET, HEAD and OPTIONS: safe against a live account",
    )
    check_parser.add_argument(
        "--rate-limit",
        type=arguments.check_rate_limit,
        default=None,
        help="at most this many requests, as serve takes it: 200/min (also 10/s, 1000/hour)",
    )
    narrowing = check_parser.add_argument_group("narrowing the run, as Schemathesis' options do")
    narrowing.add_argument(
        "--phases", type=arguments.comma_names, help="examples,coverage,fuzzing,stateful"
    )
    narrowing.add_argument(
        "--checks", type=arguments.comma_names, help="only these checks, comma-separated"
    )
    narrowing.add_argument(
        "--exclude-checks", type=arguments.comma_names, default=[], help="not these checks"
    )
    narrowing.add_argument(
        "--include-operation",
        action="append",
        default=[],
        help="only this operation ('GET /leads' or its operationId); repeatable",
    )
    narrowing.add_argument(
        "--exclude-operation", action="append", default=[], help="not this operation; repeatable"
    )
    narrowing.add_argument("--workers", type=arguments.above_zero(int), help="concurrent workers")
    narrowing.add_argument(
        "--request-timeout", type=arguments.above_zero(float), help="seconds a request may take"
    )
    check_parser.add_argument("--junit", default=None, help="write a JUnit XML report here")
    check_parser.add_argument(
        "--report-dir",
        default=None,
        help="write junit.xml and summary.md here (and cassette.har with --report har)",
    )
    check_parser.add_argument(
        "--report",
        choices=["har"],
        action="append",
        default=[],
        help="har: every request and answer of the run as an HTTP Archive, in --report-dir",
    )
    credentials = check_parser.add_argument_group("credentials for --base-url")
    credentials.add_argument("--user", help="user name or email (Tiledesk: Basic auth)")
    credentials.add_argument("--password", help="password")
    credentials.add_argument("--signin", action="store_true", help="sign in for a token first")
    credentials.add_argument("--token", help="a token, sent in the vendor's scheme")
    credentials.add_argument("--api-key", help="an API key (vendors that use one)")
    credentials.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="LOCATION.NAME=VALUE",
        help="pin a parameter, e.g. path.project_id=5b55e806c93dde00143163dd",
    )
    credentials.add_argument(
        "--header", action="append", default=[], metavar="'NAME: VALUE'", help="extra header"
    )
    check_parser.set_defaults(func=check)

    add_proxy_command(commands)
    operations_parser = commands.add_parser(
        "operations", help="list each API's operations: method, path and operationId"
    )
    operations_parser.add_argument(
        "api",
        nargs="?",
        metavar="API",
        help=f"one API, or a vendor's APIs: {', '.join(known_names())} (default: all)",
    )
    operations_parser.add_argument(
        "--spec",
        action="append",
        default=[],
        metavar="FILE",
        help="list the operations of this OpenAPI document's API instead (repeatable)",
    )
    operations_parser.set_defaults(func=operations)

    inspect_parser = commands.add_parser(
        "inspect", help="print the resource model inferred from an OpenAPI document"
    )
    inspect_parser.add_argument("file", metavar="FILE", help="OpenAPI 3.0/3.1 or Swagger 2.0")
    inspect_parser.add_argument("--json", action="store_true", help="the model as JSON")
    inspect_parser.add_argument(
        "--overrides", metavar="FILE", help="corrections to the model (YAML or JSON; x-leadmock)"
    )
    inspect_parser.set_defaults(func=inspect)

    seed_parser = commands.add_parser("seed", help="print the seed data as JSON")
    _shared_options(seed_parser)
    seed_parser.set_defaults(func=seed)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``leadmock`` and ``python -m mockserver``. Exit 2 on bad arguments."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    sources: list[str] = []
    if next((a for a in argv if not a.startswith("-")), None) == "serve":
        try:
            sources = _read_option_sources(_subcommand(parser, "serve"), argv)
        except OptionSourceError as exc:
            print(f"leadmock serve: {exc}", file=sys.stderr)
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
