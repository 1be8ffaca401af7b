"""An independent validator in front of the mock: Stoplight Prism in proxy mode, one per spec,
validates every request and every answer of a corpus (every operation's happy path and its
documented errors, ``tests/prism_corpus.py``) against the spec a user would copy. Any response
violation Prism reports fails the test; a request the corpus means as valid must draw no request
violation either (else the corpus, or the spec, is wrong)."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml

from mockserver import Config
from mockserver.engine import infer_model, read_document
from mockserver.engine.handlers import PROBLEM, Engine
from mockserver.fixture import LeadMock
from mockserver.limits import Limits
from mockserver.registry import document_apis, registry_for
from mockserver.vendors import VENDORS
from tests import nodetools, prism_corpus
from tests.prism_corpus import Case
from tests.test_engine_answers import SEEDED, round_trip
from tests.test_engine_model import CORPUS
from tests.test_spec_serve import OverHttp

ROOT = nodetools.ROOT


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def mock() -> Iterator[LeadMock]:
    # Each Prism keeps the connection its readiness probe opened, idle while the APIs before
    # its own are checked: past the mock's keep-alive (5 s) the mock closes it as Prism sends
    # on it, and Prism answers 500 ("login: 500, not 200", twice in a fresh clone's run).
    # Idle connections stay open here longer than the whole module takes.
    with LeadMock(Config(limits=Limits(keep_alive_seconds=600))) as running:
        yield running


@pytest.fixture(scope="module")
def proxies(mock: LeadMock) -> Iterator[dict[str, str]]:
    """A Prism proxy for every spec, in front of the mock's mount of it: name -> base URL."""
    mounts = {
        "tiledesk-v1": ("tiledesk-v1.yaml", "/v1"),
        "tiledesk-v2": ("tiledesk-v2.yaml", "/v2"),
        "tiledesk-v3": ("tiledesk-v3.yaml", "/v3"),
        "overloop": ("overloop.yaml", "/public/v1"),
        "leads-crm": ("leads-crm.yaml", mock.facts["leads-crm"]["base_path"]),
    }
    started: dict[str, tuple[subprocess.Popen, str]] = {}
    logs = ROOT / "reports" / "prism-proxy"
    logs.mkdir(parents=True, exist_ok=True)
    try:
        for name, (spec, base_path) in mounts.items():
            port = _free_port()
            log = open(logs / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
            process = subprocess.Popen(
                proxy_command(spec, mock.url + base_path, port),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            started[name] = (process, f"http://127.0.0.1:{port}")
        for name, (process, url) in started.items():
            _wait_until_listening(process, url, logs / f"{name}.log")
        yield {name: url for name, (_, url) in started.items()}
    finally:
        for process, _ in started.values():
            process.terminate()
        for process, _ in started.values():
            process.wait(timeout=10)


def proxy_command(spec: str, upstream: str, port: int) -> list[str]:
    """Prism validating the traffic to ``upstream`` against ``specs/<spec>`` (or the document
    at an absolute path)."""
    prism = str(nodetools.prism())
    return [
        prism,
        "proxy",
        str(ROOT / "specs" / spec),
        upstream,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]


def _wait_until_listening(process: subprocess.Popen, url: str, log: object) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"Prism exited with {process.returncode}; its log: {log}", pytrace=False)
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    pytest.fail(f"Prism did not listen within 60 s; its log: {log}", pytrace=False)


def violations(response: httpx.Response) -> list[dict]:
    """What Prism found wrong, from the header it adds in proxy mode."""
    header = response.headers.get("sl-violations")
    return json.loads(header) if header else []


def through(url: str, case: Case) -> httpx.Response:
    return httpx.request(
        case.method, url + case.path, headers=case.headers, content=case.body, timeout=30
    )


def assert_conforms(url: str, cases: list[Case]) -> None:
    problems = []
    for case in cases:
        response = through(url, case)
        found = violations(response)
        wrong_answer = [v for v in found if v["location"][0] == "response"]
        if response.status_code != case.status:
            problems.append(f"{case.name}: {response.status_code}, not {case.status}")
        if wrong_answer or (case.valid and found):
            problems.append(f"{case.name} ({response.status_code}): {found[:3]}")
    assert not problems, "\n".join(problems)


def jwt_through(url: str) -> str:
    response = httpx.post(
        url + "/auth/signin",
        json={"email": "andrea.leo@f21.it", "password": "123456"},
        timeout=30,
    )
    assert response.status_code == 200 and not violations(response)
    return response.json()["token"]


@pytest.mark.parametrize("version", ["v1", "v2", "v3"])
def test_tiledesk_answers_conform_through_prism(
    mock: LeadMock, proxies: dict[str, str], version: str
) -> None:
    url = proxies[f"tiledesk-{version}"]
    mock.reset()
    assert_conforms(url, prism_corpus.tiledesk(mock.mock, version, jwt_through(url)))


def test_prism_accepts_the_tiledesk_jwt(mock: LeadMock, proxies: dict[str, str]) -> None:
    """The JWT scheme is one Prism understands: a valid `JWT <token>` is no violation."""
    url = proxies["tiledesk-v3"]
    response = httpx.get(
        f"{url}/{prism_corpus.PROJECT}/leads",
        headers={"Authorization": jwt_through(url)},
        timeout=30,
    )
    assert response.status_code == 200
    assert violations(response) == []


def test_overloop_answers_conform_through_prism(mock: LeadMock, proxies: dict[str, str]) -> None:
    mock.reset()
    assert_conforms(proxies["overloop"], prism_corpus.overloop(mock.mock))


def test_leads_crm_answers_conform_through_prism(mock: LeadMock, proxies: dict[str, str]) -> None:
    mock.reset()
    assert_conforms(proxies["leads-crm"], prism_corpus.leads_crm(mock.mock))


def test_rate_limited_answers_conform_through_prism() -> None:
    """429 is declared, with its body, wherever the mock can send it: on every API."""
    with LeadMock(Config(rate_limit="1/minute")) as limited:
        overloop_key = {"Authorization": limited.facts["overloop"]["api_key"]}
        crm = limited.facts["leads-crm"]
        crm_auth = {"apikey": crm["api_key"], "Authorization": f"Bearer {crm['access_token']}"}
        cases = {
            ("overloop.yaml", "/public/v1"): Case("list", "GET", "/leads", 429, overloop_key),
            ("leads-crm.yaml", crm["base_path"]): Case(
                "list", "GET", "/leads/list/", 429, crm_auth
            ),
            ("tiledesk-v3.yaml", "/v3"): Case(
                "list",
                "GET",
                f"/{prism_corpus.PROJECT}/leads",
                429,
                {"Authorization": prism_corpus._basic("andrea.leo@f21.it", "123456")},
            ),
        }
        for (spec, base_path), case in cases.items():
            port = _free_port()
            process = subprocess.Popen(
                proxy_command(spec, limited.url + base_path, port),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                url = f"http://127.0.0.1:{port}"
                _wait_until_listening(process, url, "(not kept)")
                through(url, case)  # the one request the minute allows
                assert_conforms(url, [case])
            finally:
                process.terminate()
                process.wait(timeout=10)


@pytest.mark.parametrize(
    ("spec", "cases"),
    [
        ("tiledesk-v1.yaml", lambda mock: prism_corpus.tiledesk(mock, "v1", "JWT x")),
        ("tiledesk-v2.yaml", lambda mock: prism_corpus.tiledesk(mock, "v2", "JWT x")),
        ("tiledesk-v3.yaml", lambda mock: prism_corpus.tiledesk(mock, "v3", "JWT x")),
        ("overloop.yaml", prism_corpus.overloop),
        ("leads-crm.yaml", prism_corpus.leads_crm),
    ],
)
def test_the_corpus_takes_every_operations_happy_path(mock: LeadMock, spec: str, cases) -> None:
    """So that "no violation" covers every operation of every spec."""
    document = yaml.safe_load((ROOT / "specs" / spec).read_text())
    templates = {
        (method.upper(), re.compile(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)))): path
        for path, item in document["paths"].items()
        for method in item
        if method in ("get", "put", "post", "delete", "patch")
    }
    mock.reset()
    happy = [case for case in cases(mock.mock) if case.valid]
    missing = [
        f"{method} {template}"
        for (method, pattern), template in templates.items()
        if not any(c.method == method and pattern.fullmatch(c.path.split("?")[0]) for c in happy)
    ]
    assert missing == []


