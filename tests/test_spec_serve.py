"""``serve --spec``: every document of the corpus served over HTTP by the engine, through the
whole stack (gate, compiled path or Connexion, journal), with response validation on: an answer
that breaks the document is a 500, which the round trip would see."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft7Validator
from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.config import Config, ConfigError
from mockserver.engine import infer_model, read_document
from mockserver.engine.handlers import PROBLEM, Answer, Call, Engine
from mockserver.engine.model import Placed
from mockserver.registry import registry_for
from mockserver.vendorrecord import AcceptedCredentials
from tests.test_engine_answers import DOCUMENTS, SEEDED, Served, records_of, round_trip
from tests.test_engine_model import CORPUS, inline


def spec_config(*names: str, **options: Any) -> Config:
    specs = tuple(str((CORPUS / name).resolve()) for name in names)
    return Config(specs=specs, leads=SEEDED, validate_responses=True, **options)


class OverHttp(Served):
    """One document served by ``create_app(Config(specs=...))``, called over HTTP."""

    def __init__(self, name: str, **options: Any) -> None:
        config = spec_config(name, **options)
        self.mock = create_app(config)
        self.client = TestClient(self.mock)
        (self.api,) = self.mock.apis
        vendor, mount = registry_for(config).vendor_of(self.api, config)
        self.base_path = mount.base_path
        self.headers = vendor.checking().check_target(self.mock.facts[self.api]).headers
        self.document = read_document(CORPUS / name)
        self.model = infer_model(self.document)
        # The model and the store's collections, for the round trip's own lookups.
        self.engine = Engine(self.document, self.model, self.mock.store, api=self.api)

    def request(
        self, method: str, path: str, call: Call, *, headers: dict[str, str] | None = None
    ) -> Any:
        url = self.base_path + re.sub(
            r"\{([^}]+)\}", lambda m: str(call.path_params[m.group(1)]), path
        )
        content, sent = None, dict(self.headers if headers is None else headers)
        if call.body is not None:
            content = json.dumps(call.body)
            sent["Content-Type"] = self.body_media(method, path)
        return self.client.request(method, url, params=call.query, content=content, headers=sent)

    def body_media(self, method: str, path: str) -> str:
        item = self.document.resolve(self.document.spec["paths"][path])
        body = self.document.resolve(item[method.lower()].get("requestBody") or {})
        return next((m for m in body.get("content") or {} if "json" in m), "application/json")

    def call(self, resource: str, role: str, call: Call) -> Answer:
        found = self.engine.resources[resource]
        placed = next(p for p in found.operations if p.role == role)
        response = self.request(placed.method, placed.path, call)
        assert response.status_code < 500, response.text
        media = response.headers.get("content-type", "").split(";")[0]
        body = response.json() if response.content and "json" in media else None
        answer = Answer(response.status_code, body, media or "application/json")
        self.check(placed, answer)
        return answer

    def check(self, placed: Placed, answer: Answer) -> None:
        if answer.status >= 400:
            assert self.refusal_valid(placed, answer), answer
            return
        super().check(placed, answer)

    def refusal_valid(self, placed: Placed, answer: Answer) -> bool:
        """A refusal follows the schema its operation declares for it; where the operation
        declares none, one that another operation declares for that status (Intercom
        answers every 404 as an ``error.list``); where none does, it is problem+json."""
        item = self.document.resolve(self.document.spec["paths"][placed.path])
        responses = item[placed.method.lower()].get("responses") or {}
        schema = self.error_schema(str(answer.status), responses)
        candidates = [schema] if schema is not None else [
            found for _, _, operation, _ in self.document.operations()
            if (found := self.error_schema(str(answer.status), operation.get("responses") or {}))
        ]  # fmt: skip
        if not candidates:
            return answer.media_type == PROBLEM and answer.body["status"] == answer.status
        return answer.media_type == "application/json" and any(
            not list(Draft7Validator(inline(self.document, c)).iter_errors(answer.body))
            for c in candidates
        )

    def error_schema(self, status: str, responses: dict[str, Any]) -> Any:
        responses = {str(key): value for key, value in responses.items()}  # YAML's 404: is a number
        for key in (status, "default"):
            declared = self.document.resolve(responses.get(key) or {})
            for media, entry in (declared.get("content") or {}).items():
                if "json" in media and "schema" in entry:
                    return entry["schema"]
        return None

    def is_not_found(self, answer: Answer) -> bool:
        return answer.status == 404


@pytest.mark.parametrize("name", DOCUMENTS)
def test_a_round_trip_over_http_agrees_with_the_model(name: str) -> None:
    served = OverHttp(name)
    assert round_trip(served) >= 1
    # Every request of the trip is in the journal, under the document's API.
    entries = served.mock.journal.entries()
    assert entries and {e.api for e in entries} == {served.api}


def test_the_api_is_served_under_the_first_server_url_and_alone() -> None:
    served = OverHttp("contacts-crm.yaml")
    assert served.api == "contacts-crm" and served.base_path == "/api/v1"
    assert served.client.get("/api/v1/contacts").status_code == 200
    # Alone: no built-in API is served unless named.
    assert served.client.get("/public/v1/leads").status_code == 404


def test_beside_the_built_in_apis_each_keeps_its_own() -> None:
    mock = create_app(spec_config("contacts-crm.yaml", vendors=("overloop",)))
    assert sorted(mock.apis) == ["contacts-crm", "overloop"]
    client = TestClient(mock)
    assert client.get("/api/v1/contacts").status_code == 200
    key = mock.facts["overloop"]["api_key"]
    assert client.get("/public/v1/leads", headers={"Authorization": key}).status_code == 200


def test_a_list_filters_sorts_and_pages_over_http() -> None:
    served = OverHttp("contacts-crm.yaml")
    listed = served.client.get("/api/v1/contacts", params={"per_page": 30, "sort_by": "name",
                                                            "order": "desc"})  # fmt: skip
    names = [c["name"] for c in listed.json()["data"]]
    assert names == sorted(names, reverse=True) and listed.json()["meta"]["total"] == SEEDED
    status = listed.json()["data"][0]["status"]
    only = served.client.get("/api/v1/contacts", params={"status": status, "per_page": 30})
    assert only.json()["data"] and {c["status"] for c in only.json()["data"]} == {status}
    second = served.client.get("/api/v1/contacts", params={"page": 2, "per_page": 7})
    first = served.client.get("/api/v1/contacts", params={"page": 1, "per_page": 7})
    assert len(second.json()["data"]) == 7 and second.json()["data"] != first.json()["data"]


def test_a_cursor_pages_through_every_deal_once_over_http() -> None:
    served = OverHttp("deals-cursor.json")
    seen, cursor = [], None
    for _ in range(20):
        query = {"limit": 7, **({"after": cursor} if cursor else {})}
        answer = served.client.get("/crm/v3/deals", params=query, headers=served.headers)
        assert answer.status_code == 200, answer.text
        seen += [d["_id"] for d in answer.json()["results"]]
        cursor = answer.json().get("paging", {}).get("next", {}).get("after")
        if not cursor:
            break
    assert len(seen) == SEEDED == len(set(seen))


def test_credentials_follow_the_security_schemes() -> None:
    served = OverHttp("deals-cursor.json")
    assert served.headers == {"X-Api-Key": "leadmock-token"}
    missing = served.client.get("/crm/v3/deals")
    assert missing.status_code == 401
    assert missing.headers["content-type"] == PROBLEM and missing.json()["status"] == 401
    assert served.client.get("/crm/v3/deals", headers={"X-Api-Key": "any"}).status_code == 200
    # Named keys: only those pass.
    served.mock.serve_recording(None, AcceptedCredentials(api_keys=("k-1",)))
    assert served.client.get("/crm/v3/deals", headers={"X-Api-Key": "any"}).status_code == 401
    assert served.client.get("/crm/v3/deals", headers={"X-Api-Key": "k-1"}).status_code == 200
    # A reset keeps them: they are part of the state a reset returns to.
    served.mock.reset()
    assert served.client.get("/crm/v3/deals", headers={"X-Api-Key": "any"}).status_code == 401


def test_a_bearer_token_and_the_documents_error_shape() -> None:
    served = OverHttp("intercom-2.7.yaml")
    refused = served.client.get("/contacts", headers={})
    assert refused.status_code == 401
    # Intercom declares its 401: {type: error.list, errors: [{code, message}]}.
    answer = Answer(401, refused.json(), refused.headers["content-type"])
    placed = next(
        p for r in served.model.resources if r.name == "contacts" for p in r.operations
        if p.role == "list"
    )  # fmt: skip
    assert served.refusal_valid(placed, answer), refused.text
    assert refused.json()["type"] == "error.list"
    served.mock.serve_recording(None, AcceptedCredentials(tokens=("tok-1",)))
    bad = served.client.get("/contacts", headers={"Authorization": "Bearer other"})
    good = served.client.get("/contacts", headers={"Authorization": "Bearer tok-1"})
    assert (bad.status_code, good.status_code) == (401, 200)


def test_an_operation_the_model_cannot_place_is_static_and_marked() -> None:
    served = OverHttp("contacts-crm.yaml")
    merged = served.client.post("/api/v1/contacts/1/merge", json={"other": 2})
    assert merged.status_code == 200, merged.text
    paths = served.document.spec["paths"]
    answer = paths["/contacts/{contactId}/merge"]["post"]["responses"]["200"]
    assert merged.json() == answer["content"]["application/json"]["example"]
    entry = served.mock.journal.entries()[-1]
    assert entry.operation == "mergeContact" and entry.static
    assert entry.to_dict()["static"] is True
    # Without an example: a value generated from the schema (uspto's fields: a string).
    generated = OverHttp("uspto.yaml")
    fields = generated.client.get("/ds-api/oa_citations/v1/fields")
    assert fields.status_code == 200 and isinstance(fields.json(), str)
    assert generated.mock.journal.entries()[-1].static
    # A placed operation is not static.
    served.client.get("/api/v1/contacts")
    assert not served.mock.journal.entries()[-1].static
    assert "static" not in served.mock.journal.entries()[-1].to_dict()


def test_the_request_log_marks_a_static_answer() -> None:
    from mockserver.requestlog import json_line, text_line

    served = OverHttp("contacts-crm.yaml")
    served.client.post("/api/v1/contacts/1/merge", json={"other": 2})
    served.client.get("/api/v1/contacts/1")
    static, stateful = served.mock.journal.entries()[-2:]
    assert text_line(static).endswith(" static") and "static" not in text_line(stateful)
    assert json.loads(json_line(static))["static"] is True
    assert "static" not in json.loads(json_line(stateful))


def test_a_created_record_is_the_same_for_the_same_seed() -> None:
    bodies = []
    for _ in range(2):
        served = OverHttp("tickets-swagger.yaml")
        body = served.new_body("tickets")
        created = served.client.post("/api/v2/tickets", json=body)
        assert created.status_code in (200, 201), created.text
        bodies.append((created.json(), served.mock.store.dump()))
    (first, state), (second, again) = bodies
    assert first == second
    # Timestamps are the clock's; everything else, ids included, follows from the seed.
    assert _without_times(state) == _without_times(again)


_ANSWER_TEXT = """
import sys
from tests.test_spec_serve import OverHttp
served = OverHttp("contacts-crm.yaml")
sys.stdout.write(served.client.get("/api/v1/contacts", params={"per_page": 3}).text)
"""


def test_an_answer_is_the_same_bytes_whatever_the_interpreters_hashing() -> None:
    # Field order once followed a set of the document's required names, and so
    # PYTHONHASHSEED, which differs from process to process.
    import os
    import subprocess
    import sys

    texts = set()
    for hash_seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run(
            [sys.executable, "-c", _ANSWER_TEXT], env=env, cwd=Path(__file__).parent.parent,
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        texts.add(done.stdout)
    assert len(texts) == 1, texts
    assert '"total":30' in texts.pop()


def _without_times(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_times(v) for k, v in value.items() if "_at" not in k}
    if isinstance(value, list):
        return [_without_times(v) for v in value]
    return value


def test_a_document_that_cannot_be_served_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    from mockserver.cli import main
    from tests.processes import free_port

    bad = tmp_path / "bad.yaml"
    bad.write_text("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    get: 7\n")
    assert main(["serve", "--port", str(free_port()), "--spec", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "bad.yaml#/paths/~1x/get" in err, err
    assert "Traceback" not in err


def test_records_of_a_list_answer_are_the_documents_records() -> None:
    served = OverHttp("companies-jsonapi.yaml")
    answer = served.call("companies", "list", Call())
    companies = records_of(served.engine, "companies", answer.body)
    assert len(companies) == min(SEEDED, len(companies)) and companies


def test_the_fixture_class_serves_a_document_given_by_path() -> None:
    from mockserver.fixture import LeadMock

    mock = LeadMock(Config(leads=5), specs=[CORPUS / "contacts-crm.yaml"]).start()
    try:
        listed = httpx.get(mock.base_url("contacts-crm") + "/contacts")
        assert listed.status_code == 200 and listed.json()["meta"]["total"] == 5
        assert mock.mock.apis == ["contacts-crm"]
    finally:
        mock.stop()


def test_the_pytest_marker_ini_and_option_serve_documents(pytester: pytest.Pytester) -> None:
    crm = (CORPUS / "contacts-crm.yaml").resolve()
    deals = (CORPUS / "deals-cursor.json").resolve()
    pytester.makeini(f"[pytest]\nleadmock_specs =\n    {crm}\nleadmock_leads = 4\n")
    pytester.makepyfile(
        test_documents=f"""
