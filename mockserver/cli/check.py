"""``leadmock check``: run the conformance checker and print what it found, or replay a failure."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mockserver.app import create_app
from mockserver.cli import arguments
from mockserver.cli.command import Command
from mockserver.config import Config, ConfigError
from mockserver.engine.profile import ANY_TOKEN
from mockserver.redaction import REDACTED, Redactor, SecretNames
from mockserver.registry import document_apis, registry_for
from mockserver.specfiles import load_spec
from mockserver.vendorrecord import AcceptedCredentials, CheckTarget, Credentials
from mockserver.vendors import Registry, known_names


def check(args: argparse.Namespace) -> int:
    """Run the conformance checker on one API or all, against the mock or ``--base-url``."""
    try:
        from contracts import ErrorSeen, OperationChecked, PhaseStarted, RunFinished, write_junit
        from contracts import check as check_api
    except ImportError as exc:
        if (exc.name or "").split(".")[0] not in ("schemathesis", "hypothesis"):
            raise
        print(
            "leadmock check: the checker needs Schemathesis, in leadmock's check extra: "
            "pip install 'leadmock[check]'",
            file=sys.stderr,
        )
        return 2

    if args.replay:
        return replay(args.replay, args)
    config = Config(seed=args.seed, specs=tuple(str(Path(s).resolve()) for s in args.spec))
    if args.api is None and not config.specs:
        print("leadmock check: name the API to check (or all), or give --replay", file=sys.stderr)
        return 2
    try:
        registry = registry_for(config)
        if args.api is None:
            apis: Sequence[str] = document_apis(config)
        elif args.api == "all":
            apis = registry.every_api() if not config.specs else document_apis(config)
        else:
            apis = registry.apis_named(args.api)
    except (ConfigError, LookupError) as exc:
        print(f"leadmock check: {str(exc).strip(chr(39))}", file=sys.stderr)
        return 2
    from contracts.runner import options_problem

    for api in apis:
        problem = options_problem(
            api,
            registry=registry,
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
    mock = None if args.base_url else create_app(config)
    if mock is not None and config.specs:
        # Only the credentials the check sends: ignored_auth then finds a mock that refuses
        # others (a document's API accepts any credential unless told which).
        mock.serve_recording(None, CHECKED_CREDENTIALS)
    reports = []
    for api in apis:
        vendor, mount = registry.vendor_of(api)
        if mock is not None:
            target = vendor.checking().check_target(mock.facts[vendor.name])
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
                target = vendor.checking().remote_target(args.base_url, credentials)
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

            problem = refused_credentials(args.base_url, load_spec(mount.spec), target)
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
            config=config,
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
        progress = Progress(load_spec(mount.spec), args.phases, sys.stdout.isatty())
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
    _save_failures(reports, args, registry)
    if args.junit:
        Path(args.junit).parent.mkdir(parents=True, exist_ok=True)
        write_junit(reports, args.junit)
        print(f"JUnit XML: {args.junit}")
    if args.report_dir:
        from contracts.reports import write_har, write_markdown

        folder = Path(args.report_dir)
        write_junit(reports, folder / "junit.xml")
        write_markdown(reports, folder / "summary.md")
        written = ["junit.xml", "summary.md"]
        if "har" in args.report:
            write_har(reports, folder / "cassette.har", lambda api: _secrets_of(registry, api))
            written.append("cassette.har")
        print(f"Reports in {folder}: {', '.join(written)}")
    return 0 if all(report.ok for report in reports) else 1


CHECKED_CREDENTIALS = AcceptedCredentials(
    logins=(("leadmock", "leadmock"),), api_keys=(ANY_TOKEN,), tokens=(ANY_TOKEN,)
)
"""What a document's check target sends (``engine.profile._target``), the only ones accepted."""


def _secrets_of(registry: Registry, api: str) -> SecretNames:
    """What ``api``'s spec designates as secret, for the reports that show exchanges."""
    from connexion.json_schema import resolve_refs

    from mockserver.redaction import secret_names

    _, mount = registry.vendor_of(api)
    return secret_names(resolve_refs(load_spec(mount.spec)))


class Progress:
    """On a terminal, one line under the run's output that says where it is: the phase, the
    operations done, the checks, the time spent and an estimate of the time left. Elsewhere
    (CI, a pipe) nothing: the plain lines say it."""

    def __init__(self, spec: dict[str, Any], phases: list[str] | None, live: bool) -> None:
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
        # A missing folder is made when the report is written, under the nearest one there is.
        where = target
        while not where.exists() and where.parent != where:
            where = where.parent
        if where != target and not where.is_dir():
            return f"cannot write {target}: {where} is not a folder"
        if not os.access(where, os.W_OK):
            return f"cannot write {target}: permission denied"
    return None


FAILURES_FILE = Path("reports") / "leadmock-check-failures.json"


