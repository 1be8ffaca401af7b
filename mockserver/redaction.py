"""Secrets kept out of what leadmock writes down: a proxy's journal, log and recording.

A credential header keeps its scheme word (``JWT``, ``Bearer``) and loses the rest; a JSON field
whose name says it holds a secret (a password, a token, an API key) loses its value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

REDACTED = "[redacted]"

_SECRET_FIELD = re.compile(
    r"(?:.*[_-])?(?:pass(?:word|wd)?|token|secret|api_?key|apikey|access|refresh|jwt|otp)"
    r"(?:[_-].*)?",
    re.IGNORECASE,
)


def is_secret_field(name: str) -> bool:
    """True when a field of this name holds a secret (``password``, ``access_token``...)."""
    return bool(_SECRET_FIELD.fullmatch(name))


def redact_headers(headers: Mapping[str, str], secret_names: Iterable[str]) -> dict[str, str]:
    """``headers`` with the value of each credential header hidden but its scheme word."""
    secret = {name.lower() for name in secret_names}
    shown = {}
    for name, value in headers.items():
        if name.lower() in secret or is_secret_field(name):
            scheme, space, _ = value.partition(" ")
            shown[name] = f"{scheme} {REDACTED}" if space and scheme.isalpha() else REDACTED
        else:
            shown[name] = value
    return shown


def redact(value: Any) -> Any:
    """``value`` (parsed JSON) with every secret field's value replaced by ``REDACTED``."""
    if isinstance(value, dict):
        return {
            key: REDACTED if is_secret_field(str(key)) and item is not None else redact(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [redact(item) for item in value]
    return value


def without_secrets(value: Any) -> Any:
    """``value`` with every secret field left out: for a document written to a file."""
    if isinstance(value, dict):
        return {
            key: without_secrets(item)
            for key, item in value.items()
            if not is_secret_field(str(key))
        }
    if isinstance(value, list):
        return [without_secrets(item) for item in value]
    return value