import httpx
import httpx
import pytest


def get(leadmock, path, **headers):
    return httpx.get(leadmock.url + path, headers=headers)


def test_ini(leadmock):
    assert leadmock.mock.apis == ["contacts-crm"]
    assert get(leadmock, "/api/v1/contacts").json()["meta"]["total"] == 4


@pytest.mark.leadmock(specs=[{str(deals)!r}], leads=3)
def test_marker(leadmock):
    assert leadmock.mock.apis == ["deals-cursor"]
    assert leadmock.base_url("deals-cursor").endswith("/crm/v3")
    answer = get(leadmock, "/crm/v3/deals", **{{"X-Api-Key": "k"}})
    assert answer.status_code == 200 and len(answer.json()["results"]) == 3


@pytest.mark.leadmock(specs="one.yaml")
def test_not_a_list(leadmock):
    pass
"""
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*specs is a list of file paths, not 'one.yaml'*"])
    # The command line's documents replace the ini's.
    pytester.makepyfile(
        test_documents="""
def test_option(leadmock):
    assert leadmock.mock.apis == ["deals-cursor"]
"""
    )
    outcome = pytester.runpytest("-p", "no:cacheprovider", "--leadmock-spec", str(deals))
    outcome.assert_outcomes(passed=1)


def call(served: Any, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """One request on a connection of its own, so that either worker may answer it."""
    headers = {"Connection": "close", **kwargs.pop("headers", {})}
    return httpx.request(method, served.url + path, headers=headers, timeout=10, **kwargs)


def test_a_served_document_over_redis_with_two_workers_and_the_admin_plane(
    redis_url: str,
) -> None:
    """``leadmock serve --spec``: one state across workers; faults, reset, re-seed, the
    journal, CORS and the request log work on a document's API as on the built-in ones."""
    from tests.processes import serve

    crm = str((CORPUS / "contacts-crm.yaml").resolve())
    served = serve("--spec", crm, "--store", redis_url, "--workers", "2", "--leads", "7")
    try:
        created = call(served, "POST", "/api/v1/contacts", json={"name": "Ada Lovelace"})
        assert created.status_code == 201, created.text
        number = created.json()["data"]["id"]
        # Read back through whichever worker answers, ten times.
        for _ in range(10):
            got = call(served, "GET", f"/api/v1/contacts/{number}")
            assert got.status_code == 200 and got.json()["data"]["name"] == "Ada Lovelace"
        # A fault on one operation, by its operationId, answered in the document's shape.
        fault = {"api": "contacts-crm", "operation": "listContacts", "status": 503}
        assert call(served, "POST", "/__admin/faults", json=fault).status_code in (200, 201)
        failing = call(served, "GET", "/api/v1/contacts")
        assert failing.status_code == 503
        assert failing.headers["content-type"] == PROBLEM and failing.json()["status"] == 503
        assert call(served, "GET", f"/api/v1/contacts/{number}").status_code == 200
        # The journal names the document's operations; the admin plane's reset clears all.
        journal = call(served, "GET", "/__admin/journal").json()
        operations = {entry["operation"] for entry in journal}
        assert {"createContact", "getContact", "listContacts"} <= operations
        assert call(served, "POST", "/__admin/reset").status_code in (200, 204)
        assert call(served, "GET", f"/api/v1/contacts/{number}").status_code == 404
        listed = call(served, "GET", "/api/v1/contacts")
        assert listed.status_code == 200 and listed.json()["meta"]["total"] == 7
        # Another seed: other records, the same count.
        facts = call(served, "POST", "/__admin/seed", json={"seed": 5, "leads": 3}).json()
        assert facts["contacts-crm"]["records"]["contacts"] == 3
        names = [c["name"] for c in call(served, "GET", "/api/v1/contacts").json()["data"]]
        assert len(names) == 3 and names != [c["name"] for c in listed.json()["data"]][:3]
        # A browser on another origin may call it.
        asking = {"Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST"}
        preflight = call(served, "OPTIONS", "/api/v1/contacts", headers=asking)
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "http://localhost:3000"
    finally:
        out, _ = served.stop()
    # The request log has a line per request, under the document's API.
    assert re.search(r"POST /api/v1/contacts 201 contacts-crm createContact", out), out


