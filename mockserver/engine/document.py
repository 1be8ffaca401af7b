"""An OpenAPI document as the engine reads it: YAML or JSON, OpenAPI 3.0 or 3.1, or Swagger 2.0
seen as 3.x (``requestBody``, ``content``, ``components.schemas``), ``$ref``s across local files
followed on demand. A document that cannot be read is one ``DocumentError``: the file, the JSON
pointer and the reason, never a traceback.
"""

from __future__ import annotations

import copy
import json
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml

MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
"""The largest document file read (the largest public documents are about 15 MB)."""
_MAX_REF_HOPS = 64

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class DocumentError(ValueError):
    """A document that cannot be served: ``file``, ``pointer`` (JSON pointer) and why."""

    def __init__(self, file: str, pointer: str, reason: str) -> None:
        super().__init__(f"{file}#{pointer}: {reason}" if pointer else f"{file}: {reason}")
        self.file, self.pointer, self.reason = file, pointer, reason


@dataclass
class Document:
    """One document, its ``$ref``s resolvable: ``resolve`` follows them, whatever file they
    point into (each read once)."""

    path: Path
    version: str
    """``2.0``, ``3.0.x`` or ``3.1.x`` as the document says."""
    spec: dict[str, Any]
    """The document, Swagger 2.0 turned into its OpenAPI 3 shape."""
    _files: dict[Path, Any] = field(default_factory=dict, repr=False)
    dangling: set[str] = field(default_factory=set, repr=False)
    """The ``$ref``s met that point to nothing."""

    @property
    def title(self) -> str:
        return str(self.spec.get("info", {}).get("title", self.path.name))

    @property
    def base_path(self) -> str:
        """The path of the first server URL (``basePath`` in 2.0): where the API is served."""
        servers = self.spec.get("servers") or [{}]
        server = servers[0] if isinstance(servers[0], dict) else {}
        url = str(server.get("url", "/"))
        for name, variable in (server.get("variables") or {}).items():
            default = variable.get("default", "") if isinstance(variable, dict) else ""
            url = url.replace("{" + str(name) + "}", str(default))
        path = urlsplit(url).path if "://" in url else url
        path = "/" + path.strip("/")
        return "" if path == "/" else path

    def resolve(self, node: Any, *, where: str = "") -> Any:
        """``node``, or what its ``$ref`` (and the ``$ref`` of that...) points to; a ``$ref``
        to a schema that is not there (Intercom's ``custom_attributes``) is read as ``{}``, a
        schema that allows anything, and kept in ``dangling`` for ``inspect`` to list."""
        base = self.path
        for _ in range(_MAX_REF_HOPS):
            if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
                return node
            try:
                base, node = self._target(base, node["$ref"], where)
            except DocumentError as exc:
                if not dangling_schema(exc, node["$ref"]):
                    raise
                self.dangling.add(node["$ref"])
                return {}
        raise DocumentError(str(self.path), where, f"more than {_MAX_REF_HOPS} $ref hops")

    def _target(self, base: Path, ref: str, where: str) -> tuple[Path, Any]:
        file_part, _, pointer = ref.partition("#")
        file = (base.parent / unquote(file_part)).resolve() if file_part else base
        if file_part and "://" in file_part:
            raise DocumentError(str(self.path), where, f"a remote $ref is not followed: {ref}")
        if file == self.path:
            document = self.spec
        else:
            if file not in self._files:
                self._files[file] = load_file(file)
            document = self._files[file]
        node = document
        for token in [t for t in pointer.split("/") if t]:
            token = unquote(token).replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                raise DocumentError(str(self.path), where, f"$ref {ref} points to nothing")
        return file, node

    def missing_schemas(self) -> list[str]:
        """Every ``$ref`` of the document to a schema it does not hold."""
        refs: set[str] = set()
        stack: list[Any] = [self.spec]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                ref = node.get("$ref")
                if isinstance(ref, str) and "/schemas/" in ref and not ref.split("#")[0]:
                    refs.add(ref)
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
        for ref in refs:
            self.resolve({"$ref": ref})
        return sorted(self.dangling)

    def operations(self) -> list[tuple[str, str, dict[str, Any], list[dict[str, Any]]]]:
        """``(method, path, operation, parameters)`` of every operation, in document order;
        the parameters are the path item's and the operation's (the operation's win), each
        resolved."""
        found = []
        for path, item in (self.spec.get("paths") or {}).items():
            item = self.resolve(item, where=f"/paths/{_escape(path)}")
            if not isinstance(item, dict):
                continue
            shared = [self.resolve(p) for p in item.get("parameters") or []]
            for method in _METHODS:
                operation = item.get(method)
                if not isinstance(operation, dict):
                    continue
                own = [self.resolve(p) for p in operation.get("parameters") or []]
                named = {
                    (p.get("in"), p.get("name")): p for p in shared + own if isinstance(p, dict)
                }
                found.append((method, path, operation, list(named.values())))
        return found


def dangling_schema(error: DocumentError, ref: str) -> bool:
    """Whether ``error`` is a ``$ref`` to a schema that is not there, read as a schema that
    allows anything (a response or a parameter that is not there stays an error)."""
    return error.reason.endswith("points to nothing") and "/schemas/" in ref


