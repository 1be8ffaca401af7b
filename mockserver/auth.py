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
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Credentials:
    """What a scheme's handler class checks, kept on the class (``credentials``) so that the
    compiled operations check a request exactly as Connexion's security step does."""

    kind: str
    """``basic``, ``apikey``, or the lower-cased token scheme (``bearer``, ``jwt``)."""
    verify: Callable[..., TokenInfo | None]
    malformed: Callable[[str], Exception | None] | None = None
    missing: Callable[[], Exception] | None = None


def basic_scheme(
    verify: BasicVerify, *, malformed: Callable[[str], Exception | None] | None = None
) -> type[AbstractSecurityHandler]:
    """A handler for ``type: http, scheme: basic`` that checks ``user:password`` with ``verify``.

    With ``malformed``, each ``Authorization`` header is shown to it first, and the exception it
    returns is raised: a vendor that refuses a header it cannot parse with its own status.
    """

    class _Basic(BasicSecurityHandler):
        credentials = Credentials("basic", verify, malformed)

        def _resolve_func(self, security_scheme: dict) -> Callable:
            return lambda username, password: verify(username, password)

        def _get_verify_func(self, basic_info_func: Callable) -> Callable:
            return _guarded(super()._get_verify_func(basic_info_func), malformed)

    return _Basic


def _guarded(check: Callable, malformed: Callable[[str], Exception | None] | None) -> Callable:
    # Connexion raises the 401 of every scheme over any other error, so a vendor's refusal of
    # a header it cannot parse must come from each scheme that reads the header.
    if malformed is None:
        return check

    def wrapper(request: Any) -> Any:
        header = request.headers.get("Authorization")
        problem = malformed(header) if header else None
        if problem is not None:
            raise problem
        return check(request)

    return wrapper


def http_token_scheme(
    scheme: str, verify: TokenVerify, *, malformed: Callable[[str], Exception | None] | None = None
) -> type[AbstractSecurityHandler]:
    """A handler for ``type: http`` with any token scheme: ``Authorization: <scheme> <token>``.

    Connexion only knows ``bearer`` itself. ``malformed`` as for ``basic_scheme``.
    """
    expected = scheme.lower()

    class _Token(AbstractSecurityHandler):
        credentials = Credentials(expected, verify, malformed)

        def _resolve_func(self, security_scheme: dict) -> Callable:
            return lambda token: verify(token)

        def _get_verify_func(self, token_info_func: Callable) -> Callable:
            check = self._generic_check(token_info_func, "Provided token is not valid")
            return _guarded(_token_reader(self, expected, check), malformed)

    return _Token


def prefixed_header_scheme(
    prefix: str, verify: TokenVerify, *, malformed: Callable[[str], Exception | None] | None = None
) -> type[AbstractSecurityHandler]:
    """A handler for ``type: apiKey`` on the ``Authorization`` header whose value is
    ``<prefix> <token>``: a token scheme that is not an HTTP authentication scheme (Tiledesk's
    ``JWT <token>``), written so that Swagger UI, Prism and Schemathesis all understand it.
    The request is judged exactly as ``http_token_scheme(prefix, ...)`` would judge it.
    """
    expected = prefix.lower()

    class _PrefixedKey(ApiKeySecurityHandler):
        credentials = Credentials(expected, verify, malformed)

        def _resolve_func(self, security_scheme: dict) -> Callable:
            return lambda token: verify(token)

        def _get_verify_func(self, func: Callable, loc: str, name: str, scopes: Any) -> Callable:
            check = self._generic_check(func, "Provided token is not valid")
            return _guarded(_token_reader(self, expected, check), malformed)

    return _PrefixedKey


def _token_reader(handler: AbstractSecurityHandler, expected: str, check: Callable) -> Callable:
    """Reads ``Authorization: <expected> <token>`` and checks the token; any other scheme is
    not this one's (``NO_VALUE``), so the operation's other schemes get their turn."""

    def wrapper(request: Any) -> Any:
        auth_type, token = handler.get_auth_header_value(request)
        if auth_type != expected:
            return NO_VALUE
        return check(request, token)

    return wrapper


def api_key_scheme(
    verify: TokenVerify, *, missing: Callable[[], Exception] | None = None
) -> type[AbstractSecurityHandler]:
    """A handler for ``type: apiKey`` (header, query or cookie), checked with ``verify``.

    With ``missing``, a request without the key raises ``missing()`` at once: a key that every
    request needs beside another scheme would otherwise fail as that scheme's "no credentials".
    """

    class _ApiKey(ApiKeySecurityHandler):
        credentials = Credentials("apikey", verify, missing=missing)

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
    key = (token, secret, audience)
    claims = _VERIFIED.get(key)
    if claims is not None:
        # A signature, once verified, stays so; only the expiry moves.
        return claims if claims["exp"] > time.time() else None
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            audience=audience,
            options={"require": ["exp", "iat"]},
        )
    except jwt.PyJWTError:
        return None
    if len(_VERIFIED) >= _VERIFIED_MAX:
        _VERIFIED.clear()
    _VERIFIED[key] = claims
    return claims


# Tokens whose signature and claims were checked, with their claims: a request that carries one
# again costs a dict lookup, not an HMAC and a JSON parse.
_VERIFIED: dict[tuple[str, str, str | None], dict[str, Any]] = {}
_VERIFIED_MAX = 10_000
