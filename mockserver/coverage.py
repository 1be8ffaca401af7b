"""Spec coverage of a team's own tests: which parts of each API its requests exercised.

Counted from what the journal sees (``Journal.subscribe``), request by request, so that resets
between tests, which empty the journal, lose nothing: per documented operation, the calls, the
documented statuses answered (and those never seen, e.g. no test ever got a 429 from
``list_leads``), the query parameters used and the request body fields sent. ``report`` gives
the figures as JSON-able data; ``table`` and ``markdown`` render them.

Only the APIs a suite called are counted in its percentages: a team that mocks one vendor is
not told it never called the four others (they are listed apart).
"""

from __future__ import annotations

import argparse
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

if TYPE_CHECKING:
    from mockserver.journal import Entry

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_FIELD_DEPTH = 4
"""How deep body fields are followed (``data.attributes.email`` is 3)."""
_QUERY_CACHE = 1024
"""Distinct query strings whose documented names are remembered."""
_NEVER_SHOWN = 12
"""Lines of never-seen statuses and never-called operations the table prints."""


@dataclass(frozen=True)
class DocumentedOperation:
    """What the document says an operation takes and answers, under the journal's name for
    it (a vendor may document one operation at several paths)."""

    name: str
    method: str
    path: str
    statuses: tuple[str, ...]
    """Documented response codes (``"200"``, ``"4XX"``); ``default`` names none."""
    query: tuple[str, ...]
    body_fields: tuple[str, ...]
    """Leaf properties of the request body, dotted (``data.attributes.email``)."""


def documented_operations(
    spec: Mapping[str, Any], operation_name: Callable[[str], str] = str
) -> list[DocumentedOperation]:
    """The operations of an OpenAPI document, merged by ``operation_name`` of their ids."""
    merged: dict[str, DocumentedOperation] = {}
    for path, item in (spec.get("paths") or {}).items():
        item = _resolved(spec, item)
        if not isinstance(item, dict):
            continue
        shared = item.get("parameters") or []
        for method in _METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            name = operation_name(operation.get("operationId") or f"{method.upper()} {path}")
            found = DocumentedOperation(
                name,
                method.upper(),
                path,
                _statuses(operation.get("responses") or {}),
                _query(spec, [*shared, *(operation.get("parameters") or [])]),
                _body_fields(spec, operation.get("requestBody")),
            )
            known = merged.get(name)
            merged[name] = found if known is None else _joined(known, found)
    return list(merged.values())


def _statuses(responses: Mapping[str, Any]) -> tuple[str, ...]:
    """The documented codes in numeric order (``4XX`` where ``400`` would be)."""
    return _in_order(str(code) for code in responses if str(code) != "default")


def _in_order(codes: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(codes, key=lambda code: (code.upper().replace("X", "0"), code)))


def _joined(first: DocumentedOperation, other: DocumentedOperation) -> DocumentedOperation:
    return DocumentedOperation(
        first.name,
        first.method,
        first.path,
        _in_order(_union(first.statuses, other.statuses)),
        _union(first.query, other.query),
        _union(first.body_fields, other.body_fields),
    )


def _union(first: tuple[str, ...], other: tuple[str, ...]) -> tuple[str, ...]:
    return first + tuple(item for item in other if item not in first)


def _resolved(spec: Mapping[str, Any], node: Any, depth: int = 0) -> Any:
    """``node`` with its local ``$ref`` followed (a bounded chain of them)."""
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and depth < 32:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            target = target.get(part) if isinstance(target, dict) else None
        node, depth = target, depth + 1
    return node


def _query(spec: Mapping[str, Any], parameters: list[Any]) -> tuple[str, ...]:
    names: list[str] = []
    for parameter in parameters:
        parameter = _resolved(spec, parameter)
        if isinstance(parameter, dict) and parameter.get("in") == "query":
            name = str(parameter.get("name"))
            if name not in names:
                names.append(name)
    return tuple(names)


def _body_fields(spec: Mapping[str, Any], body: Any) -> tuple[str, ...]:
    body = _resolved(spec, body)
    fields: list[str] = []
    for media in ((body or {}).get("content") or {}).values() if isinstance(body, dict) else ():
        if isinstance(media, dict):
            for name in _leaves(spec, media.get("schema"), "", 0):
                if name not in fields:
                    fields.append(name)
    return tuple(fields)


def _leaves(spec: Mapping[str, Any], schema: Any, prefix: str, depth: int) -> list[str]:
    """The dotted names of the leaf properties of ``schema`` (its ``allOf`` parts joined)."""
    properties = _properties(spec, schema, 0)
    if not properties or depth >= _FIELD_DEPTH:
        return [prefix.removesuffix(".")] if prefix else []
    leaves: list[str] = []
    for name, child in properties.items():
        leaves += _leaves(spec, child, f"{prefix}{name}.", depth + 1)
    return leaves


