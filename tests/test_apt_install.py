"""``scripts/apt-install``, the Makefile's one way to install Debian packages: it waits within a
bound while another apt holds a lock, and never falls back to a command the machine lacks.

apt-get, id and sudo are stand-ins on PATH: a test must not take the machine's real apt lock.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

from tests.processes import REPO

SCRIPT = REPO / "scripts" / "apt-install"


def _stand_ins(folder: Path, *, uid: int, sudo: bool) -> dict[str, str]:
    """A PATH where apt-get fails with apt's lock message until ``released`` exists."""
    folder.mkdir()
    (folder / "apt-get").write_text(
        "#!/bin/sh\n"
        f'echo "$@" >> {folder}/calls\n'
        f"[ -e {folder}/released ] && exit 0\n"
        'echo "E: Could not get lock /var/lib/apt/lists/lock. It is held by process 1 (apt)" >&2\n'
        "exit 100\n"
    )
    (folder / "id").write_text(f"#!/bin/sh\necho {uid}\n")
    if sudo:
        (folder / "sudo").write_text('#!/bin/sh\necho sudo >> "$(dirname "$0")/calls"\nexec "$@"\n')
    for tool in folder.iterdir():
        tool.chmod(0o755)
    # Beside them only the tools the script needs: no real apt-get, id or sudo.
    for tool in ("sh", "date", "mktemp", "grep", "cat", "rm", "sleep", "dirname"):
        (folder / tool).symlink_to(shutil.which(tool) or f"/bin/{tool}")
    return {**os.environ, "PATH": str(folder), "APT_LOCK_SECONDS": "30"}


def test_it_waits_for_another_apt_to_let_go_of_its_lock(tmp_path: Path) -> None:
    env = _stand_ins(tmp_path / "bin", uid=0, sudo=False)
    running = subprocess.Popen([SCRIPT, "wrk"], env=env, stderr=subprocess.PIPE, text=True)
    time.sleep(6)
    assert running.poll() is None  # still waiting, not failed
    (tmp_path / "bin" / "released").touch()
    _, err = running.communicate(timeout=30)
    assert running.returncode == 0, err
    calls = (tmp_path / "bin" / "calls").read_text().splitlines()
    assert calls[-2:] == [
        "-o DPkg::Lock::Timeout=30 update -qq",
        "-o DPkg::Lock::Timeout=30 install -y -qq wrk",
    ]
    assert len(calls) >= 3  # update was tried again


def test_the_wait_is_bounded_and_says_why(tmp_path: Path) -> None:
    env = {**_stand_ins(tmp_path / "bin", uid=0, sudo=False), "APT_LOCK_SECONDS": "2"}
    done = subprocess.run([SCRIPT, "wrk"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "Could not get lock" in done.stderr
    assert "apt-get update failed (waited up to 2 s for apt's locks)" in done.stderr


def test_without_root_or_sudo_it_says_so_and_runs_nothing(tmp_path: Path) -> None:
    env = _stand_ins(tmp_path / "bin", uid=1000, sudo=False)
    done = subprocess.run([SCRIPT, "wrk"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr == (
        "apt-install: installing wrk needs root, and this machine has no sudo: install it by hand\n"
    )
    assert not (tmp_path / "bin" / "calls").exists()


def test_without_root_it_goes_through_sudo_where_there_is_one(tmp_path: Path) -> None:
    env = _stand_ins(tmp_path / "bin", uid=1000, sudo=True)
    (tmp_path / "bin" / "released").touch()
    done = subprocess.run([SCRIPT, "wrk"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "bin" / "calls").read_text().count("sudo") == 2
