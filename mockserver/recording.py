"""A recording: what an upstream answered, turned into the mock's own state document.

``leadmock proxy --record FILE`` hands each answered exchange to a ``Recorder``, which asks the
API's vendor (``Vendor.record``) what the answer says of its data: the leads, requests and users
it shows, stored as the mock stores them, under the ids the upstream gave. ``state()`` is then a
document in the ``GET /__admin/state`` format with no secret in it (``redaction``), and
``overlay`` lays such a document over a seeded state for ``leadmock serve --state FILE``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mockserver.redaction import SecretNames, without_secrets


@dataclass(frozen=True)
class Exchange:
    """One request the upstream answered, parsed."""

    api: str
    operation: str
    """The operationId the request routed to."""
    method: str
    path_parameters: dict[str, str]
    query: dict[str, str]
    request_body: Any
    status: int
    answer: Any
    """The answer's JSON, None when it had none."""


@dataclass
class RecordedState:
    """Documents by (collection, scope) and key, and the sequences they need."""

    documents: dict[tuple[str, str | None], dict[str, Any]] = field(default_factory=dict)
    sequences: dict[str, int] = field(default_factory=dict)
    secrets: SecretNames = field(default_factory=SecretNames)
    """The fields left out of every document, beside those named like secrets."""

    def put(self, collection: str, key: str, document: Any, scope: str | None = None) -> None:
        """Keep ``document`` (its secret fields left out); a later answer replaces it."""
        kept = without_secrets(document, self.secrets)
        self.documents.setdefault((collection, scope), {})[str(key)] = kept

    def merge(self, collection: str, key: str, fields: dict, scope: str | None = None) -> None:
        """Add ``fields`` to the document at ``key`` (creating it): a partial answer."""
        current = self.documents.setdefault((collection, scope), {}).get(str(key), {})
        self.put(collection, key, {**current, **fields}, scope)

    def get(self, collection: str, key: str, scope: str | None = None) -> Any:
        return self.documents.get((collection, scope), {}).get(str(key))

    def delete(self, collection: str, key: str, scope: str | None = None) -> None:
        self.documents.get((collection, scope), {}).pop(str(key), None)

    def at_least(self, sequence: str, value: int) -> None:
        """The sequence will not hand out ``value`` or below again."""
        self.sequences[sequence] = max(self.sequences.get(sequence, 0), value)

    def to_state(self) -> dict[str, Any]:
        """The ``GET /__admin/state`` document, collections in a stable order."""
        return {
            "collections": [
                {"collection": collection, "scope": scope, "documents": documents}
                for (collection, scope), documents in sorted(
                    self.documents.items(), key=lambda item: (item[0][0], item[0][1] or "")
                )
            ],
            "sequences": dict(sorted(self.sequences.items())),
        }


RecordFunction = Callable[[Exchange, RecordedState], None]
"""A vendor's reading of one exchange into the recorded state."""


class Recorder:
    """Collects a recording from exchanges, vendor by vendor; thread-safe."""

    def __init__(self, record: RecordFunction, path: str | Path | None = None) -> None:
        self.record = record
        self.path = Path(path) if path is not None else None
        self.recorded = RecordedState()
        self.exchanges = 0
        self._lock = threading.Lock()

    def hide(self, secrets: SecretNames) -> None:
        """Leave the fields ``secrets`` names (the API's spec's) out of every document too."""
        self.recorded.secrets = secrets

    def add(self, exchange: Exchange) -> None:
        """Read one exchange (an error answer, 4xx or 5xx, says nothing of the data)."""
        if exchange.status >= 400 or exchange.answer is None:
            return
        with self._lock:
            self.record(exchange, self.recorded)
            self.exchanges += 1

    def state(self) -> dict[str, Any]:
        with self._lock:
            return self.recorded.to_state()

    def write(self) -> Path | None:
        """Write the state to ``path`` (whole or not at all); where it went."""
        if self.path is None:
            return None
        partial = self.path.with_name(self.path.name + ".partial")
        partial.write_text(json.dumps(self.state(), indent=1, sort_keys=False))
        partial.replace(self.path)
        return self.path


def overlay(state: dict[str, Any], recorded: dict[str, Any]) -> dict[str, Any]:
    """``state`` with ``recorded``'s documents laid over it (a recorded document replaces the
    one at its key) and each sequence at the higher of the two."""
    by_place = {(e["collection"], e["scope"]): dict(e["documents"]) for e in state["collections"]}
    for entry in recorded["collections"]:
        by_place.setdefault((entry["collection"], entry["scope"]), {}).update(entry["documents"])
    sequences = dict(state["sequences"])
    for name, value in recorded["sequences"].items():
        sequences[name] = max(sequences.get(name, 0), value)
    return {
        "collections": [
            {"collection": collection, "scope": scope, "documents": documents}
            for (collection, scope), documents in by_place.items()
        ],
        "sequences": sequences,
    }
