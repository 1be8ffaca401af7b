"""Drive Schemathesis over one API's spec and report, as events, what it checked and what failed.

Stateless phases (the spec's documented examples, coverage, fuzzing) and the stateful phase over
the spec's links run with every Schemathesis check but those the vendor excludes, each exclusion
with its reason (``Checking.excluded_checks``). The target is the mock in-process (an ASGI app,
no port) or any base URL. ``check`` yields events for a live display; ``run`` returns the report.
"""

from __future__ import annotations

import base64
import dataclasses
import difflib
import hashlib
import json
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import schemathesis
from schemathesis.checks import CHECKS
from schemathesis.config import SchemathesisConfig

# Schemathesis' own defaults, extended (never replaced) by a vendor's documented statuses.
from schemathesis.config._checks import POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES
from schemathesis.engine import events, from_schema

from contracts.documentchecks import CHECK_NAME as DOCUMENT_CHECK
from mockserver.config import Config
from mockserver.registry import registry_for
from mockserver.specfiles import load_spec, spec_path
from mockserver.vendorrecord import CheckTarget
from mockserver.vendors import BUILT_IN, Registry

EXAMPLES_PHASE = "examples"


@dataclass(frozen=True)
class Failure:
    """One check that failed on one operation: what it expected, what was answered, and the
    request (with the ones it needs first) that reproduces it."""

    operation: str
    check: str
    title: str
    message: str
    curl: str
    phase: str
    status: int | None = None
    response_headers: tuple[tuple[str, str], ...] = ()
    response_body: str = ""
    """The answer's body, cut to ``BODY_SHOWN`` characters."""
    schema_path: str = ""
    instance_path: str = ""
    value: str = ""
    """For a schema violation: where in the schema, where in the answer, and the value there."""
    steps: tuple[str, ...] = ()
    """The curl commands of the requests the failure needs, oldest first, its own last."""
    requests: tuple[dict[str, Any], ...] = ()
    """Those requests as data (method, url, headers, body), for ``--replay``."""

    @property
    def documented(self) -> bool:
        """True when a documented example failed: drift in a happy path, not fuzzing noise."""
        return self.phase == EXAMPLES_PHASE

    @property
    def id(self) -> str:
        """A short id to name the failure by (``leadmock check --replay``)."""
        text = f"{self.operation}|{self.check}|{self.title}|{self.curl}"
        return hashlib.sha1(text.encode()).hexdigest()[:8]


BODY_SHOWN = 500


@dataclass
class Report:
    """The outcome of one run over one API."""

    api: str
    failures: list[Failure] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    excluded_checks: dict[str, str] = field(default_factory=dict)
    valid_data_statuses: dict[str, str] = field(default_factory=dict)
    checks_by_phase: Counter[str] = field(default_factory=Counter)
    """How many check results each phase produced (examples, coverage, fuzzing, stateful)."""
    checks_by_operation: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[tuple[str, str, bool]] = field(default_factory=Counter)
    """Check results by (operation, check, passed), stateful steps under their own operation."""
    credentialed_statuses: dict[str, Counter[int]] = field(default_factory=dict)
    """By operation, the statuses answered to requests that carried the run's credentials."""
    skipped_writes: list[str] = field(default_factory=list)
    """Operations a read-only run did not send."""
    stopped: str = ""
    """Why the run ended before it was through, if it did."""
    seconds_by_operation: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    """How long the run took, and each operation (its phases added up)."""
    exchanges: list[dict[str, Any]] = field(default_factory=list)
    """Every request and its answer, when the run was asked to keep them (for a HAR file)."""

    @property
    def ok(self) -> bool:
        """True when nothing failed and nothing broke."""
        return not self.failures and not self.errors


@dataclass(frozen=True)
class PhaseStarted:
    api: str
    phase: str


@dataclass(frozen=True)
class OperationChecked:
    """One operation (or the stateful sequences) went through one phase."""

    api: str
    phase: str
    operation: str
    checks: int
    failures: int
    steps: int
    """Requests sent: examples tried, or the length of a stateful sequence."""


@dataclass(frozen=True)
class ErrorSeen:
    """A request that got no answer (a refused connection, a timeout), when it happened."""

    api: str
    error: str


@dataclass(frozen=True)
class RunFinished:
    report: Report


Event = PhaseStarted | OperationChecked | ErrorSeen | RunFinished


