"""A document served by the engine, as a ``Vendor`` record like the built-in ones: the app,
the compiled path, the journal, faults and the admin plane serve it unchanged.

Each operation the model places is answered by ``Engine`` from the store; the others are
``static``: the document's example for the success answer, or a value generated from its
schema, and marked so in the journal and the request log. Credentials follow the document's
``securitySchemes``: a request without them gets 401; any value is accepted unless
``--accept-token``, ``--accept-api-key`` or ``--accept-login`` names the valid ones.
"""

from __future__ import annotations

import base64
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from mockserver.auth import api_key_scheme, basic_scheme, http_token_scheme, same_secret
from mockserver.config import Config
from mockserver.connexion_adapter import pythonic
from mockserver.engine.bundle import bundled_file
from mockserver.engine.document import Document, read_document
from mockserver.engine.errors import ErrorShapes
from mockserver.engine.formats import format_problem
from mockserver.engine.handlers import PROBLEM, Call, Engine
from mockserver.engine.model import (
    ApiModel,
    Placed,
    _body_schema,
    _json_schema,
    _operation_id,
    infer_model,
)
from mockserver.engine.overrides import apply_overrides, read_overrides
from mockserver.engine.seed import _inlined, fits, nullable_widened, value_for
from mockserver.errors import ApiError, BadRequest, error_for_status, spec_refusal
from mockserver.requestcontext import answering_context, answering_scope, operation_id_of
from mockserver.requesturl import request_url
from mockserver.store import Store
from mockserver.vendorrecord import (
    AcceptedCredentials,
    Checking,
    CheckTarget,
    Credentials,
    ErrorBody,
    Mount,
    Vendor,
)

ANY_TOKEN = "leadmock-token"
"""What the checker sends where any credential is accepted."""
_ACCEPTED = "accepted"


@dataclass(frozen=True)
class ServedDocument:
    """A document read, modelled and corrected, under the name its API is served by."""

    name: str
    path: Path
    document: Document
    model: ApiModel


def served_document(path: str, name: str, overrides_file: str | None = None) -> ServedDocument:
    """The document at ``path`` read and modelled, its ``x-leadmock`` and ``overrides_file``
    applied (``DocumentError`` when it cannot be)."""
    document = read_document(path)
    bundled_file(path)  # checked as Connexion will be given it: refused here, in one line
    overrides = read_overrides(document.spec, overrides_file)
    model = apply_overrides(infer_model(document), overrides, overrides_file or path)
    return ServedDocument(name, document.path, document, model)


def api_name(path: str, taken: set[str]) -> str:
    """The name a document's API is served by: its file's stem, told apart from ``taken``."""
    stem = re.sub(r"[^a-z0-9]+", "-", Path(path).stem.lower()).strip("-") or "api"
    name, number = stem, 2
    while name in taken:
        name, number = f"{stem}-{number}", number + 1
    return name


def document_profile(document: str | Path, name: str, **hooks: Any) -> Vendor:
    """A vendor served by the engine from ``document``, with a profile's ``hooks`` (its own
    ``render_error``, ``seed``, ``describe``, ``position``... any ``Vendor`` field) laid over
    what the engine infers: a vendor package whose ``VENDOR`` is this needs nothing else."""
    return replace(document_vendor(served_document(str(document), name)), **hooks)


def document_vendor(served: ServedDocument) -> Vendor:
    """The ``Vendor`` record that serves ``served``."""
    shapes = ErrorShapes(served.document)
    schemes = _schemes(served.document)

    def render_error(error: ApiError) -> ErrorBody:
        content, media_type = shapes.render(error, _operation_answering())
        return ErrorBody(error.status, content, media_type, dict(error.headers))

    return Vendor(
        name=served.name,
        mounts=(Mount(served.name, str(served.path), served.model.base_path),),
        handlers=lambda store, config: DocumentHandlers(served, store, config),
        seed=lambda store, config: _seed(served, store, config),
        describe=lambda facts, base_url: _describe(served, facts, base_url),
        render_error=render_error,
        adopt_recording=lambda store, facts, accepted: _accept(served, store, accepted),
        checking=lambda: _checking(schemes),
    )


def _checking(schemes: dict[str, str]) -> Checking:
    """What checking a document needs: any token, or the credentials a run gives; the engine's
    refusals by design allowed."""
    return Checking(
        check_target=lambda facts: _target(schemes, Credentials(token=ANY_TOKEN)),
        remote_target=lambda base_url, credentials: _target(schemes, credentials),
        excluded_checks={
            "status_code_conformance": "replaced by refusal_or_documented_status: the same "
            "check, but a refusal the engine gives by design (404 for a record that does not "
            "exist, 400 for a request the schemas refuse...) passes where the document does "
            "not list it (contracts/documentchecks.py)"
        },
        valid_data_statuses={
            "405": "an empty path parameter (DELETE /tickets/) names the collection, which "
            "does not take that method; Allow lists the ones it takes"
        },
    )


