"""``leadmock check --spec`` on every document of the corpus, the stateful phase included: the
mock serving a document is held to it by Schemathesis, as the built-in APIs are.

The seven smaller documents run every phase and must come out clean. Intercom's and Asana's (99
and 248 operations) run the examples, fuzzing and stateful phases within a budget (the coverage
phase alone takes minutes on them: ``make contract`` runs it): the mock's answers must be clean
there too; the requests Connexion's validation judges otherwise than Schemathesis (listed in
``REQUEST_VALIDATION_GAPS``, each with its cause) are the only failures allowed, and only on
the operations named.
"""

from __future__ import annotations

from typing import Any

import pytest

from contracts import RunFinished
from contracts import check as check_api
from contracts.documentchecks import CHECK_NAME
from mockserver.app import create_app
from mockserver.cli.check import CHECKED_CREDENTIALS
from mockserver.config import Config
from mockserver.engine import infer_model, read_document
from mockserver.registry import document_apis, registry_for
from tests.test_engine_model import CORPUS

SMALL = ["contacts-crm.yaml", "deals-cursor.json", "tickets-swagger.yaml",
         "companies-jsonapi.yaml", "petstore-expanded.yaml", "uspto.yaml",
         "twilio-knowledge-v1.yaml"]  # fmt: skip
LARGE = ["intercom-2.7.yaml", "asana.yaml"]
ANSWER_CHECKS = {
    "not_a_server_error",
    "response_schema_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    CHECK_NAME,
    "use_after_free",
    "ensure_resource_availability",
}
"""The checks that judge what the mock answered (the others judge what it accepted)."""
REQUEST_VALIDATION_GAPS = {
    ("GET /events", "positive_data_acceptance"): "Intercom's filter is an object sent as "
    "exploded form fields (?email=...): Connexion looks for a parameter named filter",
    ("POST /conversations/search", "positive_data_acceptance"): "a null inside anyOf "
    "alternatives marked nullable: Connexion's Draft 4 validation does not read nullable there",
}
"""Requests Schemathesis holds valid and Connexion's request validation refuses, by operation
and check, each with why: Connexion's to fix, not the engine's answers."""


def run(name: str, **options: Any) -> Any:
    config = Config(specs=(str((CORPUS / name).resolve()),), seed=0)
    mock = create_app(config)
    # As `leadmock check --spec` does: only the check's credentials pass (ignored_auth).
    mock.serve_recording(None, CHECKED_CREDENTIALS)
    (api,) = document_apis(config)
    vendor, _ = registry_for(config).vendor_of(api)
    events = check_api(
        api, target=vendor.checking().check_target(mock.facts[api]), app=mock, config=config,
        seed=0,
        **options,
    )  # fmt: skip
    return next(e.report for e in events if isinstance(e, RunFinished))


@pytest.mark.parametrize("name", SMALL)
def test_check_finds_nothing_in_a_served_document(name: str) -> None:
    report = run(name, max_examples=5, stateful_steps=10)
    assert report.ok, [(f.operation, f.check, f.message[:200]) for f in report.failures] + [
        e[:300] for e in report.errors
    ]
    assert report.checks_by_phase["coverage"] > 0
    assert CHECK_NAME in {check for _, check, _ in report.outcomes}
    if creates(name):
        # Sequences follow the links from a create to its record (uspto has no create).
        assert report.checks_by_phase["stateful"] > 0


@pytest.mark.parametrize("name", LARGE)
def test_check_finds_nothing_in_the_answers_of_a_large_public_document(name: str) -> None:
    report = run(
        name,
        max_examples=2,
        stateful_steps=5,
        phases=["examples", "fuzzing", "stateful"],
        max_time=240,
    )
    answers = [(f.operation, f.check, f.message[:200]) for f in report.failures
               if f.check in ANSWER_CHECKS]  # fmt: skip
    assert answers == [] and report.errors == [], (answers, report.errors)
    unexplained = [
        (f.operation, f.check, f.message[:200])
        for f in report.failures
        if (f.operation, f.check) not in REQUEST_VALIDATION_GAPS
    ]
    assert unexplained == []
    assert report.checks_by_phase["stateful"] > 0


def creates(name: str) -> bool:
    model = infer_model(read_document(CORPUS / name))
    return any(p.role == "create" for r in model.resources for p in r.operations)
