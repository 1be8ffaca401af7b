"""``make contract-real``'s proxy pass: the scripted sequence sent through ``leadmock proxy`` to
the real server, the recording served again by the mock, and the proxy's drift compared with
``check``'s.

Three findings come out of it:

- the proxy's departures, classified by the vendor's known drift as ``check``'s are;
- replay disagreements: after the sequence, each lead and request the proxy saw is read through
  the proxy (the real server's last word) and from a mock serving the recording; the answers
  must be equal, ids and times aside (``agreement.normalize``);
- the proxy's departures set beside ``check``'s for the same operation and check: reported by
  both with the same kind, seen by both but classified otherwise (a failure: the proxy judges
  with ``check``'s own response checks and classifier), or provoked only by the client's
  requests.
"""

from __future__ import annotations

import base64
import contextlib
import json
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from starlette.testclient import TestClient

from contracts.drift import Drift
from mockserver import Config, create_app
from mockserver.vendorrecord import AcceptedCredentials
from realservers.tiledesk.agreement import Side, normalize, run_sequence
from realservers.tiledesk.server import Account

API = "tiledesk-v3"


@dataclass
class ProxyPass:
    """What the proxy pass found."""

    checks: int = 0
    departures: list[dict[str, Any]] = field(default_factory=list)
    replayed: int = 0
    replay_disagreements: list[str] = field(default_factory=list)
    shared: list[str] = field(default_factory=list)
    """Departures ``check`` reports too, for the same operation and check, of the same kind."""
    proxy_only: list[str] = field(default_factory=list)
    """Departures only the client's requests provoked (``check`` sends none like them)."""
    misclassified: list[str] = field(default_factory=list)
    """Departures both saw (same operation, check and title) but classified otherwise."""
    files: list[Path] = field(default_factory=list)

    def markdown(self) -> list[str]:
        """The drift report's section on the pass."""
        lines = ["## Proxy pass (the scripted sequence through `leadmock proxy`)", ""]
        lines.append(
            f"{self.checks} response checks; {len(self.departures)} departures; the recording "
            f"replayed {self.replayed} reads on the mock: "
            + ("**same answers**" if not self.replay_disagreements else "**DIFFERENT**")
            + " (ids and times aside)."
        )
        lines.append("")
        for item in self.departures:
            lines.append(
                f"- `{item['operation']}`: {item['check']}, {item['kind']}: {item['detail']}"
            )
        lines += [f"- replay: {text}" for text in self.replay_disagreements]
        lines += ["", f"Compared with `check` on the same operations and checks: "
                  f"{len(self.shared)} departures both report, of the same kind; "
                  f"{len(self.misclassified)} both saw but classified otherwise; "
                  f"{len(self.proxy_only)} only the client's requests provoked.", ""]  # fmt: skip
        lines += [f"- classified otherwise: {text}" for text in self.misclassified]
        lines += [f"- only through the proxy: {text}" for text in self.proxy_only]
        lines += ["", "Files: " + ", ".join(f"`{path}`" for path in self.files), ""]
        return lines

    @property
    def ok(self) -> bool:
        return (
            not self.replay_disagreements
            and not self.misclassified
            and all(item["kind"] != "unclassified" for item in self.departures)
        )


def run_proxy_pass(base_url: str, account: Account, out: Path, port: int) -> ProxyPass:
    """Send the sequence and the final reads through ``leadmock proxy`` on ``port``, then replay
    the reads on a mock serving the recording."""
    out.mkdir(parents=True, exist_ok=True)
    recording, drift = out / "proxy-recording.json", out / "proxy-drift.md"
    proxy_url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "proxy", API, "--upstream", base_url,
         "--port", str(port), "--record", str(recording), "--drift", str(drift), "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    found = ProxyPass(files=[recording, drift])
    try:
        _wait(proxy_url, process)
        with httpx.Client(base_url=proxy_url, timeout=30) as http:
            run_sequence(Side.of_real(http, account), uuid.uuid4().hex[:10])
            state = http.get("/__admin/recording").json()
            auth = (account.email, account.password)
            reads = _reads(state, account.project_id)
            real = [_answer(http.get(path, auth=auth)) for path in reads]
            report = http.get("/__admin/drift?format=json").json()
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=60)
    if process.returncode not in (0, 1):
        raise RuntimeError(f"leadmock proxy exited {process.returncode}: {output}")
    found.checks, found.departures = report["checks"], report["departures"]
    found.replayed = len(reads)
    found.replay_disagreements = _replay(json.loads(recording.read_text()), account, reads, real)
    return found


def compare_with_check(found: ProxyPass, check_drift: list[Drift]) -> None:
    """Sort the proxy's departures by what ``check`` reported for the same operation and check:
    the same departure of the same kind, the same departure classified otherwise, or none."""
    kinds = {(item.operation, item.check, item.title): item.kind for item in check_drift}
    reported = {(item.operation, item.check, item.kind) for item in check_drift}
    for item in found.departures:
        text = f"`{item['operation']}` {item['check']} ({item['kind']}): {item['detail']}"
        seen = kinds.get((item["operation"], item["check"], item["title"]))
        if (item["operation"], item["check"], item["kind"]) in reported:
            found.shared.append(text)
        elif seen is not None:
            found.misclassified.append(f"{text}; check says {seen}")
        else:
            found.proxy_only.append(text)


