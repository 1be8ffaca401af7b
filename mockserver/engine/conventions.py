"""The conventions of REST APIs the engine answers by, and the built-in vendors' handlers with
it rather than each with its own copy: pages by number (``Page``) or by offset and limit
(``Window``), the links to the neighbouring pages each kind gives (JSON:API's ``links``,
DRF's ``next``/``previous``), where a list answer puts its items, count and page facts
(``ListEnvelope``), query parameters as store conditions (``QueryFilter``), and soft
deletion (``SoftDelete``). A vendor's profile says which it uses and with what names; the
engine reads the same from a document.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal
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

    listed: Where = dataclasses.field(init=False, repr=False, compare=False)
    """The condition a list puts on the records it answers (made once: every list asks)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "listed", Where(self.field, "eq", self.live))


Role = Literal["items", "total", "page", "size", "has_more", "self", "first", "last", "prev",
               "next", "links"]  # fmt: skip


@dataclass(frozen=True)
class EnvelopeField:
    """One field of a list answer: its dotted ``path`` from the body and what it holds."""

    path: str
    role: Role
    """``items``; ``total`` (how many match); ``page`` (this page's number); ``size`` (the
    page's); ``has_more``; a link to a page (``self``, ``first``, ``last``, ``prev``,
    ``next``: with cursor paging ``next`` holds the next cursor); ``links`` (all of them)."""
    nullable: bool = False
    """Whether a link to no page is written as null (DRF's ``previous``) or left out."""


@dataclass(frozen=True)
class ListEnvelope:
    """Where a list answer puts its items and the facts of its page, in the answer's order:
    Tiledesk's ``{perPage, count, leads}``, DRF's ``{results, count, previous, next}``, a
    document's ``{data: [...], meta: {total}, links: {next}}``. Items at the empty path: the
    answer is the bare array."""

    fields: tuple[EnvelopeField, ...]
    _compiled: tuple[tuple[EnvelopeField, tuple[str, ...]], ...] = dataclasses.field(
        default=(), init=False, repr=False, compare=False
    )

    def answer(
        self, items: list[Any], *, total: int, offset: int = 0, size: int | None = None,
        number: int | None = None, links: Mapping[str, str | None] | None = None,
        cursor: str | None = None, body: dict[str, Any] | None = None,
    ) -> Any:  # fmt: skip
        """The answer for one page: ``body`` (a skeleton of the answer's other required fields,
        or nothing) with each field set. ``links`` None: the paging has no URLs (cursor
        paging), and a ``next`` field holds ``cursor``."""
        body = {} if body is None else body
        for field, keys in self._compiled:
            role = field.role
            if role == "items":
                if not keys:
                    return items
                value: Any = items
            elif role == "total":
                value = total
            elif role == "size":
                value = size
            elif role == "page":
                value = number
            elif role == "has_more":
                value = offset + len(items) < total
            elif role == "links":
                value = dict(links or {})
            elif links is not None:
                value = links.get(role)
                if value is None and not field.nullable:
                    continue
            elif role == "next" and cursor is not None:
                value = cursor
            else:
                continue
            if len(keys) == 1:
                body[keys[0]] = value
            else:
                set_at(body, field.path, value)
        return body

    def __post_init__(self) -> None:
        # A list answer is made on every list request: each path is split once, here.
        compiled = tuple((f, tuple(k for k in f.path.split(".") if k)) for f in self.fields)
        object.__setattr__(self, "_compiled", compiled)


def set_at(body: dict[str, Any], path: str, value: Any) -> None:
    """Set the field at dotted ``path`` of ``body``, making the objects on the way."""
    keys = [k for k in path.split(".") if k]
    node = body
    for key in keys[:-1]:
        if not isinstance(node.get(key), dict):
            node[key] = {}
        node = node[key]
    if keys:
        node[keys[-1]] = value


Operator = Literal["eq", "in", "has", "any", "exists", "text", "words"]


@dataclass(frozen=True)
class QueryFilter:
    """A query parameter that narrows a list: the records whose ``field`` (a dotted path, or
    the fields a text search reads) meets ``op`` with the parameter's value, as ``Where``
    names them. ``in`` reads a comma-separated list; a search (``text``, ``words``) or an
    ``exists`` given an empty or false value asks for nothing."""

    parameter: str
    field: str | tuple[str, ...]
    op: Operator = "eq"
    convert: Callable[[Any], Any] | None = None
    """The stored form of the value (a query string's ``"3"`` for an integer field)."""

    def condition(self, value: Any) -> Where | None:
        """The condition ``value`` of the parameter puts on a list; None: none."""
        if value is None or (self.op in ("exists", "text", "words") and not value):
            return None
        if self.op == "in":
            parts = [value] if isinstance(value, str) else value
            return Where(self.field, "in", tuple(v for part in parts for v in part.split(",")))
        if self.convert is not None:
            value = self.convert(value)
        return Where(self.field, self.op, value)


def filter_conditions(filters: Sequence[QueryFilter], given: Mapping[str, Any]) -> list[Where]:
    """The conditions the ``given`` parameter values put on a list, by ``filters``."""
    found = []
    for query_filter in filters:
        # ``in`` and a subscript (not ``get``, a call): this runs on every list request.
        if query_filter.parameter not in given:
            continue
        value = given[query_filter.parameter]
        if value is None:
            continue
        condition = query_filter.condition(value)
        if condition is not None:
            found.append(condition)
    return found