class DocumentHandlers:
    """One handler per operationId of the document, and the security map Connexion needs."""

    def __init__(self, served: ServedDocument, store: Store, config: Config) -> None:
        self.served = served
        self.store = store
        self.engine = Engine(served.document, served.model, store, api=served.name)
        self.engine.seed_value = config.seed
        self._placed: dict[str, tuple[str, Placed]] = {
            placed.operation_id: (resource.name, placed)
            for resource in served.model.resources
            for placed in resource.operations
        }
        self._static = {unplaced.operation_id: unplaced for unplaced in served.model.static}
        self._path_names: dict[str, dict[str, str]] = {}
        self._media: dict[str, dict[str, str]] = {}
        self._bodies: dict[str, Any] = {}
        self._takes_null: dict[str, bool] = {}
        self._formatted: dict[str, list[tuple[str, str, Any]]] = {}
        self._headers: dict[str, list[tuple[str, Any]]] = {}
        """Header parameters and their schemas (Connexion does not check their values)."""
        """Parameters with a ``format`` Connexion does not check (int32, uri...), by operation."""
        for method, path, operation, parameters in served.document.operations():
            operation_id = _operation_id(method, path, operation)
            self._path_names[operation_id] = {
                pythonic(p["name"]): p["name"] for p in parameters if p.get("in") == "path"
            }
            self._media[operation_id] = _answer_media(served.document, operation)
            self._formatted[operation_id] = [
                (pythonic(p["name"]), p["name"], p["schema"])
                for p in parameters
                if p.get("in") in ("path", "query") and "format" in (p.get("schema") or {})
            ]
            self._headers[operation_id] = [
                (p["name"], _inlined(served.document, p.get("schema") or {}))
                for p in parameters
                if p.get("in") == "header" and p["name"].lower() not in _TRANSPORT_HEADERS
            ]
            body = _body_schema(served.document, operation)
            self._takes_null[operation_id] = body is None or _allows_null(served.document, body)

    def __getattr__(self, operation_id: str) -> Callable[..., Any]:
        if operation_id.startswith("_"):
            raise AttributeError(operation_id)
        if operation_id in self._placed:
            resource, placed = self._placed[operation_id]
            handler = functools.partial(self._stateful, resource, placed)
        elif operation_id in self._static:
            unplaced = self._static[operation_id]
            handler = functools.partial(self._from_document, unplaced.method, unplaced.path)
        else:
            raise AttributeError(f"{self.served.name} has no operation {operation_id!r}")
        names = self._path_names.get(operation_id, {})
        takes_null = self._takes_null.get(operation_id, True)

        formatted = self._formatted.get(operation_id, [])

        headers = self._headers.get(operation_id, [])

        def operation(**kwargs: Any) -> Any:
            if headers:
                _check_headers(headers)
            for argument, name, schema in formatted:
                problem = format_problem(schema, kwargs.get(argument))
                if argument in kwargs and problem:
                    raise spec_refusal(BadRequest(f"parameter {name}: {problem}"))
            if not takes_null and kwargs.get("body") in (None, {}) and _null_sent():
                # Connexion lets an optional body be empty (and passes {}); null is not empty.
                raise spec_refusal(BadRequest("the body is null, which its schema refuses"))
            return handler(names, kwargs)

        operation.__name__ = re.sub(r"\W", "_", operation_id)
        return operation

    def _stateful(self, resource: str, placed: Placed, names: dict[str, str], kwargs: Any) -> Any:
        if placed.role in ("create", "replace", "merge") and kwargs.get("body") is not None:
            problem = format_problem(self._body_schema(placed), kwargs["body"])
            if problem:
                raise spec_refusal(BadRequest(problem))
        call = Call(
            path_params={names.get(k, k): str(v) for k, v in kwargs.items() if k in names},
            query=_query(),
            body=kwargs.get("body"),
            url=request_url(),
        )
        answer = self.engine.answer(resource, placed, call)
        if answer.media_type == PROBLEM:
            detail = answer.body.get("detail", "") if isinstance(answer.body, dict) else ""
            raise error_for_status(answer.status, str(detail))
        if answer.body is None:
            return None, answer.status
        declared = self._media.get(placed.operation_id, {})
        media = declared.get(str(answer.status)) or next(iter(declared.values()), None)
        return answer.body, answer.status, {"Content-Type": media or answer.media_type}

    def _body_schema(self, placed: Placed) -> Any:
        """The request body's schema, ``$ref``s inlined, built once an operation."""
        if placed.operation_id not in self._bodies:
            document = self.served.document
            item = document.resolve((document.spec.get("paths") or {})[placed.path])
            schema = _body_schema(document, item.get(placed.method.lower(), {}))
            self._bodies[placed.operation_id] = _inlined(document, schema or {})
        return self._bodies[placed.operation_id]

    def _from_document(self, method: str, path: str, names: dict[str, str], kwargs: Any) -> Any:
        answering_context().static = True
        item = self.served.document.resolve((self.served.document.spec.get("paths") or {})[path])
        operation = item.get(method.lower(), {})
        return static_answer(self.served.document, operation)

    # -- security --------------------------------------------------------------------------

    def security_map(self) -> dict[str, type]:
        token = http_token_scheme("bearer", self._verify_token)
        return {
            "basic": basic_scheme(self._verify_login),
            "bearer": token,
            "oauth2": token,
            "openIdConnect": token,
            "apiKey": api_key_scheme(self._verify_key),
        }

    def _accepted(self) -> dict[str, Any]:
        return self.store.get(f"{self.served.name}:{_ACCEPTED}", _ACCEPTED) or {}

    def _verify_token(self, token: str) -> dict[str, Any] | None:
        tokens = self._accepted().get("tokens")
        if tokens and not any(same_secret(t, token) for t in tokens):
            return None
        return {"sub": "token"} if token else None

    def _verify_key(self, key: str) -> dict[str, Any] | None:
        keys = self._accepted().get("api_keys")
        if keys and not any(same_secret(k, key) for k in keys):
            return None
        return {"sub": "api-key"} if key else None

    def _verify_login(self, user: str, password: str) -> dict[str, Any] | None:
        logins = self._accepted().get("logins")
        if logins and not any(u == user and same_secret(p, password) for u, p in logins):
            return None
        return {"sub": user}


