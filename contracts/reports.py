"""The run's other reports: a Markdown summary and a HAR file of every exchange (the JUnit
report is ``contracts.junit``). The HAR file shows no secret: each exchange's credentials,
secret query parameters and fields, in the request and in the answer, are redacted
(``mockserver.redaction``)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from contracts.runner import Report
from mockserver.redaction import Redactor, SecretNames


def write_markdown(reports: list[Report], path: str | Path) -> None:
    """Per API: checks and time, exclusions with reasons, and each failure with its id."""
    lines = ["# leadmock check", ""]
    for report in reports:
        verdict = "passed" if report.ok else f"**{len(report.failures)} failures**"
        total = sum(report.checks_by_phase.values())
        lines += [f"## {report.api}: {verdict}", ""]
        lines += [
            f"{total} checks over {len(report.checks_by_operation)} operations in "
            f"{report.seconds:.1f} s.",
            "",
        ]
        if report.stopped:
            lines += [f"The run {report.stopped}.", ""]
        lines += ["| operation | checks | seconds |", "| --- | ---: | ---: |"]
        for operation, checks in sorted(report.checks_by_operation.items()):
            seconds = report.seconds_by_operation[operation]
            lines.append(f"| `{operation}` | {checks} | {seconds:.1f} |")
        lines.append("")
        for name, reason in sorted(report.excluded_checks.items()):
            lines.append(f"- excluded check `{name}`: {reason}")
        for operation in report.skipped_writes:
            lines.append(f"- not sent (--read-only): `{operation}`")
        if report.excluded_checks or report.skipped_writes:
            lines.append("")
        for failure in report.failures:
            lines += [f"### [{failure.id}] `{failure.operation}`: {failure.check}", ""]
            lines += [f"{failure.title} ({failure.phase}).", "", "```", failure.message.strip()]
            lines += ["```", ""]
            if failure.status is not None:
                lines += [f"Answered {failure.status}: `{failure.response_body[:300]}`", ""]
            if failure.curl:
                lines += ["```sh", *(failure.steps or (failure.curl,)), "```", ""]
        for error in report.errors:
            lines += [f"- error: {error.splitlines()[0]}"]
    Path(path).write_text("\n".join(lines) + "\n")


def write_har(
    reports: list[Report],
    path: str | Path,
    secrets_of: Callable[[str], SecretNames] | None = None,
) -> None:
    """Every exchange the runs kept, as an HTTP Archive (HAR 1.2) that browsers and proxies
    read, its secrets redacted (``secrets_of(api)``: what each API's spec designates)."""
    entries = []
    for report in reports:
        names = secrets_of(report.api) if secrets_of is not None else SecretNames()
        for exchange in report.exchanges:
            entries.append(_entry(exchange, Redactor(names)))
    har = {
        "log": {
            "version": "1.2",
            "creator": {"name": "leadmock check", "version": "1"},
            "entries": entries,
        }
    }
    Path(path).write_text(json.dumps(har, indent=1))


def _entry(exchange: dict, redactor: Redactor) -> dict:
    request, response = exchange["request"], exchange["response"] or {}
    raw = base64.b64decode(request["body"]) if request["body"] else b""
    headers = redactor.headers({k: str(v) for k, v in request["headers"].items()})
    kind = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    body = redactor.body(raw, kind).decode("utf-8", "replace")
    url = urlsplit(request["url"])
    sent = {
        "method": request["method"],
        "url": urlunsplit(url._replace(query=redactor.query(url.query))),
        "httpVersion": "HTTP/1.1",
        "headers": [{"name": k, "value": v} for k, v in headers.items()],
        "queryString": [],
        "cookies": [],
        "headersSize": -1,
        "bodySize": len(body.encode()),
    }
    if body:
        sent["postData"] = {"mimeType": kind, "text": body}
    status = response.get("status", 0)
    answer_headers = redactor.headers(response.get("headers", {}))
    answer_kind = next((v for k, v in answer_headers.items() if k.lower() == "content-type"), "")
    text = redactor.body(response.get("body", "").encode(), answer_kind).decode("utf-8", "replace")
    seconds = response.get("seconds") or 0.0
    return {
        "startedDateTime": datetime.fromtimestamp(exchange["at"], UTC).isoformat(),
        "time": seconds * 1000,
        "request": sent,
        "response": {
            "status": status,
            "statusText": HTTPStatus(status).phrase
            if status in HTTPStatus._value2member_map_
            else "",
            "httpVersion": "HTTP/1.1",
            "headers": [{"name": k, "value": v} for k, v in answer_headers.items()],
            "cookies": [],
            "content": {"size": len(text.encode()), "mimeType": answer_kind, "text": text},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": len(text.encode()),
        },
        "cache": {},
        "timings": {"send": 0, "wait": seconds * 1000, "receive": 0},
    }
