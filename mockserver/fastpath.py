"""The compiled request path: answers a routed request from its compiled ``Operation`` with no
per-request introspection, or declines and leaves it to Connexion.

It answers only requests it can judge as Connexion would: credentials that verify, parameters
of plain types that validate, a JSON body that validates. Anything else (a refusal, an
unusual parameter style, a form body) is declined before anything has changed, and Connexion,
the reference for what a request means, answers it. Once the handler runs, the answer is this
path's: the handler's result or its ``ApiError`` in the vendor's shape, built as Connexion
builds it (``tests/test_fastpath.py`` compares the two, byte for byte, over a corpus of every
API's requests).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import copy
import logging
import re
from enum import Enum
from typing import Any
from urllib.parse import parse_qsl

from connexion.datastructures import MediaTypeDict
from connexion.exceptions import NonConformingResponseBody, NonConformingResponseHeaders
from connexion.json_schema import Draft4ResponseValidator, format_error_with_path
from connexion.utils import extract_content_type, is_json_mimetype, split_content_type
from jsonschema import Draft4Validator, ValidationError

from mockserver import jsoncodec
from mockserver.errors import ApiError
from mockserver.rendering import ErrorRenderer, send_error, to_api_error
from mockserver.routing import Operation, Parameter, Scheme

logger = logging.getLogger("leadmock.fastpath")

DECLINED = object()
"""What a step returns to hand the request to Connexion."""

# At most 18 digits: an int64 whatever they are; longer ones are Connexion's to judge.
_INTEGER = re.compile(r"-?[0-9]{1,18}")
_NULLS = ("null", "None")


class CompiledPath:
    """Answers requests from compiled operations (see the module docstring)."""

    def __init__(self, renderer: ErrorRenderer, *, validate_responses: bool) -> None:
        self.renderer = renderer
        self.validate_responses = validate_responses
        self._response_validators: dict[tuple[int, str, str], Draft4Validator | None] = {}

    async def answer(
        self,
        scope: dict[str, Any],
        operation: Operation,
        path_text: dict[str, str],
        headers: dict[str, str],
        body: Any,
        receive: Any,
        send: Any,
    ) -> bool:
        """Answer the request and return True, or return False having changed nothing."""
        if not operation.compiled:
            return False
        token_info = authenticate(operation.security, headers)
        if token_info is DECLINED:
            return False
        kwargs = arguments(operation, path_text, scope.get("query_string", b""))
        if kwargs is DECLINED:
            return False
        if "content-type" in headers and not operation.json_media:
            # Connexion reads a body of any declared type, even on a GET: its decision.
            return False
        if operation.json_media:
            if body is None or body == {} or not _body_valid(operation, headers, body):
                return False
            if operation.has_kwargs or "body" in operation.arguments:
                kwargs["body"] = body
        if token_info is not None:
            if operation.has_kwargs or "token_info" in operation.arguments:
                kwargs["token_info"] = token_info
            if operation.has_kwargs or "user" in operation.arguments:
                kwargs["user"] = token_info.get("sub", token_info.get("uid"))
        # As the Connexion path's handler wrapper does: requests already read go first.
        await asyncio.sleep(0)
        try:
            status, raw_headers, content = self._response(operation, operation.handler(**kwargs))
        except Exception as exc:  # every error is answered, in the vendor's shape
            if not isinstance(exc, ApiError | NonConformingResponseBody):
                logger.exception("handler %s failed", operation.operation_id)
            await send_error(send, self.renderer.render(scope["path"], to_api_error(exc)))
            return True
        await send({"type": "http.response.start", "status": status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": content})
        return True

    def _response(self, operation: Operation, result: Any) -> tuple[int, list, bytes]:
        """Status, headers and body as Connexion's response decorator and Starlette build them."""
        data, status, headers = _unpack(result)
        content_type = extract_content_type(headers)
        produces = list(set(operation.produces))
        if data is not None and not produces:
            produces = ["application/json"]
        if content_type:
            if content_type not in produces:
                raise NonConformingResponseHeaders(
                    f"Returned content type ({content_type}) is not defined in operation spec "
                    f"({list(operation.produces)})."
                )
        elif len(produces) == 1:
            content_type = produces[0]
        elif produces:
            raise NonConformingResponseHeaders(
                "Multiple response content types are defined in the operation spec, but "
                "the handler response did not specify which one to return."
            )
        if data is None:
            content = b""
        elif content_type and is_json_mimetype(split_content_type(content_type)[0]):
            content = jsoncodec.dumps(data)
        else:
            content = data if isinstance(data, bytes) else str(data).encode()
        status = status or (204 if data is None else 200)
        raw = [(k.lower().encode("latin-1"), str(v).encode("latin-1")) for k, v in headers.items()]
        names = {name for name, _ in raw}
        if b"content-type" not in names and content_type:
            raw.append((b"content-type", content_type.encode("latin-1")))
        if b"content-length" not in names and not (status < 200 or status in (204, 304)):
            raw.append((b"content-length", str(len(content)).encode("latin-1")))
        if self.validate_responses:
            self._validate_response(operation, status, raw, content)
        return status, raw, content

    def _validate_response(
        self, operation: Operation, status: int, raw: list[tuple[bytes, bytes]], content: bytes
    ) -> None:
        """What Connexion's response validation checks, with its messages."""
        header = next((v.decode("latin-1") for k, v in raw if k == b"content-type"), None)
        mime = split_content_type(header)[0] if header else None
        if mime is None:
            mime = operation.produces[0] if operation.produces else "application/octet-stream"
        if status < 400 and operation.produces:
            known = MediaTypeDict([(p.lower(), None) for p in operation.produces])
            if mime.lower() not in known:
                raise NonConformingResponseHeaders(
                    detail=f"Invalid Response Content-type ({mime}), "
                    f"expected {list(operation.produces)}"
                )
        definition = operation.responses.get(str(status), operation.responses.get("default", {}))
        required = {
            k.lower() for k, v in definition.get("headers", {}).items() if v.get("required")
        }
        missing = required - {k.decode("latin-1") for k, _ in raw}
        if missing:
            raise NonConformingResponseHeaders(
                detail="Keys in response header don't match response specification. "
                f"Difference: {', '.join(missing)}"
            )
        if not is_json_mimetype(mime):
            return
        validator = self._response_validator(operation, status, mime, definition)
        if validator is None or not content:
            return
        try:
            validator.validate(jsoncodec.loads(content))
        except ValidationError as exc:
            raise NonConformingResponseBody(
                detail="Response body does not conform to specification. "
                f"{exc.message}{format_error_with_path(exception=exc)}"
            ) from None

    def _response_validator(
        self, operation: Operation, status: int, mime: str, definition: dict[str, Any]
    ) -> Draft4Validator | None:
        key = (id(operation), str(status), mime)
        if key not in self._response_validators:
            content = definition.get("content", definition)
            entry = content.get(mime, content)
            schema = entry.get("schema") if isinstance(entry, dict) else None
            self._response_validators[key] = (
                Draft4ResponseValidator(
                    {**schema, "components": operation.components},
                    format_checker=Draft4Validator.FORMAT_CHECKER,
                )
                if schema is not None
                else None
            )
        return self._response_validators[key]


