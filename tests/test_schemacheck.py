"""The compiled body checks never accept what Connexion's validator refuses, and accept what it
accepts for the schemas the specs use (so the compiled path answers, and answers rightly)."""

from __future__ import annotations

from typing import Any

import pytest
from connexion.json_schema import Draft4RequestValidator, resolve_refs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft4Validator

from mockserver.schemacheck import compile_check
from mockserver.specfiles import load_spec
from mockserver.vendors import VENDORS

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=6)
    ),
    max_leaves=12,
)


def body_schemas() -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    found = []
    for vendor in VENDORS:
        for mount in vendor.mounts:
            spec = resolve_refs(load_spec(mount.spec))
            for template, item in spec["paths"].items():
                for method, operation in item.items():
                    if not isinstance(operation, dict):
                        continue
                    content = (operation.get("requestBody") or {}).get("content", {})
                    for media, entry in content.items():
                        if media.endswith("json"):
                            label = f"{mount.name} {method.upper()} {template}"
                            found.append((label, entry["schema"], spec.get("components", {})))
    return found


SCHEMAS = body_schemas()


def reference(schema: dict[str, Any], components: dict[str, Any]) -> Any:
    return Draft4RequestValidator(
        {**schema, "components": components}, format_checker=Draft4Validator.FORMAT_CHECKER
    )


@pytest.mark.parametrize(("label", "schema", "components"), SCHEMAS, ids=[s[0] for s in SCHEMAS])
@settings(max_examples=150, suppress_health_check=list(HealthCheck), deadline=None)
@given(data=st.data())
def test_agrees_with_connexions_validator(
    label: str, schema: dict[str, Any], components: dict[str, Any], data: st.DataObject
) -> None:
    check, expected = compile_check(schema, components), reference(schema, components)
    value = data.draw(st.one_of(JSON, shaped(schema)))
    # Never more lenient; on these schemas, never stricter either.
    assert check(value) == expected.is_valid(value), value


def shaped(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Objects with the schema's own property names (nested once), so most keywords are met."""
    names = list(schema.get("properties", {}))
    if not names:
        return JSON
    values = st.one_of(
        JSON, st.text(min_size=0, max_size=300), st.emails(), shaped_inner(schema, names)
    )
    return st.dictionaries(st.sampled_from(names), values, max_size=len(names))


def shaped_inner(schema: dict[str, Any], names: list[str]) -> st.SearchStrategy[Any]:
    inner = [schema["properties"][n] for n in names if schema["properties"][n].get("properties")]
    if not inner:
        return JSON
    return st.one_of([shaped(sub) for sub in inner])


@pytest.mark.parametrize(
    ("schema", "value"),
    [
        ({"type": "integer"}, 1.0),
        ({"type": "integer"}, True),
        ({"type": "string", "nullable": True}, None),
        ({"type": "string"}, None),
        ({"enum": [1]}, True),
        ({"type": "string", "pattern": "^a$"}, "a\n"),
        ({"type": "string", "format": "date-time"}, "2024-01-01T00:00:00Z"),
        ({"type": "string", "format": "date-time"}, "yesterday"),
        ({"type": "object", "additionalProperties": False, "properties": {"a": {}}}, {"b": 1}),
        ({"allOf": [{"type": "string"}, {"minLength": 2}]}, "ab"),
        ({"allOf": [{"type": "string"}, {"minLength": 2}]}, "a"),
        ({"type": "array", "items": [{"type": "string"}]}, ["a"]),
    ],
)
def test_jsonschemas_own_corners(schema: dict[str, Any], value: Any) -> None:
    """Where jsonschema is subtle, the check agrees, or refuses (and Connexion decides)."""
    mine, theirs = compile_check(schema)(value), reference(schema, {}).is_valid(value)
    assert mine == theirs or (not mine and theirs), (schema, value, mine, theirs)
