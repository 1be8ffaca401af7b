"""jemalloc against CPython's allocator, paired: throughput and memory after the load.

``leadmock serve`` starts itself again on jemalloc when the system has it
(``mockserver.memory``); this measures what that costs and what it returns. Both servers run
at once, idle but for the one measured; every scenario is measured A, B, B, A (wrk, as
``run.py`` measures it), so a drift of the machine falls on both alike.

    python tests/bench/allocator.py [--seconds 3]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import (
    BASIC,
    ROOT,
    allocator_of,
    crm_login,
    free_port,
    leadmock_command,
    measure,
    rss_mb,
    scenarios,
    server,
)

SIDES = {"jemalloc": {}, "pymalloc": {"LEADMOCK_ALLOCATOR": "python"}}


def start(stack: contextlib.ExitStack, project: str, environment: dict[str, str]) -> Any:
    """A ``leadmock serve`` with ``environment`` added to this one's; its base URL and process."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    ready = f"{base_url}/v3/{project}/leads/5c81593adf767b0017d1aa66"
    saved = dict(os.environ)
    os.environ.update(environment)
    try:
        process, _ = stack.enter_context(
            server(leadmock_command(port), ready, {"Authorization": BASIC})
        )
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return base_url, process


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=3, help="wrk duration per measurement")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from mockserver import Config, create_app

    facts = create_app(Config()).facts
    project = facts["tiledesk"]["projects"][0]["id"]
    load = (args.seconds, 2, 32)
    with contextlib.ExitStack() as stack:
        sides = {name: start(stack, project, env) for name, env in SIDES.items()}
        for name, (_, process) in sides.items():
            print(f"{name}: on {allocator_of(process.pid)}, {rss_mb(process.pid):.0f} MB at start")
        cases = {name: scenarios(facts, crm_login(url, facts)) for name, (url, _) in sides.items()}
        totals = dict.fromkeys(sides, 0.0)
        print(f"\n{'api':<12} {'scenario':<13} {'jemalloc':>9} {'pymalloc':>9}  ratio")
        for index, case in enumerate(cases["jemalloc"]):
            rates: dict[str, list[float]] = {name: [] for name in sides}
            for name in ("jemalloc", "pymalloc", "pymalloc", "jemalloc"):
                url, _ = sides[name]
                rates[name].append(measure(url, cases[name][index], load).rps)
                if case.method == "POST":
                    httpx.post(f"{url}/__admin/reset").raise_for_status()
            mine, theirs = (sum(rates[name]) / 2 for name in sides)
            totals["jemalloc"] += mine
            totals["pymalloc"] += theirs
            figures = f"{mine:>9.0f} {theirs:>9.0f}  {mine / theirs:.3f}"
            print(f"{case.api:<12} {case.name:<13} {figures}", flush=True)
        print(
            f"\nall scenarios: jemalloc x{totals['jemalloc'] / totals['pymalloc']:.3f} of pymalloc"
        )
        time.sleep(0.5)
        for name, (_, process) in sides.items():
            print(
                f"{name}: {rss_mb(process.pid):.0f} MB after the load (a reset after each create)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
