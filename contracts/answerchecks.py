"""The proxy's verdict on an answer it did not ask for, and the drift log it adds up to.

``AnswerChecks`` runs Schemathesis' own response checks (those ``leadmock check`` runs that judge
an answer alone) on a request the proxy routed and the upstream's answer, and gives each failure
as a ``check`` report's ``Failure`` reads; ``DriftLog`` keeps them as the ``Report`` a drift
report (``contracts.drift``) is written from, classified by the vendor's known drift.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from contracts.documentchecks import refusal_or_documented_status
from contracts.drift import find_drift, render_markdown
from contracts.junit import drift_junit_text
from contracts.requestcheck import Judged
from contracts.runner import Failure, Report
from mockserver.specfiles import load_spec, spec_path
from mockserver.vendorrecord import Vendor

PROXY_PHASE = "proxy"
"""The phase name a proxy's checks are counted under in a drift report."""
RESPONSE_CHECKS = (
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
)
"""Schemathesis' checks that judge an answer alone (the others send requests of their own)."""
# Left out of a reproducing curl: every client sends its own; host and framing are the proxy's.
_NOT_REPRODUCED = {"host", "content-length", "connection", "transfer-encoding", "user-agent",
                   "accept-encoding", "accept"}  # fmt: skip


class AnswerChecks:
    """Schemathesis' response checks over one spec, for answers it did not ask for."""

    def __init__(self, spec: str, upstream: str, excluded: dict[str, str]) -> None:
        if Path(spec).is_absolute():
            # A document served by the engine: the OpenAPI 3.0 mapping it is bundled into.
            self.schema = schemathesis.openapi.from_dict(load_spec(spec))
        else:
            self.schema = schemathesis.openapi.from_path(spec_path(spec))
        self.upstream = upstream
        self.checks = [c for c in RESPONSE_CHECKS if c.__name__ not in excluded]
        if "status_code_conformance" in excluded and Path(spec).is_absolute():
            self.checks.append(refusal_or_documented_status)

    def case(self, judged: Judged, query: list, headers: dict, body: bytes) -> Any:
        """The Schemathesis case of a routed request."""
        assert judged.operation is not None
        operation = self.schema[judged.operation.template][judged.operation.method]
        kwargs: dict[str, Any] = {}
        if body:
            media = headers.get("content-type", "application/json").split(";")[0]
            try:
                kwargs["body"] = json.loads(body) if media.endswith("json") else body
            except ValueError:
                kwargs["body"] = body
            kwargs["media_type"] = media
        return operation.Case(
            path_parameters=judged.path_parameters,
            query=dict(query),
            headers={k: v for k, v in headers.items() if k not in _NOT_REPRODUCED},
            **kwargs,
        )

    def curl(self, judged: Judged, query: list, headers: dict, body: bytes) -> str:
        """The request as Schemathesis writes it to reproduce (credentials filtered)."""
        if judged.operation is None:
            return ""
        case = self.case(judged, query, headers, body)
        try:
            return case.as_curl_command(base_url=self.upstream)
        except Exception:
            return ""

    def judge(
        self, judged: Judged, query: list, headers: dict, body: bytes, answer: httpx.Response
    ) -> list[Failure]:
        """Each check the answer fails, as a ``check`` report's failures read."""
        failures: list[Failure] = []
        if judged.operation is None:
            return failures
        case = self.case(judged, query, headers, body)
        curl = self.curl(judged, query, headers, body)
        label = judged.operation.label
        for check in self.checks:
            try:
                case.validate_response(answer, checks=[check])
            except FailureGroup as group:
                for failure in group.exceptions:
                    failures.append(_failure(label, check.__name__, failure, curl, answer))
        if judged.problems and answer.status_code < 400:
            message = "\n".join(judged.problems) + f"\n\nReceived: {answer.status_code}"
            failures.append(
                Failure(
                    label,
                    "negative_data_rejection",
                    "Schema-violating request accepted",
                    message,
                    curl,
                    PROXY_PHASE,
                    status=answer.status_code,
                )
            )
        return failures

    @property
    def names(self) -> list[str]:
        return [check.__name__ for check in self.checks]


def _failure(label: str, check: str, failure: Any, curl: str, answer: httpx.Response) -> Failure:
    return Failure(
        label,
        check,
        failure.title,
        failure.message,
        curl,
        PROXY_PHASE,
        status=answer.status_code,
        response_body=answer.content.decode("utf-8", "replace")[:500],
    )


class DriftLog:
    """What the proxy saw, as the ``Report`` a drift report is written from."""

    def __init__(self, api: str, vendor: Vendor, observed: list[tuple[str, str]]) -> None:
        self.vendor = vendor
        self.observed = observed
        self._report = Report(api=api, excluded_checks=dict(vendor.checking().excluded_checks))
        self._seen: set[tuple[str, str, str, str]] = set()

    def add(self, judged: Judged, failures: list[Failure], status: int) -> None:
        if judged.operation is None:
            return
        label = judged.operation.label
        failed = {failure.check for failure in failures}
        report = self._report
        for name in [
            c.__name__ for c in RESPONSE_CHECKS if c.__name__ not in report.excluded_checks
        ]:
            report.outcomes[(label, name, name not in failed)] += 1
            report.checks_by_phase[PROXY_PHASE] += 1
            report.checks_by_operation[label] += 1
        if "negative_data_rejection" in failed:
            report.outcomes[(label, "negative_data_rejection", False)] += 1
        for failure in failures:
            key = (label, failure.check, failure.title, first_line(failure.message))
            if key not in self._seen:
                self._seen.add(key)
                report.failures.append(failure)

    def add_error(self, judged: Judged, reason: str, curl: str) -> None:
        label = judged.operation.label if judged.operation else "?"
        self._report.errors.append(f"{reason} ({label})\n\nReproduce with:\n\n    {curl}")

    def report(self) -> Report:
        return self._report

    def markdown(self, target: str) -> str:
        """The drift report as ``make contract-real`` writes it."""
        report = self._report
        drift = find_drift(report, self.vendor.checking().known_drift)
        return render_markdown([report], drift, target=target, observed={report.api: self.observed})

    def to_dict(self) -> dict[str, Any]:
        """The checks run and each departure, classified, as JSON."""
        report = self._report
        drift = find_drift(report, self.vendor.checking().known_drift)
        return {
            "api": report.api,
            "checks": sum(report.checks_by_phase.values()),
            "departures": [
                {
                    "operation": item.operation,
                    "check": item.check,
                    "title": item.title,
                    "kind": item.kind,
                    "detail": first_line(item.detail),
                    "reproduce": item.reproduce,
                }
                for item in drift
            ],
        }

    def junit(self) -> str:
        report = self._report
        return drift_junit_text([report], find_drift(report, self.vendor.checking().known_drift))


def first_line(text: str) -> str:
    """The first line of ``text`` that is not blank, stripped."""
    return next((line.strip() for line in text.splitlines() if line.strip()), "")
