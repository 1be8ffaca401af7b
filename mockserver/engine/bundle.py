"""A document as Connexion is given it: one self-contained OpenAPI 3.0 mapping.

Connexion routes and validates the engine's APIs as it does the built-in ones, but it reads one
mapping, knows OpenAPI 3.0 (validated with Draft 4) and resolves a handler by operationId. So the
engine's view of a document (``Document.spec``: Swagger 2.0 already in the 3.x shape) is
bundled: ``$ref``s into other files inlined (a reference that comes back on itself kept once
under ``components/schemas``), a ``$ref`` to nothing read as "anything" (as the seed reads it),
OpenAPI 3.1's schema words put in their 3.0 form, and every operation given an operationId (the
model's name for it, so that ``inspect``, the journal and faults agree).
"""

from __future__ import annotations

import copy
import functools
import pickle
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import jsonschema
from connexion.spec import OpenAPISpecification, create_spec_validator

from mockserver.engine.document import (
    _METHODS,
    Document,
    DocumentError,
    _escape,
    dangling_schema,
    read_document,
)
from mockserver.engine.model import _operation_id

_MAX_INLINE_DEPTH = 200


def bundled_file(path: str) -> dict[str, Any]:
    """The document at ``path`` bundled (``connexion_spec``), a fresh copy each time: read,
    bundled and checked once for each version of the file (its mtime and size)."""
    status = Path(path).stat()
    return pickle.loads(_bundled(path, status.st_mtime_ns, status.st_size))


@functools.lru_cache(maxsize=16)
def _bundled(path: str, mtime_ns: int, size: int) -> bytes:
    return pickle.dumps(connexion_spec(read_document(path)))


def connexion_spec(document: Document) -> dict[str, Any]:
    """``document`` as one OpenAPI 3.0 mapping (``DocumentError`` when it does not validate)."""
    spec = _Bundler(document).bundle()
    if document.version.startswith("3.1"):
        spec = _as_openapi_30(spec)
    spec["openapi"] = "3.0.3"
    spec.pop("webhooks", None)  # listed by inspect as not served
    spec.pop("jsonSchemaDialect", None)
    _name_operations(spec)
    _check(document, spec)
    return spec


class _Bundler:
    def __init__(self, document: Document) -> None:
        self.document = document
        self.schemas: dict[str, Any] = {}
        self.named: dict[tuple[Path, str], str] = {}
        self.inlining: list[tuple[Path, str]] = []

    def bundle(self) -> dict[str, Any]:
        spec = self._walk(copy.deepcopy(self.document.spec), self.document.path, "")
        if self.schemas:
            spec.setdefault("components", {}).setdefault("schemas", {}).update(self.schemas)
        return spec

    def _walk(self, node: Any, base: Path, where: str) -> Any:
        if len(self.inlining) > _MAX_INLINE_DEPTH:
            raise DocumentError(str(self.document.path), where, "$refs nested too deep")
        if isinstance(node, list):
            return [self._walk(value, base, f"{where}/{i}") for i, value in enumerate(node)]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str):
            return self._reference(ref, base, where)
        # YAML reads ``200:`` as a number; JSON and Connexion know only string keys.
        return {str(key): self._walk(value, base, f"{where}/{_escape(str(key))}")
                for key, value in node.items()}  # fmt: skip

    def _reference(self, ref: str, base: Path, where: str) -> Any:
        file_part, _, pointer = ref.partition("#")
        file = (base.parent / unquote(file_part)).resolve() if file_part else base
        try:
            _, target = self.document._target(base, ref, where)
        except DocumentError as exc:
            if dangling_schema(exc, ref):
                return {}  # a $ref to no schema allows anything, as the seed reads it
            raise
        if file == self.document.path:
            return {"$ref": "#" + pointer}
        key = (file, pointer)
        if key in self.named:
            return {"$ref": f"#/components/schemas/{self.named[key]}"}
        if key in self.inlining:
            # It comes back on itself: kept once, under a name of its own.
            name = self._name_for(file, pointer)
            self.named[key] = name
            return {"$ref": f"#/components/schemas/{name}"}
        self.inlining.append(key)
        try:
            inlined = self._walk(copy.deepcopy(target), file, where)
        finally:
            self.inlining.pop()
        if key in self.named:
            self.schemas[self.named[key]] = inlined
            return {"$ref": f"#/components/schemas/{self.named[key]}"}
        return inlined

    def _name_for(self, file: Path, pointer: str) -> str:
        last = pointer.rstrip("/").rsplit("/", 1)[-1] or file.stem
        stem = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{file.stem}.{last}")
        name, number = stem, 2
        existing = self.document.spec.get("components", {}).get("schemas", {})
        while name in self.schemas or name in existing or name in self.named.values():
            name, number = f"{stem}_{number}", number + 1
        return name


def _name_operations(spec: dict[str, Any]) -> None:
    """Every operation gets an operationId (the model's name for one that has none); a repeated
    one is told apart by its method and path."""
    seen: set[str] = set()
    for path, item in (spec.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        for method in _METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            name = _operation_id(method, path, operation)
            if name in seen:
                name = f"{method.upper()} {path}"
            operation["operationId"] = name
            seen.add(name)


def _as_openapi_30(node: Any) -> Any:
    """OpenAPI 3.1's schema words in their 3.0 form: ``type: [x, "null"]`` is ``nullable``,
    ``const`` a one-value ``enum``, ``examples`` an ``example``, numeric exclusive bounds the
    boolean ones."""
    if isinstance(node, list):
        return [_as_openapi_30(value) for value in node]
    if not isinstance(node, dict):
        return node
    node = {key: _as_openapi_30(value) for key, value in node.items()}
    kind = node.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        if len(kinds) < len(kind):
            node["nullable"] = True
        if len(kinds) == 1:
            node["type"] = kinds[0]
        else:
            node.pop("type")
            if kinds:
                node["anyOf"] = [{"type": k} for k in kinds]
    if "const" in node:
        node["enum"] = [node.pop("const")]
    if isinstance(node.get("examples"), list) and "example" not in node and _is_schema(node):
        examples = node.pop("examples")
        if examples:
            node["example"] = examples[0]
    for bound, plain in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        value = node.get(bound)
        if isinstance(value, int | float) and not isinstance(value, bool):
            node[plain], node[bound] = value, True
    node.pop("$schema", None)
    if isinstance(node.get("license"), dict):
        node["license"].pop("identifier", None)
    return node


def _is_schema(node: dict[str, Any]) -> bool:
    return any(key in node for key in ("type", "properties", "items", "enum", "format"))


def _check(document: Document, spec: dict[str, Any]) -> None:
    """Connexion's own check of a document, its first failure as one ``DocumentError``."""
    # Connexion's check itself, not through ``_validate_spec``, which the app turns off while
    # it adds the documents it ships.
    try:
        validator = create_spec_validator(spec)(OpenAPISpecification.openapi_schema)
        validator.validate(copy.deepcopy(spec))
    except Exception as exc:  # jsonschema's ValidationError, or a document it cannot read
        cause = exc if isinstance(exc, jsonschema.ValidationError) else exc.__cause__ or exc
        path = getattr(cause, "absolute_path", None) or getattr(exc, "path", None) or []
        pointer = "".join(f"/{_escape(str(part))}" for part in path)
        message = str(getattr(cause, "message", None) or exc).split("\n", 1)[0]
        raise DocumentError(str(document.path), pointer, message[:300]) from None