def _properties(spec: Mapping[str, Any], schema: Any, depth: int) -> dict[str, Any]:
    schema = _resolved(spec, schema)
    if not isinstance(schema, dict) or depth > 8:
        return {}
    found = dict(schema.get("properties") or {})
    for part in schema.get("allOf") or []:
        found.update(_properties(spec, part, depth + 1))
    return found


def _sent_fields(body: Any, prefix: str = "", depth: int = 0) -> set[str]:
    """Every dotted name a request body holds, its objects' names as well as their leaves'."""
    if not isinstance(body, dict) or depth >= _FIELD_DEPTH:
        return set()
    names: set[str] = set()
    for key, value in body.items():
        name = f"{prefix}{key}"
        names.add(name)
        names |= _sent_fields(value, f"{name}.", depth + 1)
    return names


def _status_documented(documented: str, status: int) -> bool:
    code = str(status)
    if documented == code:
        return True
    return len(documented) == 3 and documented[1:].upper() == "XX" and documented[0] == code[0]


@dataclass
class _Counted:
    calls: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    query: set[str] = field(default_factory=set)
    body_fields: set[str] = field(default_factory=set)


class Coverage:
    """The counts of one or more APIs' operations, fed one request at a time."""

    def __init__(self, documented: Mapping[str, Iterable[DocumentedOperation]] = ()) -> None:
        self._lock = threading.Lock()
        self._documented: dict[str, dict[str, DocumentedOperation]] = {}
        self._known: dict[tuple[str | None, str | None], DocumentedOperation] = {}
        """Every documented operation by (API, name): one lookup a request."""
        self._counted: dict[tuple[str, str], _Counted] = {}
        self._outside: Counter[str] = Counter()
        """Requests to an API that no documented operation took (a path it does not have)."""
        self._query_names: dict[tuple[str, str, str], frozenset[str]] = {}
        """Documented names a query string holds, by API, operation and query string: clients
        repeat their queries, and reading one costs more than counting it."""
        for api, operations in dict(documented).items():
            self.document(api, operations)

    def document(self, api: str, operations: Iterable[DocumentedOperation]) -> None:
        """Count ``api``'s ``operations`` too (an API already known keeps its own)."""
        with self._lock:
            if api not in self._documented:
                self._documented[api] = {op.name: op for op in operations}
                for name, operation in self._documented[api].items():
                    self._known[(api, name)] = operation

    def note(self, entry: Entry) -> None:
        """Count a journal entry (a ``Journal.subscribe`` listener); the admin plane's and
        unknown APIs' are not counted. On every request's path: one lookup, then as little
        as the request asks (its query read once per distinct string, its body only for an
        operation that documents one)."""
        known = self._known.get((entry.api, entry.operation))
        if known is None:
            if entry.api in self._documented:
                with self._lock:
                    self._outside[entry.api] += 1  # type: ignore[index]
            return
        body = entry.body if entry.raw_body and known.body_fields else None
        self._count(entry.api, known, entry.status, entry.query, body)  # type: ignore[arg-type]

    def add(self, api: str, operation: str | None, status: int, query: str, body: Any) -> None:
        """Count one request: the API and operation it routed to, its answer's status, its
        raw query string and its body as read."""
        if api not in self._documented:
            return
        known = self._known.get((api, operation))
        if known is None:
            with self._lock:
                self._outside[api] += 1
            return
        self._count(api, known, status, query, body)

    def _count(
        self, api: str, known: DocumentedOperation, status: int, query: str, body: Any
    ) -> None:
        names = self._names_in(api, known, query) if query and known.query else None
        fields = _sent_fields(body) & set(known.body_fields) if body is not None else None
        with self._lock:
            counted = self._counted.get((api, known.name))
            if counted is None:
                counted = self._counted[(api, known.name)] = _Counted()
            counted.calls += 1
            counted.statuses[status] += 1
            if names:
                counted.query |= names
            if fields:
                counted.body_fields |= fields

    def _names_in(self, api: str, known: DocumentedOperation, query: str) -> frozenset[str]:
        # Only documented names are kept: a client's made-up ones must not grow the counts
        # of a long-running mock (nor this cache, emptied when full).
        key = (api, known.name, query)
        names = self._query_names.get(key)
        if names is None:
            sent = {_query_name(name, known.query)
                    for name, _ in parse_qsl(query, keep_blank_values=True)}  # fmt: skip
            names = frozenset(sent & set(known.query))
            if len(self._query_names) >= _QUERY_CACHE:
                self._query_names.clear()
            self._query_names[key] = names
        return names

    def add_exported(self, entries: Iterable[Mapping[str, Any]]) -> None:
        """Count the entries of a journal export (``GET /__admin/journal``)."""
        for entry in entries:
            api, operation = entry.get("api"), entry.get("operation")
            status = entry.get("status")
            if not isinstance(api, str) or not isinstance(status, int):
                continue
            operation = operation if isinstance(operation, str) else None
            self.add(api, operation, status, str(entry.get("query") or ""), entry.get("body"))

    def uncounted(self) -> Coverage:
        """The same documents, nothing counted."""
        with self._lock:
            return Coverage({api: ops.values() for api, ops in self._documented.items()})

    def clear(self) -> None:
        with self._lock:
            self._counted.clear()
            self._outside.clear()

    def merged(self, other: Coverage) -> None:
        """Add ``other``'s documents and counts to these (several mocks of one suite)."""
        for api, operations in other._documented.items():
            self.document(api, operations.values())
        with other._lock:
            counted = {key: (c.calls, Counter(c.statuses), set(c.query), set(c.body_fields))
                       for key, c in other._counted.items()}  # fmt: skip
            outside = Counter(other._outside)
        with self._lock:
            for key, (calls, statuses, query, body_fields) in counted.items():
                mine = self._counted.setdefault(key, _Counted())
                mine.calls += calls
                mine.statuses.update(statuses)
                mine.query |= query
                mine.body_fields |= body_fields
            self._outside.update(outside)

    def report(self) -> dict[str, Any]:
        """The figures, by API the requests reached, and in total over those APIs."""
        with self._lock:
            counted = dict(self._counted)
            outside = Counter(self._outside)
        called = [api for api in self._documented
                  if outside[api] or any(key[0] == api for key in counted)]  # fmt: skip
        apis = [_api_report(api, self._documented[api], counted, outside[api]) for api in called]
        total = {
            part: _share(
                sum(api[part]["documented"] for api in apis),
                sum(api[part]["covered"] for api in apis),
            )
            for part in _PARTS
        }
        return {
            "apis": apis,
            "total": total,
            "apis_never_called": [api for api in self._documented if api not in called],
        }


