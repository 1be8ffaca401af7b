"""Every private name of Connexion that leadmock relies on, in one place (#32 item 3).

Connexion is the spec engine (routing, validation, security) and the reference the compiled
path is compared against, but a few of the things leadmock needs are not public: the query
defaults its parameter decorator fills, the spec check it runs on each document, and the hooks
leadmock's validators and security handlers override. (The request being answered is
leadmock's own context, ``requestcontext``, not Connexion's context variables.) The functions
here are the only code that touches the first two; the
hooks are listed in ``OVERRIDDEN_HOOKS``, and ``tests/test_connexion_adapter.py`` checks that
each name is still where leadmock expects it, so a Connexion release that moves one fails that
test by name rather than a request somewhere at random.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from connexion.decorators import parameter as _parameter
from connexion.spec import Specification

pythonic = _parameter.pythonic

OVERRIDDEN_HOOKS: dict[str, tuple[str, ...]] = {
    "connexion.validators.AbstractRequestBodyValidator": ("_validate", "_parse", "_required"),
    "connexion.validators.JSONRequestBodyValidator": ("_validator", "_schema"),
    "connexion.security.AbstractSecurityHandler": (
        "_get_verify_func", "_generic_check", "_resolve_func", "get_auth_header_value",
    ),
    "connexion.security.ApiKeySecurityHandler": ("_get_verify_func",),
    "connexion.security.BasicSecurityHandler": ("_get_verify_func",),
    "connexion.spec.Specification": ("_validate_spec",),
    "connexion.decorators.parameter": ("_get_query_defaults", "_get_val_from_param"),
}  # fmt: skip
"""Private names leadmock's subclasses override or read, by where Connexion defines them."""


def query_defaults(query: dict[str, dict[str, Any]], wanted: Any) -> dict[str, Any]:
    """The handler arguments Connexion fills from the spec's defaults when a query omits them,
    by pythonic name (``wanted(name)`` says whether the handler takes that argument)."""
    return {
        pythonic(name): _parameter._get_val_from_param(value, query[name])
        for name, value in _parameter._get_query_defaults(query).items()
        if wanted(pythonic(name))
    }


@contextlib.contextmanager
def spec_check_skipped() -> Iterator[None]:
    """Connexion validates each spec it is given against the OpenAPI schema; the documents
    leadmock ships are validated by ``tests/test_specs.py`` with that same check, so it is
    skipped while they are added (0.4 s of every start-up)."""
    check = Specification.__dict__["_validate_spec"]
    Specification._validate_spec = classmethod(lambda cls, spec: None)  # type: ignore[method-assign]
    try:
        yield
    finally:
        Specification._validate_spec = check  # type: ignore[method-assign]
