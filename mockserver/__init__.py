"""leadmock: a stateful mock and contract-testing server for vendor Leads REST APIs.

The names below load on first use (PEP 562): importing ``mockserver`` (as pytest does for the
plugin, in every run of a project that installed leadmock) costs nothing until one is asked for.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

# Connexion 3.3 warns at import time about its own dependencies (Starlette's test client, and
# jsonschema's RefResolver); users of leadmock, and their test runs, can do nothing about them.
_FOREIGN_WARNINGS = (
    "Using `httpx` with `starlette.testclient`",
    "jsonschema.RefResolver is deprecated",
    "jsonschema.exceptions.RefResolutionError is deprecated",
)
for _message in _FOREIGN_WARNINGS:
    warnings.filterwarnings("ignore", message=_message)


@contextlib.contextmanager
def quiet_imports() -> Iterator[None]:
    """Imports without the stack's import-time warnings, and past pytest's assertion rewriting.

    The filters above may be gone by then: pytest sets its own around each test, and drops
    what a plugin set while it loaded, so a user's warnings summary would show them.

    pytest rewrites the asserts of every module of a distribution that registers a plugin
    (Faker, anyio, leadmock itself), even with that plugin turned off: each is parsed and
    compiled again on import, and cached only where pytest may write (not under
    ``PYTHONDONTWRITEBYTECODE``, which container images often set, nor in a read-only
    ``site-packages``). None of the stack's asserts is a test's, and rewriting it (Faker's
    770 KB table of characters above all, and the locale providers its seeding loads) cost
    0.5 s on every run that used the fixture."""
    rewriters = [finder for finder in sys.meta_path if _rewrites_asserts(finder)]
    with warnings.catch_warnings():
        for message in _FOREIGN_WARNINGS:
            warnings.filterwarnings("ignore", message=message)
        for finder in rewriters:
            sys.meta_path.remove(finder)
        try:
            yield
        finally:
            sys.meta_path[0:0] = rewriters


def import_quietly(module: str) -> Any:
    """Import ``module`` as ``quiet_imports`` says."""
    with quiet_imports():
        return importlib.import_module(module)


def _rewrites_asserts(finder: Any) -> bool:
    kind = type(finder)
    return kind.__module__ == "_pytest.assertion.rewrite" and kind.__name__ == (
        "AssertionRewritingHook"
    )


if TYPE_CHECKING:
    from mockserver.app import Mock, create_app
    from mockserver.config import Config
    from mockserver.faults import Fault
    from mockserver.fixture import LeadMock

_EXPORTS = {
    "Config": "mockserver.config",
    "Fault": "mockserver.faults",
    "LeadMock": "mockserver.fixture",
    "Mock": "mockserver.app",
    "create_app": "mockserver.app",
}

__all__ = ["Config", "Fault", "LeadMock", "Mock", "create_app"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(import_quietly(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'mockserver' has no attribute {name!r}")
