"""leadmock: a stateful mock and contract-testing server for vendor Leads REST APIs.

The names below load on first use (PEP 562): importing ``mockserver`` (as pytest does for the
plugin, in every run of a project that installed leadmock) costs nothing until one is asked for.
"""

from __future__ import annotations

import importlib
import warnings
from typing import TYPE_CHECKING, Any

# Connexion 3.3 warns at import time about its own dependencies (Starlette's test client, and
# jsonschema's RefResolver); users of leadmock, and their test runs, can do nothing about them.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
warnings.filterwarnings("ignore", message="jsonschema.RefResolver is deprecated")
warnings.filterwarnings("ignore", message="jsonschema.exceptions.RefResolutionError is deprecated")

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
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'mockserver' has no attribute {name!r}")