def static_answer(document: Document, operation: dict[str, Any]) -> Any:
    """The success answer of an operation the engine cannot place: the document's example
    for it where the example fits the answer's schema (not all do: Intercom's), else a value
    generated from that schema."""
    responses = operation.get("responses") or {}
    for status in sorted(str(s) for s in responses):
        if not status.startswith("2"):
            continue
        response = document.resolve(responses.get(status, responses.get(int(status))))
        content = (response or {}).get("content") or {}
        if not content:
            return None, int(status)
        media = next((m for m in content if "json" in m), next(iter(content)))
        entry = document.resolve(content[media]) or {}
        schema = _json_schema(document, response)
        examples = [entry["example"]] if "example" in entry else []
        for example in (entry.get("examples") or {}).values():
            example = document.resolve(example)
            if isinstance(example, dict) and "value" in example:
                examples.append(example["value"])
        for example in examples:
            if schema is None or fits(document, schema, example):
                return example, int(status), {"Content-Type": media}
        body = value_for(document, schema, "", seed=0) if schema is not None else None
        return body, int(status), {"Content-Type": media}
    return None, 204


def _answer_media(document: Document, operation: dict[str, Any]) -> dict[str, str]:
    """The media type of each success answer an operation declares (a JSON one first)."""
    found = {}
    for status, response in (operation.get("responses") or {}).items():
        content = (document.resolve(response) or {}).get("content") or {}
        if str(status).startswith("2") and content:
            found[str(status)] = next((m for m in content if "json" in m), next(iter(content)))
    return found


_TRANSPORT_HEADERS = {"accept", "content-type", "authorization", "content-length"}
"""Headers a document may declare that the transport and security steps judge."""


def _check_headers(declared: list[tuple[str, Any]]) -> None:
    """Each declared header the request sends, against its schema (a 400 when it breaks it)."""
    sent = answering_context().headers
    for name, schema in declared:
        text = sent.get(name.lower())
        if text is None:
            continue
        value: Any = text
        if schema.get("type") in ("integer", "number"):
            try:
                value = int(text) if schema["type"] == "integer" else float(text)
            except ValueError:
                value = text
        elif schema.get("type") == "boolean" and text in ("true", "false"):
            value = text == "true"
        problem = _problem(schema, value)
        if problem:
            raise spec_refusal(BadRequest(f"header {name}: {problem}"))


def _problem(schema: Any, value: Any) -> str | None:
    from jsonschema import Draft4Validator

    error = next(Draft4Validator(schema).iter_errors(value), None)
    return error.message if error is not None else format_problem(schema, value)


