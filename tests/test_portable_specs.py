"""The specs work in the tools users copy them into: any YAML reader reads them alike, Spectral
finds no error, their security schemes are ones every tool knows, and they declare everything
the mock answers (Prism's proxy checks the answers themselves: ``test_prism_proxy.py``)."""

from __future__ import annotations

import base64
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from connexion.json_schema import resolve_refs
from jsonschema import Draft4Validator
from ruamel.yaml import YAML
from starlette.testclient import TestClient

from mockserver import Config, Mock, create_app
from tests import nodetools
from tests.vendors.leads_crm_documented import DOCUMENTED

ROOT = nodetools.ROOT
SPECS = sorted((ROOT / "specs").glob("*.yaml"))
MOUNTS = {
    "tiledesk-v1.yaml": "/v1",
    "tiledesk-v2.yaml": "/v2",
    "tiledesk-v3.yaml": "/v3",
    "overloop.yaml": "/public/v1",
    "leads-crm.yaml": "/api/v1",
}
TILEDESK = [f"tiledesk-v{v}.yaml" for v in (1, 2, 3)]
PROJECT = "5b55e806c93dde00143163dd"
LEAD = "5c81593adf767b0017d1aa66"
OWNER = ("andrea.leo@f21.it", "123456")
METHODS = ("get", "put", "post", "delete", "patch")


def spec(name: str) -> dict[str, Any]:
    return yaml.safe_load((ROOT / "specs" / name).read_text())


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


@pytest.fixture(scope="module")
def mock() -> Mock:
    return create_app(Config())


@pytest.fixture()
def client(mock: Mock) -> TestClient:
    mock.reset()
    with TestClient(mock) as client:
        yield client


# -- any reader reads them alike ---------------------------------------------------------


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_a_spec_has_no_anchors_aliases_or_merge_keys(path: Path) -> None:
    """Merge keys are YAML 1.1 only, and tools that drop them lose whole operations."""
    found = []
    for event in yaml.parse(path.read_text()):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            found.append(f"line {event.start_mark.line + 1}: {type(event).__name__}")
        if isinstance(event, yaml.ScalarEvent) and event.value == "<<" and event.plain_implicit:
            found.append(f"line {event.start_mark.line + 1}: merge key")
    assert found == []


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_a_yaml_1_2_reader_reads_a_spec_as_pyyaml_and_connexion_do(
    path: Path, client: TestClient
) -> None:
    strict = YAML(typ="safe", pure=True)
    strict.version = (1, 2)
    as_1_2 = strict.load(path.read_text())
    as_1_1 = yaml.safe_load(path.read_text())
    # Through JSON: what a JSON-only tool sees of each.
    assert json.loads(json.dumps(as_1_2)) == json.loads(json.dumps(as_1_1))
    served = client.get(f"{MOUNTS[path.name]}/openapi.json").json()
    resolved = json.loads(json.dumps(resolve_refs(as_1_2)))
    # Connexion serves its own base path as the server, and the document with refs resolved.
    served.pop("servers")
    resolved.pop("servers")
    assert served == resolved


_JSON = ("--format", "json", "--quiet")


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_spectral_finds_no_error_in_a_spec(path: Path) -> None:
    spectral = nodetools.spectral()
    done = subprocess.run(
        [str(spectral), "lint", str(path), "--ruleset", str(ROOT / ".spectral.yaml"), *_JSON],
        capture_output=True,
        text=True,
        timeout=300,
    )
    results, _ = json.JSONDecoder().raw_decode(done.stdout.strip() or "[]")
    errors = [
        f"{r['code']} at {'.'.join(map(str, r['path']))}: {r['message']}"
        for r in results
        if r["severity"] == 0
    ]
    assert errors == [] and done.returncode == 0, done.stderr[-500:]


# -- Tiledesk's JWT, the sign-in, the lead's key --------------------------------------------


