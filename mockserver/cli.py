"""``leadmock``: serve the mock, check an endpoint against its spec, or print the seed data.

The only module that prints. Exit codes: 0 success, 1 failures found, 2 bad input.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import signal
import socket
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mockserver.app import create_app, load_spec, served_vendors
from mockserver.config import Config, ConfigError
from mockserver.limits import Limits
from mockserver.ratelimit import RateLimit
from mockserver.server import server_config
from mockserver.vendors import VENDORS, CheckTarget, Credentials, vendor_of


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


def _check_rate_limit(text: str) -> str:
    """``200/min`` as ``serve`` reads it, in the form Schemathesis takes (``200/m``)."""
    parsed = RateLimit.parse(_rate_limit(text))
    return f"{parsed.requests}/{ {1: 's', 60: 'm', 3600: 'h'}[parsed.seconds] }"


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def _base_path(text: str) -> tuple[str, str]:
    api, found, path = text.partition("=")
    try:
        vendor_of(api)
    except LookupError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    if not found or not path.startswith("/") or path.rstrip("/") == "":
        raise argparse.ArgumentTypeError(f"{text!r} is not API=/path")
    return api, path


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port: a whole number 1 to 65535")
    return int(text)


def _above_zero(kind: type) -> Any:
    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            value = 0
        if not value > 0:
            noun = "whole number" if kind is int else "number"
            raise argparse.ArgumentTypeError(f"{text!r} is not a {noun} above 0")
        return value

    return parse


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
    import uvicorn

    config = Config(
        limits=_limits(args),
        seed=args.seed,
        leads=args.leads,
        framework=args.framework,
        rate_limit=args.rate_limit,
        admin_token=args.admin_token,
        base_paths=dict(args.base_path),
        vendors=tuple(args.vendor),
        cors=not args.no_cors,
    )
    # Bound before anything is printed: a port in use is one line, not a banner and a trace.
    try:
        listening = socket.create_server((args.host, args.port))
    except OSError as exc:
        print(
            f"leadmock serve: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return 2
    mock = create_app(config)
    base_url = f"http://{args.host}:{args.port}"
    limit = f", rate limit {config.rate_limit} per credential" if config.rate_limit else ""
    print(f"leadmock on {base_url} (seed {config.seed}, {config.framework} app{limit})")
    for vendor in served_vendors(config):
        for line in vendor.describe(mock.facts[vendor.name], base_url):
            print(line)
    guard = "X-Leadmock-Admin-Token required" if config.admin_token else "loopback callers only"
    print(f"Admin plane   {base_url}/__admin/   ({guard})")
    sys.stdout.flush()
    # The seed lives as long as the server: without this, each full collection walks every
    # seeded object, a pause of hundreds of milliseconds with a million leads.
    gc.collect()
    gc.freeze()
    settings = server_config(
        mock, host=args.host, port=args.port, limits=config.limits, log_level=args.log_level
    )
    # uvicorn stops gracefully on Ctrl-C and SIGTERM, then raises the signal again for the
    # handler it found: with these, that is a clean exit 0, not a kill or a traceback.
    for stop in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop, lambda *_: None)
    uvicorn.Server(settings).run(sockets=[listening])
    print("leadmock stopped")
    return 0


def seed(args: argparse.Namespace) -> int:
    """Print the whole seeded state as JSON: the same seed prints the same bytes."""
    mock = create_app(Config(seed=args.seed, leads=args.leads))
    json.dump(mock.store.dump(), sys.stdout, indent=1, sort_keys=True)
    print()
    return 0


def check(args: argparse.Namespace) -> int:
    """Run the conformance checker on one API or all, against the mock or ``--base-url``."""
    from contracts import ErrorSeen, OperationChecked, PhaseStarted, RunFinished, write_junit
    from contracts import check as check_api

    if args.replay:
        return replay(args.replay)
    if args.api is None:
        print("leadmock check: name the API to check (or all), or give --replay", file=sys.stderr)
        return 2
    apis = [m.name for v in VENDORS for m in v.mounts] if args.api == "all" else [args.api]
    from contracts.runner import options_problem

    for api in apis:
        problem = options_problem(
            api,
            phases=args.phases,
            checks=[*(args.checks or []), *args.exclude_checks],
            operations=[*args.include_operation, *args.exclude_operation],
        )
        if problem:
            print(f"leadmock check: {problem}", file=sys.stderr)
            return 2
    problem = _unwritable(args)
    if problem:
        print(f"leadmock check: {problem}", file=sys.stderr)
        return 2
    if args.base_url and len(apis) > 1:
        print("leadmock check: --base-url needs one API, not all", file=sys.stderr)
        return 2
    try:
        pinned = dict(_pair(text, "=") for text in args.set)
        extra_headers = dict(_pair(text, ":") for text in args.header)
    except ValueError as exc:
        print(f"leadmock check: {exc}", file=sys.stderr)
        return 2
    before = None
    if args.base_url:
        from contracts.preflight import leadmock_state, restore_leadmock, unreachable

        problem = unreachable(args.base_url)
        if problem:
            print(f"leadmock check: {problem}", file=sys.stderr)
            return 2
    mock = None if args.base_url else create_app(Config(seed=args.seed))
    reports = []
    for api in apis:
        vendor, _ = vendor_of(api)
        if mock is not None:
            target = vendor.check_target(mock.facts[vendor.name])
            where = "the mock, in-process"
        else:
            credentials = Credentials(
                user=args.user,
                password=args.password,
                token=args.token,
                api_key=args.api_key,
                signin=args.signin,
                parameters=pinned,
            )
            try:
                target = vendor.remote_target(args.base_url, credentials)
            except ValueError as exc:
                print(f"leadmock check: {exc}", file=sys.stderr)
                return 2
            where = args.base_url
        target = CheckTarget(
            headers={**target.headers, **extra_headers},
            parameters={**target.parameters, **pinned},
        )
        if args.base_url:
            from contracts.preflight import refused_credentials

            problem = refused_credentials(args.base_url, load_spec(vendor_of(api)[1].spec), target)
            if problem:
                print(f"leadmock check: {problem}", file=sys.stderr)
                return 2
            if not args.read_only:
                print(
                    f"{api}: this run sends writes (POST, PUT, PATCH, DELETE) to {where}; "
                    "--read-only sends only GET, HEAD and OPTIONS"
                )
                before = leadmock_state(args.base_url)
        print(f"{api}: checking {where} (seed {args.seed}, {args.max_examples} examples a phase)")
        events = check_api(
            api,
            target=target,
            app=mock,
            base_url=args.base_url,
            max_examples=args.max_examples,
            stateful_steps=args.stateful_steps,
            seed=args.seed,
            max_time=args.max_time,
            rate_limit=args.rate_limit,
            read_only=args.read_only,
            phases=args.phases,
            only_checks=args.checks,
            skipped_checks=args.exclude_checks,
            operations=args.include_operation,
            skipped_operations=args.exclude_operation,
            workers=args.workers,
            request_timeout=args.request_timeout,
            keep_exchanges="har" in args.report,
        )
        progress = Progress(api, args.phases, sys.stdout.isatty())
        for event in events:
            progress.clear()
            if isinstance(event, PhaseStarted):
                print(f"  {event.phase}")
                progress.phase(event.phase)
            elif isinstance(event, OperationChecked):
                progress.done(event.checks)
                verdict = f"{event.failures} FAILED" if event.failures else "ok"
                name = (
                    f"sequence of {event.steps} calls"
                    if event.phase == "stateful"
                    else event.operation
                )
                print(f"    {name:<44} {event.checks:>7} checks  {verdict}")
            elif isinstance(event, ErrorSeen):
                # Where it happens: an unanswered request must not hide behind "0 checks ok".
                print(f"    ERROR {event.error.strip().splitlines()[0]}")
            elif isinstance(event, RunFinished):
                reports.append(event.report)
            progress.show()
            sys.stdout.flush()
        progress.clear()
        if args.base_url and not args.read_only:
            if before is not None and restore_leadmock(args.base_url, before):
                print(f"{api}: the leadmock at {where} is back as it was before the run")
            else:
                print(f"{api}: what the run wrote is left at {where}")
    for report in reports:
        _print_summary(report)
    _save_failures(reports, args)
    if args.junit:
        write_junit(reports, args.junit)
        print(f"JUnit XML: {args.junit}")
    if args.report_dir:
        from contracts.reports import write_har, write_markdown

        folder = Path(args.report_dir)
        write_junit(reports, folder / "junit.xml")
        write_markdown(reports, folder / "summary.md")
        written = ["junit.xml", "summary.md"]
        if "har" in args.report:
            write_har(reports, folder / "cassette.har")
            written.append("cassette.har")
        print(f"Reports in {folder}: {', '.join(written)}")
    return 0 if all(report.ok for report in reports) else 1


class Progress:
    """On a terminal, one line under the run's output that says where it is: the phase, the
    operations done, the checks, the time spent and an estimate of the time left. Elsewhere
    (CI, a pipe) nothing: the plain lines say it."""

    def __init__(self, api: str, phases: list[str] | None, live: bool) -> None:
        _, mount = vendor_of(api)
        spec = load_spec(mount.spec)
        self.operations = sum(
            1
            for item in spec.get("paths", {}).values()
            for method in item
            if method in ("get", "put", "post", "delete", "patch")
        )
        self.phases = len(phases) if phases else 4
        self.live = live
        self.started = time.monotonic()
        self.current = ""
        self.steps = 0
        self.checks = 0
        self.shown = False

    def phase(self, name: str) -> None:
        self.current = name

    def done(self, checks: int) -> None:
        self.steps += 1
        self.checks += checks

    def show(self) -> None:
        if not self.live:
            return
        spent = time.monotonic() - self.started
        total = self.operations * self.phases
        left = spent / self.steps * max(total - self.steps, 0) if self.steps else None
        eta = f", about {left:.0f} s left" if left is not None else ""
        sys.stdout.write(
            f"\r  [{self.current or 'starting'}: {self.steps}/{total} operations, "
            f"{self.checks} checks, {spent:.0f} s{eta}]\x1b[K"
        )
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            sys.stdout.write("\r\x1b[K")
            self.shown = False


def _unwritable(args: argparse.Namespace) -> str | None:
    """Why a report the run was asked for could not be written, found before the run."""
    if args.report and not args.report_dir:
        return "--report har needs --report-dir, where the cassette goes"
    targets = [Path(args.junit)] if args.junit else []
    if args.report_dir:
        folder = Path(args.report_dir)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return f"cannot write reports in {folder}: {exc.strerror or exc}"
        targets.append(folder / "summary.md")
    for target in targets:
        # Asked without creating anything: a run refused later must leave no empty report.
        where = target if target.exists() else target.parent
        if not where.is_dir() and not target.exists():
            return f"cannot write {target}: no folder {target.parent}"
        if not os.access(where, os.W_OK):
            return f"cannot write {target}: permission denied"
    return None


FAILURES_FILE = Path("reports") / "leadmock-check-failures.json"


def _save_failures(reports: list[Any], args: argparse.Namespace) -> None:
    """The run's failures and the requests that reproduce them, for ``--replay``."""
    failures = [
        {"id": f.id, "api": r.api, "operation": f.operation, "check": f.check,
         "requests": list(f.requests)}
        for r in reports
        for f in r.failures
        if f.requests
    ]  # fmt: skip
    if not failures:
        return
    saved = {"base_url": args.base_url, "seed": args.seed, "failures": failures}
    FAILURES_FILE.parent.mkdir(parents=True, exist_ok=True)
    FAILURES_FILE.write_text(json.dumps(saved, indent=1))
    # It holds the run's credentials, as sent: readable by its owner only.
    FAILURES_FILE.chmod(0o600)
    print(f"Failures saved for --replay: {FAILURES_FILE}")


