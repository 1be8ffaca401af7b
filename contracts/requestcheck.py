"""A request judged against one spec, without answering it: which operation it is, and every
way it departs from that operation (``leadmock proxy`` forwards it all the same).

The mock refuses such requests through Connexion's middleware, which stops at the first
problem and answers it; a proxy must let the request through and say what was wrong with it,
so here each part (path, query, headers, credentials, body) is judged and every problem kept.
The schemas and their validator are Connexion's (Draft 4 with OpenAPI's ``nullable``), and the
parameters are read with Connexion's own coercion, so a request judged valid here is one the
mock's validation lets in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from connexion.json_schema import Draft4RequestValidator, resolve_refs
from connexion.utils import TypeValidationError, coerce_type

from mockserver.redaction import SecretNames, secret_names
from mockserver.rendering import HTTP_METHODS


@dataclass(frozen=True)
class SpecOperation:
    """One operation of a spec, as a request is judged against it."""

    method: str
    template: str
    operation_id: str
    pattern: re.Pattern[str]
    parameters: tuple[dict[str, Any], ...]
    body: dict[str, Any]
    """The ``requestBody`` object, refs resolved; empty when the operation takes none."""
    security: tuple[dict[str, list[str]], ...]
    schemes: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """``GET /{project_id}/leads``, as Schemathesis names an operation."""
        return f"{self.method} {self.template}"


@dataclass(frozen=True)
class Judged:
    """What the spec says of one request."""

    operation: SpecOperation | None
    path_parameters: dict[str, str]
    problems: tuple[str, ...]

    @property
    def valid(self) -> bool:
        return not self.problems


class SpecRequests:
    """Every operation of ``spec``, to route and judge requests by."""

    def __init__(self, spec: dict[str, Any]) -> None:
        spec = resolve_refs(spec)
        self.secrets: SecretNames = secret_names(spec)
        """What the spec designates as secret, for what the proxy writes down."""
        schemes = spec.get("components", {}).get("securitySchemes", {})
        self.operations: list[SpecOperation] = []
        for template, item in spec.get("paths", {}).items():
            shared = item.get("parameters", [])
            for method, definition in item.items():
                if method not in HTTP_METHODS:
                    continue
                by_place = {(p["in"], p["name"]): p for p in shared}
                by_place.update({(p["in"], p["name"]): p for p in definition.get("parameters", [])})
                self.operations.append(
                    SpecOperation(
                        method=method.upper(),
                        template=template,
                        operation_id=definition.get("operationId", ""),
                        pattern=re.compile(
                            re.sub(r"\\\{[^}]+\\\}", "([^/]+)", re.escape(template))
                        ),
                        parameters=tuple(by_place.values()),
                        body=definition.get("requestBody", {}),
                        security=tuple(definition.get("security", spec.get("security", []))),
                        schemes=schemes,
                    )
                )
        # A literal segment wins over a template (``/leads/count`` over ``/leads/{id}``).
        self.operations.sort(key=lambda op: op.template.count("{"))

    def route(self, method: str, raw_path: str) -> tuple[SpecOperation, dict[str, str]] | None:
        """The operation ``method raw_path`` is (the path as sent, percent-escapes and all: an
        escaped ``/`` is inside a segment), and its path parameters' decoded text."""
        for operation in self.operations:
            if operation.method != method:
                continue
            matched = operation.pattern.fullmatch(raw_path)
            if matched is not None:
                names = re.findall(r"\{([^}]+)\}", operation.template)
                values = [unquote(value) for value in matched.groups()]
                return operation, dict(zip(names, values, strict=True))
        return None

    def judge(
        self,
        method: str,
        raw_path: str,
        query: Sequence[tuple[str, str]],
        headers: Mapping[str, str],
        body: bytes,
    ) -> Judged:
        """Route the request and list every way it departs from its operation; ``headers``
        by lower-cased name."""
        routed = self.route(method, raw_path)
        if routed is None:
            path = unquote(raw_path)
            methods = sorted(op.method for op in self.operations if op.pattern.fullmatch(raw_path))
            if methods:
                problem = f"the spec has no {method} {path}; it documents {', '.join(methods)}"
            else:
                problem = f"no operation of the spec is at {path}"
            return Judged(None, {}, (problem,))
        operation, path_text = routed
        problems = [
            *_parameter_problems(operation, path_text, query, headers),
            *_security_problems(operation, headers),
            *_body_problems(operation, headers.get("content-type", ""), body),
        ]
        return Judged(operation, path_text, tuple(problems))