def _wait(url: str, process: subprocess.Popen) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError(f"leadmock proxy exited: {process.communicate()[0]}")
        try:
            if httpx.get(f"{url}/__admin/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("leadmock proxy did not answer its health probe within 30 s")


def _reads(state: dict[str, Any], project_id: str) -> list[str]:
    """The reads that show every recorded lead and request of the project."""
    reads = [f"/{project_id}/leads", f"/{project_id}/requests"]
    for entry in state["collections"]:
        if entry["scope"] != project_id:
            continue
        if entry["collection"] == "leads":
            reads += [f"/{project_id}/leads/{key}" for key in sorted(entry["documents"])]
        elif entry["collection"] == "requests":
            reads += [f"/{project_id}/requests/{key}" for key in sorted(entry["documents"])]
    return reads


def _answer(response: Any) -> tuple[int, Any]:
    try:
        return response.status_code, response.json()
    except ValueError:
        return response.status_code, response.text


def _replay(
    recorded: dict[str, Any], account: Account, reads: list[str], real: list[tuple[int, Any]]
) -> list[str]:
    mock = create_app(Config(validate_responses=True))
    mock.serve_recording(recorded, AcceptedCredentials(((account.email, account.password),)))
    known = {account.project_id: "<project>", account.user_id: "<user>"}
    disagreements = []
    with TestClient(mock) as client:
        auth = (account.email, account.password)
        for path, (status, body) in zip(reads, real, strict=True):
            ours_status, ours = _answer(client.get(f"/v3{path}", auth=auth))
            if ours_status != status or normalize(ours, known) != normalize(body, known):
                disagreements.append(
                    f"GET {path}: real {status} {json.dumps(body)[:300]}, "
                    f"replayed {ours_status} {json.dumps(ours)[:300]}"
                )
    return disagreements


@dataclass
class CheckReplay:
    """``check``'s departures on one API, their requests sent again through the proxy."""

    replayed: list[str] = field(default_factory=list)
    """Departures the proxy reported too, for the same operation and check, of the same kind."""
    otherwise: list[str] = field(default_factory=list)
    """Departures the proxy reported for the same operation and check but of another kind."""
    not_reproduced: list[str] = field(default_factory=list)
    """Requests that did not fail the same way again (the server's state had moved on)."""

    def markdown(self) -> list[str]:
        total = len(self.replayed) + len(self.otherwise) + len(self.not_reproduced)
        lines = [
            f"`check`'s {total} departures of {API} with a failing answer, their requests sent "
            f"again through the proxy: {len(self.replayed)} reported the same (operation, check "
            f"and kind), {len(self.otherwise)} classified otherwise, {len(self.not_reproduced)} "
            "not reproduced.",
            "",
        ]
        lines += [f"- classified otherwise: {text}" for text in self.otherwise]
        lines += [f"- not reproduced: {text}" for text in self.not_reproduced]
        return [*lines, ""] if self.otherwise or self.not_reproduced else lines

    @property
    def ok(self) -> bool:
        return not self.otherwise


def replay_check_failures(
    base_url: str, failures: list[Any], check_drift: list[Drift], port: int
) -> CheckReplay:
    """Send each failure's requests (``Failure.requests``, oldest first) through a proxy, one
    failure at a time, and compare what it reports with ``check``'s classification."""
    from contracts.answerchecks import RESPONSE_CHECKS

    proxy_url = f"http://127.0.0.1:{port}"
    judged = {c.__name__ for c in RESPONSE_CHECKS}
    kinds = {(d.operation, d.check, d.title): d.kind for d in check_drift}
    process = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "proxy", API, "--upstream", base_url,
         "--port", str(port), "--quiet", "--timeout", "10"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    found = CheckReplay()
    try:
        _wait(proxy_url, process)
        with httpx.Client(timeout=30) as http:
            for failure in failures:
                if failure.check not in judged or not failure.requests:
                    continue
                kind = kinds.get((failure.operation, failure.check, failure.title))
                # A drift log of this failure's requests alone.
                http.delete(f"{proxy_url}/__admin/drift")
                for request in failure.requests:
                    _send(http, request, base_url, proxy_url)
                departures = http.get(f"{proxy_url}/__admin/drift?format=json").json()
                seen = {
                    d["kind"]
                    for d in departures["departures"]
                    if (d["operation"], d["check"]) == (failure.operation, failure.check)
                }
                text = f"`{failure.operation}` {failure.check} ({kind}): {failure.title}"
                if kind in seen:
                    found.replayed.append(text)
                elif seen:
                    found.otherwise.append(f"{text}; the proxy says {', '.join(sorted(seen))}")
                else:
                    found.not_reproduced.append(text)
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=60)
    return found


def _send(http: httpx.Client, request: dict[str, Any], base_url: str, proxy_url: str) -> None:
    url = request["url"].replace(base_url.rstrip("/"), proxy_url, 1)
    headers = {k: v if isinstance(v, str) else ", ".join(v) for k, v in request["headers"].items()}
    body = base64.b64decode(request["body"]) if request["body"] else None
    # A request the server never answers gets the proxy's 504, journalled there.
    with contextlib.suppress(httpx.HTTPError):
        http.request(request["method"], url, headers=headers, content=body)
