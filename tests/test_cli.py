"""``leadmock serve`` as a user runs it: a real process on a loopback port."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from mockserver.cli import build_parser, main


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, list[str]]]:
    """A running ``leadmock serve``: its base URL and the banner it printed."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "serve", "--port", str(port), "--leads", "50"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        assert process.stdout is not None
        banner = [process.stdout.readline()]
        # The banner ends with the admin plane's line, after every vendor's.
        while not banner[-1].startswith("Admin plane"):
            banner.append(process.stdout.readline())
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"{base_url}/v3/openapi.json", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    pytest.fail("leadmock serve did not answer within 20 s")
                time.sleep(0.1)
        yield base_url, [line.rstrip("\n") for line in banner]
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_default_host_is_loopback() -> None:
    assert build_parser().parse_args(["serve"]).host == "127.0.0.1"


def test_banner_lists_base_url_projects_and_credentials(served: tuple[str, list[str]]) -> None:
    base_url, lines = served
    text = "\n".join(lines)
    assert f"{base_url}/v3" in text
    assert "5b55e806c93dde00143163dd" in text
    assert "andrea.leo@f21.it:123456" in text
    assert (
        f"try: curl -u andrea.leo@f21.it:123456 {base_url}/v3/5b55e806c93dde00143163dd/leads"
        in text
    )


