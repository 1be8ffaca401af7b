"""The conformance checker: where an endpoint, ours or a vendor's, departs from its spec."""

from contracts.junit import write_junit
from contracts.runner import (
    ErrorSeen,
    Event,
    Failure,
    OperationChecked,
    PhaseStarted,
    Report,
    RunFinished,
    check,
    run,
)

__all__ = [
    "ErrorSeen",
    "Event",
    "Failure",
    "OperationChecked",
    "PhaseStarted",
    "Report",
    "RunFinished",
    "check",
    "run",
    "write_junit",
]