HAND_WRITTEN = {"tiledesk-v1", "tiledesk-v2", "tiledesk-v3", "overloop", "leads-crm"}
"""The APIs with a corpus of their own above; every other vendor's API is a document the
engine serves, and goes through Prism on the engine's round trip below."""
DOCUMENT_VENDORS = [
    (vendor.name, mount.name)
    for vendor in VENDORS
    for mount in vendor.mounts
    if mount.name not in HAND_WRITTEN
]
CORPUS_DOCUMENTS = ["contacts-crm.yaml", "companies-jsonapi.yaml", "deals-cursor.json"]


UNDECLARED_STATUS = "Unable to match the returned status code"


class ThroughPrism(OverHttp):
    """The engine's round trip (``tests/test_engine_answers.round_trip``) sent through a Prism
    proxy in front of a running mock; what Prism finds wrong is kept in ``problems``."""

    def __init__(self, running: LeadMock, api: str, prism_url: str) -> None:
        config = running.mock.config
        vendor, mount = registry_for(config).vendor_of(api, config)
        self.mock, self.api = running.mock, api
        self.client = httpx.Client(base_url=prism_url, timeout=30)
        # Prism takes the document's paths as written, without the base path it is served at.
        self.base_path = ""
        self.headers = vendor.checking().check_target(running.facts[api]).headers
        self.document = read_document(mount.spec)
        self.model = infer_model(self.document)
        self.engine = Engine(self.document, self.model, running.mock.store, api=api)
        self.problems: list[str] = []

    def request(self, method: str, path: str, call: Any, **kwargs: Any) -> Any:
        response = super().request(method, path, call, **kwargs)
        found = violations(response)
        if response.headers.get("content-type", "").startswith(PROBLEM):
            # A status the document declares nothing for (a 404 on an operation that lists
            # only its 200) is answered as problem+json, the engine's documented fallback;
            # Prism warns that the document lacks it, which is the document's silence.
            found = [v for v in found if not v["message"].startswith(UNDECLARED_STATUS)]
        if any(v["location"][0] == "response" for v in found) or (
            response.status_code < 300 and found
        ):
            self.problems.append(f"{method} {path} ({response.status_code}): {found[:3]}")
        return response


