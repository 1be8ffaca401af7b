"""Fault injection: latency, error statuses, rate limiting and dropped connections, on demand.

A fault applies globally or to one API and/or operation, for the next N calls or a share of
calls. Which calls a share hits, and random latencies, come from a generator seeded with the
mock's seed, so the same seed and the same requests meet the same faults. One request can also
ask for its own fault with the ``X-Leadmock-Fault`` header, e.g. ``status=503; latency=0.2``.
An injected status is raised as an ``ApiError``, so the vendor's error shape answers it.
"""

from __future__ import annotations

import difflib
import math
import random
import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

FAULT_HEADER = b"x-leadmock-fault"
MAX_LATENCY = 60.0
"""Seconds: the longest latency a fault may add."""


class FaultError(ValueError):
    """A fault field with a value it cannot take; the message names both."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.field = name


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass
class Fault:
    """What to do to matching requests. ``latency`` is seconds, fixed or ``(low, high)``."""

    status: int | None = None
    latency: float | tuple[float, float] = 0.0
    drop: bool = False
    retry_after: int | None = None
    api: str | None = None
    operation: str | None = None
    times: int | None = None
    """How many more matching calls it hits; None for every one until cleared."""
    share: float = 1.0
    """The fraction of matching calls it hits."""
    id: int = field(default=0)

    def __post_init__(self) -> None:
        if self.status is not None and not (_whole(self.status) and 400 <= self.status <= 599):
            raise FaultError("status", f"an HTTP status 400 to 599, not {self.status!r}")
        self.latency = _latency(self.latency)
        if not isinstance(self.drop, bool):
            raise FaultError("drop", f"true or false, not {self.drop!r}")
        if self.retry_after is not None and not (
            _whole(self.retry_after) and 0 <= self.retry_after <= 86_400
        ):
            raise FaultError("retry_after", f"whole seconds 0 to 86400, not {self.retry_after!r}")
        for name in ("api", "operation"):
            value = getattr(self, name)
            if value is not None and not (isinstance(value, str) and value):
                raise FaultError(name, f"a name, not {value!r}")
        if self.times is not None and not (_whole(self.times) and self.times >= 0):
            raise FaultError("times", f"a whole number of calls, 0 or more, not {self.times!r}")
        if not (_number(self.share) and 0.0 <= self.share <= 1.0):
            raise FaultError("share", f"a fraction 0 to 1, not {self.share!r}")

    @classmethod
    def from_dict(cls, data: Any) -> Fault:
        """A fault from the admin plane's JSON, every field checked (``FaultError``)."""
        if not isinstance(data, dict):
            raise FaultError("fault", "a JSON object of fault fields")
        known = [f.name for f in fields(cls) if f.name != "id"]
        for name in data:
            if name not in known:
                close = difflib.get_close_matches(str(name), known, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise FaultError(str(name), f"not a fault field{hint}; known: {', '.join(known)}")
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form, for the admin plane."""
        return asdict(self)


class Faults:
    """The active faults and the seeded generator that decides shares and random latencies.

    ``names`` says which APIs a fault's ``api`` means (a vendor's name means all its APIs) and
    refuses an unknown one; ``operations`` holds each API's operationIds, to refuse a fault for
    an operation no API has. ``standing`` faults (``serve --delay``, ``--error-rate``) are the
    mock's own: clearing the faults brings them back, as a reset brings back the seed
    (``restore`` false: not now, for a process that joins faults another one set).
    """

    def __init__(
        self,
        seed: int,
        *,
        names: Callable[[str], tuple[str, ...]] | None = None,
        operations: Mapping[str, Collection[str]] | None = None,
        standing: Sequence[Fault] = (),
        restore: bool = True,
    ) -> None:
        self.seed = seed
        self._names = names or (lambda name: (name,))
        self._operations = operations
        self._standing = [replace(fault) for fault in standing]
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._apis: dict[int, frozenset[str] | None] = {}
        self._random = random.Random(seed)
        self._next_id = 0
        if restore:
            self._restore_standing()

    def add(self, fault: Fault) -> Fault:
        """Set ``fault`` (``FaultError`` for an API or operation the mock does not have)."""
        apis = self._apis_of(fault)
        with self._lock:
            self._next_id += 1
            fault.id = self._next_id
            self._apis[fault.id] = apis
            self._faults.append(fault)
            return fault

    def _apis_of(self, fault: Fault) -> frozenset[str] | None:
        apis = None
        if fault.api is not None:
            try:
                apis = frozenset(self._names(fault.api))
            except LookupError as exc:
                raise FaultError("api", str(exc).strip("'\"")) from None
        if fault.operation is not None and self._operations is not None:
            among = sorted(apis) if apis is not None else sorted(self._operations)
            known = sorted({op for api in among for op in self._operations.get(api, ())})
            if fault.operation not in known:
                close = difflib.get_close_matches(fault.operation, known, n=3)
                hint = f"; close: {', '.join(close)}" if close else ""
                raise FaultError(
                    "operation",
                    f"no operationId {fault.operation!r} in {', '.join(among)}{hint}",
                )
        return apis

    @property
    def active(self) -> bool:
        """Whether any fault is set (one spent by ``times`` still counts until cleared)."""
        return bool(self._faults)

    def list(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def clear(self) -> None:
        """Only the standing faults, and the generator back at the seed."""
        with self._lock:
            self._faults.clear()
            self._apis.clear()
            self._random = random.Random(self.seed)
        self._restore_standing()

    def begin_request(self) -> None:
        """A request begins: faults shared with other processes are read here, once."""

    def _restore_standing(self) -> None:
        for fault in self._standing:
            self.add(replace(fault))

    def pick(self, api: str | None, operation: str | None) -> tuple[Fault, float] | None:
        """The fault this call meets, if any, and its latency in seconds."""
        with self._lock:
            for fault in self._faults:
                apis = self._apis[fault.id]
                if apis is not None and api not in apis:
                    continue
                if fault.operation not in (None, operation):
                    continue
                if fault.times is not None and fault.times <= 0:
                    continue
                if fault.share < 1.0 and self._random.random() >= fault.share:
                    continue
                if fault.times is not None:
                    fault.times -= 1
                return fault, self.latency_of(fault)
            return None

    def latency_of(self, fault: Fault) -> float:
        """The latency ``fault`` adds, drawn from the seeded generator when it is a range."""
        if isinstance(fault.latency, tuple):
            return self._random.uniform(*fault.latency)
        return float(fault.latency)


def _latency(value: Any) -> float | tuple[float, float]:
    if isinstance(value, list | tuple) and len(value) == 2 and all(_number(v) for v in value):
        low, high = float(value[0]), float(value[1])
        if 0 <= low <= high <= MAX_LATENCY:
            return (low, high)
    elif _number(value) and 0 <= value <= MAX_LATENCY:
        return float(value)
    raise FaultError(
        "latency", f"seconds 0 to {MAX_LATENCY:g}, or [low, high] within them, not {value!r}"
    )


_HEADER_OPTIONS = ("status", "latency", "retry_after", "drop")


def parse_fault_header(value: str) -> Fault:
    """``status=503; latency=0.2; retry_after=5; drop`` as a one-off fault."""
    options: dict[str, Any] = {}
    for part in value.split(";"):
        name, _, text = part.strip().partition("=")
        text = text.strip()
        if name == "drop":
            options["drop"] = True
        elif name in ("status", "retry_after"):
            # Not a number: Fault's own check refuses it, saying what the field takes.
            options[name] = int(text) if text.isdigit() and len(text) <= 6 else text[:20]
        elif name == "latency":
            try:
                options["latency"] = float(text)
            except ValueError:
                raise FaultError(name, f"seconds as a number, not {text!r}") from None
        elif name:
            raise FaultError(name, f"not a fault option; known: {', '.join(_HEADER_OPTIONS)}")
    return Fault(**options)
