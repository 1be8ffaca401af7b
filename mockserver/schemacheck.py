"""JSON Schema checks compiled to plain Python once, for the compiled request path.

``compile_check(schema)`` returns a predicate that is True only where Connexion's own request
validator (jsonschema's Draft 4 with OpenAPI's ``nullable``) finds the value valid: each keyword
of the common subset (types, properties, required, additionalProperties, items, lengths,
patterns, enums, formats, plain bounds) is checked as jsonschema checks it, with jsonschema's
own helpers where it has them; any other keyword hands its subschema to that validator itself.
A False only sends the request to Connexion, which then answers it, so where this is stricter
than jsonschema (an integer written as ``1.0``, say) nothing changes but the path.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from connexion.json_schema import Draft4RequestValidator
from jsonschema import Draft4Validator
from jsonschema._utils import equal

Check = Callable[[Any], bool]

# Keywords that never make a value invalid: annotations, and OpenAPI's own.
_ANNOTATIONS = {
    "description",
    "title",
    "example",
    "examples",
    "default",
    "readOnly",
    "writeOnly",
    "deprecated",
    "externalDocs",
    "xml",
    "discriminator",
    "components",
    "nullable",
    "x-nullable",
}
_COMPILED = {
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "minLength",
    "maxLength",
    "pattern",
    "enum",
    "format",
    "minimum",
    "maximum",
    "minItems",
    "maxItems",
}
_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "null": lambda v: v is None,
}
_FORMATS = Draft4Validator.FORMAT_CHECKER


def compile_check(schema: dict[str, Any], components: dict[str, Any] | None = None) -> Check:
    """A predicate for ``schema`` (its references resolved): True only where jsonschema, as
    Connexion runs it on request bodies, finds the value valid."""
    return _compile(schema, components or {})


def _compile(schema: Any, components: dict[str, Any]) -> Check:
    if not isinstance(schema, dict):
        return lambda value: False
    if any(not (k in _COMPILED or k in _ANNOTATIONS or k.startswith("x-")) for k in schema):
        validator = Draft4RequestValidator(
            {**schema, "components": components}, format_checker=_FORMATS
        )
        return validator.is_valid
    checks: list[Check] = []
    kind = schema.get("type")
    if kind is not None:
        kinds = kind if isinstance(kind, list) else [kind]
        if not all(k in _TYPES for k in kinds):
            return lambda value: False
        tests = [_TYPES[k] for k in kinds]
        checks.append(lambda v: any(test(v) for test in tests))
    if "enum" in schema:
        options = list(schema["enum"])
        checks.append(lambda v: any(equal(v, option) for option in options))
    checks += _string_checks(schema)
    checks += _number_checks(schema)
    checks += _object_checks(schema, components)
    checks += _array_checks(schema, components)
    if schema.get("nullable") or schema.get("x-nullable"):
        # Connexion's request validator lets null through type and enum; the other keywords
        # apply to strings, numbers, objects and arrays only.
        return lambda value: value is None or all(check(value) for check in checks)
    return lambda value: all(check(value) for check in checks)


def _bounds(
    schema: dict[str, Any],
    low: str,
    high: str,
    applies: Callable[[Any], bool],
    measure: Callable[[Any], Any],
) -> list[Check]:
    """``low``/``high`` keywords (minLength/maxLength, minItems/maxItems, minimum/maximum): each
    bounds ``measure(value)`` where ``applies(value)``, and says nothing of other values."""
    checks: list[Check] = []
    if low in schema:
        floor = schema[low]
        checks.append(lambda v: not applies(v) or measure(v) >= floor)
    if high in schema:
        ceiling = schema[high]
        checks.append(lambda v: not applies(v) or measure(v) <= ceiling)
    return checks


def _string_checks(schema: dict[str, Any]) -> list[Check]:
    checks = _bounds(schema, "minLength", "maxLength", _TYPES["string"], len)
    if "pattern" in schema:
        pattern = re.compile(schema["pattern"])
        checks.append(lambda v: not isinstance(v, str) or pattern.search(v) is not None)
    if "format" in schema:
        name = schema["format"]
        checks.append(lambda v: _FORMATS.conforms(v, name))
    return checks


def _number_checks(schema: dict[str, Any]) -> list[Check]:
    return _bounds(schema, "minimum", "maximum", _TYPES["number"], lambda v: v)


def _object_checks(schema: dict[str, Any], components: dict[str, Any]) -> list[Check]:
    checks: list[Check] = []
    properties = {
        name: _compile(sub, components) for name, sub in schema.get("properties", {}).items()
    }
    required = list(schema.get("required", []))
    extra = schema.get("additionalProperties", True)
    extra_check = None if isinstance(extra, bool) else _compile(extra, components)

    def check(value: Any) -> bool:
        if not isinstance(value, dict):
            return True
        for name in required:
            if name not in value:
                return False
        for name, item in value.items():
            found = properties.get(name)
            if found is not None:
                if not found(item):
                    return False
            elif extra is False or (extra_check is not None and not extra_check(item)):
                return False
        return True

    if properties or required or extra is not True:
        checks.append(check)
    return checks


def _array_checks(schema: dict[str, Any], components: dict[str, Any]) -> list[Check]:
    checks: list[Check] = []
    items = schema.get("items")
    if isinstance(items, dict):
        each = _compile(items, components)
        checks.append(lambda v: not isinstance(v, list) or all(each(item) for item in v))
    elif items is not None:
        return [lambda value: False]
    return checks + _bounds(schema, "minItems", "maxItems", _TYPES["array"], len)
