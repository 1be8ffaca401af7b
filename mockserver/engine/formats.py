"""The ``format``s a served document's request bodies are held to, beyond what Connexion's
request validation checks (it leaves ``uri`` and ``uuid`` alone): a value the engine would
store and answer must be one the document's answer schema accepts, so a create with
``website: ""`` is refused with 400 rather than stored and answered invalid."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from typing import Any

from jsonschema import Draft4Validator, FormatChecker

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_DATE_TIME = re.compile(r"^\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)$")

FORMATS = FormatChecker()


@FORMATS.checks("uri")
def _uri(value: object) -> bool:
    return not isinstance(value, str) or bool(_SCHEME.match(value))


@FORMATS.checks("uuid", raises=ValueError)
def _uuid(value: object) -> bool:
    return not isinstance(value, str) or (bool(uuid.UUID(value)) and len(value) == 36)


@FORMATS.checks("email")
def _email(value: object) -> bool:
    return not isinstance(value, str) or bool(_EMAIL.match(value))


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    # RFC 3339: a T (or space) between date and time, and a zone.
    if not _DATE_TIME.match(value):
        return False
    return bool(datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00")))


@FORMATS.checks("date", raises=ValueError)
def _date(value: object) -> bool:
    return not isinstance(value, str) or bool(
        re.match(r"^\d{4}-\d\d-\d\d$", value) and date.fromisoformat(value)
    )


@FORMATS.checks("int32")
def _int32(value: object) -> bool:
    return not isinstance(value, int) or -(2**31) <= value < 2**31


@FORMATS.checks("int64")
def _int64(value: object) -> bool:
    return not isinstance(value, int) or -(2**63) <= value < 2**63


_VALIDATORS: dict[int, tuple[Any, Draft4Validator]] = {}
"""A validator for each schema checked (the schemas live as long as their API's handlers)."""


def format_problem(schema: dict[str, Any], value: Any) -> str | None:
    """The first ``format`` ``value`` breaks in ``schema`` (``$ref``s already inlined), as
    ``field: why``; None when there is none."""
    held = _VALIDATORS.get(id(schema))
    if held is None or held[0] is not schema:
        if len(_VALIDATORS) > 4096:
            _VALIDATORS.clear()
        held = _VALIDATORS[id(schema)] = (schema, Draft4Validator(schema, format_checker=FORMATS))
    validator = held[1]
    for error in validator.iter_errors(value):
        if error.validator == "format" and not _impossible(error.schema):
            where = ".".join(str(part) for part in error.absolute_path)
            return f"{where}: {error.message}" if where else error.message
    return None


def _impossible(schema: Any) -> bool:
    """A format its schema's own bounds rule out (Intercom's uuid of at most 24 characters):
    held to the bounds alone, as request validation holds it."""
    return (
        isinstance(schema, dict)
        and schema.get("format") == "uuid"
        and (int(schema.get("maxLength", 36)) < 36)
    )