def test_prefer_answers_a_documents_example_and_a_fault_header_its_error() -> None:
    served = OverHttp("contacts-crm.yaml")
    preferred = served.client.post(
        "/api/v1/contacts/3/merge", json={"other": 1}, headers={"Prefer": "code=200"}
    )
    paths = served.document.spec["paths"]
    example = paths["/contacts/{contactId}/merge"]["post"]["responses"]["200"]["content"][
        "application/json"
    ]["example"]
    assert preferred.status_code == 200 and preferred.json() == example
    undocumented = served.client.get("/api/v1/contacts", headers={"Prefer": "code=418"})
    assert undocumented.status_code == 400
    assert undocumented.headers["content-type"] == PROBLEM
    faulted = served.client.get("/api/v1/contacts", headers={"X-Leadmock-Fault": "status=429"})
    assert faulted.status_code == 429 and faulted.json()["status"] == 429


def test_documents_from_leadmock_toml_and_the_environment(tmp_path: Path) -> None:
    from tests.processes import serve

    crm = (CORPUS / "contacts-crm.yaml").resolve()
    deals = (CORPUS / "deals-cursor.json").resolve()
    (tmp_path / "leadmock.toml").write_text(f'spec = ["{crm}"]\nleads = 3\n')
    from_file = serve("--quiet", cwd=tmp_path)
    try:
        listed = httpx.get(f"{from_file.url}/api/v1/contacts")
        assert listed.status_code == 200 and listed.json()["meta"]["total"] == 3
    finally:
        out, _ = from_file.stop()
    assert f"Options from  {tmp_path / 'leadmock.toml'}" in out
    from_env = serve("--quiet", env={"LEADMOCK_SPEC": f"{crm},{deals}"}, cwd=tmp_path)
    try:
        assert httpx.get(f"{from_env.url}/api/v1/contacts").status_code == 200
        deals_answer = httpx.get(f"{from_env.url}/crm/v3/deals", headers={"X-Api-Key": "k"})
        assert deals_answer.status_code == 200
    finally:
        from_env.stop()


