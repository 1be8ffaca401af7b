"""Page arithmetic shared by vendors: by number (``Page``) or by offset and limit (``Window``)."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    """A page as a vendor numbers it: ``number`` counted from ``first`` (0 or 1), ``size`` long."""

    number: int
    size: int
    first: int = 0

    @property
    def offset(self) -> int:
        """How many items come before this page."""
        return (self.number - self.first) * self.size

    def last(self, total: int) -> int:
        """The number of the last page for ``total`` items (the first page when there are none)."""
        return self.first + max(0, math.ceil(total / self.size) - 1)

    def previous(self) -> int | None:
        """The previous page's number, if there is one."""
        return self.number - 1 if self.number > self.first else None

    def next(self, total: int) -> int | None:
        """The next page's number, if there is one."""
        return self.number + 1 if self.number < self.last(total) else None


@dataclass(frozen=True)
class Window:
    """A slice as offset/limit paging names it: ``limit`` items after the first ``offset``."""

    offset: int
    limit: int

    def previous(self) -> int | None:
        """The previous slice's offset, if there is one."""
        return max(0, self.offset - self.limit) if self.offset > 0 else None

    def next(self, total: int) -> int | None:
        """The next slice's offset, if there is one."""
        following = self.offset + self.limit
        return following if following < total else None
