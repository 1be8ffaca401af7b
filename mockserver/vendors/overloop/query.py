"""``filter``, ``sort`` and ``include`` as Overloop reads them: store conditions and order
keys, or a 400 naming the parameter and what cannot be used."""

from __future__ import annotations

from mockserver.errors import BadRequest
from mockserver.store import Where
from mockserver.vendors.overloop.model import FILTERABLE, RELATIONSHIPS, SORTABLE


def parse_filter(text: str | None) -> list[Where]:
    """``first_name:john,last_name:doe`` as store conditions; 400 for anything else."""
    if not text:
        return []
    conditions = []
    for pair in text.split(","):
        name, found, value = pair.partition(":")
        if not found:
            raise bad_parameter("filter", f"{pair!r} is not attribute:value")
        kind = FILTERABLE.get(name)
        if kind is None:
            raise bad_parameter("filter", f"{name} is not a filterable attribute")
        if kind is bool:
            if value not in ("true", "false"):
                raise bad_parameter("filter", f"{name} takes true or false")
            conditions.append(Where(name, "eq", value == "true"))
        elif kind is int:
            if not value.isdigit():
                raise bad_parameter("filter", f"{name} takes a whole number")
            conditions.append(Where(name, "eq", int(value)))
        else:
            conditions.append(Where(name, "eq", value))
    return conditions


def parse_sort(text: str | None) -> list[tuple[str, int]]:
    """``-created_at,id`` as store order keys, ``id`` last to break ties; 400 for the rest."""
    order = []
    for item in (text or "").split(","):
        if not item:
            continue
        name = item.removeprefix("-")
        if name not in SORTABLE:
            raise bad_parameter("sort", f"{name} is not a sortable attribute")
        order.append((name, -1 if item.startswith("-") else 1))
    return [*order, ("id", 1)]


def parse_include(text: str) -> list[str]:
    """``organization,creator`` as relation names; 400 for any other name."""
    names = text.split(",")
    for name in names:
        if name not in RELATIONSHIPS:
            raise bad_parameter(
                "include", f"{name or 'an empty name'} is not a relationship of a lead"
            )
    return names


def bad_parameter(name: str, message: str) -> BadRequest:
    return BadRequest(message, detail={"parameter": name})