def test_the_proxy_checks_an_upstream_against_a_document() -> None:
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from contracts.proxy import Proxy

    config = spec_config("contacts-crm.yaml")
    registry = registry_for(config)
    faithful = create_app(config)
    proxy = Proxy("contacts-crm", "http://upstream/api/v1", registry=registry,
                  transport=httpx.ASGITransport(app=faithful))  # fmt: skip
    with TestClient(proxy) as client:
        created = client.post("/contacts", json={"name": "Ada Lovelace"})
        assert created.status_code == 201, created.text
        assert client.get(f"/contacts/{created.json()['data']['id']}").status_code == 200
        assert client.get("/contacts", params={"per_page": 3}).status_code == 200
    report = proxy.drift.report()
    assert sum(report.checks_by_phase.values()) > 0 and report.failures == []
    assert [entry.operation for entry in proxy.journal.entries()] == [
        "createContact", "getContact", "listContacts"]  # fmt: skip

    async def broken(request: Any) -> JSONResponse:
        return JSONResponse({"data": [{"name": 5}], "meta": {"total": "many"}})

    upstream = Starlette(routes=[Route("/api/v1/contacts", broken)])
    checked = Proxy("contacts-crm", "http://upstream/api/v1", registry=registry,
                    transport=httpx.ASGITransport(app=upstream))  # fmt: skip
    with TestClient(checked) as client:
        answer = client.get("/contacts")
    assert answer.status_code == 200 and answer.json()["meta"]["total"] == "many"
    failures = checked.drift.report().failures
    # Each violation apart: a name that is a number, a total that is not.
    assert {f.check for f in failures} == {"response_schema_conformance"}, failures
    assert len(failures) >= 2