_PARTS = ("operations", "statuses", "error_statuses", "query_parameters", "body_fields")


def _query_name(sent: str, documented: tuple[str, ...]) -> str:
    """A sent query parameter's documented name: ``page[number]`` is the ``page`` object's."""
    if sent in documented:
        return sent
    base = sent.split("[", 1)[0]
    return base if base in documented else sent


def _share(documented: int, covered: int) -> dict[str, Any]:
    percent = round(100.0 * covered / documented, 1) if documented else 100.0
    return {"documented": documented, "covered": covered, "percent": percent}


def _api_report(
    api: str,
    documented: dict[str, DocumentedOperation],
    counted: dict[tuple[str, str], _Counted],
    outside: int,
) -> dict[str, Any]:
    operations = []
    figures = dict.fromkeys(_PARTS, (0, 0))

    def tally(part: str, documented: int, covered: int) -> None:
        had = figures[part]
        figures[part] = (had[0] + documented, had[1] + covered)

    for operation in documented.values():
        found = counted.get((api, operation.name)) or _Counted()
        seen = [code for code in operation.statuses
                if any(_status_documented(code, status) for status in found.statuses)]  # fmt: skip
        errors = [code for code in operation.statuses if code[0] in "45"]
        undocumented = {
            str(status): count
            for status, count in sorted(found.statuses.items())
            if not any(_status_documented(code, status) for code in operation.statuses)
        }
        query_used = [name for name in operation.query if name in found.query]
        fields_sent = [name for name in operation.body_fields if name in found.body_fields]
        tally("operations", 1, 1 if found.calls else 0)
        tally("statuses", len(operation.statuses), len(seen))
        tally("error_statuses", len(errors), len([code for code in seen if code in errors]))
        tally("query_parameters", len(operation.query), len(query_used))
        tally("body_fields", len(operation.body_fields), len(fields_sent))
        operations.append(
            {
                "operation": operation.name,
                "method": operation.method,
                "path": operation.path,
                "calls": found.calls,
                "statuses_seen": {str(s): n for s, n in sorted(found.statuses.items())},
                "statuses_never_seen": [code for code in operation.statuses if code not in seen],
                "undocumented_statuses": undocumented,
                "query_parameters_used": query_used,
                "query_parameters_never_used": [n for n in operation.query if n not in query_used],
                "body_fields_sent": fields_sent,
                "body_fields_never_sent": [
                    name for name in operation.body_fields if name not in fields_sent
                ],
            }
        )
    return {
        "api": api,
        **{part: _share(*figures[part]) for part in _PARTS},
        "calls": sum(op["calls"] for op in operations),
        "calls_outside_operations": outside,
        "operations_never_called": [op["operation"] for op in operations if not op["calls"]],
        "by_operation": operations,
    }


