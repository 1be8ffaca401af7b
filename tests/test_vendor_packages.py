"""Vendors are packages, discovered: serving never loads what only checking needs, and a sixth
vendor, a document and a small profile in a folder of its own, is served and picked up by the
spec and compiled-path tests with no edit anywhere else."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from mockserver.vendors import BUILT_IN, VENDOR_PATH_VARIABLE

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "specs_corpus"


def python(code: str, **env: str) -> str:
    answer = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True, text=True, cwd=ROOT, timeout=300, env={**os.environ, **env},
    )  # fmt: skip
    assert answer.returncode == 0, answer.stderr
    return answer.stdout


def test_the_built_in_vendors_are_the_packages_with_a_vendor_record() -> None:
    packages = sorted(p.parent.name for p in (ROOT / "mockserver/vendors").glob("*/__init__.py"))
    assert packages == ["leads_crm", "overloop", "tiledesk"]
    assert [vendor.name for vendor in BUILT_IN.vendors] == ["tiledesk", "overloop", "leads-crm"]


def test_serving_never_loads_a_vendors_checking_knowledge() -> None:
    loaded = python("""
        import sys
        from starlette.testclient import TestClient
        from mockserver import Config, create_app
        mock = create_app(Config(leads=2))
        key = mock.facts["overloop"]["api_key"]
        leads = TestClient(mock).get("/public/v1/leads", headers={"Authorization": key})
        status = leads.status_code
        print(status, sorted(m for m in sys.modules if m.endswith(".checking")))
        from mockserver.vendors import vendor_of
        vendor_of("overloop")[0].checking()
        print(sorted(m for m in sys.modules if m.endswith(".checking")))
    """)
    served, checked = loaded.splitlines()
    assert served == "200 []"
    assert checked == "['mockserver.vendors.overloop.checking']"


def sixth_vendor(folder: Path) -> Path:
    """``acme``: the contacts-crm document, and a profile that only names it, places it and
    says in its banner what it is."""
    package = folder / "acme"
    package.mkdir(parents=True)
    document = (CORPUS / "contacts-crm.yaml").read_text()
    # Served beside the built-in ones, it needs a base path of its own (Leads & CRM has /api/v1).
    (package / "acme.yaml").write_text(
        document.replace("crm.example.com/api/v1", "acme.test/acme/v1")
    )
    (package / "__init__.py").write_text(
        textwrap.dedent('''
        """Acme's CRM: its document, served by the engine; its one quirk, the banner."""
        from pathlib import Path

        from mockserver.engine.profile import document_profile

        def describe(facts, base_url):
            return [f"Acme CRM      {base_url}/acme/v1 (a sixth vendor)"]

        VENDOR = document_profile(
            Path(__file__).with_name("acme.yaml"), "acme", position=4, describe=describe
        )
    ''')
    )
    return folder


def test_a_sixth_vendor_in_a_folder_of_its_own_is_served(tmp_path: Path) -> None:
    folder = sixth_vendor(tmp_path / "vendors")
    answer = python(
        """
        from starlette.testclient import TestClient
        from mockserver import Config, create_app
        from mockserver.vendors import VENDORS
        print([vendor.name for vendor in VENDORS])
        mock = create_app(Config(leads=2, vendors=("acme",)))
        client = TestClient(mock)
        auth = {"Authorization": "Bearer any"}
        made = client.post("/acme/v1/contacts", json={"name": "Ada", "email": "ada@example.com"},
                           headers=auth)
        print(made.status_code, client.get(f"/acme/v1/contacts/{made.json()['data']['id']}",
                                            headers=auth).json()["data"]["name"])
        print(client.get("/public/v1/leads").status_code)
    """,
        **{VENDOR_PATH_VARIABLE: str(folder)},
    )
    names, created, other = answer.splitlines()
    assert names == "['tiledesk', 'overloop', 'leads-crm', 'acme']"
    assert created == "201 Ada"
    assert other == "404"  # only the vendor asked for is served


def test_the_spec_prism_and_compiled_path_tests_pick_up_a_sixth_vendor(tmp_path: Path) -> None:
    folder = sixth_vendor(tmp_path / "vendors")
    run = subprocess.run(
        [
            sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly",
            "-n", "0", "-rA", "-k", "acme", "tests/test_specs.py",
            "tests/test_fastpath.py::test_conformance_corpus_answers_alike",
            "tests/test_prism_proxy.py",
        ],
        capture_output=True, text=True, cwd=ROOT, timeout=900,
        env={**os.environ, VENDOR_PATH_VARIABLE: str(folder)},
    )  # fmt: skip
    passed = [line for line in run.stdout.splitlines() if line.startswith("PASSED")]
    assert run.returncode == 0, run.stdout[-3000:]
    assert sorted(line.split("::")[0] for line in passed) == [
        "PASSED tests/test_fastpath.py",
        "PASSED tests/test_prism_proxy.py",
        *["PASSED tests/test_specs.py"] * 4,
    ], passed
    assert all("acme" in line for line in passed)
