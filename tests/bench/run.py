"""``make bench``: leadmock's speed, start-up and scale, beside baselines measured in the same run.

The same requests from wrk (a native load generator in its own process) go to leadmock
(``leadmock serve``, request validation on, as users run it), to a bare Starlette app on the
same uvicorn stack replaying the mock's recorded answers (the floor), to a bare ASGI function
replaying them (the server's own cost: ``server``), and, when Node and Java are present, to Prism
serving the same spec from its examples with logging silenced and WireMock serving stubs made
from them. Then start-up (process
launch and fixture start to the first 200, resident memory) and scale (1,000 to 1,000,000 leads
in a Tiledesk project: seeding time, memory per lead, p99 of get by id, an email filter, a sort
and a deep page). Prints tables and writes ``reports/bench.json``.

    python tests/bench/run.py [--seconds 5] [--scale 1000,100000,1000000] [--skip-prism]
"""

from __future__ import annotations

import argparse
import base64
import itertools
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field, replace
from importlib.metadata import version as importlib_metadata_version
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import peers
from charts import write_charts
from peers import prism_command

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
TILEDESK_USER = ("andrea.leo@f21.it", "123456")
BASIC = "Basic " + base64.b64encode(":".join(TILEDESK_USER).encode()).decode()


@dataclass
class Scenario:
    """One benchmarked request; ``{n}`` in the body becomes a number unique to each request."""

    api: str
    name: str
    method: str
    path: str
    headers: dict[str, str]
    body: str | None = None


@dataclass
class Figure:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


@dataclass
class Row:
    api: str
    scenario: str
    figures: dict[str, Figure] = field(default_factory=dict)