def check(
    api: str,
    *,
    target: CheckTarget,
    app: Any = None,
    base_url: str | None = None,
    max_examples: int = 10,
    stateful_steps: int = 20,
    seed: int = 0,
    max_time: int | None = None,
    rate_limit: str | None = None,
    excluded_checks: dict[str, str] | None = None,
    read_only: bool = False,
    phases: Sequence[str] | None = None,
    only_checks: Sequence[str] | None = None,
    skipped_checks: Sequence[str] = (),
    operations: Sequence[str] = (),
    skipped_operations: Sequence[str] = (),
    workers: int | None = None,
    request_timeout: float | None = None,
    keep_exchanges: bool = False,
    config: Config | None = None,
) -> Iterator[Event]:
    """Check ``api`` (e.g. ``tiledesk-v3``) in-process on ``app``, or over HTTP at ``base_url``.

    ``excluded_checks`` replaces the vendor's exclusions (to prove a check bites, say).
    ``read_only`` sends only safe methods (GET, HEAD, OPTIONS); the others are listed as skipped.
    ``phases``, ``only_checks``/``skipped_checks`` and ``operations``/``skipped_operations``
    (``GET /leads`` or an operationId) narrow the run as Schemathesis' options of those names
    do (``options_problem`` says what is wrong with them); ``max_time`` is a budget for the
    whole run, which stops it when spent.
    A run fails when an operation answered nothing but 401 or 403 to requests that carried the
    credentials: the checks would pass on refusals alone. ``config`` (else ``app``'s) says
    which documents besides the built-in APIs can be named (``--spec``).
    """
    served = config or getattr(app, "config", None)
    # A mock may serve the API elsewhere than its default base path (Config.base_paths).
    vendor, mount = registry_for(served).vendor_of(api, served)
    checking = vendor.checking()
    excluded = dict(checking.excluded_checks if excluded_checks is None else excluded_checks)
    if read_only:
        excluded.setdefault(
            "unsupported_method",
            "--read-only: the check sends every undocumented method (DELETE, PUT...) to each path",
        )
    for name in skipped_checks:
        excluded.setdefault(name, "--exclude-checks")
    if only_checks is not None:
        for name in ALL_CHECKS:
            if name not in only_checks:
                excluded.setdefault(name, "not in --checks")
    checks: dict[str, Any] = {name: {"enabled": False} for name in excluded}
    if not Path(mount.spec).is_absolute():
        # The built-in APIs keep status_code_conformance itself (contracts/documentchecks.py).
        checks[DOCUMENT_CHECK] = {"enabled": False}
    if checking.valid_data_statuses and "positive_data_acceptance" not in excluded:
        statuses = [
            *POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES,
            *checking.valid_data_statuses,
        ]
        checks["positive_data_acceptance"] = {"expected-statuses": statuses}
    settings: dict[str, Any] = {
        "seed": seed,
        "headers": dict(target.headers),
        "parameters": dict(target.parameters),
        # No example database: a run is reproduced by its seed alone, not by earlier runs.
        "generation": {"max-examples": max_examples, "database": "none"},
        "checks": {"enabled": True, **checks},
        # Stateful sequences follow links from a create: a read-only run has none.
        "phases": {
            "stateful": {"enabled": not read_only, "max-steps": stateful_steps},
            # The coverage phase sends undocumented methods to every path; not read-only ones.
            **({"coverage": {"unexpected-methods": []}} if read_only else {}),
        },
    }
    if phases is not None:
        for phase in PHASES:
            settings["phases"].setdefault(phase, {})["enabled"] = phase in phases and (
                phase != "stateful" or not read_only
            )
    if workers is not None:
        settings["workers"] = workers
    if request_timeout is not None:
        settings["request-timeout"] = request_timeout
    if rate_limit is not None:
        settings["rate-limit"] = rate_limit
    if app is not None:
        config = SchemathesisConfig.from_dict(settings)
        schema = schemathesis.openapi.from_asgi(
            f"{mount.base_path}/openapi.json", app, config=config
        )
    elif base_url is not None:
        config = SchemathesisConfig.from_dict({**settings, "base-url": base_url.rstrip("/")})
        if Path(mount.spec).is_absolute():
            # A document served by the engine: the one OpenAPI 3.0 mapping the mock serves.
            schema = schemathesis.openapi.from_dict(load_spec(mount.spec), config=config)
        else:
            schema = schemathesis.openapi.from_path(spec_path(mount.spec), config=config)
    else:
        raise ValueError("give an app to check in-process or a base_url")
    report = Report(
        api=api,
        excluded_checks=excluded,
        valid_data_statuses=dict(checking.valid_data_statuses),
    )
    if read_only:
        report.skipped_writes = [
            operation.label
            for operation in _operations(schema)
            if operation.method.lower() not in ("get", "head", "options")
        ]
        schema = schema.include(method=["GET", "HEAD", "OPTIONS"])
    if operations:
        schema = schema.include(lambda ctx: _named(ctx.operation, operations))
    if skipped_operations:
        schema = schema.exclude(lambda ctx: _named(ctx.operation, skipped_operations))
    seen: set[tuple[str, str, str]] = set()
    credentials = {name.lower(): value for name, value in target.headers.items()}
    started = time.monotonic()
    stream = from_schema(schema).execute()
    for event in stream:
        if max_time is not None and not report.stopped and time.monotonic() - started > max_time:
            # The budget is spent: Schemathesis ends the phase under way and says Finished.
            report.stopped = f"stopped after the --max-time budget of {max_time} s"
            stream.stop()
        if isinstance(event, events.PhaseStarted):
            yield PhaseStarted(api, str(event.phase.name))
        elif isinstance(event, events.ScenarioFinished):
            if keep_exchanges:
                report.exchanges += _exchanges(event.recorder)
            yield _scenario(api, event, report, seen, credentials)
        elif isinstance(event, events.NonFatalError | events.FatalError):
            text = str(getattr(event, "info", event))
            report.errors.append(text)
            yield ErrorSeen(api, text)
    report.failures += _refused_everything(report)
    report.seconds = time.monotonic() - started
    yield RunFinished(report)