def test_the_proxy_command_needs_an_api_or_a_document(capsys: pytest.CaptureFixture) -> None:
    from mockserver.cli import main

    assert main(["proxy", "--upstream", "http://127.0.0.1:9"]) == 2
    assert "name the API, or give --spec FILE" in capsys.readouterr().err
    assert main(["proxy", "nope", "--upstream", "http://127.0.0.1:9"]) == 2
    assert "unknown API or vendor 'nope'" in capsys.readouterr().err


def test_read_only_fields_are_the_servers_and_write_only_ones_never_answered() -> None:
    served = OverHttp("contacts-crm.yaml")
    sent = {"name": "Ada Lovelace", "portal_password": "correct horse", "id": 999,
            "created_at": "1999-01-01T00:00:00Z"}  # fmt: skip
    created = served.client.post("/api/v1/contacts", json=sent)
    assert created.status_code == 201, created.text
    answered = created.json()["data"]
    assert "portal_password" not in answered
    assert answered["id"] != 999 and answered["created_at"] != sent["created_at"]
    stored = served.mock.store.get("contacts-crm:contacts", str(answered["id"]))
    assert stored["portal_password"] == "correct horse"
    got = served.client.get(f"/api/v1/contacts/{answered['id']}").json()["data"]
    listed = served.client.get("/api/v1/contacts", params={"per_page": 100}).json()["data"]
    assert "portal_password" not in got and all("portal_password" not in c for c in listed)


