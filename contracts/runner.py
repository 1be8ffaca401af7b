"""Drive Schemathesis over one API's spec and collect what failed.

Stateless phases (examples, coverage, fuzzing) and the stateful phase over the spec's links run
with every Schemathesis check but those the vendor excludes, each exclusion with its reason
(``Vendor.excluded_checks``). The target is the mock in-process (an ASGI app, no port) or any
base URL.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema

from mockserver.app import spec_path
from mockserver.vendors import CheckTarget, vendor_of


@dataclass(frozen=True)
class Failure:
    """One check that failed on one operation, with a curl command that reproduces it."""

    operation: str
    check: str
    title: str
    message: str
    curl: str


@dataclass
class Report:
    """The outcome of one run over one API."""

    api: str
    failures: list[Failure] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    excluded_checks: dict[str, str] = field(default_factory=dict)
    checks_by_phase: Counter[str] = field(default_factory=Counter)
    """How many check results each phase produced (examples, coverage, fuzzing, stateful)."""

    @property
    def ok(self) -> bool:
        """True when nothing failed and nothing broke."""
        return not self.failures and not self.errors


def run(
    api: str,
    *,
    target: CheckTarget,
    app: Any = None,
    base_url: str | None = None,
    max_examples: int = 10,
    stateful_steps: int = 20,
    seed: int = 0,
) -> Report:
    """Check ``api`` (e.g. ``tiledesk-v3``) in-process on ``app``, or over HTTP at ``base_url``."""
    vendor, mount = vendor_of(api)
    excluded = dict(vendor.excluded_checks)
    settings: dict[str, Any] = {
        "seed": seed,
        "headers": dict(target.headers),
        "parameters": dict(target.parameters),
        # No example database: a run is reproduced by its seed alone, not by earlier runs.
        "generation": {"max-examples": max_examples, "database": "none"},
        "checks": {"enabled": True, **{name: {"enabled": False} for name in excluded}},
        "phases": {"stateful": {"enabled": True, "max-steps": stateful_steps}},
    }
    if app is not None:
        config = SchemathesisConfig.from_dict(settings)
        schema = schemathesis.openapi.from_asgi(
            f"{mount.base_path}/openapi.json", app, config=config
        )
    elif base_url is not None:
        config = SchemathesisConfig.from_dict({**settings, "base-url": base_url.rstrip("/")})
        schema = schemathesis.openapi.from_path(spec_path(mount.spec), config=config)
    else:
        raise ValueError("give an app to check in-process or a base_url")
    report = Report(api=api, excluded_checks=excluded)
    seen: set[tuple[str, str, str]] = set()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            _collect(event, report, seen)
        elif isinstance(event, events.NonFatalError | events.FatalError):
            report.errors.append(str(getattr(event, "info", event)))
    return report


def _collect(event: events.ScenarioFinished, report: Report, seen: set) -> None:
    recorder = event.recorder
    for checks in recorder.checks.values():
        report.checks_by_phase[str(event.phase)] += len(checks)
        for check in checks:
            info = check.failure_info
            if info is None:
                continue
            failure = info.failure
            operation = getattr(failure, "operation", None) or recorder.label
            key = (operation, check.name, failure.title)
            if key in seen:
                continue
            seen.add(key)
            report.failures.append(
                Failure(operation, check.name, failure.title, failure.message, info.code_sample)
            )
