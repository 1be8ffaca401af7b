"""``leadmock serve`` on jemalloc: the start that chooses it, the opt-out, and the memory that
giving back returns (``mockserver.memory``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from mockserver.memory import ALLOCATOR_VARIABLE, find_jemalloc, jemalloc_environment
from tests.helpers import basic
from tests.processes import REPO, serve

JEMALLOC = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"
LEADS = "/v3/5b55e806c93dde00143163dd/leads"
SEED_USER = basic("andrea.leo@f21.it", "123456")


def installed_jemalloc() -> str:
    found = find_jemalloc()
    assert found, (
        "no libjemalloc.so.2 on this machine: `make jemalloc` installs Debian's libjemalloc2"
    )
    return found


def mapped_libraries(pid: int) -> str:
    return Path(f"/proc/{pid}/maps").read_text()


def test_serve_starts_again_on_jemalloc_in_the_same_process() -> None:
    installed_jemalloc()
    served = serve("--leads", "10")
    try:
        # The pid Popen started is the one serving: exec, not a child left behind.
        assert "libjemalloc" in mapped_libraries(served.process.pid)
        answer = httpx.get(f"{served.url}{LEADS}", headers={"Authorization": SEED_USER})
        assert answer.status_code == 200
        assert answer.json()["count"] == 10
    finally:
        out, err = served.stop()
    assert out.splitlines()[0].endswith(", jemalloc)"), out.splitlines()[0]
    assert "not a serve option" not in err


def test_python_keeps_cpythons_allocator_without_a_warning() -> None:
    installed_jemalloc()
    served = serve("--leads", "10", env={ALLOCATOR_VARIABLE: "python"})
    try:
        assert "libjemalloc" not in mapped_libraries(served.process.pid)
        answer = httpx.get(f"{served.url}{LEADS}", headers={"Authorization": SEED_USER})
        assert answer.status_code == 200
    finally:
        out, err = served.stop()
    assert out.splitlines()[0].endswith(", pymalloc)"), out.splitlines()[0]
    assert ALLOCATOR_VARIABLE not in err


def test_an_unknown_allocator_is_said_and_cpythons_serves() -> None:
    served = serve("--leads", "10", env={ALLOCATOR_VARIABLE: "tcmalloc"})
    try:
        assert "libjemalloc" not in mapped_libraries(served.process.pid)
    finally:
        out, err = served.stop()
    assert "LEADMOCK_ALLOCATOR='tcmalloc' is not one of auto, jemalloc, python" in err
    assert out.splitlines()[0].endswith(", pymalloc)")


def test_jemalloc_environment_preloads_it_before_the_users_libraries() -> None:
    environment = jemalloc_environment({"LD_PRELOAD": "/opt/own.so", "HOME": "/h"}, JEMALLOC)
    assert environment == {
        "LD_PRELOAD": f"{JEMALLOC} /opt/own.so",
        "PYTHONMALLOC": "malloc",
        ALLOCATOR_VARIABLE: "jemalloc",
        "HOME": "/h",
    }


@pytest.mark.parametrize(
    "environ",
    [
        {ALLOCATOR_VARIABLE: "python"},
        {ALLOCATOR_VARIABLE: "jemalloc"},  # the start that chose it: never twice
        {"PYTHONMALLOC": "debug"},  # the user's own choice
        {"LD_PRELOAD": "/usr/lib/libjemalloc.so.2"},  # preloaded by the user already
    ],
)
def test_jemalloc_environment_leaves_a_chosen_allocator_alone(environ: dict[str, str]) -> None:
    assert jemalloc_environment(environ, JEMALLOC) is None


def test_jemalloc_environment_without_jemalloc_goes_on() -> None:
    assert jemalloc_environment({}, None) is None


GIVE_BACK = """
from mockserver.memory import allocator_name, give_back_memory

def resident_mb():
    status = open("/proc/self/status").read()
    return int(status.split("VmRSS:")[1].split()[0]) / 1024

held = [{"id": n, "email": f"lead{n}@example.com"} for n in range(400_000)]
full = resident_mb()
del held
freed = resident_mb()
give_back_memory()
print(allocator_name(), round(full), round(freed), round(resident_mb()))
"""


def test_giving_back_returns_freed_memory_on_jemalloc() -> None:
    base = {k: v for k, v in os.environ.items() if k not in ("PYTHONMALLOC", ALLOCATOR_VARIABLE)}
    environment = jemalloc_environment(base, installed_jemalloc())
    assert environment is not None
    # No purge by jemalloc's own clock: what comes back is what give_back_memory returned.
    environment |= {"MALLOC_CONF": "dirty_decay_ms:-1,muzzy_decay_ms:-1", "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", GIVE_BACK], capture_output=True, text=True, env=environment
    )
    assert done.returncode == 0, done.stderr
    name, full, freed, after = done.stdout.split()
    assert name == "jemalloc"
    # Freeing alone kept the pages (jemalloc's clock is stopped); giving back returned them.
    assert int(full) > int(after) + 50, done.stdout
    assert int(freed) > int(after) + 50, done.stdout
