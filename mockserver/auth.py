"""Credential checks plugged into Connexion's security step, one small factory per scheme.

Connexion picks a security handler class by the scheme named in the spec and finds the verify
function through an ``x-...InfoFunc`` key. Our specs are meant to be copied into other tools, so
they carry no such key: each factory below returns a handler class already bound to a vendor's
verify function, for ``add_api(security_map=...)``.

A verify function returns the token info (a dict with at least ``sub``) or None for bad
credentials; Connexion answers 401 when every scheme of an operation finds nothing or fails.
"""

from __future__ import annotations

import hmac
import time
import uuid
from collections.abc import Callable
from typing import Any

import jwt
from connexion.security import (
    NO_VALUE,
    AbstractSecurityHandler,
    ApiKeySecurityHandler,
    BasicSecurityHandler,
)

TokenInfo = dict[str, Any]
BasicVerify = Callable[[str, str], TokenInfo | None]
TokenVerify = Callable[[str], TokenInfo | None]


def basic_scheme(verify: BasicVerify) -> type[AbstractSecurityHandler]:
    """A handler for ``type: http, scheme: basic`` that checks ``user:password`` with ``verify``."""

    class _Basic(BasicSecurityHandler):
        def _resolve_func(self, security_scheme: dict) -> Callable:
            return lambda username, password: verify(username, password)

    return _Basic


def http_token_scheme(scheme: str, verify: TokenVerify) -> type[AbstractSecurityHandler]:
    """A handler for ``type: http`` with any token scheme: ``Authorization: <scheme> <token>``.

    Tiledesk's ``JWT <token>`` is such a scheme; Connexion only knows ``bearer`` itself.
    """
    expected = scheme.lower()

    class _Token(AbstractSecurityHandler):
        def _resolve_func(self, security_scheme: dict) -> Callable:
            return lambda token: verify(token)

        def _get_verify_func(self, token_info_func: Callable) -> Callable:
            check = self._generic_check(token_info_func, "Provided token is not valid")

            def wrapper(request: Any) -> Any:
                auth_type, token = self.get_auth_header_value(request)
                if auth_type != expected:
                    return NO_VALUE
                return check(request, token)

            return wrapper

    return _Token


def api_key_scheme(
    verify: TokenVerify, *, missing: Callable[[], Exception] | None = None
) -> type[AbstractSecurityHandler]:
    """A handler for ``type: apiKey`` (header, query or cookie), checked with ``verify``.

    With ``missing``, a request without the key raises ``missing()`` at once: a key that every
    request needs beside another scheme would otherwise fail as that scheme's "no credentials".
    """

    class _ApiKey(ApiKeySecurityHandler):
        def _resolve_func(self, security_scheme: dict) -> Callable:
            return lambda key: verify(key)

        def _get_verify_func(self, func: Callable, loc: str, name: str, scopes: Any) -> Callable:
            check = super()._get_verify_func(func, loc, name, scopes)
            if missing is None:
                return check

            def wrapper(request: Any) -> Any:
                result = check(request)
                if result is NO_VALUE:
                    raise missing()
                return result

            return wrapper

    return _ApiKey


def same_secret(stored: str, given: str) -> bool:
    """Whether a given password or key equals the stored one, in constant time."""
    # compare_digest refuses non-ASCII str; JSON may even carry lone surrogates.
    return hmac.compare_digest(
        stored.encode("utf-8", "surrogatepass"), given.encode("utf-8", "surrogatepass")
    )


def issue_jwt(claims: dict[str, Any], *, secret: str, ttl_seconds: int) -> str:
    """A signed HS256 JWT carrying ``claims``, issued now and expiring after ``ttl_seconds``."""
    now = int(time.time())
    payload = {**claims, "iat": now, "exp": now + ttl_seconds, "jti": str(uuid.uuid4())}
    return jwt.encode(payload, secret, algorithm="HS256")


def decode_jwt(token: str, *, secret: str, audience: str | None = None) -> dict[str, Any] | None:
    """The claims of a valid, unexpired token signed with ``secret``; None otherwise."""
    try:
        return jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            audience=audience,
            options={"require": ["exp", "iat"]},
        )
    except jwt.PyJWTError:
        return None
