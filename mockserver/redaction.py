"""Secrets kept out of what leadmock writes down: a proxy's journal, log, recording and drift
report, and a check's HAR file.

Which names hold a secret is said by the API's spec (``secret_names``: the headers, query
parameters and cookies its security schemes read, and every parameter or body field of
``format: password``) and, whatever the spec says, by the name itself (``is_secret_field``: a
password, a token, an API key). A ``Redactor`` hides them in one exchange (headers keep their
scheme word, ``JWT [redacted]``; query values, JSON fields and form fields lose their value) and
remembers each value it hid, so that any text written about the exchange (a validation message,
an answer's excerpt, a curl line) can be scrubbed of them too.
"""

from __future__ import annotations

import email.policy
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from email.parser import BytesParser
from typing import Any
from urllib.parse import parse_qsl, quote, unquote_plus, urlencode

REDACTED = "[redacted]"

_SECRET_FIELD = re.compile(
    r"(?:.*[_-])?(?:pass(?:word|wd)?|token|secret|api_?key|apikey|access|refresh|jwt|otp)"
    r"(?:[_-].*)?",
    re.IGNORECASE,
)
_CREDENTIAL_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization", "set-cookie"})
_SHORTEST_SCRUBBED = 4
"""A hidden value shorter than this is not searched for in free text (it would mangle it)."""
_DEEPEST_WALKED = 64
"""How deep a spec's schemas or a body's JSON are walked for secret fields."""


def is_secret_field(name: str) -> bool:
    """True when a field of this name holds a secret (``password``, ``access_token``...)."""
    return bool(_SECRET_FIELD.fullmatch(name))


@dataclass(frozen=True)
class SecretNames:
    """The names that hold secrets in one API, beside those every name rule catches."""

    headers: frozenset[str] = frozenset()
    """Lower-cased header names."""
    fields: frozenset[str] = frozenset()
    """Lower-cased names of query parameters, cookies and body fields."""

    def is_header(self, name: str) -> bool:
        lowered = name.lower()
        return lowered in _CREDENTIAL_HEADERS or lowered in self.headers or is_secret_field(name)

    def is_field(self, name: str) -> bool:
        return name.lower() in self.fields or is_secret_field(name)


def secret_names(spec: Mapping[str, Any]) -> SecretNames:
    """What ``spec`` (its ``$ref``s resolved) designates as secret: the names its security
    schemes read (OpenAPI 3 and Swagger 2) and every parameter or body field whose schema is
    ``format: password``."""
    headers: set[str] = set()
    fields: set[str] = set()
    schemes = {
        **(spec.get("securityDefinitions") or {}),
        **((spec.get("components") or {}).get("securitySchemes") or {}),
    }
    for scheme in schemes.values():
        if not isinstance(scheme, Mapping) or scheme.get("type") != "apiKey":
            continue
        name = str(scheme.get("name", "")).lower()
        (headers if scheme.get("in") == "header" else fields).add(name)
    for item in (spec.get("paths") or {}).values():
        if not isinstance(item, Mapping):
            continue
        operations = [item, *(o for o in item.values() if isinstance(o, Mapping))]
        for operation in operations:
            for parameter in operation.get("parameters") or []:
                if not isinstance(parameter, Mapping):
                    continue
                schema = parameter.get("schema", parameter)
                if isinstance(schema, Mapping) and schema.get("format") == "password":
                    name = str(parameter.get("name", "")).lower()
                    (headers if parameter.get("in") == "header" else fields).add(name)
                if parameter.get("in") == "body":
                    fields.update(_password_properties(parameter.get("schema"), 0))
            content = (operation.get("requestBody") or {}).get("content") or {}
            for media in content.values():
                if isinstance(media, Mapping):
                    fields.update(_password_properties(media.get("schema"), 0))
    headers.discard("")
    fields.discard("")
    return SecretNames(frozenset(headers), frozenset(fields))


def _password_properties(schema: Any, depth: int) -> set[str]:
    found: set[str] = set()
    if not isinstance(schema, Mapping) or depth > _DEEPEST_WALKED:
        return found
    for name, sub in (schema.get("properties") or {}).items():
        if isinstance(sub, Mapping) and sub.get("format") == "password":
            found.add(str(name).lower())
        found |= _password_properties(sub, depth + 1)
    for key in ("items", "additionalProperties"):
        found |= _password_properties(schema.get(key), depth + 1)
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(key) or []:
            found |= _password_properties(sub, depth + 1)
    return found