def authenticate(alternatives: list[list[Scheme]], headers: dict[str, str]) -> Any:
    """The token info Connexion's security step would put in context; None where the operation
    has no security; ``DECLINED`` where Connexion would refuse or might answer otherwise."""
    if not alternatives:
        return None
    for schemes in alternatives:
        found: dict[str, Any] = {}
        for scheme in schemes:
            info = _verify(scheme, headers)
            if info is DECLINED:
                return DECLINED
            if info is None:
                break
            found[scheme.name] = info
        else:
            return found[schemes[0].name] if len(schemes) == 1 else found
    return DECLINED


def _verify(scheme: Scheme, headers: dict[str, str]) -> Any:
    """One scheme's token info; None when the request does not use it; ``DECLINED``."""
    credentials = scheme.credentials
    value = headers.get(scheme.location)
    if credentials.kind == "apikey":
        if value is None:
            return DECLINED if credentials.missing else None
        return _checked(credentials.verify, value)
    if not value:
        return None
    if credentials.malformed is not None and credentials.malformed(value) is not None:
        return DECLINED
    parts = value.split(maxsplit=1)
    if len(parts) != 2:
        return DECLINED
    if parts[0].lower() != credentials.kind:
        return None
    if credentials.kind != "basic":
        return _checked(credentials.verify, parts[1])
    try:
        username, password = base64.b64decode(parts[1]).decode("latin1").split(":", 1)
    except (ValueError, binascii.Error):
        return DECLINED
    return _checked(credentials.verify, username, password)


def _checked(verify: Any, *args: str) -> Any:
    try:
        info = verify(*args)
    except Exception:
        return DECLINED
    return DECLINED if info is None else info


def arguments(operation: Operation, path_text: dict[str, str], query_string: bytes) -> Any:
    """The handler's keyword arguments from the path and query, as Connexion passes them."""
    kwargs: dict[str, Any] = {}
    for parameter in operation.path_parameters:
        value = _typed(parameter, path_text[parameter.group])
        if value is DECLINED:
            return DECLINED
        kwargs[parameter.argument] = value
    given: dict[str, str] = {}
    if query_string:
        for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
            if name in given or "[" in name:
                return DECLINED
            given[name] = value
    for name, parameter in operation.query_parameters.items():
        text = given.get(name)
        if text is None:
            if parameter.required:
                return DECLINED
            continue
        value = _typed(parameter, text)
        if value is DECLINED:
            return DECLINED
        if operation.has_kwargs or parameter.argument in operation.arguments:
            kwargs[parameter.argument] = value
    for argument, default in operation.query_defaults.items():
        if argument not in kwargs:
            mutable = isinstance(default, dict | list)
            kwargs[argument] = copy.deepcopy(default) if mutable else default
    return kwargs


def _typed(parameter: Parameter, text: str) -> Any:
    """The parameter's value, validated against its schema; ``DECLINED`` if Connexion might
    read it otherwise or refuse it."""
    if parameter.nullable and text in _NULLS:
        return DECLINED
    if parameter.kind == "string":
        value: Any = text
    elif parameter.kind == "integer" and _INTEGER.fullmatch(text):
        value = int(text)
    elif parameter.kind == "boolean" and text.lower() in ("true", "false"):
        value = text.lower() == "true"
    else:
        return DECLINED
    return value if parameter.validator.is_valid(value) else DECLINED


def _body_valid(operation: Operation, headers: dict[str, str], body: Any) -> bool:
    mime, charset = split_content_type(headers.get("content-type", ""))
    if charset not in (None, "utf-8", "utf8"):
        return False
    check = operation.json_media.get((mime or "").lower())
    return check is not None and check(body)


def _unpack(result: Any) -> tuple[Any, int | None, dict[str, str]]:
    """A handler's ``body``, ``(body, status)``, ``(body, headers)`` or ``(body, status,
    headers)``, as Connexion reads them."""
    if not isinstance(result, tuple):
        return result, None, {}
    if len(result) == 1:
        return result[0], None, {}
    if len(result) == 2:
        data, second = result
        if isinstance(second, int):
            return data, int(second), {}
        if isinstance(second, Enum) and isinstance(second.value, int):
            return data, second.value, {}
        return data, None, dict(second)
    data, status, headers = result
    return data, status, dict(headers or {})