@pytest.mark.parametrize("version", ["v1", "v2", "v3"])
def test_documented_curl_examples_answer_as_documented(
    served: tuple[str, list[str]], version: str
) -> None:
    # The documents' curl commands, with only the host changed: same user, project and ids.
    base_url, _ = served
    auth = ("andrea.leo@f21.it", "123456")
    headers = {"Content-Type": "application/json"}
    leads = f"{base_url}/{version}/5b55e806c93dde00143163dd/leads"
    listed = httpx.get(leads, auth=auth, headers=headers)
    assert listed.status_code == 200 and listed.json()["perPage"] == 40
    got = httpx.get(f"{leads}/5c81593adf767b0017d1aa66", auth=auth, headers=headers)
    assert got.json()["lead_id"] == "SRbb2PfbSFcgICv9VQBcURZeloh1"
    body = '{"fullanem":"andrea", "lead_id":"123456"}'
    created = httpx.post(leads, auth=auth, headers=headers, content=body)
    assert created.status_code == 200 and created.json()["lead_id"] == "123456"
    signin = httpx.post(
        f"{base_url}/{version}/auth/signin",
        content="email=andrea.leo@f21.it&password=123456",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert httpx.get(leads, headers={"Authorization": signin.json()["token"]}).status_code == 200
    if version == "v1":
        requests = f"{base_url}/v1/5b55e806c93dde00143163dd/requests"
        assert httpx.get(requests, auth=auth, headers=headers).json()["perPage"] == 40
        one = httpx.get(f"{requests}/support-group-L_OG76RYhR0XFiMf2PK", auth=auth, headers=headers)
        assert one.json()["request_id"] == "support-group-L_OG76RYhR0XFiMf2PK"
        return
    lead = f"{leads}/{created.json()['_id']}"
    updated = httpx.put(lead, auth=auth, headers=headers, content=body)
    assert updated.status_code == 200
    deleted = httpx.delete(lead, auth=auth, headers=headers)
    assert deleted.status_code == 200 and deleted.json()["status"] == 1000


def test_too_few_leads_is_exit_2() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mockserver", "seed", "--leads", "1"], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "--leads" in result.stderr


def summary(output: str) -> list[str]:
    """The checker's result lines: '<api>: N checks over M operations, F failures'."""
    return [
        line.split(": ", 1)[1].split(" checks")[1]
        for line in output.splitlines()
        if " checks over " in line
    ]


@pytest.mark.parametrize("auth", [[], ["--signin"]], ids=["basic", "jwt-signin"])
def test_check_by_url_finds_what_in_process_finds(
    served: tuple[str, list[str]], auth: list[str]
) -> None:
    base_url, _ = served
    budget = ["--max-examples", "3", "--stateful-steps", "5", "--seed", "4"]
    remote = subprocess.run(
        [
            sys.executable,
            "-m",
            "mockserver",
            "check",
            "tiledesk-v3",
            *budget,
            "--base-url",
            f"{base_url}/v3",
            "--user",
            "andrea.leo@f21.it",
            "--password",
            "123456",
            "--set",
            "path.project_id=5b55e806c93dde00143163dd",
            *auth,
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    local = subprocess.run(
        [sys.executable, "-m", "mockserver", "check", "tiledesk-v3", *budget],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert remote.returncode == local.returncode == 0, remote.stdout[-2000:] + remote.stderr[-2000:]
    assert summary(remote.stdout) == summary(local.stdout) == [" over 9 operations, 0 failures"]


def overloop_key(lines: list[str]) -> str:
    return next(line.split()[2].rstrip(":") for line in lines if line.strip().startswith("api key"))


def test_overloop_documented_curls_answer_as_documented(served: tuple[str, list[str]]) -> None:
    # The documents' list and update examples, with the host and the key swapped for the mock's.
    base_url, lines = served
    headers = {
        "Authorization": overloop_key(lines),
        "Content-Type": "application/vnd.api+json; charset=utf-8",
    }
    listed = httpx.get(f"{base_url}/public/v1/leads", headers=headers)
    assert listed.status_code == 200
    assert listed.json()["links"]["next"].startswith(
        f"{base_url}/public/v1/leads?page%5Bnumber%5D=2"
    )
    document = {
        "data": {
            "type": "leads",
            "attributes": {
                "email": "vincenzo@overloop.ai",
                "first_name": "Vincent",
                "c_custom_field_a": "Hot lead",
            },
        }
    }
    updated = httpx.patch(f"{base_url}/public/v1/leads/1", headers=headers, json=document)
    assert updated.status_code == 200
    assert updated.json()["data"]["attributes"]["first_name"] == "Vincent"


def test_leads_crm_banner_gives_a_login_that_opens_the_api(served: tuple[str, list[str]]) -> None:
    base_url, lines = served
    crm = [line for line in lines if "Leads & CRM" in line or "apiuser" in line or "apikey" in line]
    assert crm[0].split()[3] == f"{base_url}/api/v1"
    try_line = next(line for line in crm if line.lstrip().startswith("try:"))
    # try: curl -H 'apikey: KEY' -d username=U -d password=P URL/user/login/
    words = try_line.split()
    key = words[4].rstrip("'")
    username, password = words[6].split("=", 1)[1], words[8].split("=", 1)[1]
    assert words[-1] == f"{base_url}/api/v1/user/login/"
    login = {"username": username, "password": password}
    tokens = httpx.post(words[-1], headers={"apikey": key}, data=login).json()
    headers = {"apikey": key, "Authorization": f"Bearer {tokens['access']}"}
    overview = httpx.get(f"{base_url}/api/v1/leads/overview/", headers=headers)
    assert overview.status_code == 200 and overview.json()["data"]["TotalLeads"] > 0
    # The documents' Delete Lead sample (PHP) posts slug binuser1 as form data.
    deleted = httpx.post(
        f"{base_url}/api/v1/delete/lead/", headers=headers, files={"slug": (None, "binuser1")}
    )
    assert deleted.json() == {"status_code": 200, "errors": {}, "data": {}}


@pytest.mark.parametrize("value", ["leads-crm=x", "leads-crm=/", "leads-crm", "tiledesk=/t"])
def test_a_bad_base_path_is_refused(value: str) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(["serve", "--base-path", value])
    assert exited.value.code == 2


def test_a_base_path_for_an_api_not_served_is_refused(capsys: pytest.CaptureFixture) -> None:
    # Not refused by the parser: it may name the API of a --spec document.
    port = str(free_port())
    assert main(["serve", "--port", port, "--base-path", "nope=/x"]) == 2
    assert "--base-path nope: nope is not served" in capsys.readouterr().err


def test_base_path_moves_an_api() -> None:
    args = build_parser().parse_args(["serve", "--base-path", "leads-crm=/crm/v2/"])
    assert args.base_path == [("leads-crm", "/crm/v2/")]


def test_leads_crm_remote_target_logs_in_for_a_token(served: tuple[str, list[str]]) -> None:
    from mockserver.vendorrecord import Credentials
    from mockserver.vendors.leads_crm.checking import remote_target

    base_url, lines = served
    try_line = next(line for line in lines if "/api/v1/user/login/" in line).split()
    key, password = try_line[4].rstrip("'"), try_line[8].split("=", 1)[1]
    api = f"{base_url}/api/v1"
    target = remote_target(api, Credentials(api_key=key, user="apiuser1", password=password))
    assert httpx.get(f"{api}/leads/overview/", headers=target.headers).status_code == 200
    with pytest.raises(ValueError, match="--api-key"):
        remote_target(api, Credentials(user="apiuser1", password=password))
    with pytest.raises(ValueError, match="answered 401"):
        remote_target(api, Credentials(api_key=key, user="apiuser1", password="wrong"))


def test_every_command_module_is_listed_and_has_the_one_shape(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Each module of ``mockserver.cli`` with a ``COMMAND`` is in ``COMMANDS`` (a command
    added as a module and not listed would be unreachable), and each answers ``--help``."""
    import importlib
    import pkgutil

    import mockserver.cli as cli
    from mockserver.cli.command import Command

    modules = [
        importlib.import_module(f"mockserver.cli.{info.name}")
        for info in pkgutil.iter_modules(cli.__path__)
    ]
    declared = [module.COMMAND for module in modules if hasattr(module, "COMMAND")]
    assert all(isinstance(command, Command) for command in declared)
    assert sorted(c.name for c in declared) == sorted(c.name for c in cli.COMMANDS)
    assert len(cli.COMMANDS) == 7
    for command in cli.COMMANDS:
        with pytest.raises(SystemExit) as stopped:
            main([command.name, "--help"])
        assert stopped.value.code == 0
        assert f"usage: leadmock {command.name}" in capsys.readouterr().out
