"""Node command-line tools the suite runs for real (Prism, Spectral), installed with npm into
``.cache/`` on first use, as ``make bench`` installs its peers. A tool that cannot be installed
fails the test that needs it, saying why: CI has Node and the registry, so it is never skipped."""

from __future__ import annotations

import fcntl
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache"


def installed(prefix: str, package: str, command: str) -> Path:
    """The path of ``command`` from ``package``, installed into ``.cache/<prefix>`` if missing."""
    path = CACHE / prefix / "node_modules" / ".bin" / command
    if path.exists():
        return path
    if shutil.which("npm") is None:
        pytest.fail(f"{package} is needed and npm is not on PATH to install it", pytrace=False)
    (CACHE / prefix).mkdir(parents=True, exist_ok=True)
    # xdist workers may ask at once: one installs, the others wait for it.
    with open(CACHE / prefix / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            done = subprocess.run(
                ["npm", "install", "--prefix", str(CACHE / prefix), package, *_QUIET],
                capture_output=True,
                text=True,
                timeout=600,
            )
            if done.returncode != 0 or not path.exists():
                pytest.fail(
                    f"{package} could not be installed into .cache/{prefix}: "
                    f"{done.stderr.strip()[-500:]}",
                    pytrace=False,
                )
    return path


_QUIET = ("--no-audit", "--no-fund")


def prism() -> Path:
    """Stoplight Prism 5."""
    return installed("prism", "@stoplight/prism-cli@5", "prism")


def spectral() -> Path:
    """Stoplight Spectral 6."""
    return installed("spectral", "@stoplight/spectral-cli@6", "spectral")