# -- servers ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB."""
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for each in pids:
        for line in Path(f"/proc/{each}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def allocator_of(pid: int) -> str:
    """What serves a process's objects: jemalloc (``leadmock serve`` chooses it when the
    system has it) or CPython's own."""
    return "jemalloc" if "libjemalloc" in Path(f"/proc/{pid}/maps").read_text() else "pymalloc"


@contextmanager
def server(
    command: list[str], ready: str, headers: dict[str, str], tree: Path = ROOT
) -> Iterator[tuple[subprocess.Popen, float]]:
    """Run ``command`` in ``tree`` (its modules first on the path) until the block ends; yields
    the process and its seconds to a 200."""
    started = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(tree)} if tree != ROOT else None
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tree, env=env
    )
    try:
        deadline = started + 1800
        while True:
            try:
                if httpx.get(ready, headers=headers, timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.perf_counter() > deadline:
                raise RuntimeError(f"{command[:4]} did not answer 200 at {ready}")
            time.sleep(0.01)
        yield process, time.perf_counter() - started
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def leadmock_command(port: int, *extra: str, request_log: bool = False) -> list[str]:
    """``leadmock serve`` as the bench runs it: without the request log (the engine's figures,
    ``--quiet``) unless ``request_log`` is asked for."""
    return [
        PYTHON,
        "-m",
        "mockserver",
        "serve",
        "--port",
        str(port),
        "--log-level",
        "error",
        *([] if request_log else ["--quiet"]),
        *extra,
    ]


# -- load -------------------------------------------------------------------------------

_LUA = """
wrk.method = {method}
wrk.headers = {headers}
local template = {body}
local counter = 0
-- A global: setup() sets it in each thread's own state, after this chunk ran there.
thread_id = 0
local next_thread = 0
function setup(thread)
  thread:set("thread_id", next_thread)
  next_thread = next_thread + 1
end
request = function()
  if template == nil then return wrk.format() end
  counter = counter + 1
  local n = tostring(thread_id) .. "x" .. tostring(counter)
  return wrk.format(nil, nil, nil, (string.gsub(template, "{{n}}", n)))
end
"""


_RUN_IDS = itertools.count(1)


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def wrk(base_url: str, scenario: Scenario, seconds: int, threads: int, connections: int) -> Figure:
    """Run wrk on one scenario; throughput, p50/p99 and the count of non-2xx answers."""
    headers = (
        "{"
        + ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in scenario.headers.items())
        + "}"
    )
    # Each run numbers its bodies apart (warm-up and measured runs create distinct leads).
    run = next(_RUN_IDS)
    numbered = scenario.body.replace("{n}", f"r{run}x{{{{n}}}}") if scenario.body else None
    body = _lua_string(numbered) if numbered else "nil"
    script = _LUA.format(method=_lua_string(scenario.method), headers=headers, body=body)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        out = subprocess.run(
            [
                "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{seconds}s",
                "--latency",
                "--timeout",
                "30s",
                "-s",
                handle.name,
                base_url + scenario.path,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(handle.name)
    try:
        return _parse_wrk(out)
    except (AttributeError, KeyError) as exc:
        raise RuntimeError(f"unreadable wrk output for {scenario.path}:\n{out}") from exc


def measure(base_url: str, scenario: Scenario, load: tuple[int, int, int]) -> Figure:
    """One second of load not counted (the JVM and caches warm up), then the measured run."""
    wrk(base_url, scenario, 1, *load[1:])
    return wrk(base_url, scenario, *load)


def _duration_ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def _parse_wrk(out: str) -> Figure:
    percentiles = dict(re.findall(r"^\s+(\d+)%\s+(\S+)\s*$", out, re.MULTILINE))
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    errors = int(non_2xx.group(1)) if non_2xx else 0
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return Figure(
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        p50_ms=_duration_ms(percentiles["50"]),
        p99_ms=_duration_ms(percentiles["99"]),
        requests=requests,
        errors=errors,
    )


# -- what is measured ---------------------------------------------------------------------


def scenarios(facts: dict[str, Any], crm_token: str) -> list[Scenario]:
    """Get by id, list (first page, filter, sort) and create, for every API."""
    project = facts["tiledesk"]["projects"][0]["id"]
    found: list[Scenario] = []
    tiledesk = {"Authorization": BASIC}
    json_type = {"Content-Type": "application/json"}
    for version in ("v1", "v2", "v3"):
        api, leads = f"tiledesk-{version}", f"/{version}/{project}/leads"
        found += [
            Scenario(api, "get by id", "GET", f"{leads}/5c81593adf767b0017d1aa66", tiledesk),
            Scenario(api, "list", "GET", leads, tiledesk),
            Scenario(api, "list, filter", "GET", f"{leads}?email=andrea.leo@f21.it", tiledesk),
            Scenario(api, "list, sort", "GET", f"{leads}?sortField=fullname&direction=1", tiledesk),
            Scenario(
                api,
                "create",
                "POST",
                leads,
                {**tiledesk, **json_type},
                '{"fullname": "Bench {n}", "lead_id": "bench-{n}",'
                ' "email": "bench{n}@example.com"}',
            ),
        ]
    key = {"Authorization": facts["overloop"]["api_key"]}
    overloop = "/public/v1/leads"
    found += [
        Scenario("overloop", "get by id", "GET", f"{overloop}/1", key),
        Scenario("overloop", "list", "GET", overloop, key),
        Scenario("overloop", "list, filter", "GET", f"{overloop}?filter=first_name:Vincenzo", key),
        Scenario("overloop", "list, sort", "GET", f"{overloop}?sort=-created_at", key),
        Scenario(
            "overloop",
            "create",
            "POST",
            overloop,
            {**key, "Content-Type": "application/vnd.api+json"},
            '{"data": {"type": "leads", "attributes": {"email": "bench{n}@example.com"}}}',
        ),
    ]
    crm = {"apikey": facts["leads-crm"]["api_key"], "Authorization": f"Bearer {crm_token}"}
    base = facts["leads-crm"]["base_path"]
    found += [
        Scenario("leads-crm", "get by id", "GET", f"{base}/leads/view/lead/?slug=binuser1", crm),
        Scenario("leads-crm", "list", "GET", f"{base}/leads/list/", crm),
        Scenario("leads-crm", "list, filter", "GET", f"{base}/leads/list/?status=prospect", crm),
        Scenario(
            "leads-crm",
            "create",
            "POST",
            f"{base}/leads/create/lead/",
            {**crm, **json_type},
            '{"first_name": "Bench", "last_name": "Lead", "email": "bench{n}@example.com",'
            ' "phone": "9876543210", "location": "Kochi", "message": "m", "assignee": "apiuser2"}',
        ),
    ]
    return found


def crm_login(base_url: str, facts: dict[str, Any]) -> str:
    crm = facts["leads-crm"]
    user = crm["users"][0]
    answer = httpx.post(
        f"{base_url}{crm['base_path']}/user/login/",
        headers={"apikey": crm["api_key"]},
        data={"username": user["username"], "password": user["password"]},
    )
    return answer.json()["access"]


def record(base_url: str, cases: list[Scenario]) -> dict[str, dict[str, Any]]:
    """Each scenario's answer from the mock, for the baseline to replay."""
    answers = {}
    for case in cases:
        body = case.body.replace("{n}", "recorded") if case.body else None
        answer = httpx.request(
            case.method, base_url + case.path, headers=case.headers, content=body
        )
        answers[f"{case.method} {case.path}"] = {
            "status": answer.status_code,
            "type": answer.headers.get("content-type", "application/json"),
            "body": answer.text,
        }
    return answers


PRISM_SPECS = {
    "tiledesk-v1": "tiledesk-v1.yaml",
    "tiledesk-v2": "tiledesk-v2.yaml",
    "tiledesk-v3": "tiledesk-v3.yaml",
    "overloop": "overloop.yaml",
    "leads-crm": "leads-crm.yaml",
}


def prism_path(case: Scenario, facts: dict[str, Any]) -> str:
    """Prism routes on the spec's paths, without the base path the mock serves them under."""
    prefix = re.match(r"^/(v1|v2|v3|public/v1)(?=/)", case.path)
    if case.api == "leads-crm":
        return case.path.removeprefix(facts["leads-crm"]["base_path"])
    return case.path[prefix.end() :] if prefix else case.path


def throughput(args: argparse.Namespace, facts: dict[str, Any], report: dict[str, Any]) -> None:
    rows: dict[tuple[str, str], Row] = {}
    load = (args.seconds, args.threads, args.connections)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    ready = f"{base_url}/v3/{facts['tiledesk']['projects'][0]['id']}/leads/5c81593adf767b0017d1aa66"
    with server(leadmock_command(port), ready, {"Authorization": BASIC}) as (process, _):
        cases = scenarios(facts, crm_login(base_url, facts))
        answers = record(base_url, cases)
        report["rss_mb"] = {"leadmock": rss_mb(process.pid)}
        report["allocator"] = allocator_of(process.pid)
        for case in cases:
            row = rows.setdefault((case.api, case.name), Row(case.api, case.name))
            row.figures["leadmock"] = measure(base_url, case, load)
            if case.method == "POST":
                # Back to the seed, so the next API's lists are as long as this one's were.
                httpx.post(f"{base_url}/__admin/reset").raise_for_status()
            measured("leadmock", case, row.figures["leadmock"])
        report["rss_mb"]["leadmock after load"] = rss_mb(process.pid)
    shared_throughput(load, facts, rows)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(answers, handle)
    for floor, kind in (("baseline", "starlette"), ("server", "server")):
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        command = [PYTHON, str(ROOT / "tests" / "bench" / "baseline.py"), handle.name, str(port)]
        with server([*command, kind], base_url + cases[0].path, {}) as (process, _):
            report["rss_mb"].setdefault(floor, rss_mb(process.pid))
            for case in cases:
                rows[(case.api, case.name)].figures[floor] = measure(base_url, case, load)
                measured(floor, case, rows[(case.api, case.name)].figures[floor])
    os.unlink(handle.name)
    if prism_available(args):
        for api, spec in PRISM_SPECS.items():
            port = free_port()
            base_url = f"http://127.0.0.1:{port}"
            command = prism_command(port, spec)
            mine = [c for c in cases if c.api == api]
            probe = Scenario(api, "probe", "GET", prism_path(mine[0], facts), mine[0].headers)
            with server(command, base_url + probe.path, probe.headers) as (process, _):
                report["rss_mb"].setdefault("prism", rss_mb(process.pid))
                for case in mine:
                    moved = Scenario(
                        case.api,
                        case.name,
                        case.method,
                        prism_path(case, facts),
                        case.headers,
                        case.body,
                    )
                    rows[(case.api, case.name)].figures["prism"] = measure(base_url, moved, load)
                    measured("prism", case, rows[(case.api, case.name)].figures["prism"])
    jar = None if args.skip_wiremock else peers.wiremock_jar()
    if jar is not None:
        from mockserver.routing import resolve_refs
        from mockserver.specfiles import load_spec
        from mockserver.vendors import vendor_of

        for api in PRISM_SPECS:
            _, mount = vendor_of(api)
            with tempfile.TemporaryDirectory() as root:
                peers.wiremock_stubs(
                    resolve_refs(load_spec(mount.spec)), mount.base_path, Path(root)
                )
                port = free_port()
                base_url = f"http://127.0.0.1:{port}"
                mine = [c for c in cases if c.api == api]
                command = peers.wiremock_command(jar, port, Path(root))
                with server(command, base_url + mine[0].path, mine[0].headers) as (process, _):
                    report["rss_mb"].setdefault("wiremock", rss_mb(process.pid))
                    for case in mine:
                        figure = measure(base_url, case, load)
                        rows[(case.api, case.name)].figures["wiremock"] = figure
                        measured("wiremock", case, figure)
    report["throughput"] = [
        {"api": r.api, "scenario": r.scenario, **{k: asdict(v) for k, v in r.figures.items()}}
        for r in rows.values()
    ]


def before_and_after(
    args: argparse.Namespace, facts: dict[str, Any], report: dict[str, Any]
) -> None:
    """leadmock at the revision ``--before`` and in this tree, served side by side in one run:
    each scenario measured on both in alternating rounds (before first, then after first), so
    the machine's drift during the run falls on both alike; per scenario, the median of each
    round's after/before ratio. Answers of the two that differ are named: a ratio then compares
    different work."""
    load = (args.seconds, args.threads, args.connections)
    commit = subprocess.run(
        ["git", "rev-parse", "--verify", f"{args.before}^{{commit}}"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    project = facts["tiledesk"]["projects"][0]["id"]
    with tempfile.TemporaryDirectory(prefix="leadmock-before-") as folder, ExitStack() as stack:
        archive = subprocess.run(
            ["git", "archive", commit], cwd=ROOT, capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
        urls: dict[str, str] = {}
        cases: dict[str, list[Scenario]] = {}
        for name, tree in (("before", Path(folder)), ("after", ROOT)):
            urls[name] = f"http://127.0.0.1:{free_port()}"
            ready = f"{urls[name]}/v3/{project}/leads/5c81593adf767b0017d1aa66"
            command = leadmock_command(int(urls[name].rsplit(":", 1)[1]))
            stack.enter_context(server(command, ready, {"Authorization": BASIC}, tree))
            cases[name] = scenarios(facts, crm_login(urls[name], facts))
        # Reads only (a create's answer holds the moment it was made), with each server's own
        # address taken out of the links to other pages.
        answers = {
            name: json.loads(
                json.dumps(
                    record(urls[name], [c for c in cases[name] if c.method == "GET"])
                ).replace(urls[name].removeprefix("http://"), "HOST")
            )
            for name in urls
        }
        differing = [
            key for key in answers["after"] if answers["after"][key] != answers["before"][key]
        ]
        rows = []
        for index, case in enumerate(cases["after"]):
            figures: dict[str, list[Figure]] = {"before": [], "after": []}
            for round_ in range(args.rounds):
                for name in ("before", "after") if round_ % 2 == 0 else ("after", "before"):
                    figure = measure(urls[name], cases[name][index], load)
                    figures[name].append(figure)
                    if case.method == "POST":
                        httpx.post(f"{urls[name]}/__admin/reset").raise_for_status()
                    measured(name, case, figure)
            pairs = zip(figures["after"], figures["before"], strict=True)
            ratios = [after.rps / before.rps for after, before in pairs]
            rows.append(
                {
                    "api": case.api,
                    "scenario": case.name,
                    **{
                        f"{name} {what}": statistics.median(getattr(f, what) for f in figured)
                        for name, figured in figures.items()
                        for what in ("rps", "p99_ms")
                    },
                    "x before": statistics.median(ratios),
                    "ratios": ratios,
                    "errors": sum(f.errors for figured in figures.values() for f in figured),
                }
            )
    report["before_after"] = {
        "before": f"{args.before} ({commit[:10]})",
        "rounds": args.rounds,
        "rows": rows,
        "differing answers": differing,
    }


DOCUMENTS = {
    "contacts-crm": ("contacts-crm.yaml", "/api/v1", "/contacts", "email", "data", {},
                     {"name": "Bench {n}"}),
    "deals-cursor": ("deals-cursor.json", "/crm/v3", "/deals", "stage", "results",
                     {"X-Api-Key": "bench"}, {"dealname": "Bench {n}", "amount": 10}),
}  # fmt: skip
"""Two documents of the ``--spec`` corpus (``tests/specs_corpus/``): each API's base path, its
collection, a filter parameter, where a list answer's records are, the credentials and a create
body."""


def documents(args: argparse.Namespace, report: dict[str, Any]) -> None:
    """``leadmock serve --spec`` beside Prism serving the same document: get by id, list, list
    with a filter, create. A row per scenario joins the throughput table (api ``doc:NAME``)."""
    load = (args.seconds, args.threads, args.connections)
    rows = []
    for api, (file, base, collection, filtered, records, key, body) in DOCUMENTS.items():
        spec = ROOT / "tests" / "specs_corpus" / file
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        command = leadmock_command(port, "--spec", str(spec))
        with server(command, f"{base_url}{base}{collection}", key) as (process, _):
            record = httpx.get(f"{base_url}{base}{collection}", headers=key).json()[records][0]
            ident = record.get("id", record.get("_id"))
            where = f"{collection}?{filtered}={quote(str(record[filtered]))}"
            cases = [
                Scenario(f"doc:{api}", "get by id", "GET", f"{collection}/{ident}", key),
                Scenario(f"doc:{api}", "list", "GET", collection, key),
                Scenario(f"doc:{api}", "list, filter", "GET", where, key),
                Scenario(
                    f"doc:{api}",
                    "create",
                    "POST",
                    collection,
                    {**key, "Content-Type": "application/json"},
                    json.dumps(body),
                ),
            ]
            for case in cases:
                row = Row(case.api, case.name)
                rows.append(row)
                mine = replace(case, path=base + case.path)
                row.figures["leadmock"] = measure(base_url, mine, load)
                measured("leadmock", case, row.figures["leadmock"])
                if case.method == "POST":
                    httpx.post(f"{base_url}/__admin/reset").raise_for_status()
            report.setdefault("rss_mb", {})[f"leadmock --spec {file}"] = rss_mb(process.pid)
        if not prism_available(args):
            continue
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        prism = [str(peers.PRISM), "mock", "-p", str(port), "-v", "silent", str(spec)]
        with server(prism, base_url + collection, key) as (process, _):
            for case, row in zip(cases, rows[-len(cases) :], strict=True):
                row.figures["prism"] = measure(base_url, case, load)
                measured("prism", case, row.figures["prism"])
    report.setdefault("throughput", []).extend(
        {"api": r.api, "scenario": r.scenario, **{k: asdict(v) for k, v in r.figures.items()}}
        for r in rows
    )


SHARED = {"shared x1": [], "shared x2": ["--workers", "2"]}
"""The shared-store runs: ``--store`` over one Redis, one process and two workers."""


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def request_log_cost(args: argparse.Namespace, facts: dict[str, Any]) -> list[dict[str, Any]]:
    """The request log (on by default) against ``--quiet``, on every scenario (``paired_cost``)."""
    commands = {
        "quiet": lambda port: leadmock_command(port),
        "logged": lambda port: leadmock_command(port, request_log=True),
    }
    return paired_cost(args, facts, "request log", commands)


def page_cost(args: argparse.Namespace, facts: dict[str, Any]) -> list[dict[str, Any]]:
    """The page at ``/__admin/ui/`` open against no page, on every scenario (``paired_cost``):
    the open one is polled as the page polls it (its journal twice a second, so the journal
    keeps every answer too), from another process."""
    commands = {"closed": leadmock_command, "open": leadmock_command}
    return paired_cost(args, facts, "page", commands, watched="open")


def paired_cost(
    args: argparse.Namespace,
    facts: dict[str, Any],
    label: str,
    commands: dict[str, Callable[[int], list[str]]],
    watched: str | None = None,
) -> list[dict[str, Any]]:
    """Two servers up at once, measured in turn (``--log-pairs`` times each scenario), so that
    both see the same machine; the second's throughput as a share of the first's (the median
    of the pairs' ratios) and the server's CPU time a request in each (what the difference
    adds, less sensitive to a busy machine). ``watched``: that server has a page open."""
    load = (args.seconds, args.threads, args.connections)
    (base, base_command), (other, other_command) = commands.items()
    ports = {base: free_port(), other: free_port()}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    ready = "/v3/5b55e806c93dde00143163dd/leads/5c81593adf767b0017d1aa66"
    auth = {"Authorization": BASIC}
    rows = []
    with (
        server(base_command(ports[base]), urls[base] + ready, auth) as (first, _),
        server(other_command(ports[other]), urls[other] + ready, auth) as (second, _),
        page_open(urls[watched] if watched else None),
    ):
        processes = {base: first, other: second}
        cases = {name: scenarios(facts, crm_login(url, facts)) for name, url in urls.items()}
        for index, case in enumerate(cases[base]):
            ratios: list[float] = []
            cpu: dict[str, list[float]] = {base: [], other: []}
            for _ in range(args.log_pairs):
                rps = {}
                for name, url in urls.items():
                    this = cases[name][index]
                    wrk(url, this, 1, *load[1:])
                    before = cpu_seconds(processes[name].pid)
                    figure = wrk(url, this, *load)
                    cpu[name].append((cpu_seconds(processes[name].pid) - before) / figure.requests)
                    rps[name] = figure.rps
                    if case.method == "POST":
                        httpx.post(f"{url}/__admin/reset").raise_for_status()
                ratios.append(rps[other] / rps[base])
            row = {
                "api": case.api,
                "scenario": case.name,
                f"x {base}": statistics.median(ratios),
                "pairs": ratios,
                f"cpu us a request, {base}": statistics.median(cpu[base]) * 1e6,
                f"cpu us a request, {other}": statistics.median(cpu[other]) * 1e6,
            }
            rows.append(row)
            progress(
                f"{label} {case.api:<12} {case.name:<13} x{row[f'x {base}']:.2f} of {base}"
                f" (pairs {', '.join(f'{r:.2f}' for r in ratios)})"
            )
    return rows


@contextmanager
def page_open(base_url: str | None) -> Iterator[None]:
    """The page's polling of ``base_url``'s journal (``/__admin/ui/requests``, every 0.5 s, only
    what is new), from a process of its own as a browser would, while the block runs."""
    if base_url is None:
        yield
        return
    poller = subprocess.Popen([PYTHON, "-c", _PAGE_POLLER, base_url])
    try:
        yield
    finally:
        poller.terminate()
        poller.wait(timeout=10)


_PAGE_POLLER = """
import sys, time, httpx
since = 0.0
with httpx.Client(base_url=sys.argv[1], timeout=10) as client:
    while True:
        feed = client.get("/__admin/ui/requests", params={"since": since}).json()
        if feed["entries"]:
            since = max(entry["at"] for entry in feed["entries"])
        time.sleep(0.5)
"""


def shared_throughput(
    load: tuple[int, int, int], facts: dict[str, Any], rows: dict[tuple[str, str], Row]
) -> None:
    """The same scenarios with the state in Redis (Debian's redis-server, started here, no
    persistence), on one process and on ``--workers 2``."""
    from tests.redisserver import RedisServer

    project = facts["tiledesk"]["projects"][0]["id"]
    with RedisServer(durable=False) as redis_server:
        for label, extra in SHARED.items():
            port = free_port()
            base_url = f"http://127.0.0.1:{port}"
            store = f"{redis_server.url}?prefix=bench-{port}"
            ready = f"{base_url}/v3/{project}/leads/5c81593adf767b0017d1aa66"
            command = leadmock_command(port, "--store", store, *extra)
            with server(command, ready, {"Authorization": BASIC}):
                for case in scenarios(facts, crm_login(base_url, facts)):
                    figure = measure(base_url, case, load)
                    rows[(case.api, case.name)].figures[label] = figure
                    if case.method == "POST":
                        httpx.post(f"{base_url}/__admin/reset").raise_for_status()
                    measured(f"leadmock {label}", case, figure)


def shared_scale(args: argparse.Namespace, report: dict[str, Any]) -> None:
    """Seeding and reset of a large state in Redis (Tiledesk, two projects of
    ``--stall-leads`` leads), against seeding the same in memory, in this process."""
    from mockserver import Config, create_app
    from mockserver.app import seed_all
    from mockserver.store import MemoryStore
    from tests.redisserver import RedisServer

    leads = args.stall_leads
    config = Config(leads=leads, vendors=("tiledesk",))
    entry: dict[str, Any] = {"leads per project": leads}
    progress(f"shared store: seeding {leads:,} leads a project in memory, then into Redis")
    started = time.perf_counter()
    seed_all(MemoryStore(), config)
    entry["seed in memory s"] = time.perf_counter() - started
    with RedisServer(durable=False) as redis_server:
        store = f"{redis_server.url}?prefix=scale"
        started = time.perf_counter()
        first = create_app(replace(config, store=store))
        entry["seed into Redis s"] = time.perf_counter() - started
        started = time.perf_counter()
        joiner = create_app(replace(config, store=store))
        joiner.store.begin_request()
        entry["a joiner's first read s"] = time.perf_counter() - started
        project = first.facts["tiledesk"]["projects"][0]["id"]
        for n in range(100):
            first.store.put("leads", f"bench-{n}", {"n": n}, scope=project)
        started = time.perf_counter()
        first.reset()
        entry["reset s"] = time.perf_counter() - started
        started = time.perf_counter()
        joiner.store.begin_request()
        entry["a worker's first read after a reset s"] = time.perf_counter() - started
        first.close()
        joiner.close()
    report["shared_scale"] = entry


def prism_available(args: argparse.Namespace) -> bool:
    return not args.skip_prism and shutil.which("node") is not None and peers.prism_available()


def startup(args: argparse.Namespace, facts: dict[str, Any], report: dict[str, Any]) -> None:
    """Median seconds from launch to the first 200, for leadmock (every API), the fixture, Prism."""
    project = facts["tiledesk"]["projects"][0]["id"]
    path = f"/v3/{project}/leads/5c81593adf767b0017d1aa66"
    launches = []
    for _ in range(args.runs):
        port = free_port()
        with server(
            leadmock_command(port), f"http://127.0.0.1:{port}{path}", {"Authorization": BASIC}
        ) as (_, took):
            launches.append(took)
    from mockserver import LeadMock

    fixture_starts, resets = [], []
    for _ in range(args.runs):
        started = time.perf_counter()
        mock = LeadMock().start()
        try:
            assert httpx.get(mock.url + path, headers={"Authorization": BASIC}).status_code == 200
            fixture_starts.append(time.perf_counter() - started)
            started = time.perf_counter()
            mock.reset()
            resets.append(time.perf_counter() - started)
        finally:
            mock.stop()
    report["startup_s"] = {
        "leadmock process launch to first 200": statistics.median(launches),
        "leadmock fixture start to first 200": statistics.median(fixture_starts),
        "leadmock fixture reset": statistics.median(resets),
        **pytest_startup(args.runs),
    }
    if prism_available(args):
        prism = []
        for _ in range(max(1, args.runs // 2)):
            port = free_port()
            command = prism_command(port, "tiledesk-v3.yaml")
            probe = f"http://127.0.0.1:{port}/{project}/leads/5c81593adf767b0017d1aa66"
            with server(command, probe, {"Authorization": BASIC}) as (_, took):
                prism.append(took)
        report["startup_s"]["prism process launch to first 200 (one spec)"] = statistics.median(
            prism
        )


def pytest_startup(runs: int) -> dict[str, float]:
    """Median seconds of pytest runs in a project of its own, with leadmock installed as users
    install it: ``pip install`` of this checkout (not editable) into a fresh virtualenv outside
    the repository, beside a virtualenv with the same pytest alone. Each run is timed as pytest
    may cache its rewritten modules (the first, uncounted run writes them) and as it may not
    (``PYTHONDONTWRITEBYTECODE=1``, as container images often set, or a read-only
    site-packages)."""
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="leadmock-pytest-") as folder:
        root = Path(folder)
        environments = {"pytest alone": root / "alone", "leadmock installed": root / "leadmock"}
        pytest_version = importlib_metadata_version("pytest")
        for name, venv in environments.items():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            wanted = [f"pytest=={pytest_version}"]
            if name == "leadmock installed":
                wanted.append(str(ROOT))
            subprocess.run(
                [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", *wanted],
                check=True,
                cwd=root,
                stderr=subprocess.DEVNULL,
            )
        project = root / "project"
        project.mkdir()
        (project / "test_plain.py").write_text("def test_plain():\n    assert True\n")
        (project / "test_fixture.py").write_text(
            "def test_fixture(leadmock):\n    assert leadmock.url\n"
        )
        cases = {
            "pytest alone, one test": ("pytest alone", ["test_plain.py"]),
            "leadmock installed, one test": ("leadmock installed", ["test_plain.py"]),
            "leadmock installed, one test, -p no:faker -p no:anyio": (
                "leadmock installed",
                ["test_plain.py", "-p", "no:faker", "-p", "no:anyio"],
            ),
            "leadmock installed, one test using the fixture": (
                "leadmock installed",
                ["test_fixture.py"],
            ),
        }
        # Uncached first: pytest reads a rewritten module's cache even where it may not write.
        for caching, extra_environment in (
            ("PYTHONDONTWRITEBYTECODE=1", {"PYTHONDONTWRITEBYTECODE": "1"}),
            ("pycs cached", {}),
        ):
            environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
            environment |= extra_environment
            for name, (venv_name, arguments) in cases.items():
                python = str(environments[venv_name] / "bin" / "python")
                command = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", *arguments]
                subprocess.run(command, cwd=project, env=environment, capture_output=True)
                times = []
                for _ in range(max(runs, 5)):
                    started = time.perf_counter()
                    subprocess.run(
                        command, cwd=project, env=environment, capture_output=True, check=True
                    )
                    times.append(time.perf_counter() - started)
                figures[f"pytest start-up ({caching}): {name}"] = statistics.median(times)
                progress(f"pytest start-up ({caching}): {name} {statistics.median(times):.2f} s")
    return figures


def scale(args: argparse.Namespace, report: dict[str, Any]) -> None:
    """Seeding time, memory per lead and p99s as a Tiledesk project grows.

    Each size is one ``leadmock serve --vendor tiledesk --leads N`` (two projects of N leads and
    N/2 requests each): its launch to the first 200, less the smallest size's, is the seeding
    time; its resident memory, less the smallest size's, over the leads added, the memory a
    lead costs (the reset snapshot included).
    """
    report["seeding"] = seeding(args)
    save(args, report)
    results: list[dict[str, Any]] = []
    floor: tuple[float, float, int] | None = None
    for count in args.scale:
        try:
            entry = scale_one(args, count, floor)
        except (RuntimeError, httpx.HTTPError, subprocess.SubprocessError) as exc:
            entry = {"leads per project": count, "error": f"{type(exc).__name__}: {exc}"}
        if floor is None and "error" not in entry:
            floor = (entry["launch to first 200 s"], entry["RSS MB"], 2 * count)
        progress(f"scale {count}: {entry}")
        results.append(entry)
        report["scale"] = results
        save(args, report)


SEEDED_APIS = {
    "tiledesk": ["--vendor", "tiledesk"],
    "overloop": ["--vendor", "overloop"],
    "leads-crm": ["--vendor", "leads-crm"],
    "all": [],
}


def seeding(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Each API's seeding at ``--seeding-leads``: launch to the first 200 with that many leads,
    less the launch with the fewest it takes (2; median of 3 each), and what was seeded."""
    rows = []
    for name, choice in SEEDED_APIS.items():
        launches: dict[int, list[float]] = {2: [], args.seeding_leads: []}
        for _ in range(3):
            for count in launches:
                port = free_port()
                command = leadmock_command(port, *choice, "--leads", str(count))
                ready = f"http://127.0.0.1:{port}/__admin/health"
                with server(command, ready, {}) as (_, took):
                    launches[count].append(took)
                    if count > 2:
                        state = httpx.get(f"http://127.0.0.1:{port}/__admin/state", timeout=600)
                        documents = sum(len(c["documents"]) for c in state.json()["collections"])
        seeded = statistics.median(launches[args.seeding_leads]) - statistics.median(launches[2])
        rows.append(
            {
                "api": name,
                "leads": args.seeding_leads,
                "documents": documents,
                "seeding s": seeded,
                "documents/s": documents / max(seeded, 1e-9),
            }
        )
        progress(f"seeding {name}: {seeded:.2f} s for {documents} documents")
    tiledesk = rows[0]["seeding s"]
    for row in rows:
        row["x tiledesk time"] = row["seeding s"] / max(tiledesk, 1e-9)
    return rows


def scale_one(
    args: argparse.Namespace, count: int, floor: tuple[float, float, int] | None
) -> dict[str, Any]:
    """One size: launch, memory, and the p99 of each probe."""
    project = "5b55e806c93dde00143163dd"
    leads = f"/v3/{project}/leads"
    auth = {"Authorization": BASIC}
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    command = leadmock_command(port, "--vendor", "tiledesk", "--leads", str(count))
    ready = f"{base_url}{leads}/5c81593adf767b0017d1aa66"
    with server(command, ready, auth) as (process, took):
        memory = rss_mb(process.pid)
        smallest = floor or (took, memory, 2 * count)
        added = max(1, 2 * count - smallest[2])
        entry: dict[str, Any] = {
            "leads per project": count,
            "launch to first 200 s": took,
            "seeding s (less the smallest)": took - smallest[0],
            "RSS MB": memory,
            "bytes per lead": (memory - smallest[1]) * 1024 * 1024 / added,
        }
        page = httpx.get(
            f"{base_url}{leads}?limit=1&page=3&with_email=true", headers=auth, timeout=600
        )
        email = page.json()["leads"][0]["email"]
        probes = {
            "get by id": f"{leads}/5c81593adf767b0017d1aa66",
            "email filter": f"{leads}?email={email}",
            "sort": f"{leads}?sortField=fullname&direction=1",
            "deep page": f"{leads}?page={max(0, count // 40 - 1)}",
        }
        for name, path in probes.items():
            # The first request builds what later ones reuse (an index, a sorted listing):
            # timed alone, then wrk measures the steady state.
            started = time.perf_counter()
            httpx.get(base_url + path, headers=auth, timeout=600).raise_for_status()
            entry[f"first {name} ms"] = (time.perf_counter() - started) * 1000
            case = Scenario("tiledesk-v3", name, "GET", path, auth)
            figure = wrk(base_url, case, args.scale_seconds, 1, 4)
            entry[f"p99 {name} ms"] = figure.p99_ms
            entry[f"{name} req/s"] = figure.rps
    return entry


def stalls(args: argparse.Namespace, report: dict[str, Any]) -> None:
    """How long the admin plane's heavy work holds other requests up, at 2 x N leads.

    A probe thread asks for one lead again and again; each admin action (reset, export,
    import, re-seed) runs meanwhile, and the longest gap between two of the probe's answers
    is that action's stall.
    """
    import threading

    count = args.stall_leads
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    command = leadmock_command(port, "--vendor", "tiledesk", "--leads", str(count))
    probe = f"{base_url}/v3/5b55e806c93dde00143163dd/leads/5c81593adf767b0017d1aa66"
    results: dict[str, Any] = {"leads per project": count}
    with server(command, probe, {"Authorization": BASIC}):
        answered: list[float] = []
        stop = threading.Event()

        def probing() -> None:
            with httpx.Client(headers={"Authorization": BASIC}, timeout=120) as client:
                while not stop.is_set():
                    client.get(probe).raise_for_status()
                    answered.append(time.perf_counter())

        thread = threading.Thread(target=probing, daemon=True)
        thread.start()
        time.sleep(0.5)
        # Each admin call is made by a process of its own: sending or reading 100 MB here
        # would hold this process's interpreter, and the probe's gaps would be the client's.
        exported = Path(tempfile.mkdtemp(prefix="leadmock-stalls-")) / "state.json"
        admin_call = (
            "import sys, httpx\n"
            "method, url, path = sys.argv[1:4]\n"
            "with httpx.Client(timeout=600) as client:\n"
            "    if method == 'export':\n"
            "        with client.stream('GET', url) as answer, open(path, 'wb') as out:\n"
            "            answer.raise_for_status()\n"
            "            for chunk in answer.iter_bytes(): out.write(chunk)\n"
            "    elif method == 'import':\n"
            "        with open(path, 'rb') as body:\n"
            "            client.put(url, content=body).raise_for_status()\n"
            "    else:\n"
            "        client.post(url, content=path).raise_for_status()\n"
        )

        def admin(method: str, path: str, argument: str) -> Callable[[], None]:
            command = [sys.executable, "-c", admin_call, method, base_url + path, argument]
            return lambda: subprocess.run(command, check=True)

        actions = {
            "reset": admin("post", "/__admin/reset", ""),
            "export": admin("export", "/__admin/state", str(exported)),
            "import": admin("import", "/__admin/state", str(exported)),
            "re-seed": admin("post", "/__admin/seed", json.dumps({"seed": 1, "leads": count})),
        }
        for name, action in actions.items():
            started = time.perf_counter()
            action()
            ended = time.perf_counter()
            during = [t for t in answered if started <= t <= ended + 0.2]
            gaps = [b - a for a, b in zip([started, *during], [*during, ended], strict=True)]
            results[f"{name} s"] = ended - started
            results[f"{name} longest stall ms"] = max(gaps) * 1000
            progress(
                f"stalls: {name} {ended - started:.2f} s, longest stall {max(gaps) * 1000:.0f} ms"
            )
            time.sleep(0.3)
        stop.set()
        thread.join(timeout=30)
        results["export MB"] = exported.stat().st_size / 1e6
        shutil.rmtree(exported.parent)
    report["stalls"] = results


# -- output -------------------------------------------------------------------------------


def progress(text: str) -> None:
    print(f"  {text}", file=sys.stderr, flush=True)


def measured(server_name: str, case: Scenario, figure: Figure) -> None:
    progress(f"{server_name:<9} {case.api:<12} {case.name:<13} {figure.rps:8.0f} req/s")


def print_report(report: dict[str, Any]) -> None:
    print(f"\nleadmock bench, {report['machine']}, wrk {report['load']}\n")
    if report.get("throughput"):
        print_throughput(report)
    print_others(report)


def print_throughput(report: dict[str, Any]) -> None:
    heads = ("api", "scenario", "req/s", "p50 ms", "p99 ms", "x floor", "x prism", "x wiremock")
    peers_named = "floor  prism  wiremock  server"
    print("{:<12} {:<13} {:>7} {:>7} {:>7} {:>8} {:>8} {:>10}   ".format(*heads) + peers_named)
    for row in report.get("throughput", []):
        mine = row["leadmock"]

        def ratio(peer: str, row: dict[str, Any] = row, mine: dict[str, Any] = mine) -> str:
            return f"{mine['rps'] / row[peer]['rps']:.2f}" if row.get(peer) else "-"

        def rps(peer: str, row: dict[str, Any] = row) -> float:
            return row[peer]["rps"] if row.get(peer) else 0

        errors = f"  ({mine['errors']} errors)" if mine["errors"] else ""
        others = (
            f"{rps('baseline'):>6.0f} {rps('prism'):>6.0f} {rps('wiremock'):>9.0f}"
            f" {rps('server'):>7.0f}"
        )
        figures = f"{mine['rps']:>7.0f} {mine['p50_ms']:>7.1f} {mine['p99_ms']:>7.1f}"
        print(
            f"{row['api']:<12} {row['scenario']:<13} {figures} {ratio('baseline'):>8} "
            f"{ratio('prism'):>8} {ratio('wiremock'):>10}   {others}{errors}"
        )


def print_others(report: dict[str, Any]) -> None:
    if "before_after" in report:
        compared = report["before_after"]
        print(
            f"\nthis tree beside {compared['before']}, served side by side, "
            f"{compared['rounds']} alternating rounds: req/s (medians), and this tree's as a "
            "multiple of the other's (median of the rounds' ratios)"
        )
        print(f"{'api':<12} {'scenario':<13} {'before':>8} {'after':>8} {'x before':>9} "
              f"{'p99 before':>11} {'p99 after':>10}")  # fmt: skip
        for row in compared["rows"]:
            errors = f"  ({row['errors']} errors)" if row["errors"] else ""
            print(
                f"{row['api']:<12} {row['scenario']:<13} {row['before rps']:>8.0f} "
                f"{row['after rps']:>8.0f} {row['x before']:>9.2f} "
                f"{row['before p99_ms']:>11.1f} {row['after p99_ms']:>10.1f}{errors}"
            )
        for key in compared["differing answers"]:
            print(f"  answered differently by the two: {key}")
    shared_rows = [row for row in report.get("throughput", []) if row.get("shared x2")]
    if shared_rows:
        print(
            "\nshared store (--store redis://, one Redis without persistence): one process and"
            " --workers 2, req/s, and x2 as a multiple of the one-process memory store's, Prism's"
            " and WireMock's"
        )
        print(
            f"{'api':<12} {'scenario':<13} {'x1 req/s':>9} {'x2 req/s':>9} {'x2 p99':>7} "
            f"{'x memory':>9} {'x prism':>8} {'x wiremock':>10}"
        )
        for row in shared_rows:
            two, one = row["shared x2"], row.get("shared x1") or {"rps": 0}

            def times(peer: str, row: dict[str, Any] = row, two: dict[str, Any] = two) -> str:
                return f"{two['rps'] / row[peer]['rps']:.2f}" if row.get(peer) else "-"

            print(
                f"{row['api']:<12} {row['scenario']:<13} {one['rps']:>9.0f} {two['rps']:>9.0f} "
                f"{two['p99_ms']:>7.1f} {times('leadmock'):>9} {times('prism'):>8} "
                f"{times('wiremock'):>10}"
            )
    if "shared_scale" in report:
        entry = report["shared_scale"]
        print(
            f"\nshared store at {entry['leads per project']:,} leads a project (Tiledesk, two "
            "projects): " + "; ".join(f"{k.removesuffix(' s')} {v:.2f} s"
                                      for k, v in entry.items() if k.endswith(" s"))
        )  # fmt: skip
    if report.get("request_log"):
        print(
            "\nrequest log on (the default; the rows above are --quiet), paired with --quiet:"
            " throughput as a share of --quiet's (median of the pairs), server CPU a request"
        )
    for entry in report.get("request_log", []):
        if "x quiet" not in entry:
            continue
        print(
            f"  {entry['api']:<12} {entry['scenario']:<13} x{entry['x quiet']:.2f}"
            f"   {entry['cpu us a request, quiet']:6.1f} us quiet,"
            f" {entry['cpu us a request, logged']:6.1f} us logged"
        )
    if report.get("page"):
        print(
            "\nthe page at /__admin/ui/ open (polling the journal twice a second, answers kept),"
            " paired with no page: throughput as a share of no page's, server CPU a request"
        )
    for entry in report.get("page", []):
        print(
            f"  {entry['api']:<12} {entry['scenario']:<13} x{entry['x closed']:.2f}"
            f"   {entry['cpu us a request, closed']:6.1f} us closed,"
            f" {entry['cpu us a request, open']:6.1f} us open"
        )
    if "rss_mb" in report:
        print(
            f"\nresident memory, MB (leadmock on {report.get('allocator', 'pymalloc')}): "
            + ", ".join(f"{k} {v:.0f}" for k, v in report["rss_mb"].items())
        )
    if "startup_s" in report:
        print(
            "start-up, median s: "
            + ", ".join(f"{k} {v:.2f}" for k, v in report["startup_s"].items())
        )
    sizes = [e for e in report.get("scale", []) if "error" not in e]
    if sizes:
        probes = ("get by id", "email filter", "sort", "deep page")
        print(
            "\nscale (one Tiledesk project; p99 in ms after one warm-up request, and as a multiple"
            " of the smallest size's)"
        )
        print(f"{'leads':>9} {'seed s':>7} {'B/lead':>7}  " + "  ".join(f"{p:>18}" for p in probes))
        first = sizes[0]
        for entry in sizes:
            p99s = [(entry[f"p99 {p} ms"], first[f"p99 {p} ms"]) for p in probes]
            cells = [f"{mine:>9.1f} (x{mine / smallest:>5.1f})" for mine, smallest in p99s]
            print(
                f"{entry['leads per project']:>9} {entry['seeding s (less the smallest)']:>7.1f} "
                f"{entry['bytes per lead']:>7.0f}  " + "  ".join(f"{c:>18}" for c in cells)
            )
        print(
            "first request, ms: "
            + "; ".join(
                f"{e['leads per project']} leads: "
                + ", ".join(f"{p} {e.get(f'first {p} ms', 0):.0f}" for p in probes)
                for e in sizes
            )
        )
    if "stalls" in report:
        entry = report["stalls"]
        print(
            f"\nadmin work at {entry['leads per project']:,} leads a project (two projects): "
            + "; ".join(
                f"{name} {entry[f'{name} s']:.2f} s, longest stall "
                f"{entry[f'{name} longest stall ms']:.0f} ms"
                for name in ("reset", "export", "import", "re-seed")
            )
        )
    if report.get("seeding"):
        print(
            f"\nseeding at --leads {report['seeding'][0]['leads']:,} (launch to the first 200, "
            "less the launch with two; medians of 3):"
        )
        for row in report["seeding"]:
            print(
                f"  {row['api']:<10} {row['seeding s']:6.2f} s  {row['documents']:>7,} documents"
                f"  {row['documents/s']:>8,.0f} documents/s  {row['x tiledesk time']:.2f}x"
                " Tiledesk's time"
            )
    for entry in report.get("scale", []):
        if "error" in entry:
            print(f"scale: {entry['leads per project']} leads per project: {entry['error']}")


def save(args: argparse.Namespace, report: dict[str, Any]) -> None:
    """Write what is measured so far, so a failure late in the run loses nothing."""
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(report, indent=1))


PARTS = (
    "throughput", "before", "documents", "log", "page", "startup", "scale", "stalls", "shared"
)  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="wrk duration per scenario")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--runs", type=int, default=5, help="start-up runs (median)")
    parser.add_argument(
        "--scale",
        type=lambda t: [int(n) for n in t.split(",") if n],
        default=[1000, 100000, 1000000],
    )
    parser.add_argument("--scale-seconds", type=int, default=5)
    parser.add_argument("--skip-prism", action="store_true")
    parser.add_argument("--skip-wiremock", action="store_true")
    parser.add_argument(
        "--log-pairs", type=int, default=3, help="quiet and logged runs of each scenario"
    )
    parser.add_argument(
        "--seeding-leads", type=int, default=10_000, help="leads of each API's seeding (scale)"
    )
    parser.add_argument("--stall-leads", type=int, default=20_000, help="leads a project")
    parser.add_argument(
        "--only",
        choices=PARTS,
        action="append",
    )
    parser.add_argument(
        "--before",
        metavar="REVISION",
        help="also serve leadmock at this git revision beside this tree and compare the two",
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="alternating rounds of each --before scenario"
    )
    parser.add_argument("--json", default=str(ROOT / "reports" / "bench.json"))
    parser.add_argument("--print", action="store_true", help="print the report in --json again")
    parser.add_argument(
        "--charts",
        default=str(ROOT / "docs" / "benchmarks"),
        help="folder for the SVG charts the benchmarks page shows ('' for none)",
    )
    args = parser.parse_args()
    if "before" in (args.only or []) and not args.before:
        parser.error("--only before compares with a revision: give it as --before REVISION")
    if args.print:
        print_report(json.loads(Path(args.json).read_text()))
        return 0
    if shutil.which("wrk") is None:
        print(
            "make bench needs wrk (apt-get install -y wrk; the Makefile does it)", file=sys.stderr
        )
        return 2
    from mockserver import Config, create_app

    facts = create_app(Config()).facts
    report: dict[str, Any] = {
        "machine": f"{platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "load": f"{args.threads} threads x {args.connections} connections, {args.seconds} s each",
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "command": " ".join(["python tests/bench/run.py", *sys.argv[1:]]),
    }
    parts = args.only or [
        "throughput", "documents", "log", "page", "startup", "stalls", "shared", "scale"
    ]  # fmt: skip
    if "throughput" in parts:
        throughput(args, facts, report)
        save(args, report)
    if args.before:
        before_and_after(args, facts, report)
        save(args, report)
    if "documents" in parts:
        documents(args, report)
        save(args, report)
    if "log" in parts:
        report["request_log"] = request_log_cost(args, facts)
        save(args, report)
    if "page" in parts:
        report["page"] = page_cost(args, facts)
        save(args, report)
    if "startup" in parts:
        startup(args, facts, report)
        save(args, report)
    if "stalls" in parts:
        stalls(args, report)
        save(args, report)
    if "shared" in parts:
        shared_scale(args, report)
        save(args, report)
    if "scale" in parts:
        scale(args, report)
    print_report(report)
    save(args, report)
    print(f"\nwritten to {args.json}")
    if args.charts:
        for path in write_charts(report, Path(args.charts)):
            print(f"chart: {path}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