_HEADINGS = {
    "operations": "operations",
    "statuses": "statuses",
    "error_statuses": "error statuses",
    "query_parameters": "query parameters",
    "body_fields": "body fields",
}


def _cell(share: Mapping[str, Any]) -> str:
    return f"{share['covered']}/{share['documented']} {share['percent']:.0f}%"


def table(report: Mapping[str, Any]) -> str:
    """A short plain-text table: each API's figures, the total, then what was never reached."""
    width = max([len("api"), len("total"), *(len(api["api"]) for api in report["apis"])])
    lines = [
        f"{'api':<{width}}  " + "  ".join(f"{_HEADINGS[p]:>16}" for p in _PARTS),
    ]
    for api in report["apis"]:
        lines.append(f"{api['api']:<{width}}  " + "  ".join(f"{_cell(api[p]):>16}" for p in _PARTS))
    lines.append(
        f"{'total':<{width}}  " + "  ".join(f"{_cell(report['total'][p]):>16}" for p in _PARTS)
    )
    gaps = _gaps(report)
    lines += gaps[:_NEVER_SHOWN]
    if len(gaps) > _NEVER_SHOWN:
        lines.append(f"... and {len(gaps) - _NEVER_SHOWN} more (the JSON report lists them all)")
    if report["apis_never_called"]:
        lines.append("APIs never called: " + ", ".join(report["apis_never_called"]))
    return "\n".join(lines)


def _gaps(report: Mapping[str, Any]) -> list[str]:
    gaps = [
        f"never called: {api['api']} " + ", ".join(api["operations_never_called"])
        for api in report["apis"]
        if api["operations_never_called"]
    ]
    for api in report["apis"]:
        for operation in api["by_operation"]:
            if operation["calls"] and operation["statuses_never_seen"]:
                never = ", ".join(operation["statuses_never_seen"])
                gaps.append(f"never answered: {api['api']} {operation['operation']} {never}")
            if operation["undocumented_statuses"]:
                undocumented = operation["undocumented_statuses"].items()
                answered = ", ".join(f"{code} (x{count})" for code, count in undocumented)
                gaps.append(
                    f"answered undocumented: {api['api']} {operation['operation']} {answered}"
                )
    return gaps


def markdown(report: Mapping[str, Any]) -> str:
    """The report as Markdown: the figures' table, then each API's operations."""
    heads = ["API", *(_HEADINGS[p] for p in _PARTS)]
    lines = ["# Spec coverage", "", "| " + " | ".join(heads) + " |",
             "|" + "---|" * len(heads)]  # fmt: skip
    for api in report["apis"]:
        lines.append(f"| {api['api']} | " + " | ".join(_cell(api[p]) for p in _PARTS) + " |")
    lines.append("| **total** | " + " | ".join(_cell(report["total"][p]) for p in _PARTS) + " |")
    for api in report["apis"]:
        lines += ["", f"## {api['api']}", "",
                  "| operation | calls | statuses seen | never seen | query never used |"
                  " body fields never sent |", "|---|---|---|---|---|---|"]  # fmt: skip
        for op in api["by_operation"]:
            seen = ", ".join(f"{code} x{n}" for code, n in op["statuses_seen"].items())
            lines.append(
                f"| `{op['method']} {op['path']}` {op['operation']} | {op['calls']} | {seen} | "
                f"{', '.join(op['statuses_never_seen'])} | "
                f"{', '.join(op['query_parameters_never_used'])} | "
                f"{', '.join(op['body_fields_never_sent'])} |"
            )
    if report["apis_never_called"]:
        lines += ["", "APIs never called: " + ", ".join(report["apis_never_called"])]
    return "\n".join(lines) + "\n"


def percentage(text: str) -> float:
    """A coverage floor as the command line gives it (``argparse``'s type)."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 100.0:
        raise argparse.ArgumentTypeError(f"a percentage 0 to 100, not {text!r}")
    return value


def below(report: Mapping[str, Any], part: str, percent: float) -> str | None:
    """Why ``report`` falls short of ``percent`` of ``part``'s total; None when it does not."""
    total = report["total"][part]
    if total["percent"] >= percent:
        return None
    return (
        f"leadmock coverage: {total['percent']}% of documented {_HEADINGS[part]} "
        f"({total['covered']} of {total['documented']}) is below {percent:g}%"
    )