def _parameter_problems(
    operation: SpecOperation,
    path_text: dict[str, str],
    query: Sequence[tuple[str, str]],
    headers: Mapping[str, str],
) -> list[str]:
    given_query: dict[str, list[str]] = {}
    for name, value in query:
        given_query.setdefault(name, []).append(value)
    problems = []
    for parameter in operation.parameters:
        place, name = parameter["in"], parameter["name"]
        if place == "path":
            text: Any = path_text.get(name)
        elif place == "query":
            values = given_query.get(name)
            array = parameter.get("schema", {}).get("type") == "array"
            text = values if array or values is None else values[-1]
        elif place == "header":
            text = headers.get(name.lower())
        else:
            continue
        if text is None:
            if parameter.get("required"):
                problems.append(f"missing {place} parameter {name!r}")
            continue
        schema = parameter.get("schema", {})
        try:
            value = coerce_type(parameter, text, f"{place} parameter", name)
        except TypeValidationError:
            wanted = schema.get("type", "its type")
            problems.append(f"{place} parameter {name!r}: {text!r} is not of type {wanted!r}")
            continue
        for error in Draft4RequestValidator(
            schema, format_checker=Draft4RequestValidator.FORMAT_CHECKER
        ).iter_errors(value):
            problems.append(f"{place} parameter {name!r}: {error.message}")
    return problems


def _security_problems(operation: SpecOperation, headers: Mapping[str, str]) -> list[str]:
    """Credentials are the upstream's to verify; here only that the scheme's are present."""
    if not operation.security or any(not requirement for requirement in operation.security):
        return []
    for requirement in operation.security:
        if all(_carries(operation.schemes.get(name, {}), headers) for name in requirement):
            return []
    wanted = " or ".join(
        " and ".join(_scheme_words(operation.schemes.get(name, {})) for name in requirement)
        for requirement in operation.security
    )
    return [f"no credentials: the operation takes {wanted}"]


def _carries(scheme: dict[str, Any], headers: Mapping[str, str]) -> bool:
    if scheme.get("type") == "http":
        given = headers.get("authorization", "")
        return given.lower().startswith(scheme.get("scheme", "").lower() + " ")
    if scheme.get("type") == "apiKey" and scheme.get("in") == "header":
        return bool(headers.get(scheme["name"].lower()))
    return True


def _scheme_words(scheme: dict[str, Any]) -> str:
    if scheme.get("type") == "http":
        return f"Authorization: {scheme.get('scheme', '').capitalize()} ..."
    return f"the {scheme.get('name', '?')} header"


def _body_problems(operation: SpecOperation, content_type: str, body: bytes) -> list[str]:
    content = operation.body.get("content", {})
    if not content:
        return []
    if not body:
        return ["the request body is required"] if operation.body.get("required") else []
    media = content_type.split(";")[0].strip().lower()
    entry = next((v for k, v in content.items() if k.lower() == media), None)
    if entry is None:
        documented = ", ".join(content)
        return [f"a {media or 'body with no'} content type; the operation takes {documented}"]
    if not media.endswith("json"):
        return []
    try:
        value = json.loads(body)
    except ValueError as exc:
        return [f"the body is not JSON: {exc}"]
    except RecursionError:
        return ["the body is JSON nested too deep to read"]
    validator = Draft4RequestValidator(
        entry.get("schema", {}), format_checker=Draft4RequestValidator.FORMAT_CHECKER
    )
    problems = []
    for error in sorted(validator.iter_errors(value), key=lambda e: list(e.path)):
        where = ".".join(str(part) for part in error.path)
        problems.append(f"body{'.' + where if where else ''}: {error.message}")
    return problems
