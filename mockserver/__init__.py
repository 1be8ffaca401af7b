"""leadmock: a stateful mock and contract-testing server for vendor Leads REST APIs."""

import warnings

# Connexion 3.3 warns at import time about its own dependencies (Starlette's test client, and
# jsonschema's RefResolver); users of leadmock, and their test runs, can do nothing about them.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
warnings.filterwarnings("ignore", message="jsonschema.RefResolver is deprecated")
warnings.filterwarnings("ignore", message="jsonschema.exceptions.RefResolutionError is deprecated")

from mockserver.app import Mock, create_app  # noqa: E402
from mockserver.config import Config  # noqa: E402
from mockserver.faults import Fault  # noqa: E402
from mockserver.fixture import LeadMock  # noqa: E402

__all__ = ["Config", "Fault", "LeadMock", "Mock", "create_app"]
