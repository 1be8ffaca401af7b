"""The APIs one configuration serves: the built-in vendors, and one more for each document
given with ``--spec`` (``Config.specs``), served by the engine.

Built once for each set of documents (and rebuilt when one of them changes on disk), so that
every part of a mock (the app, the journal's names, faults, the checker) looks APIs up in the
same registry rather than in a module-level list a document could not join.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from mockserver.config import Config, ConfigError
from mockserver.vendors import BUILT_IN, Registry


def registry_for(config: Config | None) -> Registry:
    """The registry of ``config``: the built-in vendors and its documents' APIs.

    ``ConfigError`` (field ``specs``) for a document that cannot be served: one line naming
    the file, the JSON pointer and the reason.
    """
    if config is None or not config.specs:
        return BUILT_IN
    overrides = tuple(sorted((api, path, _stamp(path)) for api, path in config.overrides.items()))
    return _with_documents(tuple((spec, _stamp(spec)) for spec in config.specs), overrides)


def document_apis(config: Config) -> list[str]:
    """The names of the APIs ``config``'s documents are served as, in its order."""
    registry = registry_for(config)
    return registry.every_api()[len(BUILT_IN.every_api()) :]


def _stamp(path: str) -> tuple[int, int]:
    try:
        status = os.stat(path)
    except OSError:
        return (0, 0)  # read_document says why, in one line
    return (status.st_mtime_ns, status.st_size)


@functools.lru_cache(maxsize=16)
def _with_documents(
    specs: tuple[tuple[str, tuple[int, int]], ...],
    overrides: tuple[tuple[str, str, tuple[int, int]], ...] = (),
) -> Registry:
    from mockserver.engine import DocumentError
    from mockserver.engine.profile import api_name, document_vendor, served_document

    taken = set(BUILT_IN.known_names())
    vendors = list(BUILT_IN.vendors)
    corrections = {api: path for api, path, _ in overrides}
    for path, _ in specs:
        name = api_name(path, taken)
        try:
            served = served_document(str(Path(path)), name, corrections.pop(name, None))
            vendors.append(document_vendor(served))
        except DocumentError as exc:
            raise ConfigError("specs", f"--spec {exc}") from None
        taken.add(name)
    if corrections:
        api = next(iter(corrections))
        served_names = ", ".join(sorted(taken - set(BUILT_IN.known_names()))) or "none"
        raise ConfigError(
            "overrides", f"--overrides {api}: no document is served as {api} (documents: "
            f"{served_names})"
        )  # fmt: skip
    return Registry(tuple(vendors))
