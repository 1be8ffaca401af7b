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

    def pick(self, provider: str, **kwargs: Any) -> Any:
        """One value as ``fake.<provider>(**kwargs)`` would give, from the pool of such values."""
        key = (provider, tuple(sorted(kwargs.items())))
        values = self._values.get(key)
        if values is None:
            make = getattr(self.fake, provider)
            values = self._values[key] = [make(**kwargs) for _ in range(self.size)]
        return self.random.choice(values)

    def moment(self, start: datetime, end: datetime) -> datetime:
        """A time between ``start`` and ``end``, to the microsecond."""
        span = int((end - start).total_seconds() * 1_000_000)
        return start + timedelta(microseconds=self.random.randint(0, span))

    def chance(self, percent: int) -> bool:
        """True ``percent`` times in a hundred."""
        return self.random.randint(1, 100) <= percent