def test_check_and_operations_take_a_document_against_a_served_one() -> None:
    """``leadmock check --spec FILE --base-url URL`` against ``leadmock serve --spec FILE``
    moved elsewhere by ``--base-path``; ``leadmock operations --spec`` lists its routes."""
    from tests.processes import leadmock, serve

    crm = str((CORPUS / "contacts-crm.yaml").resolve())
    served = serve("--spec", crm, "--base-path", "contacts-crm=/crm", "--quiet")
    try:
        banner = served.process.stdout.readline() + served.process.stdout.readline()
        assert f"contacts-crm  {served.url}/crm/  (Contacts CRM" in banner, banner
        assert httpx.get(f"{served.url}/crm/contacts").status_code == 200
        assert httpx.get(f"{served.url}/api/v1/contacts").status_code == 404
        checked = leadmock(
            "check", "--spec", crm, "--base-url", f"{served.url}/crm", "--max-examples", "3",
            "--phases", "examples,fuzzing,stateful",
        )  # fmt: skip
    finally:
        served.stop()
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert re.search(r"contacts-crm: \d+ checks over \d+ operations, 0 failures", checked.stdout)
    listed = leadmock("operations", "--spec", crm)
    assert listed.returncode == 0
    assert re.search(r"GET /api/v1/contacts/\{contactId\}\s+getContact", listed.stdout)
    bad = leadmock("check", "--spec", "/no/such.yaml")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "such.yaml" in bad.stderr