def _round_trip_through_prism(config: Config, api: str) -> None:
    with LeadMock(config) as running:
        _, mount = registry_for(config).vendor_of(api, config)
        port = _free_port()
        process = subprocess.Popen(
            proxy_command(mount.spec, running.url + mount.base_path, port),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_until_listening(process, url, "(not kept)")
            served = ThroughPrism(running, api, url)
            assert round_trip(served) >= 1
            assert served.problems == []
        finally:
            process.terminate()
            process.wait(timeout=10)


@pytest.mark.parametrize("name", CORPUS_DOCUMENTS)
def test_serve_spec_answers_conform_through_prism(name: str) -> None:
    """What ``serve --spec`` answers on the engine's round trip draws no violation from
    Prism: an independent reading of the document, beside the mock's own validation."""
    config = Config(
        specs=(str((CORPUS / name).resolve()),),
        leads=SEEDED,
        validate_responses=True,
        limits=Limits(keep_alive_seconds=600),
    )
    (api,) = document_apis(config)
    _round_trip_through_prism(config, api)


if DOCUMENT_VENDORS:
    # Only where a vendor is a document (none of the five built-in ones is): a test with no
    # case would be skipped, and nothing here is skipped silently.

    @pytest.mark.parametrize(("vendor", "api"), DOCUMENT_VENDORS)
    def test_a_document_vendors_answers_conform_through_prism(vendor: str, api: str) -> None:
        """A vendor that is a document (``document_profile``: a sixth one in a folder of
        ``LEADMOCK_VENDOR_PATH``) goes through Prism with no corpus written for it."""
        config = Config(
            vendors=(vendor,),
            leads=SEEDED,
            validate_responses=True,
            limits=Limits(keep_alive_seconds=600),
        )
        _round_trip_through_prism(config, api)
