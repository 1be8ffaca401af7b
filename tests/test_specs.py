"""Every spec stands alone: it validates, and each example it holds fits its own schema."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate

from mockserver.specfiles import spec_path
from mockserver.vendors import VENDORS

SPECS = [mount.spec for vendor in VENDORS for mount in vendor.mounts]


def load(name: str) -> dict[str, Any]:
    return yaml.safe_load(spec_path(name).read_text())


def inline_refs(node: Any, root: dict[str, Any]) -> Any:
    """The document with every local ``$ref`` replaced by what it points at."""
    if isinstance(node, dict):
        if "$ref" in node:
            target: Any = root
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            return inline_refs(target, root)
        return {key: inline_refs(value, root) for key, value in node.items()}
    if isinstance(node, list):
        return [inline_refs(item, root) for item in node]
    return node


def examples_with_schemas(node: Any, where: str = "") -> list[tuple[str, Any, dict]]:
    """(location, example, schema) for every example in a fully inlined document."""
    found = []
    if isinstance(node, dict):
        schema = node.get("schema")
        if isinstance(schema, dict):
            if "example" in node:
                found.append((where, node["example"], schema))
            for name, example in node.get("examples", {}).items():
                found.append((f"{where}/examples/{name}", example["value"], schema))
        if "example" in node and "type" in node and "schema" not in node:
            found.append((f"{where}/example", node["example"], node))
        for key, value in node.items():
            if key not in ("example", "examples"):
                found += examples_with_schemas(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            found += examples_with_schemas(item, f"{where}/{index}")
    return found


@pytest.mark.parametrize("name", SPECS)
def test_spec_is_valid_openapi(name: str) -> None:
    validate(load(name))


@pytest.mark.parametrize("name", SPECS)
def test_every_example_fits_its_schema(name: str) -> None:
    spec = load(name)
    found = examples_with_schemas(inline_refs(spec["paths"], spec), "#/paths")
    # The walker finds the shipped documents' examples (a vendor's own document may have few).
    assert len(found) >= (1 if Path(name).is_absolute() else 10)
    errors = []
    for where, example, schema in found:
        for error in OAS30Validator(schema).iter_errors(example):
            errors.append(f"{where}: {error.message}")
    assert errors == []


@pytest.mark.parametrize("name", SPECS)
def test_spec_is_self_contained(name: str) -> None:
    text = Path(spec_path(name)).read_text()
    refs = [line for line in text.splitlines() if "$ref" in line]
    assert refs and all('"#/' in line for line in refs)
    # No Connexion-only keys: the mock binds handlers and auth itself, so the spec stays portable.
    assert not re.search(r"^\s*x-(openapi-router-controller|\w*InfoFunc):", text, re.MULTILINE)


@pytest.mark.parametrize("name", SPECS)
def test_connexions_own_check_passes(name: str) -> None:
    """The check the app skips at start-up for the shipped specs (``app._shipped_specs_trusted``)
    is run here, as Connexion would run it."""
    from connexion.spec import OpenAPISpecification

    from mockserver.specfiles import load_spec

    OpenAPISpecification._validate_spec(load_spec(name))
