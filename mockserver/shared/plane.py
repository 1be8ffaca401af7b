"""``SharedPlane``: one process's share of a mock kept in Redis.

It opens the client and builds the shared store, journal, faults and rate counter over it. And
it decides who seeds: the first process to find no seeded state under its prefix claims the
seeding, seeds, and publishes what the others need to serve the same mock (the seed, the APIs,
the key that signs tokens, the seed's facts). Every other process, worker or host, joins that
state as it is, and its own ``--seed`` does not apply.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace
from typing import Any

import orjson

from mockserver.config import Config, ConfigError
from mockserver.faults import Fault
from mockserver.shared.connection import (
    AsyncClients,
    StoreURL,
    connect,
    parse_store_url,
    unavailable,
)
from mockserver.shared.faults import SharedFaults
from mockserver.shared.journal import SharedJournal
from mockserver.shared.ratelimit import SharedRateCounter
from mockserver.shared.store import RedisStore

logger = logging.getLogger(__name__)

SEEDING_SECONDS = 600
"""How long a claim to seed holds: a seeder that died frees the state after this."""


class SharedPlane:
    """The Redis side of one mock process (see the module docstring)."""

    def __init__(self, store_url: StoreURL) -> None:
        self.url = store_url
        self.client = connect(store_url)
        self.store = RedisStore(self.client, store_url)
        self.clients = AsyncClients(store_url)
        self._meta = f"{store_url.prefix}:meta"
        self._claim = f"{store_url.prefix}:seeding"
        self._seeded = f"{store_url.prefix}:seeded"
        self.seeded_here = False
        self.config = Config()
        self.apis: Collection[str] = ()
        self.on_lost: Callable[[], Any] | None = None
        """Seeds the mock again, when this process claimed that after Redis lost the state."""

    @classmethod
    def open(cls, text: str) -> SharedPlane:
        """The plane for a ``--store`` URL (``ConfigError`` for one the mock cannot use)."""
        from mockserver.shared.connection import StoreURLError

        try:
            return cls(parse_store_url(text))
        except StoreURLError as exc:
            raise ConfigError("store", str(exc)) from None

    def join(self, config: Config, apis: Collection[str]) -> tuple[Config, dict[str, Any] | None]:
        """The config to serve with, and the facts of the state already seeded; None for the
        facts when this process claimed the seeding (``publish`` when seeded)."""
        self.config, self.apis = config, apis
        deadline = time.monotonic() + SEEDING_SECONDS
        with self.reached():
            while True:
                meta = self.client.hgetall(self._meta)
                if meta:
                    return self._joined(config, apis, meta)
                owner = f"{socket.gethostname()}:{os.getpid()}"
                if self.client.set(self._claim, owner, nx=True, ex=SEEDING_SECONDS):
                    self.seeded_here = True
                    return config, None
                if time.monotonic() > deadline:
                    raise ConfigError(
                        "store", f"{self.url.shown}: another leadmock has been seeding it for "
                        f"{SEEDING_SECONDS} s ({self.client.get(self._claim)!r}); is it stuck?"
                    )  # fmt: skip
                time.sleep(0.05)

    def _joined(
        self, config: Config, apis: Collection[str], meta: dict[bytes, bytes]
    ) -> tuple[Config, dict[str, Any]]:
        seeded_for = orjson.loads(meta[b"apis"])
        missing = sorted(set(apis) - set(seeded_for))
        if missing:
            raise ConfigError(
                "store", f"{self.url.shown} holds a mock seeded for {', '.join(seeded_for)}; "
                f"it has no {', '.join(missing)}: serve those APIs, or use another ?prefix="
            )  # fmt: skip
        self.config = replace(
            config,
            seed=int(meta[b"seed"]),
            leads=int(meta[b"leads"]),
            jwt_secret=meta[b"jwt_secret"].decode(),
        )
        return self.config, orjson.loads(meta[b"facts"])

    def publish(self, config: Config, apis: Collection[str], facts: dict[str, Any]) -> None:
        """Say what the state under this prefix was seeded with; the claim to seed ends."""
        self.config = config
        with self.reached():
            pipe = self.client.pipeline(transaction=True)
            pipe.hset(
                self._meta,
                mapping={
                    "seed": config.seed,
                    "leads": config.leads,
                    "apis": orjson.dumps(sorted(apis)),
                    "jwt_secret": config.jwt_secret,
                    "facts": orjson.dumps(facts),
                },
            )
            pipe.set(self._seeded, 1)
            pipe.delete(self._claim)
            pipe.execute()

    def forget(self) -> None:
        """Remove every key of this prefix: the next mock to open it seeds afresh."""
        with self.reached():
            keys = list(self.client.scan_iter(match=f"{self.url.prefix}:*", count=1000))
            for start in range(0, len(keys), 1000):
                self.client.delete(*keys[start : start + 1000])

    def reached(self) -> Any:
        """Redis's errors as the vendor's 503 (``ServiceUnavailable``)."""
        return unavailable(self.url.shown)

    def journal(self, names: Callable[[str], tuple[str, ...]]) -> SharedJournal:
        return SharedJournal(self.client, self.url, clients=self.clients, names=names)

    def faults(
        self,
        seed: int,
        *,
        names: Callable[[str], tuple[str, ...]],
        operations: Mapping[str, Collection[str]],
        standing: Sequence[Fault],
    ) -> SharedFaults:
        # Only the seeder sets the standing faults: a joiner would undo faults set meanwhile.
        return SharedFaults(
            self.client,
            self.url,
            seed,
            names=names,
            operations=operations,
            standing=standing,
            restore=self.seeded_here,
        )

    def rate_counter(self) -> SharedRateCounter:
        return SharedRateCounter(self.client, self.url)

    async def begin_request(self, faults: SharedFaults) -> None:
        """Once a request: the store catches up, and the faults are read, in one round trip
        that leaves the event loop free meanwhile."""
        version, seeded = await self.store.begin_request_async(
            self.clients.current(), watch=[faults.version_key, self._seeded]
        )
        if seeded is None:
            # Published with the seed: missing, Redis came back without the state.
            self._recover()
            version = None
        faults.begin_request(version)

    def _recover(self) -> None:
        """Redis lost the state (it restarted without persistence): the first worker to see it
        seeds again, as at start; the others wait for that seed and serve it."""
        logger.warning("%s came back without the mock's state: seeding it again", self.url.shown)
        _, facts = self.join(self.config, self.apis)
        if facts is None and self.on_lost is not None:
            self.on_lost()
        self.store.begin_request()
