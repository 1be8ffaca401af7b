"""A failed JSON-schema check said in plain words a user can act on, never jsonschema's own
(``None is not of type 'string'``, or a regular expression quoted whole)."""

from __future__ import annotations

from jsonschema import ValidationError

_KINDS = {
    "string": "a string",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "object": "an object",
    "array": "an array",
    "null": "null",
}


# Patterns with a name a user knows: saying that beats quoting the expression.
_PATTERN_NAMES = {
    "^[0-9a-fA-F]{24}$": "a 24-character hexadecimal id",
    "^[0-9a-f]{24}$": "a 24-character hexadecimal id",
}


def field_path(error: ValidationError) -> str:
    """The failing member as ``attributes.plan`` or ``tags[0]``; empty for the whole value."""
    text = ""
    for part in error.absolute_path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def plain_message(error: ValidationError, *, whole: str = "the request body") -> str:
    """What is wrong, naming the member: ``fullname must be a string``. ``whole`` names the
    value when the error is about the value itself (no member)."""
    name = field_path(error) or whole
    if error.validator == "required":
        missing = missing_members(error)
        prefix = f"{name}." if field_path(error) else ""
        fields = ", ".join(f"{prefix}{field}" for field in missing)
        return f"{fields} {'is' if len(missing) == 1 else 'are'} required"
    return f"{name} {requirement(error)}"


def missing_members(error: ValidationError) -> list[str]:
    """For a ``required`` failure, the members that are missing."""
    instance = error.instance if isinstance(error.instance, dict) else {}
    return [field for field in error.validator_value if field not in instance]


def requirement(error: ValidationError) -> str:
    """What the failing value must be, without its name: ``must be a string``."""
    keyword, limit = error.validator, error.validator_value
    if keyword == "type":
        kinds = [limit] if isinstance(limit, str) else list(limit)
        if error.schema.get("nullable"):
            kinds.append("null")
        return f"must be {' or '.join(_KINDS.get(k, k) for k in kinds)}"
    if keyword == "minLength":
        return "must not be empty" if limit == 1 else f"must be at least {limit} characters long"
    if keyword == "maxLength":
        return f"must be at most {limit} characters long"
    if keyword == "enum":
        return f"must be one of: {', '.join(str(v) for v in limit)}"
    if keyword == "minimum":
        return f"must be at least {limit}"
    if keyword == "maximum":
        return f"must be at most {limit}"
    if keyword == "minItems":
        return f"must have at least {limit} items"
    if keyword == "maxItems":
        return f"must have at most {limit} items"
    if keyword == "format":
        return f"must be a valid {limit}"
    if keyword == "additionalProperties":
        return "has members it may not have"
    if keyword == "required":
        return f"needs {', '.join(missing_members(error))}"
    if keyword == "pattern" and limit in _PATTERN_NAMES:
        return f"must be {_PATTERN_NAMES[limit]}"
    # Other patterns and the composite keywords: the schema is not a message.
    return "is not valid"
