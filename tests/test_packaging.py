"""The package as a user's project meets it: built from a clean checkout with no warning, the
sdist carrying what its tests need, the wheel installed into a fresh virtualenv outside any
repository, where the pytest page's example passes and ``leadmock check`` says what extra it
needs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from tests.test_plugin import readme_example

REPO = Path(__file__).resolve().parent.parent


def clean_checkout(into: Path) -> Path:
    """The repository's tracked files (what a clone has), copied into ``into``."""
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True
    ).stdout.split(b"\0")
    for name in filter(None, tracked):
        source = REPO / name.decode()
        if source.is_file():
            target = into / name.decode()
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return into


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    source = clean_checkout(tmp_path_factory.mktemp("checkout"))
    # This machine sets PYTHONDONTWRITEBYTECODE, which makes setuptools warn that it skips
    # byte-compiling: a property of the machine, not of the package.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    done = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(source / "dist"), str(source)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return source / "dist", done.stdout + done.stderr


def test_the_build_has_no_warning(built: tuple[Path, str]) -> None:
    _, log = built
    # pip's own notes on index locations configured on this machine are not the package's.
    warnings = [
        line
        for line in log.splitlines()
        if re.search(r"(?i)warn", line) and "is ignored: it is neither a file nor a dir" not in line
    ]
    assert warnings == []


def test_the_sdist_carries_what_its_tests_need_and_the_wheel_its_license(
    built: tuple[Path, str],
) -> None:
    dist, _ = built
    with tarfile.open(next(dist.glob("*.tar.gz"))) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    for needed in (
        "Makefile",
        "LICENSE",
        ".spectral.yaml",
        "tests/conftest.py",
        "tests/helpers.py",
        "tests/vendors/test_tiledesk.py",
        "specs/overloop.yaml",
    ):
        assert needed in names, needed  # fmt: skip
    assert not any(".cache/" in name or "__pycache__" in name for name in names)
    with zipfile.ZipFile(next(dist.glob("*.whl"))) as wheel:
        files = set(wheel.namelist())
        metadata = wheel.read(next(n for n in files if n.endswith("METADATA"))).decode()
    assert "leadmock-0.1.0.dist-info/licenses/LICENSE" in files
    assert (
        "realservers/tiledesk/real/mongo_stand_in.py" in files
        and "mockserver/specs/tiledesk-v3.yaml" in files
    )
    # Every package of the checkout is in the wheel (a new one must be listed in pyproject).
    packages = {
        str(init.parent.relative_to(REPO))
        for top in ("mockserver", "contracts", "realservers")
        for init in (REPO / top).rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert sorted(p for p in packages if f"{p}/__init__.py" not in files) == []
    assert "License-Expression: MIT" in metadata
    claimed = set(re.findall(r"Classifier: Programming Language :: Python :: (3\.\d+)", metadata))
    assert claimed == {"3.11", "3.12", "3.13"} and "Requires-Python: >=3.11" in metadata
    assert "Provides-Extra: check" in metadata


def test_installed_in_a_fresh_virtualenv_the_readme_example_passes(
    built: tuple[Path, str], tmp_path: Path
) -> None:
    dist, _ = built
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    wheel = next(dist.glob("*.whl"))
    installed = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", str(wheel), "pytest"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert installed.returncode == 0, installed.stderr
    project = tmp_path / "project"  # outside any repository: no conftest, no checkout on the path
    project.mkdir()
    (project / "test_lead_export.py").write_text(readme_example())
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    ran = subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert ran.returncode == 0 and "2 passed" in ran.stdout, ran.stdout + ran.stderr
    version = subprocess.run(
        [str(venv / "bin" / "leadmock"), "--version"], capture_output=True, text=True, env=env
    )
    assert version.stdout.strip() == "leadmock 0.1.0"
    check = subprocess.run(
        [str(venv / "bin" / "leadmock"), "check", "overloop"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert check.returncode == 2
    assert "pip install 'leadmock[check]'" in check.stderr
