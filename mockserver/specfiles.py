"""Where the documents leadmock serves are, and each one parsed once a process: the built-in
ones from the checkout's ``specs/`` (or the packaged copy), a document given by path bundled
into the one OpenAPI 3.0 mapping Connexion reads. The app, the CLI and the checker all read
documents here, so that none of them needs the app factory to read a YAML file."""

from __future__ import annotations

import functools
import importlib.resources
import pickle
from pathlib import Path
from typing import Any

import yaml

_REPO_SPECS = Path(__file__).resolve().parent.parent / "specs"


def spec_path(filename: str) -> Path:
    """Where a spec lives: the checkout's ``specs/`` or, once installed, the packaged copy."""
    if (_REPO_SPECS / filename).is_file():
        return _REPO_SPECS / filename
    return Path(str(importlib.resources.files("mockserver.specs") / filename))


def load_spec(filename: str) -> dict[str, Any]:
    """A spec as a fresh dict (Connexion may change what it is given), parsed once a process:
    a built-in one by its file name in ``specs/``; a document served by the engine by its
    absolute path, bundled into the one OpenAPI 3.0 mapping Connexion reads."""
    if Path(filename).is_absolute():
        from mockserver.engine.bundle import bundled_file

        return bundled_file(filename)
    return pickle.loads(_parsed_spec(filename))


@functools.cache
def _parsed_spec(filename: str) -> bytes:
    # libyaml parses these documents ten times faster than PyYAML's pure-Python loader.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return pickle.dumps(yaml.load(spec_path(filename).read_text(), Loader=loader))