def _save_failures(reports: list[Any], args: argparse.Namespace, registry: Registry) -> None:
    """The run's failures and the requests that reproduce them, for ``--replay``: with their
    secrets redacted (credentials, password fields), which a replay supplies again."""
    failures = []
    for report in reports:
        secrets = _secrets_of(registry, report.api)
        failures += [
            {"id": f.id, "api": report.api, "operation": f.operation, "check": f.check,
             "requests": [_redacted(request, Redactor(secrets)) for request in f.requests]}
            for f in report.failures
            if f.requests
        ]  # fmt: skip
    if not failures:
        return
    saved = {
        "base_url": args.base_url,
        "seed": args.seed,
        "specs": [str(Path(spec).resolve()) for spec in args.spec],
        "failures": failures,
    }
    FAILURES_FILE.parent.mkdir(parents=True, exist_ok=True)
    FAILURES_FILE.write_text(json.dumps(saved, indent=1))
    FAILURES_FILE.chmod(0o600)
    print(f"Failures saved for --replay: {FAILURES_FILE}")


def _redacted(request: dict[str, Any], redactor: Redactor) -> dict[str, Any]:
    """A saved request with no secret in it: its credentials' values, secret query
    parameters and body fields hidden (``[redacted]``)."""
    import base64

    url, mark, query = request["url"].partition("?")
    headers = redactor.headers(request["headers"])
    body = request["body"]
    if body:
        kind = next((v for k, v in request["headers"].items() if k.lower() == "content-type"), "")
        hidden = redactor.body(base64.b64decode(body), kind)
        body = base64.b64encode(hidden).decode()
    return {**request, "url": url + mark + redactor.query(query), "headers": headers, "body": body}


def replay(failure_id: str, args: argparse.Namespace) -> int:
    """Send a saved failure's requests again, in order, and print each answer: the
    credentials it was saved without come from the mock of the run's seed, or, for a
    ``--base-url`` run, from this command's credential options."""
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
    config = Config(seed=saved["seed"], specs=tuple(saved.get("specs") or ()))
    vendor, _ = registry_for(config).vendor_of(found["api"])
    try:
        extra = dict(_pair(text, ":") for text in args.header)
    except ValueError as exc:
        print(f"leadmock check: {exc}", file=sys.stderr)
        return 2
    if saved["base_url"]:
        client: Any = httpx.Client(timeout=30)
        given = Credentials(
            user=args.user, password=args.password, token=args.token, api_key=args.api_key,
            signin=args.signin,
        )  # fmt: skip
        try:
            target = vendor.checking().remote_target(saved["base_url"], given)
        except ValueError:
            target = CheckTarget(headers={})
    else:
        # The run was in-process: a fresh mock of the same seed answers it again.
        mock = create_app(config)
        if config.specs:
            mock.serve_recording(None, CHECKED_CREDENTIALS)
        client = TestClient(mock)
        target = vendor.checking().check_target(mock.facts[vendor.name])
    credentials = {name.lower(): value for name, value in {**target.headers, **extra}.items()}
    print(f"{found['api']}: {found['operation']}, {found['check']} [{failure_id}]")
    with client:
        for request in found["requests"]:
            body = base64.b64decode(request["body"]) if request["body"] else None
            headers = {}
            for name, value in request["headers"].items():
                if name.lower() == "content-length":
                    continue
                if REDACTED in value:
                    if name.lower() not in credentials:
                        print(
                            f"leadmock check: the saved request's {name} was not kept; give "
                            "the credentials the run had (--token, --user and --password, "
                            "--api-key or --header)",
                            file=sys.stderr,
                        )
                        return 2
                    value = credentials[name.lower()]
                headers[name] = value
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


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``leadmock check``'s options."""
    parser.add_argument(
        "api",
        nargs="?",
        metavar="API",
        help=f"the API to check, a vendor's APIs, or all: {', '.join(known_names())}; with "
        "--spec, a document's API (default: every document's)",
    )
    parser.add_argument(
        "--spec",
        action="append",
        default=[],
        metavar="FILE",
        help="check the API of this OpenAPI document: the mock serving it in-process, or "
        "--base-url (repeatable)",
    )
    parser.add_argument(
        "--replay", metavar="FAILURE_ID", help="send a failure of the last run again"
    )
    parser.add_argument("--base-url", help="a real endpoint, e.g. https://api.tiledesk.com/v3")
    parser.add_argument("--seed", type=int, default=0, help="generation seed (default: 0)")
    parser.add_argument(
        "--max-examples", type=arguments.above_zero(int), default=10, help="examples a phase"
    )
    parser.add_argument(
        "--stateful-steps", type=arguments.above_zero(int), default=20, help="steps a sequence"
    )
    parser.add_argument(
        "--max-time", type=arguments.above_zero(int), default=None, help="time budget, seconds"
    )
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="send only GET, HEAD and OPTIONS: safe against a live account",
    )
    parser.add_argument(
        "--rate-limit",
        type=arguments.check_rate_limit,
        default=None,
        help="at most this many requests, as serve takes it: 200/min (also 10/s, 1000/hour)",
    )
    narrowing = parser.add_argument_group("narrowing the run, as Schemathesis' options do")
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
    parser.add_argument("--junit", default=None, help="write a JUnit XML report here")
    parser.add_argument(
        "--report-dir",
        default=None,
        help="write junit.xml and summary.md here (and cassette.har with --report har)",
    )
    parser.add_argument(
        "--report",
        choices=["har"],
        action="append",
        default=[],
        help="har: every request and answer of the run as an HTTP Archive, in --report-dir",
    )
    credentials = parser.add_argument_group("credentials for --base-url")
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


COMMAND = Command(
    name="check",
    help="check an API against its spec: the mock in-process, or --base-url",
    add_arguments=add_arguments,
    run=check,
)
