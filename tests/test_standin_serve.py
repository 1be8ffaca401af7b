"""``leadmock serve`` as a developer meets it: the request log, options from a config file and
the environment (and which wins), the delay and error-rate shortcuts, and bad options refused
in one line. Run as a user runs it, in a subprocess."""

from __future__ import annotations

import contextlib
import io
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from mockserver import Config, create_app, requestlog
from mockserver.cli import build_parser
from mockserver.requestlog import RequestLog
from tests.processes import free_port, leadmock, serve

PROJECT = "5b55e806c93dde00143163dd"
OWNER = ("andrea.leo@f21.it", "123456")


def overloop_key(seed: int = 1) -> str:
    # The same seed seeds the same key: the in-process mock says what the served one has.
    return create_app(Config(seed=seed, leads=2, vendors=("overloop",))).facts["overloop"][
        "api_key"
    ]


def request_lines(out: str) -> list[str]:
    """The lines after the banner (which ends with the admin plane's) and after the line of the
    readiness probe that ``serve`` waited on."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Admin plane")) + 1
    assert " GET /__admin/health 200 admin " in lines[start]
    # Under load a probe may time out on the client's side after being answered: skip them all.
    while " GET /__admin/health 200 admin " in lines[start]:
        start += 1
    return [line for line in lines[start:] if line != "leadmock stopped"]


def test_every_request_gets_one_line_naming_api_operation_status_and_why_refused() -> None:
    served = serve("--leads", "2")
    key = {"Authorization": overloop_key()}
    with httpx.Client(base_url=served.url) as client:
        listed = client.get("/public/v1/leads", headers=key)
        refused = client.post(
            "/public/v1/leads",
            headers={**key, "Content-Type": "application/vnd.api+json"},
            content=b'{"data": {}}',
        )
        paged = client.get(f"/v3/{PROJECT}/leads", params={"page": "abc"}, auth=OWNER)
        client.get("/__admin/health")
        hostile = client.get("/public/v1/leads%0A%1B[31mred")
    out, _ = served.stop()
    assert (listed.status_code, refused.status_code, paged.status_code) == (200, 422, 400)
    assert hostile.status_code == 404
    lines = request_lines(out)
    assert len(lines) == 5, lines
    clock = r"\d\d:\d\d:\d\d"
    assert _fields(lines[0], clock) == ["GET", "/public/v1/leads", "200", "overloop", "list_leads"]
    assert _fields(lines[1], clock) == [
        "POST",
        "/public/v1/leads",
        "422",
        "overloop",
        "create_lead",
    ]
    detail = refused.json()["errors"][0]["detail"]
    assert lines[1].endswith(f" ms invalid: data.type: {detail}")
    assert _fields(lines[2], clock)[:3] == ["GET", f"/v3/{PROJECT}/leads?page=abc", "400"]
    assert lines[2].endswith(f"invalid: {paged.json()['msg']}")
    assert _fields(lines[3], clock) == ["GET", "/__admin/health", "200", "admin", "-"]
    # A decoded newline or escape in a path is shown escaped: the log stays one line a request.
    assert "\x1b" not in out and "/public/v1/leads\\n\\x1b[31mred 404" in lines[4]
    assert "invalid" not in lines[0] and "\x1b" not in lines[0]  # not a terminal: no colour


def _fields(line: str, clock: str) -> list[str]:
    import re

    assert re.match(clock + " ", line), line
    _, method, target, status, api, operation, elapsed, unit, *_ = line.split(" ")
    assert unit == "ms" and float(elapsed) >= 0, line
    return [method, target, status, api, operation]


def test_json_log_format_is_one_object_a_line_and_the_banner_goes_to_stderr() -> None:
    served = serve("--leads", "2", "--log-format", "json")
    with httpx.Client(base_url=served.url) as client:
        client.get(f"/v3/{PROJECT}/leads", auth=OWNER)
        refused = client.get(f"/v3/{PROJECT}/leads", params={"page": "abc"}, auth=OWNER)
    out, err = served.stop()
    assert "Admin plane" in err and "Admin plane" not in out
    logged = [json.loads(line) for line in out.splitlines() if line != "leadmock stopped"]
    # The readiness probe's requests (one, or more under load), then the two requests.
    probes = [entry for entry in logged if entry["path"] == "/__admin/health"]
    assert probes and all(entry["api"] == "admin" for entry in probes)
    assert logged[: len(probes)] == probes and len(logged) == len(probes) + 2
    first, second = logged[len(probes)], logged[len(probes) + 1]
    assert first["path"] == second["path"] == f"/v3/{PROJECT}/leads"
    assert set(first) == {
        "time", "method", "path", "query", "status", "operation", "api", "elapsed_ms", "refusal"
    }  # fmt: skip
    assert (first["status"], first["api"], first["operation"], first["refusal"]) == (
        200, "tiledesk-v3", "list_leads", None
    )  # fmt: skip
    assert first["time"].endswith("Z") and first["elapsed_ms"] > 0
    assert (second["status"], second["query"]) == (400, "page=abc")
    assert second["refusal"] == refused.json()["msg"]


def test_quiet_prints_the_banner_and_no_request_line() -> None:
    served = serve("--leads", "2", "--quiet")
    httpx.get(f"{served.url}/v3/{PROJECT}/leads", auth=OWNER)
    out, _ = served.stop()
    assert out.splitlines()[-2].startswith("Admin plane")  # then only "leadmock stopped"


def test_a_log_nobody_reads_drops_lines_and_never_holds_an_answer() -> None:
    class Stuck(io.StringIO):
        def __init__(self) -> None:
            super().__init__()
            self.free = threading.Event()

        def write(self, text: str) -> int:
            self.free.wait()
            return super().write(text)

    stream = Stuck()
    log = RequestLog(stream, backlog=5, interval=0.01)
    mock = create_app(Config(leads=2, vendors=("tiledesk-v3",)))
    mock.journal.subscribe(log)
    with TestClient(mock) as client:
        client.get(f"/v3/{PROJECT}/leads", auth=OWNER)  # taken by the writer, which sticks
        time.sleep(0.1)
        for _ in range(30):  # each answered although the log is stuck
            assert client.get(f"/v3/{PROJECT}/leads", auth=OWNER).status_code == 200
    stream.free.set()
    log.close()
    written = stream.getvalue().splitlines()
    notes = [line for line in written if line.endswith("lines dropped: the log was not read")]
    assert len(notes) == 1
    dropped = int(notes[0].split(" ")[1])
    kept = [line for line in written if " GET /v3/" in line]
    assert dropped == 25 and len(kept) == 6  # the first, then 5 waiting


def test_config_file_then_environment_then_command_line(tmp_path: Path) -> None:
    port = free_port()
    (tmp_path / "leadmock.toml").write_text(f"port = {port}\nseed = 5\nleads = 2\n")
    from_file = serve(port=port, pass_port=False, cwd=tmp_path)
    out, _ = from_file.stop()
    assert f"leadmock on http://127.0.0.1:{port} (seed 5," in out
    assert f"Options from  {tmp_path / 'leadmock.toml'}" in out

    from_env = serve(port=port, pass_port=False, cwd=tmp_path, env={"LEADMOCK_SEED": "6"})
    out, _ = from_env.stop()
    assert "(seed 6," in out and f"{tmp_path / 'leadmock.toml'}, LEADMOCK_SEED" in out

    from_cli = serve("--seed", "7", port=port, pass_port=False, cwd=tmp_path,
                     env={"LEADMOCK_SEED": "6"})  # fmt: skip
    out, _ = from_cli.stop()
    assert "(seed 7," in out


def test_a_repeatable_option_from_a_lower_source_is_replaced_not_added_to(tmp_path: Path) -> None:
    (tmp_path / "leadmock.toml").write_text('api = ["overloop"]\nleads = 2\n')
    for env, args, apis in (
        ({}, (), ["overloop"]),
        ({"LEADMOCK_API": "leads-crm"}, (), ["leads-crm"]),
        ({"LEADMOCK_API": "leads-crm"}, ("--api", "tiledesk-v3"), ["tiledesk-v3"]),
    ):
        served = serve(*args, cwd=tmp_path, env=env)
        health = httpx.get(f"{served.url}/__admin/health").json()
        served.stop()
        assert health["apis"] == apis, (env, args)


def test_pyproject_tool_table_and_an_explicit_config(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.leadmock]\nseed = 8\n')
    served = serve("--leads", "2", cwd=tmp_path)
    out, _ = served.stop()
    assert "(seed 8," in out
    other = tmp_path / "elsewhere.toml"
    other.write_text("seed = 9\n")
    (tmp_path / "leadmock.toml").write_text("seed = 10\n")
    served = serve("--leads", "2", "--config", str(other), cwd=tmp_path)
    out, _ = served.stop()
    assert "(seed 9," in out  # --config wins over leadmock.toml, which wins over pyproject.toml
    served = serve("--leads", "2", cwd=tmp_path)
    out, _ = served.stop()
    assert "(seed 10," in out


# A command-line value for each serve option; the test below fails for an option missing here.
SAMPLES = {
    "seed": "3", "leads": "2", "host": "127.0.0.2", "port": "9000", "api": "tiledesk-v3",
    "vendor": "overloop", "base-path": "leads-crm=/crm/v2", "framework": "flask",
    "admin-token": "secret", "rate-limit": "10/s", "no-cors": None, "delay": "100-200ms",
    "error-rate": "5%:503", "quiet": None, "log-format": "json", "log-level": "info",
    "max-body-bytes": "1000", "max-json-depth": "5", "max-integer-digits": "10",
    "max-headers": "20", "max-header-bytes": "4000", "header-timeout": "2.5",
    "body-timeout": "3", "keep-alive-timeout": "4", "shutdown-timeout": "1.5",
    "validate-responses": None, "store": "redis://127.0.0.1:6379/0?prefix=team-a",
    "workers": "2", "state": "recording.json", "accept-login": "me@example.com:pass:word",
    "accept-api-key": "key-1", "accept-token": "token-1", "spec": "crm.yaml",
    "scenario": "outage:seconds=5", "coverage": None,
    "overrides": "crm=fix.yaml",
}  # fmt: skip


def test_the_config_file_and_the_environment_set_every_option_as_the_command_line_does() -> None:
    from mockserver.cli.command import subcommand as _subcommand
    from mockserver.cli.options import option_values

    parser = build_parser()
    serve_parser = _subcommand(parser, "serve")
    names = {
        option[2:]: action
        for action in serve_parser._actions
        for option in action.option_strings
        if option.startswith("--") and option not in ("--help", "--config")
    }
    assert set(names) == set(SAMPLES), "give each serve option a sample"
    for name, text in SAMPLES.items():
        action = names[name]
        flag = text is None
        cli = parser.parse_args(["serve", f"--{name}", *([] if flag else [text])])
        file_value = True if flag else (int(text) if text.isdigit() else text)
        if action.nargs is None and action.default == [] and not flag:
            file_value = [text]
        from_file, _, _ = option_values(
            serve_parser, table={name: file_value}, where="leadmock.toml", environ={}
        )
        variable = "LEADMOCK_" + name.upper().replace("-", "_")
        from_env, used, _ = option_values(
            serve_parser, table={}, where="", environ={variable: "true" if flag else text}
        )
        expected = getattr(cli, action.dest)
        assert from_file == {action.dest: expected}, name
        assert from_env == {action.dest: expected} and used == [variable], name


@pytest.mark.parametrize(
    ("args", "env", "file", "says"),
    [
        (["--port", "99999"], {}, None, "argument --port: '99999' is not a port"),
        (["--port", "-1"], {}, None, "argument --port: '-1' is not a port"),
        (["--delay", "90"], {}, None, "'90': a delay is 0 to 60 seconds"),
        (["--error-rate", "2"], {}, None, "'2' is not an error rate"),
        (["--api", "tiledsk"], {}, None, "unknown API or vendor 'tiledsk'; known: tiledesk,"),
        (["--base-path", "tiledesk=/t"], {}, None, "tiledesk serves tiledesk-v1, tiledesk-v2"),
        (
            ["--api", "tiledesk-v3", "--base-path", "overloop=/o"],
            {},
            None,
            "--base-path overloop: overloop is not served (serving: tiledesk-v3)",
        ),
        (
            ["--base-path", "overloop=/v3/o"],
            {},
            None,
            "overloop at /v3/o and tiledesk-v3 at /v3: one base path may not be another's",
        ),
        ([], {"LEADMOCK_PORT": "99999"}, None, "LEADMOCK_PORT: '99999' is not a port"),
        ([], {"LEADMOCK_SEED": "abc"}, None, "LEADMOCK_SEED: 'abc' is not a whole number"),
        ([], {"LEADMOCK_NO_CORS": "maybe"}, None, "LEADMOCK_NO_CORS: true or false"),
        ([], {"LEADMOCK_LOG_FORMAT": "xml"}, None, "LEADMOCK_LOG_FORMAT: 'xml' is not one of"),
        ([], {}, "prot = 1\n", "'prot' is not a serve option (did you mean 'port'?)"),
        ([], {}, "port = [1]\n", "leadmock.toml: port: a single value, not [1]"),
        ([], {}, "port = \n", "not a TOML file leadmock can read"),
        (["--config", "missing.toml"], {}, None, "--config: no file missing.toml"),
    ],
)
def test_a_bad_option_from_any_source_is_one_line_and_exit_2(
    tmp_path: Path, args: list[str], env: dict[str, str], file: str | None, says: str
) -> None:
    if file is not None:
        (tmp_path / "leadmock.toml").write_text(file)
    done = leadmock("serve", *args, env=env, cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stdout == ""  # nothing printed as if serving
    last = done.stderr.strip().splitlines()
    assert says in last[-1], done.stderr
    assert len(last) == 1 or last[0].startswith("usage:"), done.stderr


def test_an_unknown_leadmock_variable_is_a_warning_naming_the_close_one() -> None:
    served = serve("--leads", "2", env={"LEADMOCK_PROT": "9000"})
    _, err = served.stop()
    assert "LEADMOCK_PROT is not a serve option (did you mean LEADMOCK_PORT?); ignored" in err


def test_help_is_the_commands_help() -> None:
    done = leadmock("--help")
    assert done.returncode == 0 and "``" not in done.stdout
    assert "serve" in done.stdout and "check" in done.stdout and "COMMAND --help" in done.stdout


def test_delay_and_error_rate_apply_to_every_vendor_request_and_survive_reset() -> None:
    served = serve("--leads", "2", "--error-rate", "100%:503", "--delay", "300ms", "--quiet")
    with httpx.Client(base_url=served.url) as client:
        first = client.get(f"/v3/{PROJECT}/leads", auth=OWNER)
        assert client.post("/__admin/reset").status_code == 200
        faults = client.get("/__admin/faults").json()
        again = client.get(f"/v3/{PROJECT}/leads", auth=OWNER)
    out, _ = served.stop()
    assert "Faults        100% of answers 503 after 0.3 s, every answer delayed 0.3 s" in out
    for answer in (first, again):
        assert answer.status_code == 503
        assert answer.json() == {"success": False, "msg": "Injected fault"}  # Tiledesk's shape
        assert answer.elapsed.total_seconds() >= 0.3
    assert [(f["status"], f["share"], f["latency"]) for f in faults] == [
        (503, 1.0, 0.3), (None, 1.0, 0.3)
    ]  # fmt: skip


def test_an_error_rate_hits_the_same_requests_for_the_same_seed() -> None:
    from starlette.testclient import TestClient

    def statuses(seed: int) -> list[int]:
        mock = create_app(Config(seed=seed, leads=2, error_rate=0.5))
        with TestClient(mock) as client:
            return [client.get(f"/v3/{PROJECT}/leads", auth=OWNER).status_code for _ in range(30)]

    first = statuses(1)
    assert first == statuses(1)
    assert {200, 500} == set(first)


def test_a_full_pipe_nobody_reads_holds_neither_answers_nor_the_exit() -> None:
    # 64 KiB of pipe holds about 700 lines: 2,000 requests fill it many times over.
    served = serve("--leads", "2")
    with httpx.Client(base_url=served.url) as client:
        for _ in range(2000):
            assert client.get(f"/v3/{PROJECT}/leads/x", auth=OWNER).status_code == 404
        time.sleep(0.2)  # the log's writer meets the full pipe
        assert client.get("/__admin/health").status_code == 200
    served.process.send_signal(__import__("signal").SIGTERM)
    assert served.process.wait(timeout=15) == 0
    out = served.process.stdout.read()  # type: ignore[union-attr]
    assert out.count(" GET /v3/") < 2000  # the pipe held only part; the rest was dropped


def test_on_a_terminal_the_status_is_coloured_and_no_color_turns_it_off() -> None:
    import os
    import pty
    import subprocess
    import sys

    from tests.processes import _environment

    def first_request_line(extra_env: dict[str, str]) -> str:
        port = free_port()
        leader, follower = pty.openpty()
        process = subprocess.Popen(
            [sys.executable, "-m", "mockserver", "serve", "--leads", "2", "--port", str(port)],
            stdout=follower,
            stderr=subprocess.DEVNULL,
            env=_environment(extra_env),
        )
        os.close(follower)
        try:
            for _ in range(300):
                try:
                    httpx.get(f"http://127.0.0.1:{port}/v3/{PROJECT}/leads/x", auth=OWNER)
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            seen = b""
            while b"/leads/x" not in seen:
                seen += os.read(leader, 65536)
        finally:
            process.terminate()
            process.wait(timeout=15)
            os.close(leader)
        return next(line for line in seen.decode().splitlines() if "/leads/x" in line)

    coloured = first_request_line({})
    assert "\x1b[33m404\x1b[0m" in coloured  # a 4xx in yellow
    plain = first_request_line({"NO_COLOR": "1"})
    assert "\x1b[" not in plain and " 404 tiledesk-v3 get_lead " in plain


def lines_of(count: int) -> bytes:
    return b"".join(
        b"%06d GET /v3/leads 200 tiledesk-v3 list_leads 0.4 ms\n" % n for n in range(count)
    )


def test_the_log_writes_a_batch_to_a_file_in_one_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each write is one more time the writer thread takes the interpreter back from the server's.
    writes: list[int] = []
    write = os.write

    def counted(fd: int, data: Any) -> int:
        writes.append(len(data))
        return write(fd, data)

    monkeypatch.setattr(requestlog.os, "write", counted)
    batch = lines_of(2000)
    with (tmp_path / "log").open("wb") as file, open(os.devnull, "wb") as null:
        for target in (file, null):
            assert requestlog._write_what_fits(target.fileno(), batch, 0.5) == 0
    assert writes == [len(batch), len(batch)]
    assert (tmp_path / "log").read_bytes() == batch


def test_the_log_fills_a_pipe_nobody_reads_without_blocking() -> None:
    reader, writer = os.pipe()
    try:
        batch = lines_of(5000)  # 270 KB: four times a pipe's 64 KiB
        finished: list[int] = []
        thread = threading.Thread(
            target=lambda: finished.append(requestlog._write_what_fits(writer, batch, 0.2))
        )
        thread.start()
        thread.join(timeout=30)
        assert not thread.is_alive(), "a write blocked on a full pipe"
        os.set_blocking(reader, False)
        taken = b""
        with contextlib.suppress(BlockingIOError):
            while chunk := os.read(reader, 1 << 20):
                taken += chunk
        assert batch.startswith(taken) and len(taken) >= 60_000
        assert finished == [batch[len(taken) :].count(b"\n")]
    finally:
        os.close(reader)
        os.close(writer)
