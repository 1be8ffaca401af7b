"""The README's and the documentation site's examples, found and run as a reader would run them.

Every fenced block in ``sh``, ``bash``, ``console``, ``python`` or ``toml`` is an example (a
``text``, ``json`` or ``yaml`` block is output or data). A comment on the line before a block
says more of it: ``<!-- example: account -->`` needs a real vendor account and is only checked
for syntax; ``<!-- example: errors -->`` shows refusals, so an HTTP error from ``curl`` does not
fail it.

How each kind runs, in a folder of its own (``.venv``, ``specs``, ``tests`` and the Makefile
linked in, so the paths the examples use work):

- shell: one ``bash -euo pipefail`` script. ``curl`` fails on an HTTP error (``--fail-with-body``);
  ``make TARGET`` is checked with ``make -n`` (the targets are the suite itself); a ``leadmock
  serve`` or ``leadmock proxy`` line (or ``make run``) starts in the background and the script
  goes on once it answers; with no ``serve`` line a default mock is served first. Every port
  the example names (8080, a ``--port``, the proxy's 8081) becomes a free one, so examples run
  side by side; ``redis://127.0.0.1:6379`` becomes a redis-server of the example's own. The
  variables the pages tell the reader to set from ``make run``'s banner are set from the
  seed's facts: ``OVERLOOP_KEY``, ``CRM_KEY``, ``CRM_PASSWORD``. In a ``console`` block only
  the ``$`` lines run.
- python: a test module (one with ``def test_``) runs under pytest; other code runs as a
  script, beside a default mock served as for shell.
- toml: written as ``leadmock.toml`` (or ``pyproject.toml`` for a ``[tool.leadmock]`` table),
  then ``leadmock serve`` must start with it.
"""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUN = ("sh", "bash", "console", "python", "toml")
_FENCE = re.compile(r"^(?P<indent> *)```(?P<language>[\w-]*)[^\n]*$")
_MARK = re.compile(r"<!--\s*example:\s*(?P<marks>[\w ,-]+?)\s*-->")
_SERVE = re.compile(r"^(?:[A-Z_]+=\S*\s+)*(?:\.venv/bin/)?leadmock serve\b|^make run\b")
_PROXY = re.compile(r"^(?:\.venv/bin/)?leadmock proxy\b")
_TIMEOUT = 180


