"""One name for each API everywhere: a vendor's name (all its APIs) or an API's name is taken
wherever one is (faults, the journal, the facts, --api, check, --base-path, the fixture), and
an unknown one is refused with the names that are known."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from mockserver import Config, create_app
from mockserver.cli import build_parser, main
from mockserver.faults import Fault, FaultError
from mockserver.fixture import LeadMock
from mockserver.vendors.tiledesk.seed import describe

PROJECT = "5b55e806c93dde00143163dd"
OWNER = ("andrea.leo@f21.it", "123456")
KNOWN = "known: tiledesk, overloop, leads-crm, tiledesk-v1, tiledesk-v2, tiledesk-v3"


@pytest.fixture(scope="module")
def mock():  # type: ignore[no-untyped-def]
    return create_app(Config(leads=2))


def test_a_fault_for_a_vendor_hits_every_api_of_that_vendor_and_no_other(mock) -> None:  # type: ignore[no-untyped-def]
    mock.reset()
    with TestClient(mock) as client:
        added = client.post("/__admin/faults", json={"api": "tiledesk", "status": 503})
        assert added.status_code == 201
        for version in ("v1", "v2", "v3"):
            answer = client.get(f"/{version}/{PROJECT}/leads", auth=OWNER)
            assert answer.status_code == 503, version
        key = {"Authorization": mock.facts["overloop"]["api_key"]}
        assert client.get("/public/v1/leads", headers=key).status_code == 200
        client.delete("/__admin/faults")
        one = client.post("/__admin/faults", json={"api": "tiledesk-v2", "status": 503})
        assert one.status_code == 201
        assert client.get(f"/v2/{PROJECT}/leads", auth=OWNER).status_code == 503
        assert client.get(f"/v3/{PROJECT}/leads", auth=OWNER).status_code == 200
    mock.reset()


@pytest.mark.parametrize(
    ("fault", "field", "says"),
    [
        ({"api": "tiledsk", "status": 503}, "api", f"unknown API or vendor 'tiledsk'; {KNOWN}"),
        (
            {"api": "tiledesk-v3", "operation": "list_lead", "status": 503},
            "operation",
            "operation: no operationId 'list_lead' in tiledesk-v3; close: list_leads",
        ),
    ],
)
def test_a_fault_for_an_unknown_api_or_operation_is_refused_and_nothing_is_set(
    mock,
    fault: dict,
    field: str,
    says: str,  # type: ignore[no-untyped-def]
) -> None:
    mock.reset()
    with TestClient(mock) as client:
        refused = client.post("/__admin/faults", json=fault)
        assert refused.status_code == 400
        assert refused.json()["field"] == field and says in refused.json()["error"]
        assert client.get("/__admin/faults").json() == []
    with pytest.raises(FaultError, match="unknown API or vendor"):
        mock.faults.add(Fault(api="nope", status=500))


def test_the_journal_filters_by_vendor_or_api_and_refuses_an_unknown_name(mock) -> None:  # type: ignore[no-untyped-def]
    mock.reset()
    with TestClient(mock) as client:
        client.get(f"/v1/{PROJECT}/leads", auth=OWNER)
        client.get(f"/v3/{PROJECT}/leads", auth=OWNER)
        client.get("/public/v1/leads")
        by_vendor = client.get("/__admin/journal", params={"api": "tiledesk"}).json()
        by_api = client.get("/__admin/journal", params={"api": "tiledesk-v3"}).json()
        unknown = client.get("/__admin/journal", params={"api": "tiledsk"})
    assert [e["api"] for e in by_vendor] == ["tiledesk-v1", "tiledesk-v3"]
    assert [e["api"] for e in by_api] == ["tiledesk-v3"]
    assert unknown.status_code == 400 and unknown.json()["field"] == "api"
    assert KNOWN in unknown.json()["error"]
    assert len(mock.journal.entries(api="tiledesk")) == 2


def test_facts_are_found_by_vendor_or_api_and_use_one_key_name(mock) -> None:  # type: ignore[no-untyped-def]
    assert mock.facts["tiledesk-v3"] is mock.facts["tiledesk"]
    # The same thing, an API key, has the same key name in every vendor's facts.
    assert mock.facts["overloop"]["api_key"] and mock.facts["leads-crm"]["api_key"]
    with pytest.raises(KeyError, match="no facts for 'nope'; known: tiledesk, overloop"):
        mock.facts["nope"]


def test_serving_one_api_serves_only_that_api() -> None:
    mock = create_app(Config(leads=2, vendors=("tiledesk-v3",)))
    with TestClient(mock) as client:
        assert client.get(f"/v3/{PROJECT}/leads", auth=OWNER).status_code == 200
        assert client.get(f"/v1/{PROJECT}/leads", auth=OWNER).status_code == 404
        assert client.get("/__admin/health").json()["apis"] == ["tiledesk-v3"]
    banner = describe(mock.facts["tiledesk"], "http://127.0.0.1:8080")
    assert banner[0].startswith("Tiledesk      http://127.0.0.1:8080/v3   (Swagger UI:")
    assert banner[-1].endswith(f"http://127.0.0.1:8080/v3/{PROJECT}/leads")


def test_check_takes_a_vendor_name_for_all_its_apis(capsys: pytest.CaptureFixture) -> None:
    assert build_parser().parse_args(["check", "tiledesk"]).api == "tiledesk"
    code = main(
        ["check", "tiledesk", "--phases", "examples", "--max-examples", "1",
         "--include-operation", "list_leads"]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0, out
    for api in ("tiledesk-v1", "tiledesk-v2", "tiledesk-v3"):
        assert f"{api}: checking the mock, in-process" in out


def test_the_fixture_takes_a_vendor_of_one_api_and_names_the_apis_of_a_vendor_of_several() -> None:
    with LeadMock(Config(leads=2)) as served:
        assert served.base_url("overloop").endswith("/public/v1")
        assert served.base_url("tiledesk-v2").endswith("/v2")
        with pytest.raises(LookupError, match="tiledesk serves tiledesk-v1, tiledesk-v2"):
            served.base_url("tiledesk")


@pytest.mark.parametrize(
    ("header", "says"),
    [
        ("status=abc", "status: an HTTP status 400 to 599, not 'abc'"),
        ("status=200", "status: an HTTP status 400 to 599, not 200"),
        ("retry_after=-1", "retry_after: whole seconds 0 to 86400, not '-1'"),
        ("latency=99", "latency: seconds 0 to 60"),
        ("bogus=1", "bogus: not a fault option; known: status, latency, retry_after, drop"),
    ],
)
def test_a_bad_fault_header_names_the_field_and_what_it_takes(mock, header: str, says: str) -> None:  # type: ignore[no-untyped-def]
    with TestClient(mock) as client:
        answer = client.get(f"/v3/{PROJECT}/leads", headers={"X-Leadmock-Fault": header})
    assert answer.status_code == 400
    body = answer.json()
    assert body["success"] is False and body["msg"].startswith(f"X-Leadmock-Fault: {says}")


def test_a_journal_filter_on_an_unknown_operation_is_refused_with_the_close_ones(mock) -> None:  # type: ignore[no-untyped-def]
    with TestClient(mock) as client:
        refused = client.get("/__admin/journal", params={"operation": "list_lead"})
    assert refused.status_code == 400
    assert refused.json() == {
        "error": "no API served has an operationId 'list_lead'; close: list_leads, get_lead, "
        "delete_lead",
        "field": "operation",
    }


def test_one_name_for_an_operation_whichever_documented_path_was_called() -> None:
    from tests.helpers import crm_bearer

    mock = create_app(Config(leads=4))
    with TestClient(mock) as client:
        headers = crm_bearer(client, mock)
        base = mock.facts["leads-crm"]["base_path"]
        for path in ("/leads/view/lead/", "/view/lead/"):
            assert client.get(f"{base}{path}?slug=binuser1", headers=headers).status_code == 200
        views = mock.journal.assert_called("view_lead", times=2)
        assert [e.path for e in views] == [f"{base}/leads/view/lead/", f"{base}/view/lead/"]
        # A fault for the operation meets it on either path.
        added = client.post("/__admin/faults", json={"operation": "view_lead", "status": 503})
        assert added.status_code == 201
        assert client.get(f"{base}/view/lead/?slug=binuser1", headers=headers).status_code == 503
        refused = client.post("/__admin/faults", json={"operation": "view_lead_sample_path"})
        assert refused.status_code == 400 and "close: view_lead" in refused.json()["error"]


def test_form_and_multipart_bodies_are_journalled_as_their_fields() -> None:
    mock = create_app(Config(leads=4))
    crm = mock.facts["leads-crm"]
    user = crm["users"][0]
    with TestClient(mock) as client:
        login = {"username": user["username"], "password": user["password"]}
        assert (
            client.post(
                f"{crm['base_path']}/user/login/", headers={"apikey": crm["api_key"]}, data=login
            ).status_code
            == 200
        )
        access = client.post(
            f"{crm['base_path']}/user/login/",
            headers={"apikey": crm["api_key"]},
            files={"username": (None, user["username"]), "password": (None, user["password"])},
        )
        assert access.status_code == 200
        token = access.json()["access"]
        client.post(
            f"{crm['base_path']}/leads/create/leadnote/",
            headers={"apikey": crm["api_key"], "Authorization": f"Bearer {token}"},
            data={"slug": "binuser1", "note": "Call back on Monday."},
            files={"attachment": ("notes.txt", b"twelve bytes", "text/plain")},
        )
    mock.journal.assert_called("login", times=2, body={"username": user["username"]})
    form, multipart = mock.journal.entries("login")
    assert form.body == login and multipart.body == login
    written = mock.journal.entries("create_lead_note")[-1]
    assert written.body["note"] == "Call back on Monday."
    assert written.body["attachment"] == {
        "filename": "notes.txt", "content_type": "text/plain", "size": 12
    }  # fmt: skip


def test_the_journal_filters_on_query_parameters_and_headers(mock) -> None:  # type: ignore[no-untyped-def]
    mock.reset()
    with TestClient(mock) as client:
        client.get(f"/v3/{PROJECT}/leads", params={"page": "1"}, auth=OWNER)
        client.get(f"/v3/{PROJECT}/leads", params={"page": "2"}, auth=OWNER,
                   headers={"X-Trace": "abc"})  # fmt: skip
    assert [e.query for e in mock.journal.entries(query={"page": "2"})] == ["page=2"]
    assert len(mock.journal.entries("list_leads", headers={"x-TRACE": "abc"})) == 1
    mock.journal.assert_called("list_leads", times=1, query={"page": "1"})
    with pytest.raises(AssertionError, match="expected 1 call"):
        mock.journal.assert_called("list_leads", times=1, query={"page": "3"})
