"""Schemathesis, bounded, over every API of the mock: the mock must never break its own spec."""

from __future__ import annotations

from typing import Any

import pytest

from contracts import run
from mockserver import Config, create_app
from mockserver.vendors import VENDORS, vendor_of
from mockserver.vendors.tiledesk import TiledeskHandlers
from tests.conftest import FRAMEWORKS, build_mock

APIS = [mount.name for vendor in VENDORS for mount in vendor.mounts]


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("api", APIS)
def test_mock_conforms_to_its_spec(api: str, framework: str) -> None:
    mock = build_mock(framework)
    mock.reset()
    vendor, _ = vendor_of(api)
    report = run(api, app=mock, target=vendor.check_target(mock.facts[vendor.name]), seed=1)
    assert report.errors == []
    assert [(f.operation, f.check, f.title, f.curl) for f in report.failures] == []
    # Every phase ran, the stateful one included (sequences over the spec's links).
    for phase in ("examples", "coverage", "fuzzing", "stateful"):
        assert report.checks_by_phase[phase] > 0, (phase, report.checks_by_phase)


def test_checker_reports_a_planted_wrong_type(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_get_lead(self: TiledeskHandlers, project_id: str, id_: str, token_info: Any) -> Any:
        lead, status, headers = original(self, project_id, id_, token_info)
        return {**lead, "createdAt": 12345}, status, headers

    original = TiledeskHandlers.get_lead
    monkeypatch.setattr(TiledeskHandlers, "get_lead", broken_get_lead)
    mock = create_app(Config(leads=5))
    vendor, _ = vendor_of("tiledesk-v3")
    target = vendor.check_target(mock.facts["tiledesk"])
    report = run("tiledesk-v3", app=mock, target=target, max_examples=3, stateful_steps=5)
    found = {(f.operation, f.check) for f in report.failures}
    assert ("GET /{project_id}/leads/{id}", "response_schema_conformance") in found