@dataclass(frozen=True)
class Example:
    """One fenced block of a page."""

    page: Path
    line: int
    language: str
    code: str
    marks: frozenset[str] = frozenset()

    @property
    def name(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def pages() -> list[Path]:
    """The README and every page of the site."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def examples(page: Path) -> list[Example]:
    """The runnable blocks of ``page``."""
    found: list[Example] = []
    lines = page.read_text().split("\n")
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if not opening or not opening["language"]:
            index += 1
            continue
        indent, language = len(opening["indent"]), opening["language"]
        end = index + 1
        while end < len(lines) and lines[end].strip() != "```":
            end += 1
        code = "\n".join(line[indent:] for line in lines[index + 1 : end])
        before = lines[index - 1] if index else ""
        marked = _MARK.search(before)
        marks = frozenset(m.strip() for m in marked["marks"].split(",")) if marked else frozenset()
        if language in RUN:
            found.append(Example(page, index + 1, language, code + "\n", marks))
        index = end + 1
    return found


def all_examples() -> list[Example]:
    return [example for page in pages() for example in examples(page)]


@dataclass(frozen=True)
class Outcome:
    ok: bool
    output: str


def run(example: Example, facts: dict[str, str]) -> Outcome:
    """Run ``example`` as its kind runs (the module docstring); whether it passed, and what
    it printed."""
    with tempfile.TemporaryDirectory(prefix="leadmock-example-") as folder:
        where = Path(folder)
        for name in (".venv", "specs", "tests", "Makefile", "pyproject.toml"):
            (where / name).symlink_to(ROOT / name)
        env = {**os.environ, **facts, "NO_COLOR": "1"}
        env["PATH"] = f"{ROOT / '.venv' / 'bin'}{os.pathsep}{env['PATH']}"
        if "account" in example.marks:
            return _syntax(example, where, env)
        if example.language == "python":
            return _python(example, where, env)
        if example.language == "toml":
            return _toml(example, where, env)
        return _shell(example, where, env)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _commands(example: Example) -> list[str]:
    """The commands of a shell block, continuation lines joined; a console block's ``$`` lines."""
    lines = example.code.split("\n")
    if example.language == "console":
        commands, taking = [], False
        for line in lines:
            if line.startswith("$ "):
                commands.append(line[2:])
                taking = line.endswith("\\")
            elif taking:
                commands[-1] += "\n" + line
                taking = line.endswith("\\")
        return commands
    text = "\n".join(lines)
    return [part for part in re.split(r"(?<!\\)\n", text) if part.strip()]


def _prelude(errors_allowed: bool) -> str:
    fail = "" if errors_allowed else " --fail-with-body"
    return f"""
set -euo pipefail
curl() {{ command curl{fail} -sS --max-time 30 "$@"; echo; }}
make() {{ command make -n "$@" > /dev/null; }}
started=()
cleanup() {{ for pid in "${{started[@]}}"; do kill "$pid" 2>/dev/null || true; done; wait; }}
trap cleanup EXIT
answering() {{  # URL: wait for the server just started in the background to answer it
  for _ in $(seq 300); do
    command curl -s -o /dev/null "$1" && return 0
    kill -0 "${{started[-1]}}" 2>/dev/null || {{ echo "it did not start: $1"; return 1; }}
    sleep 0.1
  done
  echo "no answer in 30 s: $1"; return 1
}}
"""


def _background(command: str, port: int) -> str:
    """A ``leadmock serve`` or ``proxy`` line started in the background on ``port``, then a
    wait until it answers."""
    command = re.sub(r"\s+#.*$", "", command.strip())
    command = re.sub(r"^make run\b.*", "leadmock serve", command)
    command = re.sub(r"\s--port\s+\S+", "", command).rstrip(" &")
    probe = "__admin/journal" if _PROXY.match(command) else "__admin/health"
    return (f"{command} --port {port} --quiet &\nstarted+=($!)\n"
            f"answering http://127.0.0.1:{port}/{probe}")  # fmt: skip


def _shell(example: Example, where: Path, env: dict[str, str]) -> Outcome:
    commands = _commands(example)
    main_port = _free_port()
    # Each port an example names (8080, a served --port, a proxy's 8081) gets a free one, so
    # that examples run side by side.
    ports = {"8080": main_port}
    serves = [c.strip() for c in commands if _SERVE.match(c.strip())]
    first = re.search(r"--port\s+(\d+)", serves[0]) if serves else None
    if first:
        ports[first[1]] = main_port
    for command in commands:
        for number in re.findall(r"--port\s+(\d+)", command):
            ports.setdefault(number, _free_port())
    if any(_PROXY.match(c.strip()) for c in commands):
        ports.setdefault("8081", _free_port())  # the proxy's default port
    script = [_prelude("errors" in example.marks)]
    if "redis://127.0.0.1:6379" in example.code:
        # The example's Redis: a redis-server of its own, on a free port.
        redis_port = _free_port()
        ports["6379"] = redis_port
        script.append(
            f"redis-server --port {redis_port} --save '' --appendonly no --bind 127.0.0.1"
            f" > /dev/null &\nstarted+=($!)\n"
            f"until redis-cli -p {redis_port} ping > /dev/null 2>&1; do sleep 0.1; done"
        )
    if not serves:
        script.append(_background("leadmock serve", main_port))
    for command in commands:
        stripped = command.strip()
        if _SERVE.match(stripped) or _PROXY.match(stripped):
            given = re.search(r"--port\s+(\d+)", stripped)
            default = "8080" if _SERVE.match(stripped) else "8081"
            script.append(
                _background(_moved(stripped, ports), ports[given[1] if given else default])
            )
            continue
        script.append(_moved(command, ports))
    return _run(["bash", "-c", "\n".join(script)], where, env)


def _moved(command: str, ports: dict[str, int]) -> str:
    """``command`` with each loopback address's port moved to the one the example was given."""
    for number, port in ports.items():
        command = re.sub(rf"(127\.0\.0\.1|localhost):{number}\b", f"127.0.0.1:{port}", command)
    return command


def _python(example: Example, where: Path, env: dict[str, str]) -> Outcome:
    code = example.code.replace("127.0.0.1:8080", "127.0.0.1:{PORT}")
    if "def test_" in code:
        (where / "test_example.py").write_text(code)
        argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_example.py"]
        return _run(argv, where, env)
    port = _free_port()
    (where / "example.py").write_text(code.replace("{PORT}", str(port)))
    script = _prelude(False) + _background("leadmock serve", port)
    return _run(["bash", "-c", f"{script}\n{shlex.quote(sys.executable)} example.py"], where, env)


def _toml(example: Example, where: Path, env: dict[str, str]) -> Outcome:
    name = "pyproject.toml" if "[tool.leadmock]" in example.code else "leadmock.toml"
    (where / name).unlink(missing_ok=True)
    (where / name).write_text(example.code)
    script = _prelude(False) + _background("leadmock serve", _free_port())
    return _run(["bash", "-c", script], where, env)


def _syntax(example: Example, where: Path, env: dict[str, str]) -> Outcome:
    if example.language == "python":
        try:
            compile(example.code, example.name, "exec")
        except SyntaxError as exc:
            return Outcome(False, str(exc))
        return Outcome(True, "")
    script = "\n".join(_commands(example))
    return _run(["bash", "-n", "-c", script], where, env)


def _run(argv: list[str], where: Path, env: dict[str, str]) -> Outcome:
    try:
        done = subprocess.run(argv, cwd=where, env=env, capture_output=True, text=True,
                              timeout=_TIMEOUT, start_new_session=True)  # fmt: skip
    except subprocess.TimeoutExpired as exc:
        return Outcome(False, f"still running after {_TIMEOUT} s: {exc.output or ''}")
    return Outcome(done.returncode == 0, done.stdout + done.stderr)
