"""The conventions of REST APIs the engine answers by, and the built-in vendors' handlers with
it rather than each with its own copy: pages by number (``Page``) or by offset and limit
(``Window``), the links to the neighbouring pages each kind gives (JSON:API's ``links``,
DRF's ``next``/``previous``), and soft deletion (``SoftDelete``). A vendor's profile says
which it uses and with what names; the engine reads the same from a document.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import URL

from mockserver.store import Where


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


def numbered_links(
    base: str, page: Page, total: int, *, number: str, size: str,
    kept: Sequence[tuple[str, Any]] = (),
) -> dict[str, str]:  # fmt: skip
    """Links to ``self``, ``first``, ``last``, and ``prev``/``next`` where there are such
    pages, as JSON:API gives them (Overloop's): ``base`` with the page's ``number`` and
    ``size`` parameters, then the ``kept`` ones (the request's sort, filter...)."""
    return dict(_numbered_links(base, page, total, number, size, tuple(kept)))


@functools.lru_cache(maxsize=1024)
def _numbered_links(
    base: str, page: Page, total: int, number: str, size: str, kept: tuple[tuple[str, Any], ...]
) -> tuple[tuple[str, str], ...]:
    # Clients page through the same listing over and over: its links are worked out once.
    def url(at: int) -> str:
        return f"{base}?{urlencode([(number, at), (size, page.size), *kept])}"

    links = {"self": url(page.number), "first": url(page.first), "last": url(page.last(total))}
    previous, following = page.previous(), page.next(total)
    if previous is not None:
        links["prev"] = url(previous)
    if following is not None:
        links["next"] = url(following)
    return tuple(links.items())


@functools.lru_cache(maxsize=1024)
def window_links(
    url_text: str, window: Window, total: int, *, offset: str = "offset", limit: str = "limit"
) -> tuple[str | None, str | None]:
    """The previous and next windows' URLs (None where there is none), as Django REST
    framework's limit/offset paging gives them (Leads & CRM's): the request's URL with its
    ``limit`` and ``offset`` set, the offset left out for the first window."""

    url = URL(url_text)

    def link(at: int | None) -> str | None:
        if at is None:
            return None
        moved = url.include_query_params(**{limit: window.limit, offset: at})
        return str(moved.remove_query_params(offset) if at == 0 else moved)

    return link(window.previous()), link(window.next(total))


@dataclass(frozen=True)
class SoftDelete:
    """A delete that marks the record instead of removing it: lists leave it out, and, unless
    ``still_found``, so does a read by id."""

    field: str
    """The record's field that says whether it is deleted."""
    deleted: Any = True
    """Its value once deleted."""
    live: Any = False
    """Its value on a record lists show (a new one, a seeded one)."""
    still_found: bool = False
    """Whether a read by id still finds a deleted record (Tiledesk's leads)."""

    def is_deleted(self, record: dict[str, Any]) -> bool:
        """Whether ``record`` was deleted."""
        return record.get(self.field) == self.deleted

    def marking(self) -> dict[str, Any]:
        """The change a delete writes."""
        return {self.field: self.deleted}

    def listed(self) -> Where:
        """The condition a list puts on the records it answers."""
        return Where(self.field, "eq", self.live)