def replay(failure_id: str) -> int:
    """Send a saved failure's requests again, in order, and print each answer."""
    import base64

    import httpx
    from starlette.testclient import TestClient

    try:
        saved = json.loads(FAILURES_FILE.read_text())
    except (OSError, ValueError) as exc:
        print(f"leadmock check: no saved failures to replay ({exc})", file=sys.stderr)
        return 2
    found = next((f for f in saved["failures"] if f["id"] == failure_id), None)
    if found is None:
        known = ", ".join(f["id"] for f in saved["failures"])
        print(f"leadmock check: no failure {failure_id!r} saved; saved: {known}", file=sys.stderr)
        return 2
    if saved["base_url"]:
        client: Any = httpx.Client(timeout=30)
    else:
        # The run was in-process: a fresh mock of the same seed answers it again.
        client = TestClient(create_app(Config(seed=saved["seed"])))
    print(f"{found['api']}: {found['operation']}, {found['check']} [{failure_id}]")
    with client:
        for request in found["requests"]:
            body = base64.b64decode(request["body"]) if request["body"] else None
            headers = {k: v for k, v in request["headers"].items() if k.lower() != "content-length"}
            answer = client.request(
                request["method"], request["url"], headers=headers, content=body
            )
            print(f"  {request['method']} {request['url']} -> {answer.status_code}")
            print(f"    {' '.join(answer.text.split())[:500]}")
    return 0


