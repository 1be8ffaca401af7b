"""``leadmock serve``: the mock over HTTP until interrupted, with its banner and request log."""

from __future__ import annotations

import argparse
import gc
import os
import signal
import socket
import sys
from pathlib import Path
from typing import Any

from mockserver import memory
from mockserver.app import create_app, served_vendors
from mockserver.cli import arguments
from mockserver.cli.command import Command, listen, request_log
from mockserver.cli.options import FromConfig, config_file, option_values
from mockserver.config import Config
from mockserver.limits import Limits
from mockserver.scenarios import ScenarioError
from mockserver.server import server_config
from mockserver.statemodel import StateModelError
from mockserver.vendorrecord import AcceptedCredentials
from mockserver.vendors import known_names
from mockserver.workers import run_workers

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
    # Bound before anything is printed.
    listening = listen("serve", args.host, args.port)
    if listening is None:
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
    if args.coverage:
        mock.count_coverage()
    for name, fields in args.scenario:
        try:
            mock.scenarios.add(name, **fields)
        except ScenarioError as exc:
            print(f"leadmock serve: --scenario {name}: {exc}", file=sys.stderr)
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

    log = request_log(args, mock.journal)
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
    for scenario in mock.scenarios.list():
        shown = ", ".join(
            f"{k}={v}"
            for k, v in scenario.to_dict().items()
            if k not in ("id", "name") and v is not None
        )
        lines.append(f"Scenario      {scenario.name} ({shown}), from now (a reset clears it)")
    guard = "X-Leadmock-Admin-Token required" if config.admin_token else "loopback callers only"
    lines.append(f"Admin plane   {base_url}/__admin/   ({guard})")
    return lines


def _fault_words(fault: Any) -> str:
    latency = fault.latency
    delay = f"{latency[0]:g}-{latency[1]:g} s" if isinstance(latency, tuple) else f"{latency:g} s"
    if fault.status is None:
        return f"every answer delayed {delay}"
    return f"{fault.share:.0%} of answers {fault.status}" + (f" after {delay}" if latency else "")


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


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``leadmock serve``'s options."""
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="read options from this TOML file (default: ./leadmock.toml, else "
        "[tool.leadmock] in ./pyproject.toml)",
    )
    arguments.add_seed_options(parser)
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default: %(default)s)")
    parser.add_argument(
        "--port", type=arguments.port, default=8080, help="port, 1 to 65535 (default: %(default)s)"
    )
    parser.add_argument(
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
    parser.add_argument(
        "--spec",
        action=FromConfig,
        default=[],
        metavar="FILE",
        help="serve this OpenAPI document (3.0, 3.1 or Swagger 2.0, YAML or JSON) statefully, "
        "as an API named by its file; repeatable. Alone unless --api names built-in APIs too "
        "('leadmock inspect FILE' shows what the engine makes of it)",
    )
    parser.add_argument(
        "--overrides",
        action=FromConfig,
        default=[],
        type=arguments.api_file,
        metavar="API=FILE",
        help="correct the model of a --spec document's API with this file, as 'leadmock "
        "inspect --overrides' does (repeatable)",
    )
    parser.add_argument(
        "--base-path",
        action=FromConfig,
        default=[],
        type=arguments.base_path,
        metavar="API=PATH",
        help="serve an API under another base path, e.g. leads-crm=/crm/v2 (repeatable)",
    )
    parser.add_argument(
        "--store",
        type=arguments.store_url,
        default=None,
        metavar="URL",
        help="keep the state in Redis, shared by every worker and every leadmock given the "
        "same URL: redis://127.0.0.1:6379/0, ?prefix=NAME to keep mocks apart "
        "(default: in this process)",
    )
    parser.add_argument(
        "--workers",
        type=arguments.workers,
        default=1,
        metavar="N",
        help="answer with N processes over one port; needs --store (default: 1)",
    )
    parser.add_argument(
        "--framework",
        choices=("async", "flask"),
        default=Config.framework,
        help="Connexion AsyncApp or FlaskApp (default: %(default)s)",
    )
    parser.add_argument(
        "--admin-token",
        default=None,
        help="answer /__admin/ to whoever sends this token (default: loopback callers only)",
    )
    parser.add_argument(
        "--rate-limit",
        type=arguments.rate_limit,
        default=None,
        help="per-credential limit such as 200/min, answered with 429 (default: off)",
    )
    parser.add_argument(
        "--no-cors",
        action="store_true",
        help="no CORS: preflights get 405 and browsers on other origins cannot read answers",
    )
    parser.add_argument(
        "--validate-responses",
        action="store_true",
        help="check every answer against its spec: one that breaks it is a 500 (default: off)",
    )
    parser.add_argument(
        "--delay",
        type=arguments.delay,
        default=0.0,
        help="add this delay to every vendor answer: 0.2, 200ms, or a range 100-500ms",
    )
    parser.add_argument(
        "--error-rate",
        type=arguments.error_rate,
        default=(0.0, 500),
        metavar="SHARE[:STATUS]",
        help="answer this share of vendor requests with an error: 0.05 or 5%%, 500 unless "
        ":STATUS says (5%%:503)",
    )
    parser.add_argument(
        "--coverage",
        action="store_true",
        help="count the spec coverage of every request for GET /__admin/coverage, across "
        "resets (default: it is read from the journal, which a reset empties)",
    )
    parser.add_argument(
        "--scenario",
        type=arguments.scenario,
        action=FromConfig,
        default=[],
        metavar="NAME:FIELD=VALUE,...",
        help="set a scenario from the start: rate_limited, token_expiry, outage, slow_pages "
        "(rate_limited:operation=list_leads,seconds=5); repeatable",
    )
    recording = parser.add_argument_group("serving a recording (leadmock proxy --record)")
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
    log = parser.add_argument_group("the request log: one line a request, on stdout")
    log.add_argument("--quiet", action="store_true", help="no request log")
    log.add_argument(
        "--log-format",
        choices=["text", "json"],
        default="text",
        help="text (coloured on a terminal) or json, one object a line (default: %(default)s)",
    )
    parser.add_argument(
        "--log-level",
        default="warning",
        choices=["critical", "error", "warning", "info", "debug", "trace"],
        help="uvicorn's own log level (default: %(default)s)",
    )
    defaults = Limits()
    for option, (field, kind, meaning) in LIMIT_OPTIONS.items():
        parser.add_argument(
            option,
            type=arguments.above_zero(kind),
            default=None,
            help=f"{meaning} (default: {getattr(defaults, field)})",
        )


COMMAND = Command(
    name="serve",
    help="serve the vendor APIs (every one unless --api names some)",
    description="Serve the vendor APIs over HTTP, seeded, with a request log. Options also "
    "come from a config file (--config, leadmock.toml, or [tool.leadmock] in "
    "pyproject.toml) and LEADMOCK_* variables: the command line wins, then the "
    "environment, then the file.",
    add_arguments=add_arguments,
    run=serve,
    read_defaults=_read_option_sources,
)
