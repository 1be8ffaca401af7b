"""``make contract-real``: the Tiledesk specs checked against a real tiledesk-server.

Installs the server (cached), starts it with its database on loopback, signs a user up and gives
it a project, runs the scripted CRUD sequence against it and against the mock, sends it again
through ``leadmock proxy`` and replays the recording on the mock (``proxy_pass``), runs
``leadmock check`` for each Tiledesk spec, stops everything, and writes the drift report:
Markdown (also printed) and JUnit. Exits 1 when a departure is unclassified, the sequence
disagrees or the proxy pass finds a difference, 2 when the server cannot run here.

    python -m realservers.tiledesk.against_real [--max-examples N] [--stateful-steps N] [--out DIR]
"""

from __future__ import annotations

import argparse
import socket
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path

import httpx
from starlette.testclient import TestClient

from contracts.drift import Drift, find_drift, observed_in_spec, render_markdown
from contracts.junit import write_drift_junit
from contracts.runner import OperationChecked, Report, RunFinished, check
from mockserver import Config, create_app
from mockserver.specfiles import load_spec
from mockserver.vendorrecord import Credentials
from mockserver.vendors import vendor_of
from realservers.tiledesk.agreement import Side, compare, mock_only_fields, run_sequence
from realservers.tiledesk.proxy_pass import API as PROXIED_API
from realservers.tiledesk.proxy_pass import (
    compare_with_check,
    replay_check_failures,
    run_proxy_pass,
)
from realservers.tiledesk.server import (
    DEFAULT_CACHE,
    SERVER_VERSION,
    Account,
    Unavailable,
    install,
    running,
)

APIS = ("tiledesk-v1", "tiledesk-v2", "tiledesk-v3")


def main(argv: Sequence[str] | None = None) -> int:
    """Run it all; the exit status says whether every departure is explained."""
    parser = argparse.ArgumentParser(prog="contract-real", description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="install folder")
    parser.add_argument("--out", type=Path, default=Path("reports") / "real-tiledesk")
    parser.add_argument("--max-examples", type=int, default=10, help="examples a phase")
    parser.add_argument("--stateful-steps", type=int, default=10, help="steps a sequence")
    parser.add_argument("--seed", type=int, default=0, help="generation seed")
    args = parser.parse_args(argv)
    try:
        print(f"Installing tiledesk-server into {args.cache} (reused when present)...", flush=True)
        installation = install(args.cache)
        with running(installation, args.out / "logs") as server:
            print(f"tiledesk-server at {server.base_url}; logs in {args.out / 'logs'}", flush=True)
            account = server.provision()
            print(f"user {account.email}, project {account.project_id}", flush=True)
            # The sequence first, on a project that fuzzing has not filled yet.
            agreement, mock_only = _agreement(server.base_url, account)
            print("Proxy pass: the sequence through leadmock proxy...", flush=True)
            proxied = run_proxy_pass(server.base_url, account, args.out, free_port())
            reports = [_check(api, server.base_url, account, args) for api in APIS]
            print("Proxy pass: check's failing requests through leadmock proxy...", flush=True)
            proxied_report = next(r for r in reports if r.api == PROXIED_API)
            vendor, _ = vendor_of(PROXIED_API)
            replayed = replay_check_failures(
                server.base_url,
                proxied_report.failures,
                find_drift(proxied_report, vendor.checking().known_drift),
                free_port(),
            )
    except Unavailable as exc:
        print(f"contract-real: the real server cannot run here: {exc}", file=sys.stderr)
        return 2
    drift: list[Drift] = []
    for report in reports:
        vendor, _ = vendor_of(report.api)
        drift += find_drift(report, vendor.checking().known_drift)
    compare_with_check(proxied, [item for item in drift if item.api == PROXIED_API])
    observed = {api: list(observed_in_spec(load_spec(vendor_of(api)[1].spec))) for api in APIS}
    markdown = render_markdown(
        reports,
        drift,
        target=f"tiledesk-server {SERVER_VERSION}",
        observed=observed,
        agreement=agreement,
        mock_only=mock_only,
    )
    markdown += "\n" + "\n".join([*proxied.markdown(), *replayed.markdown()])
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "drift.md").write_text(markdown)
    write_drift_junit(reports, drift, args.out / "drift.xml")
    print(markdown)
    print(f"\nDrift report: {args.out / 'drift.md'} and {args.out / 'drift.xml'}")
    unexplained = [item for item in drift if item.known is None]
    return 1 if unexplained or agreement or not proxied.ok or not replayed.ok else 0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _check(api: str, base_url: str, account: Account, args: argparse.Namespace) -> Report:
    vendor, _ = vendor_of(api)
    target = vendor.checking().remote_target(
        base_url,
        Credentials(token=account.token, parameters={"path.project_id": account.project_id}),
    )
    print(f"{api}: checking {base_url}", flush=True)
    report = None
    for event in check(
        api,
        target=target,
        base_url=base_url,
        max_examples=args.max_examples,
        stateful_steps=args.stateful_steps,
        seed=args.seed,
    ):
        if isinstance(event, OperationChecked) and event.phase != "stateful":
            verdict = f"{event.failures} failed" if event.failures else "ok"
            print(f"  {event.phase:<9} {event.operation:<36} {event.checks:>5} checks  {verdict}")
        elif isinstance(event, RunFinished):
            report = event.report
    assert report is not None
    return report


def _agreement(base_url: str, account: Account) -> tuple[list[str], list[str]]:
    """The scripted sequence on the real server and on a fresh mock: the steps that differ,
    and the requests' fields only the mock sends."""
    run_id = uuid.uuid4().hex[:10]
    with httpx.Client(base_url=base_url, timeout=30) as http:
        real = run_sequence(Side.of_real(http, account), run_id)
    mock = create_app(Config(validate_responses=True))
    with TestClient(mock) as client:
        ours = run_sequence(Side.of_mock(client, mock.facts["tiledesk"]), run_id)
    disagreements = [disagreement.describe() for disagreement in compare(ours, real)]
    return disagreements, mock_only_fields(ours, real)


if __name__ == "__main__":
    sys.exit(main())