def _pair(text: str, separator: str) -> tuple[str, str]:
    name, found, value = text.partition(separator)
    if not found or not name.strip():
        raise ValueError(f"expected NAME{separator}VALUE, got {text!r}")
    return name.strip(), value.strip()


def _print_summary(report: Any) -> None:
    total = sum(report.checks_by_phase.values())
    operations = len(report.checks_by_operation)
    failures = len(report.failures)
    print(f"\n{report.api}: {total} checks over {operations} operations, {failures} failures")
    if report.stopped:
        print(f"  {report.stopped}")
    for name, reason in report.excluded_checks.items():
        print(f"  excluded check {name}: {reason}")
    for operation in report.skipped_writes:
        print(f"  not sent (--read-only): {operation}")
    for status, reason in report.valid_data_statuses.items():
        print(f"  valid data may get {status}: {reason}")
    for error in report.errors:
        print(f"  ERROR {error}")
    documented = [f for f in report.failures if f.documented]
    if documented:
        print("  Documented examples that fail (drift in a documented happy path):")
        for failure in documented:
            print(f"    {failure.operation}: {failure.check}, {failure.title}")
    by_operation: dict[str, list] = {}
    for failure in report.failures:
        by_operation.setdefault(failure.operation, []).append(failure)
    for operation, failures in sorted(by_operation.items()):
        print(f"  FAILED {operation}")
        for failure in failures:
            _print_failure(failure)


