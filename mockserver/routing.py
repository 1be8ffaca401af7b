"""The specs' operations compiled once at start-up: a routing table the gate and the compiled
request path share.

Each ``Operation`` holds what answering a request needs without per-request introspection: the
path pattern, each parameter's type and a validator built once, the JSON body's validator, the
security alternatives with the vendor's verify functions, and the handler with the arguments it
takes. Schemas are resolved and validated with Connexion's own code and validator classes, so an
operation judges a request exactly as Connexion does.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from connexion.json_schema import resolve_refs
from connexion.utils import inspect_function_arguments
from jsonschema import Draft4Validator

from mockserver.auth import Credentials
from mockserver.connexion_adapter import pythonic
from mockserver.connexion_adapter import query_defaults as defaults_of
from mockserver.rendering import HTTP_METHODS, Mounts
from mockserver.schemacheck import Check, compile_check

# Starlette's int converter, which Connexion gives integer path parameters.
_SEGMENT = {"integer": "[0-9]+", "number": "[0-9]+(?:\\.[0-9]+)?"}


@dataclass(frozen=True)
class Parameter:
    """A path or query parameter: how to turn its text into the handler's argument."""

    name: str
    argument: str
    group: str
    """The path pattern's group for a path parameter."""
    kind: str | None
    """``string``, ``integer`` or ``boolean``; None for a type the compiled path leaves to
    Connexion (objects, arrays, numbers)."""
    validator: Draft4Validator
    required: bool
    nullable: bool


@dataclass(frozen=True)
class Scheme:
    """One security scheme of a requirement, as the request must satisfy it."""

    name: str
    location: str
    """``authorization`` for HTTP schemes, else the API key's header name (lower case)."""
    credentials: Credentials


@dataclass
class Operation:
    """One operation of one mounted spec, compiled."""

    api: str
    operation_id: str
    method: str
    template: str
    pattern: re.Pattern[str]
    path_parameters: list[Parameter]
    query_parameters: dict[str, Parameter]
    query_defaults: dict[str, Any]
    """Handler arguments Connexion fills from the spec's defaults when a query omits them."""
    json_media: dict[str, Check]
    """Lower-cased JSON media types of the request body, each with its compiled check."""
    consumes: tuple[str, ...]
    security: list[list[Scheme]]
    """Alternatives, each a list of schemes that must all pass; empty: no security."""
    handler: Any
    arguments: frozenset[str]
    has_kwargs: bool
    responses: dict[str, Any]
    produces: tuple[str, ...]
    emptiable: frozenset[str] = frozenset()
    """Query parameters of a document served by the engine whose empty value (``?opt_pretty=``)
    is absence: declared ``allowEmptyValue``, or arrays (an empty array). The gate drops them
    before Connexion, which refuses '' as a boolean or an enum's item."""
    compiled: bool = True
    """False when the operation uses something the compiled path does not do (Connexion
    answers all its requests)."""
    components: dict[str, Any] = field(default_factory=dict)