def _null_sent() -> bool:
    """Whether the request's body is the JSON ``null`` (not an empty body)."""
    return answering_context().body.strip() == b"null"


def _allows_null(document: Document, schema: Any) -> bool:
    """Whether a JSON null is a body ``schema`` takes (OpenAPI 3.0's ``nullable`` read, in
    the schema or in one of its alternatives)."""
    return _nullable_validator(_inlined(document, schema)).is_valid(None)


def _nullable_validator(schema: Any) -> Any:
    from jsonschema import Draft4Validator

    return Draft4Validator(nullable_widened(schema))


def _operation_answering() -> str | None:
    """The operationId of the request being answered, where routing found one."""
    scope = answering_scope()
    return operation_id_of(scope) if scope is not None else None


def _query() -> dict[str, list[str]]:
    scope = answering_scope() or {}
    raw = scope.get("query_string", b"").decode("latin-1")
    return parse_qs(raw, keep_blank_values=True)


def _seed(served: ServedDocument, store: Store, config: Config) -> dict[str, Any]:
    engine = Engine(served.document, served.model, store, api=served.name)
    base_path = (config.base_paths.get(served.name) or served.model.base_path).rstrip("/")
    records = engine.seed(config.leads, config.seed)
    return {"api": served.name, "base_path": base_path, "records": records}


def _describe(served: ServedDocument, facts: dict[str, Any], base_url: str) -> list[str]:
    model = served.model
    placed = sum(len(r.operations) for r in model.resources)
    lines = [
        f"{served.name:<13} {base_url}{facts.get('base_path', model.base_path)}/  ({model.title}: "
        f"{len(model.resources)} resources, {placed} operations from state, "
        f"{len(model.static)} static)"
    ]
    records = ", ".join(f"{name} {count}" for name, count in facts.get("records", {}).items())
    if records:
        lines.append(f"              seeded: {records}")
    schemes = _schemes(served.document)
    if schemes:
        lines.append(
            f"              credentials: any {', '.join(sorted(set(schemes.values())))} "
            "(--accept-token, --accept-api-key, --accept-login narrow it)"
        )
    return lines


def _schemes(document: Document) -> dict[str, str]:
    """Each security scheme the document declares, as how a credential is sent: ``bearer``,
    ``basic``, or ``apiKey <in> <name>``."""
    found = {}
    schemes = (document.spec.get("components") or {}).get("securitySchemes") or {}
    for name, scheme in schemes.items():
        scheme = document.resolve(scheme)
        if not isinstance(scheme, dict):
            continue
        kind = scheme.get("type")
        if (kind == "http" and str(scheme.get("scheme", "")).lower() == "basic") or kind == "basic":
            found[name] = "basic"
        elif kind == "apiKey":
            found[name] = f"apiKey {scheme.get('in')} {scheme.get('name')}"
        else:
            found[name] = "bearer"
    return found


def _target(schemes: dict[str, str], credentials: Credentials) -> CheckTarget:
    """Headers (and query parameters) that satisfy every scheme the document declares."""
    headers: dict[str, str] = {}
    parameters: dict[str, Any] = {}
    for how in dict.fromkeys(schemes.values()):
        if how == "bearer":
            headers.setdefault("Authorization", f"Bearer {credentials.token or ANY_TOKEN}")
        elif how == "basic":
            pair = f"{credentials.user or 'leadmock'}:{credentials.password or 'leadmock'}"
            headers.setdefault("Authorization", "Basic " + base64.b64encode(pair.encode()).decode())
        else:
            _, where, name = how.split(" ", 2)
            key = credentials.api_key or credentials.token or ANY_TOKEN
            if where == "header":
                headers[name] = key
            elif where == "query":
                parameters[f"query.{name}"] = key
            elif where == "cookie":
                headers["Cookie"] = f"{name}={key}"
    return CheckTarget(headers=headers, parameters=parameters)


def _accept(served: ServedDocument, store: Store, accepted: AcceptedCredentials) -> list[str]:
    """Keep the credentials the document's API accepts from now on (any, unless named)."""
    given = {
        "tokens": list(accepted.tokens),
        "api_keys": list(accepted.api_keys),
        "logins": [list(pair) for pair in accepted.logins],
    }
    if not any(given.values()):
        return []
    store.put(f"{served.name}:{_ACCEPTED}", _ACCEPTED, given)
    named = [f"{len(v)} {k.replace('_', ' ')}" for k, v in given.items() if v]
    return [f"{served.name}: only the named credentials are accepted ({', '.join(named)})"]
