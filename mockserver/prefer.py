"""Prism's ``Prefer`` header: ``Prefer: code=404`` or ``Prefer: example=<name>`` answers the
operation's documented example of that status, or of that name, as the spec writes it.

A status the operation does not document, or an example it does not have, is a 400 in the
vendor's shape that lists what it does document. An error status documented without an example
is answered in the vendor's error shape; a success documented without one is left to the
handler, which answers from the state. Like ``X-Leadmock-Fault``, it applies after routing and
before security: the caller asked for that answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import orjson

from mockserver.errors import error_for_status

PREFER_HEADER = b"prefer"
_METHODS = ("get", "put", "post", "delete", "patch", "options", "head")


@dataclass(frozen=True)
class Example:
    """One documented answer: its status, name, media type, value and headers."""

    status: int
    name: str
    media_type: str
    value: Any
    headers: tuple[tuple[str, str], ...] = ()

    def body(self) -> bytes:
        if isinstance(self.value, str) and "json" not in self.media_type:
            return self.value.encode()
        return orjson.dumps(self.value)


@dataclass(frozen=True)
class Documented:
    """What an operation documents: every status, and the examples of each."""

    statuses: tuple[int, ...]
    examples: tuple[Example, ...]


def documented_answers(spec: dict[str, Any]) -> dict[str, Documented]:
    """By operationId, the statuses and examples the spec documents for each operation."""
    table = {}
    for item in spec.get("paths", {}).values():
        for method in _METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict) or "operationId" not in operation:
                continue
            statuses, examples = [], []
            for code, response in operation.get("responses", {}).items():
                if not str(code).isdigit():
                    continue  # "default" and "4XX" name no one status to ask for
                statuses.append(int(code))
                examples += _examples(int(code), _resolved(response, spec), spec)
            table[operation["operationId"]] = Documented(tuple(statuses), tuple(examples))
    return table


def _examples(status: int, response: dict[str, Any], spec: dict[str, Any]) -> list[Example]:
    headers = tuple(
        (name, str(value))
        for name, header in response.get("headers", {}).items()
        if (value := _header_example(_resolved(header, spec))) is not None
    )
    found = []
    for media_type, content in response.get("content", {}).items():
        if "example" in content:
            found.append(Example(status, "example", media_type, content["example"], headers))
        for name, example in content.get("examples", {}).items():
            example = _resolved(example, spec)
            if "value" in example:
                found.append(Example(status, name, media_type, example["value"], headers))
    return found


def _header_example(header: dict[str, Any]) -> Any:
    if "example" in header:
        return header["example"]
    return header.get("schema", {}).get("example")


def _resolved(node: Any, spec: dict[str, Any]) -> Any:
    """``node`` with its local ``$ref`` (to ``#/components/...``) followed."""
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 20:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node, seen = target, seen + 1
    return node


def preferences(value: str) -> dict[str, str]:
    """The ``name=value`` preferences of a ``Prefer`` header (RFC 7240), by lower-case name."""
    found = {}
    for preference in value.split(","):
        name, _, text = preference.split(";", 1)[0].strip().partition("=")
        if name:
            found[name.strip().lower()] = text.strip().strip('"')
    return found


def preferred_example(header: str, operation_id: str, documented: Documented) -> Example | None:
    """The example ``header`` asks of the operation; None when it asks nothing of leadmock or
    when the handler should answer (a success documented without an example). Raises the
    vendor-neutral error for a status or an example the operation does not document."""
    asked = preferences(header)
    code, name = asked.get("code"), asked.get("example")
    if code is None and name is None:
        return None
    candidates = list(documented.examples)
    if code is not None:
        statuses = ", ".join(map(str, documented.statuses))
        if not (code.isdigit() and int(code) in documented.statuses):
            raise error_for_status(
                400, f"Prefer: code={code[:10]} is not documented for {operation_id}; "
                f"documented: {statuses}"
            )  # fmt: skip
        candidates = [e for e in candidates if e.status == int(code)]
    if name is not None:
        named = [e for e in candidates if e.name == name]
        if not named:
            known = ", ".join(sorted({e.name for e in candidates})) or "none"
            raise error_for_status(
                400, f"Prefer: example={name[:40]} is not an example of {operation_id}"
                f"{' with code ' + code if code else ''}; its examples: {known}"
            )  # fmt: skip
        return named[0]
    if candidates:
        return candidates[0]
    status = int(code)  # type: ignore[arg-type]
    if status >= 400:
        phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
        raise error_for_status(status, phrase)
    return None