@pytest.mark.parametrize("name", TILEDESK)
def test_tiledesk_jwt_is_an_api_key_on_the_authorization_header(name: str) -> None:
    scheme = spec(name)["components"]["securitySchemes"]["jwtAuth"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    assert "JWT <token>" in scheme["description"]


@pytest.mark.parametrize("version", ["v1", "v2", "v3"])
def test_a_jwt_and_basic_both_still_answer(client: TestClient, version: str) -> None:
    signed = client.post(f"/{version}/auth/signin", json={"email": OWNER[0], "password": OWNER[1]})
    token = signed.json()["token"]
    leads = f"/{version}/{PROJECT}/leads/{LEAD}"
    assert client.get(leads, headers={"Authorization": token}).status_code == 200
    assert client.get(leads, headers={"Authorization": token.lower()[:4] + token[4:]}).json()
    basic = "Basic " + base64.b64encode(":".join(OWNER).encode()).decode()
    assert client.get(leads, headers={"Authorization": basic}).status_code == 200
    wrong = client.get(leads, headers={"Authorization": token[:-3] + "xyz"})
    assert (wrong.status_code, wrong.text) == (401, "Unauthorized")


@pytest.mark.parametrize("name", TILEDESK)
def test_the_signin_schema_requires_what_the_server_checks(name: str) -> None:
    schema = spec(name)["components"]["schemas"]["SigninRequest"]
    assert schema["required"] == ["email", "password"]
    assert schema["properties"]["password"]["minLength"] == 1


@pytest.mark.parametrize("version", ["v1", "v2", "v3"])
@pytest.mark.parametrize(
    ("body", "failing"),
    [
        ({}, ["email", "password"]),
        ({"email": "andrea.leo@f21.it"}, ["password"]),
        ({"email": "andrea.leo@f21.it", "password": ""}, ["password"]),
        ({"email": "nope", "password": "123456"}, ["email"]),
        ({"password": 5}, ["email", "password"]),
    ],
)
def test_a_signin_missing_a_field_is_the_servers_422(
    client: TestClient, version: str, body: dict, failing: list[str]
) -> None:
    for sent in (
        client.post(f"/{version}/auth/signin", json=body),
        client.post(f"/{version}/auth/signin", data={k: str(v) for k, v in body.items()}),
    ):
        assert sent.status_code == 422, sent.text
        errors = sent.json()["errors"]
        if sent.request.headers.get("content-type", "").startswith("application/json"):
            assert [e["param"] for e in errors] == failing
        assert all(e["msg"] == "Invalid value" and e["location"] == "body" for e in errors)


@pytest.mark.parametrize("name", TILEDESK)
def test_tiledesk_records_that_the_leads_key_is_id_in_the_table_and_id_in_the_examples(
    name: str,
) -> None:
    document = spec(name)
    assert "names the lead's key `id`" in document["info"]["description"]
    lead = document["components"]["schemas"]["Lead"]["properties"]
    assert "_id" in lead and "id" not in lead


# -- every status the mock sends is declared -------------------------------------------------


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_every_operation_declares_the_limits_and_the_rate_limit(path: Path) -> None:
    undeclared = [
        f"{method.upper()} {template}: {status}"
        for template, method, operation in operations(spec(path.name))
        for status in ("400", "408", "413", "429")
        if status not in operation["responses"]
    ]
    assert undeclared == []


@pytest.mark.parametrize("name", sorted(MOUNTS))
def test_a_too_large_body_on_any_operation_answers_the_declared_413(
    client: TestClient, mock: Mock, name: str
) -> None:
    document = spec(name)
    resolved = resolve_refs(document)
    oversized = b"x" * (mock.config.limits.body_bytes + 1)
    for template, method, operation in operations(resolved):
        path = MOUNTS[name] + re.sub(r"\{[^}]+\}", "1", template)
        answer = client.request(method.upper(), path, content=oversized)
        assert answer.status_code == 413, (method, path)
        declared = operation["responses"]["413"]["content"]
        media = answer.headers["content-type"].split(";")[0]
        schema = declared[media]["schema"]
        body = answer.json() if "json" in media else answer.text
        assert list(Draft4Validator(schema).iter_errors(body)) == [], (method, path, body)


# -- Overloop's own words --------------------------------------------------------------------


def test_overloop_refuses_every_invalid_document_with_a_422_pointer(
    client: TestClient, mock: Mock
) -> None:
    headers = {
        "Authorization": mock.facts["overloop"]["api_key"],
        "Content-Type": "application/vnd.api+json",
    }
    cases = {
        "{}": ("/data", "can't be blank"),
        '{"data": {}}': ("/data/type", "can't be blank"),
        '{"data": {"type": "leads", "attributes": {"email": 5}}}': (
            "/data/attributes/email",
            "must be a string or null",
        ),
    }
    for body, (pointer, detail) in cases.items():
        answer = client.post("/public/v1/leads", headers=headers, content=body)
        assert answer.status_code == 422
        assert answer.json() == {"errors": [{"source": {"pointer": pointer}, "detail": detail}]}
    assert "422" in spec("overloop.yaml")["paths"]["/leads"]["post"]["responses"]


# -- Leads & CRM's messages in the spec ------------------------------------------------------

_SUFFIXES = ("_sample_path", "_heading_path", "_versioned_sample_path")


def _canonical(operation_id: str) -> str:
    for suffix in _SUFFIXES:
        operation_id = operation_id.removesuffix(suffix)
    return operation_id


def test_every_documented_leads_crm_message_is_an_example_of_its_operation() -> None:
    document = resolve_refs(spec("leads-crm.yaml"))
    missing = []
    covered = set()
    for template, method, operation in operations(document):
        documented = DOCUMENTED.get(_canonical(operation["operationId"]), {})
        covered.add(_canonical(operation["operationId"]))
        for status, fields in documented.items():
            content = operation["responses"][str(status)]["content"]["application/json"]
            shown = [
                (field, message)
                for example in content.get("examples", {}).values()
                for field, messages in example["value"]["errors"].items()
                for message in messages
            ]
            for field, messages in fields.items():
                for message in messages:
                    pattern = re.escape(message).replace("<status>", ".+").replace("<source>", ".+")
                    if not any(f == field and re.fullmatch(pattern, m) for f, m in shown):
                        missing.append(f"{method.upper()} {template} {status} {field}: {message}")
    assert missing == []
    assert set(DOCUMENTED) <= covered


def test_leads_crm_reports_schema_failures_before_lookups(client: TestClient, mock: Mock) -> None:
    """As the spec now says: a bad date format and an unknown slug report the date only."""
    facts = mock.facts["leads-crm"]
    headers = {"apikey": facts["api_key"], "Authorization": f"Bearer {facts['access_token']}"}
    body = {
        "slug": "nobody-here",
        "appointment_date": "tomorrow",
        "appointment_to": "2031-05-04 10:30",
    }
    answer = client.post("/api/v1/leads/create/appointment/", headers=headers, json=body)
    assert answer.status_code == 400
    assert list(answer.json()["errors"]) == ["appointment_date"]
    described = " ".join(spec("leads-crm.yaml")["info"]["description"].split())
    assert "run only once every field passes its schema" in described


# -- Tiledesk's 400s in its own shape, in plain words ---------------------------------------


@pytest.mark.parametrize("version", ["v1", "v2", "v3"])
def test_tiledesk_400s_name_the_field_in_plain_words(client: TestClient, version: str) -> None:
    leads = f"/{version}/{PROJECT}/leads"
    cases = [
        ("POST", leads, {"lead_id": "a", "fullname": 5}, "fullname must be a string"),
        ("PUT", f"{leads}/{LEAD}", {"tags": "vip"}, "tags must be an array or null"),
        ("PUT", f"{leads}/{LEAD}", {"attributes": []}, "attributes must be an object or null"),
    ]
    for method, path, body, message in cases:
        answer = client.request(method, path, json=body, auth=OWNER)
        assert answer.status_code == 400
        assert answer.json() == {"success": False, "msg": message}
