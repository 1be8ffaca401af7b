"""Fault injection: latency, error statuses, rate limiting and dropped connections, on demand.

A fault applies globally or to one API and/or operation, for the next N calls or a share of
calls. Which calls a share hits, and random latencies, come from a generator seeded with the
mock's seed, so the same seed and the same requests meet the same faults. One request can also
ask for its own fault with the ``X-Leadmock-Fault`` header, e.g. ``status=503; latency=0.2``.
An injected status is raised as an ``ApiError``, so the vendor's error shape answers it.
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from mockserver.errors import error_for_status

FAULT_HEADER = b"x-leadmock-fault"


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
        if isinstance(self.latency, list):
            self.latency = (float(self.latency[0]), float(self.latency[1]))
        if self.status is not None and not 400 <= self.status <= 599:
            raise ValueError("an injected status is 400 to 599")
        if not 0.0 <= self.share <= 1.0:
            raise ValueError("share is between 0 and 1")

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form, for the admin plane."""
        return asdict(self)


class Faults:
    """The active faults and the seeded generator that decides shares and random latencies."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._random = random.Random(seed)
        self._next_id = 0

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._next_id += 1
            fault.id = self._next_id
            self._faults.append(fault)
            return fault

    @property
    def active(self) -> bool:
        """Whether any fault is set (one spent by ``times`` still counts until cleared)."""
        return bool(self._faults)

    def list(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def clear(self) -> None:
        """No faults, and the generator back at the seed."""
        with self._lock:
            self._faults.clear()
            self._random = random.Random(self.seed)

    def pick(self, api: str | None, operation: str | None) -> tuple[Fault, float] | None:
        """The fault this call meets, if any, and its latency in seconds."""
        with self._lock:
            for fault in self._faults:
                if fault.api not in (None, api) or fault.operation not in (None, operation):
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


def parse_fault_header(value: str) -> Fault:
    """``status=503; latency=0.2; retry_after=5; drop`` as a one-off fault."""
    options: dict[str, Any] = {}
    for part in value.split(";"):
        name, _, text = part.strip().partition("=")
        if name == "drop":
            options["drop"] = True
        elif name in ("status", "retry_after"):
            options[name] = int(text)
        elif name == "latency":
            options["latency"] = float(text)
        elif name:
            raise ValueError(f"unknown fault option {name!r}")
    return Fault(**options)


class FaultMiddleware:
    """ASGI middleware, after routing, that applies the fault a request meets."""

    def __init__(self, app: Any, faults: Faults, api_of: Callable[[str], str | None]) -> None:
        self.app = app
        self.faults = faults
        self.api_of = api_of

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        met = self._fault_for(scope)
        if met is None:
            await self.app(scope, receive, send)
            return
        fault, latency = met
        if latency:
            await asyncio.sleep(latency)
        if fault.drop:
            # Start an answer and walk away: the server closes the connection mid-response.
            start = {"type": "http.response.start", "status": 200, "headers": []}
            await send(start)
            await send({"type": "http.response.body", "body": b"{", "more_body": True})
            return
        if fault.status is not None:
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after else {}
            raise error_for_status(
                fault.status, "Injected fault", code="injected_fault", headers=headers
            )
        await self.app(scope, receive, send)

    def _fault_for(self, scope: Any) -> tuple[Fault, float] | None:
        for name, value in scope.get("headers", ()):
            if name == FAULT_HEADER:
                try:
                    fault = parse_fault_header(value.decode("latin1"))
                except ValueError as exc:
                    raise error_for_status(400, f"X-Leadmock-Fault: {exc}") from exc
                return fault, self.faults.latency_of(fault)
        routing = scope.get("extensions", {}).get("connexion_routing", {})
        return self.faults.pick(self.api_of(scope["path"]), routing.get("operation_id"))