PHASES = ("examples", "coverage", "fuzzing", "stateful")


def _registered_checks() -> tuple[str, ...]:
    """Every check in Schemathesis' registry, by name: its OpenAPI checks (registered when their
    module loads) and ours (``contracts.documentchecks``, imported above), so that a check a
    Schemathesis release adds or renames is known here without a list to keep."""
    import schemathesis.specs.openapi.checks  # noqa: F401  (registers the OpenAPI checks)

    return tuple(sorted(CHECKS.get_all_names()))


ALL_CHECKS = _registered_checks()


def options_problem(
    api: str,
    *,
    phases: Sequence[str] | None = None,
    checks: Sequence[str] = (),
    operations: Sequence[str] = (),
    registry: Registry = BUILT_IN,
) -> str | None:
    """What is wrong with these narrowing options for ``api``, naming the known values."""
    for phase in phases or ():
        if phase not in PHASES:
            return f"no phase {phase!r}; the phases: {', '.join(PHASES)}"
    for name in checks:
        if name not in ALL_CHECKS:
            close = difflib.get_close_matches(name, ALL_CHECKS, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            return f"no check {name!r}{hint}; the checks: {', '.join(ALL_CHECKS)}"
    if operations:
        _, mount = registry.vendor_of(api)
        spec = load_spec(mount.spec)
        known = [
            (f"{method.upper()} {path}", operation.get("operationId", ""))
            for path, item in spec.get("paths", {}).items()
            for method, operation in item.items()
            if method in ("get", "put", "post", "delete", "patch")
        ]
        names = [label for label, _ in known] + [oid for _, oid in known if oid]
        for wanted in operations:
            if wanted not in names:
                close = difflib.get_close_matches(wanted, names, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                return f"{api} has no operation {wanted!r}{hint}"
    return None


def _named(operation: Any, names: Sequence[str]) -> bool:
    return operation.label in names or operation.definition.raw.get("operationId") in names


def _operations(schema: Any) -> list[Any]:
    return [result.ok() for result in schema.get_all_operations() if result.ok() is not None]


def _refused_everything(report: Report) -> list[Failure]:
    """A failure for each operation whose every credentialed request got 401 or 403."""
    found = []
    for operation, statuses in sorted(report.credentialed_statuses.items()):
        if statuses and set(statuses) <= {401, 403}:
            total = sum(statuses.values())
            found.append(
                Failure(
                    operation,
                    "authentication",
                    "Authentication failed",
                    f"All {total} requests that carried the credentials were answered "
                    f"{' or '.join(str(s) for s in sorted(statuses))}: the checks passed on "
                    "refusals alone. Check the credentials (and the role they have).",
                    "",
                    "all",
                )
            )
    return found


def run(api: str, **options: Any) -> Report:
    """``check`` without the live events: the report alone."""
    for event in check(api, **options):
        if isinstance(event, RunFinished):
            return event.report
    raise RuntimeError("the checker ended without a report")


def _scenario(
    api: str, event: events.ScenarioFinished, report: Report, seen: set, credentials: dict
) -> OperationChecked:
    recorder = event.recorder
    phase = str(event.phase)
    checked = failed = 0
    for case_id, interaction in recorder.interactions.items():
        node = recorder.cases.get(case_id)
        if node is None or interaction.response is None:
            continue
        sent = {k.lower(): v for k, v in interaction.request.headers.items()}
        if credentials and all(_sent(sent.get(k)) == v for k, v in credentials.items()):
            counted = report.credentialed_statuses.setdefault(node.value.operation.label, Counter())
            counted[interaction.response.status_code] += 1
    for case_id, checks in recorder.checks.items():
        checked += len(checks)
        node = recorder.cases.get(case_id)
        label = node.value.operation.label if node is not None else recorder.label
        for result in checks:
            report.outcomes[(label, result.name, result.failure_info is None)] += 1
            info = result.failure_info
            if info is None:
                continue
            failed += 1
            failure = info.failure
            operation = getattr(failure, "operation", None) or recorder.label
            key = (operation, result.name, failure.title)
            if key in seen:
                continue
            seen.add(key)
            report.failures.append(
                _explained(
                    Failure(
                        operation,
                        result.name,
                        failure.title,
                        failure.message,
                        info.code_sample,
                        phase,
                    ),
                    info,
                    recorder,
                    case_id,
                )
            )
    report.checks_by_phase[phase] += checked
    report.checks_by_operation[recorder.label] += checked
    report.seconds_by_operation[recorder.label] += event.elapsed_time
    return OperationChecked(api, phase, recorder.label, checked, failed, len(recorder.cases))


def _sent(value: Any) -> Any:
    # Schemathesis records a header as a list of its values.
    return value[0] if isinstance(value, list) and len(value) == 1 else value


def _explained(failure: Failure, info: Any, recorder: Any, case_id: str) -> Failure:
    """``failure`` with the answer it got, the schema detail, and its reproducing requests."""
    details: dict[str, Any] = {}
    interaction = recorder.interactions.get(case_id)
    response = interaction.response if interaction is not None else None
    if response is not None:
        content = response.content or b""
        details["status"] = response.status_code
        details["response_headers"] = tuple(
            (name, ", ".join(value) if isinstance(value, list) else str(value))
            for name, value in response.headers.items()
        )
        details["response_body"] = content.decode("utf-8", "replace")[:BODY_SHOWN]
    cause = info.failure
    if getattr(cause, "schema_path", None) is not None:
        details["schema_path"] = "/".join(str(part) for part in cause.schema_path)
        details["instance_path"] = "/".join(str(part) for part in cause.instance_path)
        details["value"] = json.dumps(cause.instance, default=str)[:200]
    steps = list(getattr(info, "steps", []) or [])
    details["steps"] = tuple(step.curl for step in steps)
    cases = [recorder.interactions.get(step.case_id) for step in steps] or [interaction]
    details["requests"] = tuple(_request(sent.request) for sent in cases if sent is not None)
    return dataclasses.replace(failure, **details)


def _request(request: Any) -> dict[str, Any]:
    headers = {
        name: value[0] if isinstance(value, list) and len(value) == 1 else value
        for name, value in dict(request.headers).items()
    }
    body = base64.b64encode(request.body).decode() if request.body else None
    return {"method": request.method, "url": request.uri, "headers": headers, "body": body}


def _exchanges(recorder: Any) -> list[dict[str, Any]]:
    """A scenario's requests and answers as plain data, oldest first."""
    found = []
    for interaction in sorted(recorder.interactions.values(), key=lambda i: i.timestamp):
        response = interaction.response
        answer = None
        if response is not None:
            answer = {
                "status": response.status_code,
                "headers": {
                    name: ", ".join(value) if isinstance(value, list) else str(value)
                    for name, value in response.headers.items()
                },
                "body": (response.content or b"").decode("utf-8", "replace"),
                "seconds": getattr(response, "elapsed", 0.0),
            }
        found.append(
            {
                "at": interaction.timestamp,
                "request": _request(interaction.request),
                "response": answer,
            }
        )
    return found