def read_document(path: str | Path) -> Document:
    """The document at ``path`` (``DocumentError`` when it cannot be served)."""
    file = Path(path).resolve()
    spec = load_file(file)
    name = str(path)
    if not isinstance(spec, dict):
        raise DocumentError(name, "", "the document is not a mapping")
    if "openapi" in spec:
        version = str(spec["openapi"])
        if not version.startswith(("3.0", "3.1")):
            raise DocumentError(name, "/openapi", f"OpenAPI {version} is not 3.0 or 3.1")
    elif str(spec.get("swagger")) == "2.0":
        version = "2.0"
        spec = _from_swagger(spec)
    else:
        raise DocumentError(name, "", "neither `openapi: 3.x` nor `swagger: '2.0'`")
    if not isinstance(spec.get("paths"), dict):
        raise DocumentError(name, "/paths", "a document needs `paths`, a mapping")
    return Document(path=file, version=version, spec=spec)


def load_file(file: Path) -> Any:
    """The YAML or JSON in ``file`` (``DocumentError`` saying why it cannot be read)."""
    name = str(file)
    try:
        if not stat.S_ISREG(file.stat().st_mode):
            raise DocumentError(name, "", "not a regular file")
        with file.open("rb") as reader:
            raw = reader.read(MAX_DOCUMENT_BYTES + 1)
    except OSError as exc:
        raise DocumentError(name, "", exc.strerror or str(exc)) from None
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise DocumentError(name, "", f"larger than {MAX_DOCUMENT_BYTES} bytes")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DocumentError(name, "", "not UTF-8") from None
    if text.lstrip().startswith(("{", "[")):
        try:
            return json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise DocumentError(name, "", f"not JSON: {exc}") from None
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        loaded = yaml.load(text, Loader=loader)
    except (yaml.YAMLError, RecursionError) as exc:
        reason = str(exc).replace("\n", " ")
        raise DocumentError(name, "", f"not YAML: {reason[:300]}") from None
    if "*" in text and _expanded_over(loaded, MAX_DOCUMENT_NODES):
        # YAML aliases share a node; walked (bundled, copied) they multiply: ten levels of
        # ten aliases are 10^10 nodes in a file of a few hundred bytes.
        raise DocumentError(
            name, "", f"its YAML aliases expand to more than {MAX_DOCUMENT_NODES:,} nodes"
        )
    return loaded


MAX_DOCUMENT_NODES = 5_000_000
"""Nodes a document may hold once its YAML aliases are expanded (Asana's has about 46,000)."""


def _expanded_over(node: Any, limit: int) -> bool:
    """Whether ``node`` walked as a tree (a shared node counted each time) passes ``limit``."""
    count, stack = 0, [node]
    while stack:
        item = stack.pop()
        count += 1
        if count > limit:
            return True
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _escape(path: str) -> str:
    return path.replace("~", "~0").replace("/", "~1")


def _from_swagger(spec: dict[str, Any]) -> dict[str, Any]:
    """A Swagger 2.0 document in the OpenAPI 3 shape the model reads."""
    spec = copy.deepcopy(spec)
    _rewrite_refs(spec)
    converted: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": spec.get("info", {}),
        "servers": [{"url": spec.get("basePath", "/") or "/"}],
        "components": {
            "schemas": spec.get("definitions", {}),
            "parameters": spec.get("parameters", {}),
            "responses": spec.get("responses", {}),
            "securitySchemes": spec.get("securityDefinitions", {}),
        },
        "paths": {},
    }
    consumes = spec.get("consumes") or ["application/json"]
    produces = spec.get("produces") or ["application/json"]
    for path, item in (spec.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        new_item: dict[str, Any] = {}
        for key, value in item.items():
            if key not in _METHODS or not isinstance(value, dict):
                new_item[key] = value
                continue
            operation = dict(value)
            parameters = []
            for parameter in operation.get("parameters") or []:
                if isinstance(parameter, dict) and parameter.get("in") == "body":
                    media = operation.get("consumes") or consumes
                    schema = parameter.get("schema", {})
                    operation["requestBody"] = {
                        "required": bool(parameter.get("required")),
                        "content": {m: {"schema": schema} for m in media},
                    }
                elif isinstance(parameter, dict) and "$ref" not in parameter:
                    keys = ("type", "format", "items", "enum", "default", "maximum", "minimum")
                    schema = {k: parameter[k] for k in keys if k in parameter}
                    kept = {k: v for k, v in parameter.items() if k not in keys}
                    parameters.append({**kept, "schema": schema})
                else:
                    parameters.append(parameter)
            operation["parameters"] = parameters
            responses = {}
            for status, response in (operation.get("responses") or {}).items():
                if isinstance(response, dict) and "schema" in response:
                    media = operation.get("produces") or produces
                    body = {m: {"schema": response["schema"]} for m in media}
                    response = {k: v for k, v in response.items() if k != "schema"}
                    response["content"] = body
                responses[str(status)] = response
            operation["responses"] = responses
            new_item[key] = operation
        converted["paths"][path] = new_item
    return converted


def _rewrite_refs(node: Any) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/definitions/"):
            node["$ref"] = "#/components/schemas/" + ref.removeprefix("#/definitions/")
        elif isinstance(ref, str) and ref.startswith("#/parameters/"):
            node["$ref"] = "#/components/parameters/" + ref.removeprefix("#/parameters/")
        for value in node.values():
            _rewrite_refs(value)
    elif isinstance(node, list):
        for value in node:
            _rewrite_refs(value)
