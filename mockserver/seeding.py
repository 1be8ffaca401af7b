"""Fast seeded fake data: Faker's values drawn once into pools, then picked by its seeded RNG.

Faker's providers cost tens of microseconds a value (weighted name lists, format parsing), which
is minutes for a million leads. A ``Pool`` asks Faker for a few hundred values of each kind the
first time that kind is wanted and then picks among them with the same seeded ``random``, so a
seed still gives the same data, byte for byte, and names still look like names.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from faker import Faker

POOL_SIZE = 512
T = TypeVar("T")


class SeededRandom(random.Random):
    """``random.Random`` with ``choice``, ``randint`` and a small ``sample`` done in one call each:
    the same draws from the generator, so the same values (a test compares them on every
    Python claimed). Seeding a million leads makes tens of millions of these calls."""

    def choice(self, seq: Sequence[T]) -> T:
        size = len(seq)
        if not size:
            return super().choice(seq)  # the standard library's own error
        bits = size.bit_length()
        drawn = self.getrandbits(bits)
        while drawn >= size:
            drawn = self.getrandbits(bits)
        return seq[drawn]

    def randint(self, a: int, b: int) -> int:
        if type(a) is not int or type(b) is not int or b < a:
            return super().randint(a, b)  # the standard library's checks and errors
        width = b - a + 1
        bits = width.bit_length()
        drawn = self.getrandbits(bits)
        while drawn >= width:
            drawn = self.getrandbits(bits)
        return a + drawn

    def sample(self, population: Sequence[T], k: int, *, counts: Any = None) -> list[T]:
        # The standard library's small-population branch (a list of at most 21, as for tags),
        # without its abstract-class check of the population; anything else is its own.
        size = len(population)
        if type(population) is not tuple or counts is not None or not 0 <= k <= size <= 21:
            return super().sample(population, k, counts=counts)
        pool = list(population)
        result = []
        for index in range(k):
            left = size - index
            bits = left.bit_length()
            drawn = self.getrandbits(bits)
            while drawn >= left:
                drawn = self.getrandbits(bits)
            result.append(pool[drawn])
            pool[drawn] = pool[left - 1]
        return result


def seeded_random_for(fake: Faker) -> SeededRandom:
    """A ``SeededRandom`` in the state of ``fake``'s generator, made ``fake``'s generator: Faker
    and the pool go on drawing from one stream, as they did."""
    taken = SeededRandom()
    taken.setstate(fake.random.getstate())
    fake.random = taken
    return taken


class Pool:
    """Faker values by provider name, drawn once, then picked at random (seeded)."""

    def __init__(self, fake: Faker, size: int = POOL_SIZE) -> None:
        self.fake = fake
        self.random = seeded_random_for(fake)
        self.size = size
        self._values: dict[tuple[str, tuple], list[Any]] = {}
        self._same: dict[Any, Any] = {}

    def pick(self, provider: str, **kwargs: Any) -> Any:
        """One value as ``fake.<provider>(**kwargs)`` would give, from the pool of such values."""
        key = (provider, tuple(sorted(kwargs.items())) if kwargs else ())
        values = self._values.get(key)
        if values is None:
            make = getattr(self.fake, provider)
            values = self._values[key] = [make(**kwargs) for _ in range(self.size)]
        return self.random.choice(values)

    def same(self, value: Any) -> Any:
        """``value``, or an equal value handed out before: seeded documents share their equal
        parts (tags, attributes, names), which costs nothing since stored documents are never
        changed in place, and saves most of a document's memory at a million leads."""
        if type(value) is str:
            return self._same.setdefault(value, value)
        return self._same.setdefault(_frozen(value), value)

    def moment(self, start: datetime, end: datetime) -> datetime:
        """A time between ``start`` and ``end``, to the microsecond."""
        span = int((end - start).total_seconds() * 1_000_000)
        return start + timedelta(microseconds=self.random.randint(0, span))

    def chance(self, percent: int) -> bool:
        """True ``percent`` times in a hundred."""
        return self.random.randint(1, 100) <= percent


def _frozen(value: Any) -> Any:
    # A hashable stand-in that tells types apart (1 and True, [] and {}), never equal to a str.
    kind = type(value)
    if kind is dict:
        return (dict, tuple((key, _frozen(item)) for key, item in value.items()))
    if kind is list:
        return (list, tuple(_frozen(item) for item in value))
    return (kind, value)
