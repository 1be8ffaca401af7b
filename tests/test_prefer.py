"""Prism's ``Prefer: code=`` and ``Prefer: example=``: every documented status of every
operation of every API answers its documented example, in the spec's media type, and fits the
spec; what an operation does not document is a 400 in the vendor's shape that lists what it
does."""

from __future__ import annotations

import re
from typing import Any

import orjson
import pytest
from openapi_schema_validator import OAS30Validator
from starlette.testclient import TestClient

from mockserver import Config, create_app
from mockserver.specfiles import load_spec
from mockserver.vendors import VENDORS
from tests.test_specs import inline_refs

MOUNTS = [(mount.name, mount.base_path, mount.spec) for v in VENDORS for mount in v.mounts]
METHODS = ("get", "put", "post", "delete", "patch")


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(Config(leads=2)))


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, a concrete path, the operation with its refs inlined) for each operation."""
    found = []
    for template, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                path = re.sub(r"\{[^}]+\}", "1", template)
                found.append((method, path, inline_refs(item[method], spec)))
    return found


def media(response: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    content = response.get("content", {})
    return next(iter(content.items())) if content else None


def first_example(content: dict[str, Any]) -> Any:
    if "example" in content:
        return content["example"]
    examples = content.get("examples", {})
    return next(iter(examples.values()))["value"] if examples else None


def parsed(answer: Any) -> Any:
    if "json" in answer.headers["content-type"]:
        return orjson.loads(answer.content)
    return answer.text


@pytest.mark.parametrize(("api", "base_path", "spec_file"), MOUNTS)
def test_prefer_code_answers_each_documented_status_with_its_example(
    client: TestClient, api: str, base_path: str, spec_file: str
) -> None:
    spec = load_spec(spec_file)
    asked = left_to_handler = 0
    for method, path, operation in operations(spec):
        for code, response in operation["responses"].items():
            found = media(response)
            example = first_example(found[1]) if found else None
            if example is None and int(code) < 400:
                left_to_handler += 1  # a success documented without an example: the state's
                continue
            answer = client.request(method, base_path + path, headers={"Prefer": f"code={code}"})
            where = f"{api} {method.upper()} {path} code={code}"
            assert answer.status_code == int(code), where
            asked += 1
            if example is not None:
                media_type, content = found  # type: ignore[misc]
                assert answer.headers["content-type"].startswith(media_type), where
                assert parsed(answer) == example, where
                assert answer.headers["preference-applied"] == f"code={code}"
                schema = content.get("schema")
                if schema is not None and "json" in media_type:
                    errors = list(OAS30Validator(schema).iter_errors(parsed(answer)))
                    assert not errors, (where, errors[0].message)
    assert asked > 30 and left_to_handler <= 1, (asked, left_to_handler)


@pytest.mark.parametrize(("api", "base_path", "spec_file"), MOUNTS)
def test_prefer_example_answers_that_named_example(
    client: TestClient, api: str, base_path: str, spec_file: str
) -> None:
    spec = load_spec(spec_file)
    named = 0
    for method, path, operation in operations(spec):
        for code, response in operation["responses"].items():
            found = media(response)
            for name, example in (found[1].get("examples", {}) if found else {}).items():
                answer = client.request(
                    method,
                    base_path + path,
                    headers={"Prefer": f'code={code}, example="{name}"'},
                )
                assert answer.status_code == int(code), (api, path, name)
                assert parsed(answer) == example["value"], (api, path, name)
                assert answer.headers["preference-applied"] == f"code={code}, example={name}"
                named += 1
    assert named > 0


def test_what_an_operation_does_not_document_is_a_400_in_the_vendors_shape(
    client: TestClient,
) -> None:
    lead = "/v3/5b55e806c93dde00143163dd/leads/1"
    undocumented = client.get(lead, headers={"Prefer": "code=418"})
    assert undocumented.status_code == 400
    assert undocumented.json() == {
        "success": False,
        "msg": "Prefer: code=418 is not documented for get_lead; "
        "documented: 200, 400, 401, 403, 404, 429, 408, 413",
    }
    unknown = client.get("/public/v1/leads", headers={"Prefer": "example=nope"})
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["message"].startswith(
        "Prefer: example=nope is not an example of list_leads; its examples: "
    )
    # Preferences that ask nothing of leadmock are ignored, as RFC 7240 wants.
    plain = client.get(lead, headers={"Prefer": "return=minimal"})
    assert plain.status_code == 401 and "preference-applied" not in plain.headers


@pytest.mark.parametrize("framework", ["async", "flask"])
def test_prefer_is_journalled_under_its_operation_in_both_frameworks(framework: str) -> None:
    mock = create_app(Config(leads=2, framework=framework))
    with TestClient(mock) as client:
        answer = client.get("/public/v1/leads/1", headers={"Prefer": "code=404"})
    assert answer.status_code == 404
    entry = mock.journal.entries()[-1]
    assert (entry.api, entry.operation, entry.status) == ("overloop", "get_lead", 404)
