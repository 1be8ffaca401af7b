"""Fast seeded fake data: Faker's values drawn once into pools, then picked by its seeded RNG.

Faker's providers cost tens of microseconds a value (weighted name lists, format parsing), which
is minutes for a million leads. A ``Pool`` asks Faker for a few hundred values of each kind the
first time that kind is wanted and then picks among them with the same seeded ``random``, so a
seed still gives the same data, byte for byte, and names still look like names.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from faker import Faker

POOL_SIZE = 512


class Pool:
    """Faker values by provider name, drawn once, then picked at random (seeded)."""

    def __init__(self, fake: Faker, size: int = POOL_SIZE) -> None:
        self.fake = fake
        self.random = fake.random
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
