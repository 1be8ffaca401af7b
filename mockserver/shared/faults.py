"""``SharedFaults``: faults set through any worker apply in all of them.

The faults live in a Redis hash, with the calls each may still hit (``times``) in another,
taken one at a time by a script: a fault for the next 3 calls fails 3 calls in all, whichever
workers answer them. A version number, bumped by every change, tells a worker when to read the
list again; it reads it once a request (``begin_request``). Shares and random latencies are
drawn from each worker's own seeded generator.
"""

from __future__ import annotations

import contextvars
import random
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace
from typing import Any

import orjson

from mockserver.faults import Fault, FaultError, Faults
from mockserver.shared.connection import StoreURL, unavailable

# KEYS: the calls left by fault id. ARGV: the fault's id. 1 if a call was taken.
_TAKE = """
local left = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if left <= 0 then return 0 end
redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
return 1
"""

_listed: contextvars.ContextVar[list[Fault]] = contextvars.ContextVar("leadmock_faults")


class SharedFaults(Faults):
    """``Faults`` kept in Redis under the mock's prefix."""

    def __init__(
        self,
        client: Any,
        store_url: StoreURL,
        seed: int,
        *,
        names: Callable[[str], tuple[str, ...]] | None = None,
        operations: Mapping[str, Collection[str]] | None = None,
        standing: Sequence[Fault] = (),
        restore: bool = True,
    ) -> None:
        self._client = client
        self._shown = store_url.shown
        p = store_url.prefix
        self._faults_key, self._left_key = f"{p}:faults", f"{p}:faults:left"
        self._ids_key, self.version_key = f"{p}:faults:ids", f"{p}:faults:version"
        self._take = client.register_script(_TAKE)
        self._cached: tuple[bytes | None, list[Fault]] = (b"", [])
        super().__init__(
            seed, names=names, operations=operations, standing=standing, restore=restore
        )

    def add(self, fault: Fault) -> Fault:
        self._apis_of(fault)
        with unavailable(self._shown):
            fault.id = int(self._client.incr(self._ids_key))
            pipe = self._client.pipeline(transaction=True)
            self._write(pipe, fault)
            pipe.incr(self.version_key)
            pipe.execute()
        return fault

    def _write(self, pipe: Any, fault: Fault) -> None:
        pipe.hset(self._faults_key, fault.id, orjson.dumps(fault.to_dict()))
        if fault.times is not None:
            pipe.hset(self._left_key, fault.id, fault.times)

    def clear(self) -> None:
        """Only the standing faults, in one transaction; every worker's generator is its own,
        this one's back at the seed."""
        standing = [replace(fault) for fault in self._standing]
        with unavailable(self._shown):
            for fault in standing:
                fault.id = int(self._client.incr(self._ids_key))
            pipe = self._client.pipeline(transaction=True)
            pipe.delete(self._faults_key, self._left_key)
            for fault in standing:
                self._write(pipe, fault)
            pipe.incr(self.version_key)
            pipe.execute()
        with self._lock:
            self._random = random.Random(self.seed)

    def _restore_standing(self) -> None:
        self.clear()

    @property
    def active(self) -> bool:
        return bool(self._current())

    def list(self) -> list[Fault]:
        return self._read(fresh=True)

    def begin_request(self, version: bytes | None = None) -> None:
        """Read the faults once for this request; ``version``, read already in the store's
        round trip, saves one when they did not change."""
        if version is not None and version == self._cached[0]:
            _listed.set(self._cached[1])
        else:
            _listed.set(self._read())

    def pick(self, api: str | None, operation: str | None) -> tuple[Fault, float] | None:
        for fault in self._current():
            apis = self._apis_of_known(fault)
            if apis is not None and api not in apis:
                continue
            if fault.operation not in (None, operation):
                continue
            with self._lock:
                if fault.share < 1.0 and self._random.random() >= fault.share:
                    continue
            if fault.times is not None:
                with unavailable(self._shown):
                    if not self._take(keys=[self._left_key], args=[fault.id]):
                        continue
            with self._lock:
                return fault, self.latency_of(fault)
        return None

    def _current(self) -> list[Fault]:
        listed = _listed.get(None)
        return listed if listed is not None else self._read()

    def _read(self, *, fresh: bool = False) -> list[Fault]:
        """The faults set now: read again only when their version moved (or ``fresh``: for
        the calls each has left, which take no new version)."""
        with unavailable(self._shown):
            version = self._client.get(self.version_key)
            if version == self._cached[0] and not fresh:
                return self._cached[1]
            pipe = self._client.pipeline(transaction=True)
            pipe.get(self.version_key)
            pipe.hgetall(self._faults_key)
            pipe.hgetall(self._left_key)
            version, stored, left = pipe.execute()
        faults = []
        for id, text in sorted(stored.items(), key=lambda item: int(item[0])):
            data = orjson.loads(text)
            data.pop("id")
            if data["times"] is not None:
                data["times"] = int(left.get(id, 0))
            try:
                fault = Fault.from_dict(data)
            except FaultError:  # set by a mock of another version: not this one's to apply
                continue
            fault.id = int(id)
            faults.append(fault)
        self._cached = (version, faults)
        return faults

    def _apis_of_known(self, fault: Fault) -> frozenset[str] | None:
        try:
            return self._apis_of(replace(fault, operation=None))
        except FaultError:
            return frozenset()
