"""Schemathesis, bounded, over every API of the mock: the mock must never break its own spec."""

from __future__ import annotations

import pytest

from contracts import run
from mockserver.vendors import VENDORS, vendor_of
from tests.conftest import build_mock

APIS = [mount.name for vendor in VENDORS for mount in vendor.mounts]
# Every API on the default AsyncApp; FlaskApp serves the same handlers, so one API there shows
# the framework adds nothing of its own (the HTTP tests run every behaviour on both).
RUNS = [(api, "async") for api in APIS] + [(APIS[-1], "flask")]


@pytest.mark.parametrize(("api", "framework"), RUNS)
def test_mock_conforms_to_its_spec(api: str, framework: str) -> None:
    mock = build_mock(framework)
    mock.reset()
    vendor, _ = vendor_of(api)
    report = run(
        api, app=mock, target=vendor.checking().check_target(mock.facts[vendor.name]), seed=1
    )
    assert report.errors == []
    assert [(f.operation, f.check, f.title, f.curl) for f in report.failures] == []
    # Every phase ran, the stateful one included (sequences over the spec's links).
    for phase in ("examples", "coverage", "fuzzing", "stateful"):
        assert report.checks_by_phase[phase] > 0, (phase, report.checks_by_phase)