class RouteTable:
    """Every mounted operation, found by method and path."""

    def __init__(
        self, operations: list[Operation], literal_paths: dict[str, list[str]] | None = None
    ) -> None:
        self.operations = operations
        self.literal_paths = literal_paths or {}
        """The methods of each path without parameters, of the documents served by the engine:
        ``GET /deals/search`` is a method /deals/search does not take, not a deal named
        search (``shadowed``)."""
        self._by_shape: dict[tuple[str, int], list[Operation]] = {}
        for operation in operations:
            key = (operation.method, operation.template.count("/"))
            self._by_shape.setdefault(key, []).append(operation)

    def shadowed(self, method: str, path: str) -> list[str] | None:
        """The methods of the literal path ``path`` when it does not take ``method`` (a
        template beside it might): a 405 with these in ``Allow``. None otherwise."""
        methods = self.literal_paths.get(path.rstrip("/") or "/")
        if methods is None or method in methods or (method == "HEAD" and "GET" in methods):
            return None
        return methods

    def match(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        """The one operation ``method path`` routes to, and its path parameters' text; None
        when none does, or several could (Connexion decides those)."""
        if "\n" in path:
            # Starlette's mounts match with ``.*``, which stops at a newline: Connexion decides.
            return None
        found = None
        for operation in self._by_shape.get((method, path.count("/")), ()):
            matched = operation.pattern.fullmatch(path)
            if matched is not None:
                if found is not None:
                    return None
                found = (operation, matched.groupdict())
        return found


def compile_routes(
    mounts: Mounts, specs: dict[str, dict[str, Any]], handlers: dict[str, Any]
) -> RouteTable:
    """The route table of every mount: ``specs`` and ``handlers`` by API name."""
    operations = []
    literal_paths: dict[str, list[str]] = {}
    for mount, _vendor in mounts:
        spec = resolve_refs(specs[mount.name])
        if mount.spec.startswith("/"):  # a document served by the engine (an absolute path)
            for template, item in spec.get("paths", {}).items():
                if "{" not in template:
                    literal_paths[(mount.base_path + template).rstrip("/") or "/"] = sorted(
                        m.upper() for m in item if m in HTTP_METHODS
                    )
        security_map = handlers[mount.name].security_map()
        for template, item in spec.get("paths", {}).items():
            shared = item.get("parameters", [])
            for method, definition in item.items():
                if method not in HTTP_METHODS:
                    continue
                operation = _operation(
                    mount.name,
                    mount.base_path + template,
                    method.upper(),
                    definition,
                    shared,
                    spec,
                    getattr(handlers[mount.name], definition["operationId"]),
                    security_map,
                )
                if mount.spec.startswith("/"):
                    operation.emptiable = frozenset(
                        p["name"]
                        for p in [*shared, *definition.get("parameters", [])]
                        if p.get("in") == "query"
                        and (p.get("allowEmptyValue") or p.get("schema", {}).get("type") == "array")
                    )
                operations.append(operation)
    return RouteTable(operations, literal_paths)


def _operation(
    api: str,
    template: str,
    method: str,
    definition: dict[str, Any],
    shared: list[dict[str, Any]],
    spec: dict[str, Any],
    handler: Any,
    security_map: dict[str, Any],
) -> Operation:
    by_name = {(p["in"], p["name"]): p for p in [*shared, *definition.get("parameters", [])]}
    parameters = list(by_name.values())
    compiled = all(p["in"] in ("path", "query") for p in parameters if p.get("required"))
    path_parameters = [_parameter(p) for p in parameters if p["in"] == "path"]
    query = {p["name"]: p for p in parameters if p["in"] == "query"}
    arguments, has_kwargs = inspect_function_arguments(handler)
    # Connexion's own code fills the defaults, so the compiled path passes the same values.
    query_defaults = defaults_of(query, lambda argument: has_kwargs or argument in arguments)
    kinds = {p.name: p.kind for p in path_parameters}
    pattern = re.sub(
        r"\\\{([^}]+)\\\}",
        lambda m: f"(?P<{_group(m.group(1))}>{_SEGMENT.get(kinds.get(m.group(1)) or '', '[^/]+')})",
        re.escape(template),
    )
    compiled = compiled and len({_group(n) for n in kinds}) == len(kinds)
    body = definition.get("requestBody", {})
    content = body.get("content", {})
    json_media = {
        media.lower(): compile_check(entry.get("schema", {}), spec.get("components", {}))
        for media, entry in content.items()
        if media.lower().split(";")[0].endswith("json")
    }
    if content and body.get("x-body-name", "body") != "body":
        compiled = False
    security, known = _security(
        definition.get("security", spec.get("security", [])), spec, security_map
    )
    responses = definition.get("responses", {})
    produces = tuple(
        dict.fromkeys(
            media for response in responses.values() for media in response.get("content", {})
        )
    )
    return Operation(
        api=api,
        operation_id=definition["operationId"],
        method=method,
        template=template,
        pattern=re.compile(pattern),
        path_parameters=path_parameters,
        query_parameters={name: _parameter(p) for name, p in query.items()},
        query_defaults=query_defaults,
        json_media=json_media,
        consumes=tuple(content),
        security=security,
        handler=handler,
        arguments=frozenset(arguments),
        has_kwargs=has_kwargs,
        responses=responses,
        produces=produces,
        compiled=compiled and known,
        components=spec.get("components", {}),
    )


def _group(name: str) -> str:
    return "p_" + re.sub(r"\W", "_", name)


def _parameter(definition: dict[str, Any]) -> Parameter:
    schema = definition.get("schema", {})
    kind = schema.get("type")
    return Parameter(
        name=definition["name"],
        argument=pythonic(definition["name"]),
        group=_group(definition["name"]),
        kind=kind
        if kind in ("string", "integer", "boolean") and "style" not in definition
        else None,
        validator=Draft4Validator(
            copy.deepcopy(schema), format_checker=Draft4Validator.FORMAT_CHECKER
        ),
        required=bool(definition.get("required")),
        nullable=bool(schema.get("nullable") or schema.get("x-nullable")),
    )


def _security(
    requirements: list[dict[str, Any]], spec: dict[str, Any], security_map: dict[str, Any]
) -> tuple[list[list[Scheme]], bool]:
    """The requirement alternatives, and whether every scheme is one the compiled path checks."""
    definitions = spec.get("components", {}).get("securitySchemes", {})
    alternatives = []
    for requirement in requirements:
        schemes = []
        for name in requirement:
            definition = definitions.get(name, {})
            if definition.get("type") == "http":
                key = definition.get("scheme", "").lower()
                location = "authorization"
            elif definition.get("type") == "apiKey" and definition.get("in") == "header":
                key = "apiKey"
                location = definition["name"].lower()
            else:
                return [], False
            credentials = getattr(security_map.get(key), "credentials", None)
            if credentials is None:
                return [], False
            schemes.append(Scheme(name, location, credentials))
        if not schemes:
            # An empty requirement ({}) makes security optional: Connexion's verify_none.
            return [], False
        alternatives.append(schemes)
    return alternatives, True
