"""leadmock: a stateful mock and contract-testing server for vendor Leads REST APIs."""

import warnings

# Connexion imports Starlette's test client at import time, which warns about httpx.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")

from mockserver.app import Mock, create_app  # noqa: E402
from mockserver.config import Config  # noqa: E402
from mockserver.faults import Fault  # noqa: E402
from mockserver.fixture import LeadMock  # noqa: E402

__all__ = ["Config", "Fault", "LeadMock", "Mock", "create_app"]