def test_a_documents_operations_go_through_the_compiled_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from mockserver import fastpath

    answered: list[tuple[str, bool]] = []
    original = fastpath.CompiledPath.answer

    async def noting(self: Any, scope: Any, operation: Any, *args: Any) -> bool:
        done = await original(self, scope, operation, *args)
        answered.append((operation.operation_id, done))
        return done

    monkeypatch.setattr(fastpath.CompiledPath, "answer", noting)
    served = OverHttp("deals-cursor.json")
    first = served.client.get("/crm/v3/deals", headers=served.headers).json()["results"][0]
    served.client.get(f"/crm/v3/deals/{first['_id']}", headers=served.headers)
    served.client.get("/crm/v3/deals", params={"stage": first["stage"]}, headers=served.headers)
    created = served.client.post("/crm/v3/deals", json={"dealname": "Bench", "amount": 10},
                                 headers=served.headers)  # fmt: skip
    assert created.status_code == 200, created.text
    assert answered == [("listDeals", True), ("getDeal", True), ("listDeals", True),
                        ("createDeal", True)]  # fmt: skip


def test_a_body_over_the_limit_is_refused_in_the_documents_error_shape() -> None:
    from mockserver.limits import Limits

    served = OverHttp("intercom-2.7.yaml", limits=Limits(body_bytes=200))
    refused = served.client.post(
        "/contacts", json={"email": "a@example.com", "name": "x" * 500}, headers=served.headers
    )
    assert refused.status_code == 413
    # No operation of Intercom's declares a 413 (nor a default): problem+json says it.
    assert refused.headers["content-type"] == PROBLEM
    assert refused.json()["status"] == 413 and "200 bytes" in refused.json()["detail"]
    # A 401 it declares: in its own shape.
    unsigned = served.client.post("/contacts", json={"email": "a@example.com"})
    assert unsigned.status_code == 401 and unsigned.json()["type"] == "error.list"
    assert served.mock.store.query("intercom-2-7:contacts")[1] == SEEDED  # nothing written


def test_an_override_file_corrects_what_serve_spec_does(tmp_path: Path) -> None:
    fix = tmp_path / "fix.yaml"
    fix.write_text("static: [deleteContact]\n")
    served = OverHttp("contacts-crm.yaml", overrides={"contacts-crm": str(fix)})
    # deleteContact is static now: answered from the document, the record left in place.
    assert served.client.delete("/api/v1/contacts/1").status_code == 204
    assert served.client.get("/api/v1/contacts/1").status_code == 200
    assert served.mock.journal.entries()[0].static
    # An override for no served document, or a key it does not know, is refused in one line.
    with pytest.raises(ConfigError, match="--overrides crm: no document is served as crm"):
        create_app(spec_config("contacts-crm.yaml", overrides={"crm": str(fix)}))
    fix.write_text("static: [deleteContacts]\n")
    with pytest.raises(ConfigError, match="did you mean 'deleteContact'"):
        create_app(spec_config("contacts-crm.yaml", overrides={"contacts-crm": str(fix)}))