class Redactor:
    """Hides the secrets of one exchange, and remembers what it hid to scrub free text of it."""

    def __init__(self, names: SecretNames | None = None) -> None:
        self.names = names or SecretNames()
        self.hidden: set[str] = set()

    def headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        """``headers`` with each credential's value hidden but its scheme word."""
        shown = {}
        for name, value in headers.items():
            if self.names.is_header(name):
                scheme, space, credential = value.partition(" ")
                keeps_scheme = space and scheme.isalpha()
                self._hide(credential if keeps_scheme else value)
                shown[name] = f"{scheme} {REDACTED}" if keeps_scheme else REDACTED
            else:
                shown[name] = value
        return shown

    def query(self, text: str) -> str:
        """A query string with every secret parameter's value hidden, the rest as sent."""
        if not text:
            return text
        pieces = []
        for piece in text.split("&"):
            name, equals, value = piece.partition("=")
            if equals and self.names.is_field(unquote_plus(name)):
                self._hide(unquote_plus(value))
                piece = f"{name}={quote(REDACTED)}"
            pieces.append(piece)
        return "&".join(pieces)

    def pairs(self, pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        """Parsed query or form pairs, each secret one's value hidden."""
        shown = []
        for name, value in pairs:
            if self.names.is_field(name):
                self._hide(value)
                value = REDACTED
            shown.append((name, value))
        return shown

    def value(self, value: Any, depth: int = 0) -> Any:
        """Parsed JSON with every secret field's value hidden."""
        if depth > _DEEPEST_WALKED:
            return value
        if isinstance(value, dict):
            shown = {}
            for key, item in value.items():
                if item is not None and self.names.is_field(str(key)):
                    self._hide_all(item)
                    shown[key] = REDACTED
                else:
                    shown[key] = self.value(item, depth + 1)
            return shown
        if isinstance(value, list):
            return [self.value(item, depth + 1) for item in value]
        return value

    def body(self, raw: bytes, content_type: str) -> bytes:
        """A request or answer body with its secret fields hidden: JSON, a urlencoded or a
        multipart form; any other body as it is."""
        if not raw:
            return raw
        kind = content_type.split(";", 1)[0].strip().lower()
        if kind == "application/x-www-form-urlencoded":
            pairs = parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)
            return urlencode(self.pairs(pairs)).encode()
        if kind == "multipart/form-data":
            return self._multipart(raw, content_type)
        if kind.endswith("json") or kind.endswith("+json"):
            try:
                parsed = json.loads(raw)
            except (ValueError, RecursionError):
                return raw
            try:
                return json.dumps(self.value(parsed)).encode()
            except RecursionError:
                return raw
        return raw

    def text(self, text: str) -> str:
        """``text`` with every value this redactor hid replaced (longest first)."""
        for value in sorted(self.hidden, key=len, reverse=True):
            text = text.replace(value, REDACTED)
        return text

    def _multipart(self, raw: bytes, content_type: str) -> bytes:
        message = BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + raw
        )
        if not message.is_multipart():
            return raw
        changed = False
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if name is not None and self.names.is_field(str(name)):
                payload = part.get_payload(decode=True) or b""
                self._hide(payload.decode("utf-8", "replace"))
                part.set_payload(REDACTED)
                changed = True
        if not changed:
            return raw
        # The parts again, under the boundary the request's own content type names.
        whole = message.as_bytes(policy=email.policy.HTTP)
        return whole.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in whole else whole

    def _hide_all(self, value: Any) -> None:
        if isinstance(value, dict):
            for item in value.values():
                self._hide_all(item)
        elif isinstance(value, list):
            for item in value:
                self._hide_all(item)
        elif value is not None:
            self._hide(str(value))

    def _hide(self, value: str) -> None:
        if len(value) >= _SHORTEST_SCRUBBED:
            self.hidden.add(value)
            quoted = quote(value, safe="")
            if quoted != value:
                self.hidden.add(quoted)


def redact_headers(headers: Mapping[str, str], secret_names: Iterable[str]) -> dict[str, str]:
    """``headers`` with the value of each credential header hidden but its scheme word."""
    names = SecretNames(headers=frozenset(name.lower() for name in secret_names))
    return Redactor(names).headers(headers)


def redact(value: Any) -> Any:
    """``value`` (parsed JSON) with every secret field's value replaced by ``REDACTED``."""
    return Redactor().value(value)


def without_secrets(value: Any, names: SecretNames | None = None) -> Any:
    """``value`` with every secret field left out: for a document written to a file."""
    names = names or SecretNames()
    if isinstance(value, dict):
        return {
            key: without_secrets(item, names)
            for key, item in value.items()
            if not names.is_field(str(key))
        }
    if isinstance(value, list):
        return [without_secrets(item, names) for item in value]
    return value
