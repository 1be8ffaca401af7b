"""The conformance checker: where an endpoint, ours or a vendor's, departs from its spec."""

from contracts.runner import Failure, Report, run

__all__ = ["Failure", "Report", "run"]