def _print_failure(failure: Any) -> None:
    """What a failed check expected, what was answered, and how to send it again."""
    print(f"    [{failure.id}] {failure.check}: {failure.title} [{failure.phase}]")
    for line in failure.message.strip().splitlines()[:8]:
        print(f"      {line}")
    if failure.schema_path:
        print(
            f"      schema path: /{failure.schema_path}; in the answer: "
            f"/{failure.instance_path}; value: {failure.value}"
        )
    if failure.status is not None:
        kind = dict((k.lower(), v) for k, v in failure.response_headers).get("content-type", "")
        print(f"      answered: {failure.status} {kind}".rstrip())
        headers = "; ".join(f"{k}: {v}" for k, v in failure.response_headers)
        if headers:
            print(f"      headers: {headers[:300]}")
        if failure.response_body:
            print(f"      body: {' '.join(failure.response_body.split())}")
    if len(failure.steps) > 1:
        print("      reproduce, in this order:")
        for step in failure.steps:
            for line in step.splitlines():
                print(f"        {line}")
    elif failure.curl:
        print(f"      reproduce: {failure.curl}")
    if failure.requests:
        print(f"      replay: leadmock check --replay {failure.id}")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("leadmock")
    except PackageNotFoundError:  # a checkout run without installing
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    """The ``leadmock`` argument parser."""
    parser = argparse.ArgumentParser(prog="leadmock", description=__doc__)
    parser.add_argument("--version", action="version", version=f"leadmock {_version()}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve_parser = commands.add_parser("serve", help="serve every vendor API")
    _shared_options(serve_parser)
    serve_parser.add_argument(
        "--host", default="127.0.0.1", help="bind address (default: %(default)s)"
    )
    serve_parser.add_argument(
        "--port", type=_port, default=8080, help="port, 1 to 65535 (default: %(default)s)"
    )
    serve_parser.add_argument(
        "--vendor",
        action="append",
        default=[],
        choices=[v.name for v in VENDORS],
        help="serve only this vendor's APIs (repeatable; default: every vendor)",
    )
    serve_parser.add_argument(
        "--base-path",
        action="append",
        default=[],
        type=_base_path,
        metavar="API=PATH",
        help="serve an API under another base path, e.g. leads-crm=/crm/v2 (repeatable)",
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
        type=_rate_limit,
        default=None,
        help="per-credential limit such as 200/min, answered with 429 (default: off)",
    )
    serve_parser.add_argument(
        "--no-cors",
        action="store_true",
        help="no CORS: preflights get 405 and browsers on other origins cannot read answers",
    )
    serve_parser.add_argument(
        "--log-level",
        default="warning",
        choices=["critical", "error", "warning", "info", "debug", "trace"],
        help="uvicorn log level (default: %(default)s)",
    )
    defaults = Limits()
    for option, (field, kind, meaning) in LIMIT_OPTIONS.items():
        serve_parser.add_argument(
            option,
            type=_above_zero(kind),
            default=None,
            help=f"{meaning} (default: {getattr(defaults, field)})",
        )
    serve_parser.set_defaults(func=serve)

    apis = [m.name for v in VENDORS for m in v.mounts]
    check_parser = commands.add_parser(
        "check", help="check an API against its spec: the mock in-process, or --base-url"
    )
    check_parser.add_argument(
        "api", nargs="?", choices=[*apis, "all"], help="the API to check, or all"
    )
    check_parser.add_argument(
        "--replay", metavar="FAILURE_ID", help="send a failure of the last run again"
    )
    check_parser.add_argument(
        "--base-url", help="a real endpoint, e.g. https://api.tiledesk.com/v3"
    )
    check_parser.add_argument("--seed", type=int, default=0, help="generation seed (default: 0)")
    check_parser.add_argument(
        "--max-examples", type=_above_zero(int), default=10, help="examples a phase"
    )
    check_parser.add_argument(
        "--stateful-steps", type=_above_zero(int), default=20, help="steps a sequence"
    )
    check_parser.add_argument(
        "--max-time", type=_above_zero(int), default=None, help="time budget, seconds"
    )
    check_parser.add_argument(
        "--read-only",
        action="store_true",
        help="send only GET, HEAD and OPTIONS: safe against a live account",
    )
    check_parser.add_argument(
        "--rate-limit",
        type=_check_rate_limit,
        default=None,
        help="at most this many requests, as serve takes it: 200/min (also 10/s, 1000/hour)",
    )
    narrowing = check_parser.add_argument_group("narrowing the run, as Schemathesis' options do")
    narrowing.add_argument("--phases", type=_names, help="examples,coverage,fuzzing,stateful")
    narrowing.add_argument("--checks", type=_names, help="only these checks, comma-separated")
    narrowing.add_argument("--exclude-checks", type=_names, default=[], help="not these checks")
    narrowing.add_argument(
        "--include-operation",
        action="append",
        default=[],
        help="only this operation ('GET /leads' or its operationId); repeatable",
    )
    narrowing.add_argument(
        "--exclude-operation", action="append", default=[], help="not this operation; repeatable"
    )
    narrowing.add_argument("--workers", type=_above_zero(int), help="concurrent workers")
    narrowing.add_argument(
        "--request-timeout", type=_above_zero(float), help="seconds a request may take"
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

    seed_parser = commands.add_parser("seed", help="print the seed data as JSON")
    _shared_options(seed_parser)
    seed_parser.set_defaults(func=seed)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``leadmock`` and ``python -m mockserver``. Exit 2 on bad arguments."""
    args = build_parser().parse_args(argv)
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
