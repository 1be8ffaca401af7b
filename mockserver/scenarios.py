"""Scenarios: named, timed, stateful misbehaviour with the vendor's meaning.

Where a fault (``faults.py``) is one status or delay, a scenario is a story a client must live
through: ``rate_limited`` (the vendor's 429 with a ``Retry-After`` that counts down, for N
seconds or N requests, then normal answers), ``token_expiry`` (a sign-in's token stops working
N seconds or N requests after its first use: the vendor's 401; signing in again works),
``outage`` (503 with ``Retry-After``, or dropped connections, for N seconds, then recovery),
``slow_pages`` (page K of a list takes N ms), ``list_drift`` (a record of the page just read is
deleted before the next page is read) and ``eventual_consistency`` (a created record appears in
lists only N ms later). Each answers through the vendor's error renderer,
so the body and headers are the vendor's own. Set from the fixture
(``leadmock.scenario("rate_limited", operation="list_leads", seconds=5)``), ``POST
/__admin/scenarios`` and ``serve --scenario``; listed, checked field by field before anything
changes (an unknown name is refused with the known ones), cleared by a reset.

A scenario's clock starts when it is set. Each process keeps its own (``--workers``: per worker).
"""

from __future__ import annotations

import difflib
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import parse_qsl

from mockserver.faults import FaultError

MAX_SECONDS = 86_400.0
MAX_REQUESTS = 1_000_000
MAX_TOKENS = 10_000
"""Tokens ``token_expiry`` remembers; the oldest is forgotten first (a client minting tokens in
a loop cannot grow the mock)."""
PAGE_PARAMETERS = ("page", "page[number]", "pageNumber", "page_number")
"""The query parameters ``slow_pages`` reads a page number from."""


class ScenarioError(FaultError):
    """A scenario field with a value it cannot take (the admin plane's 400 names it)."""


@dataclass(frozen=True)
class Outcome:
    """What a request meets: a status answered in the vendor's shape, a delay, or a drop."""

    status: int | None = None
    message: str = ""
    code: str = "scenario"
    headers: dict[str, str] = field(default_factory=dict)
    latency: float = 0.0
    drop: bool = False


@dataclass(frozen=True)
class Request:
    """What a scenario sees of a request."""

    api: str | None
    operation: str | None
    query: str
    authorization: str | None


def _positive(name: str, value: Any, most: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ScenarioError(name, f"a number above 0, at most {most:g}, not {value!r}")
    if not 0 < value <= most:
        raise ScenarioError(name, f"a number above 0, at most {most:g}, not {value!r}")
    return float(value)


def _whole(name: str, value: Any, most: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= most:
        raise ScenarioError(name, f"a whole number 1 to {most}, not {value!r}")
    return value


@dataclass
class Scenario:
    """One scenario: where it applies (``api``, ``operation``) and its clock."""

    name: ClassVar[str]
    fields: ClassVar[tuple[str, ...]]
    api: str | None = None
    operation: str | None = None
    started: float = field(default_factory=time.monotonic)
    id: int = 0

    def meet(self, request: Request, now: float) -> Outcome | None:
        raise NotImplementedError

    def begin(self, store: Any) -> None:
        """Set, over ``store``: a scenario that acts on the state starts here."""

    def end(self, store: Any) -> None:
        """Cleared."""

    def to_dict(self) -> dict[str, Any]:
        shown = {name: getattr(self, name) for name in self.fields}
        return {"id": self.id, "name": self.name, "api": self.api, "operation": self.operation,
                **{k: v for k, v in shown.items() if v is not None}}  # fmt: skip


def _window(seconds: Any, requests: Any) -> tuple[float | None, int | None]:
    """A scenario's span: seconds or requests, exactly one."""
    if (seconds is None) == (requests is None):
        raise ScenarioError("seconds", "give seconds or requests (one of them)")
    if seconds is not None:
        return _positive("seconds", seconds, MAX_SECONDS), None
    return None, _whole("requests", requests, MAX_REQUESTS)


@dataclass
class RateLimited(Scenario):
    name: ClassVar[str] = "rate_limited"
    fields: ClassVar[tuple[str, ...]] = ("seconds", "requests", "retry_after")
    seconds: float | None = None
    requests: int | None = None
    retry_after: int | None = None
    """With ``requests``: the ``Retry-After`` each 429 gives (default 1)."""
    _refused: int = 0

    def __post_init__(self) -> None:
        self.seconds, self.requests = _window(self.seconds, self.requests)
        if self.retry_after is not None:
            self.retry_after = _whole("retry_after", self.retry_after, int(MAX_SECONDS))
            if self.seconds is not None:
                raise ScenarioError("retry_after", "with seconds, Retry-After is the time left")

    def meet(self, request: Request, now: float) -> Outcome | None:
        if self.seconds is not None:
            left = self.started + self.seconds - now
            if left <= 0:
                return None
            wait = max(1, math.ceil(left))
        else:
            if self._refused >= (self.requests or 0):
                return None
            self._refused += 1
            wait = self.retry_after or 1
        return Outcome(
            429,
            f"Too many requests: rate limited. Try again in {wait} second{'s' * (wait != 1)}.",
            "rate_limited",
            {"Retry-After": str(wait)},
        )


@dataclass
class Outage(Scenario):
    name: ClassVar[str] = "outage"
    fields: ClassVar[tuple[str, ...]] = ("seconds", "drop")
    seconds: float = 0.0
    drop: bool = False
    """Close the connection mid-answer instead of answering 503."""

    def __post_init__(self) -> None:
        self.seconds = _positive("seconds", self.seconds, MAX_SECONDS)
        if not isinstance(self.drop, bool):
            raise ScenarioError("drop", f"true or false, not {self.drop!r}")

    def meet(self, request: Request, now: float) -> Outcome | None:
        left = self.started + self.seconds - now
        if left <= 0:
            return None
        if self.drop:
            return Outcome(drop=True)
        wait = str(max(1, math.ceil(left)))
        return Outcome(503, "Service unavailable: an outage.", "outage", {"Retry-After": wait})


@dataclass
class TokenExpiry(Scenario):
    name: ClassVar[str] = "token_expiry"
    fields: ClassVar[tuple[str, ...]] = ("seconds", "requests")
    seconds: float | None = None
    requests: int | None = None
    sign_ins: frozenset[tuple[str, str]] = frozenset()
    """(API, operation) pairs that sign in: calling one gives fresh tokens their full span."""
    _tokens: OrderedDict[str, list[float]] = field(default_factory=OrderedDict)

    def __post_init__(self) -> None:
        self.seconds, self.requests = _window(self.seconds, self.requests)

    def meet(self, request: Request, now: float) -> Outcome | None:
        if (request.api or "", request.operation or "") in self.sign_ins:
            # A token made by this sign-in may equal one already seen (a JWT's iat is in
            # seconds): what was seen starts again.
            self._tokens.clear()
            return None
        token = request.authorization
        if token is None or token.split(" ", 1)[0].lower() not in ("bearer", "jwt"):
            return None  # Basic credentials and API keys do not expire
        seen = self._tokens.get(token)
        if seen is None:
            seen = self._tokens[token] = [now, 0]
            while len(self._tokens) > MAX_TOKENS:
                self._tokens.popitem(last=False)
        seen[1] += 1
        expired = (
            now - seen[0] >= self.seconds
            if self.seconds is not None
            else seen[1] > (self.requests or 0)
        )
        if not expired:
            return None
        return Outcome(401, "Token is invalid or expired", "token_not_valid")


@dataclass
class SlowPages(Scenario):
    name: ClassVar[str] = "slow_pages"
    fields: ClassVar[tuple[str, ...]] = ("page", "ms")
    page: int = 0
    ms: float = 0.0

    def __post_init__(self) -> None:
        if isinstance(self.page, bool) or not isinstance(self.page, int) or self.page < 0:
            raise ScenarioError("page", f"a page number, 0 or more, not {self.page!r}")
        self.ms = _positive("ms", self.ms, 60_000)

    def meet(self, request: Request, now: float) -> Outcome | None:
        for name, value in parse_qsl(request.query, keep_blank_values=True):
            if name in PAGE_PARAMETERS and value == str(self.page):
                return Outcome(latency=self.ms / 1000)
        return None


def _lists_in_process(name: str, store: Any) -> None:
    if not hasattr(store, "arm_drift"):
        raise ScenarioError(
            "name", f"{name} acts on the in-process store; a shared one (--store) has none"
        )


def _first_page(query: str) -> bool:
    """Whether a list request reads the first page: no page or offset, or the first one."""
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name in PAGE_PARAMETERS and value not in ("", "0", "1"):
            return False
        if name in ("offset", "page[offset]", "skip") and value not in ("", "0"):
            return False
        if name in ("cursor", "page[cursor]", "after", "starting_after") and value:
            return False
    return True


@dataclass
class ListDrift(Scenario):
    """A record listed on the page a client just read is deleted before it reads the next
    (once a scenario): the next page shifts back by one, and a client paging by number or
    offset skips a record (the document stays readable by id)."""

    name: ClassVar[str] = "list_drift"
    fields: ClassVar[tuple[str, ...]] = ()
    _store: Any = None
    _armed: bool = False

    def begin(self, store: Any) -> None:
        _lists_in_process(self.name, store)
        self._store = store

    def meet(self, request: Request, now: float) -> Outcome | None:
        # Once: a client that starts again from the first page meets a list that holds still.
        if self._store is not None and not self._armed and _first_page(request.query):
            self._armed = True
            self._store.arm_drift()
        return None


@dataclass
class EventualConsistency(Scenario):
    """A created record is readable by id at once, but appears in lists only ``ms`` later.
    It acts on every API of the mock (``api`` and ``operation`` do not narrow it)."""

    name: ClassVar[str] = "eventual_consistency"
    fields: ClassVar[tuple[str, ...]] = ("ms",)
    ms: float = 0.0

    def __post_init__(self) -> None:
        self.ms = _positive("ms", self.ms, 600_000)
        if self.api is not None or self.operation is not None:
            raise ScenarioError("api", "eventual_consistency applies to the whole mock")

    def begin(self, store: Any) -> None:
        _lists_in_process(self.name, store)
        store.list_lag = self.ms / 1000

    def end(self, store: Any) -> None:
        store.list_lag = 0.0

    def meet(self, request: Request, now: float) -> Outcome | None:
        return None


KINDS: dict[str, type[Scenario]] = {
    kind.name: kind
    for kind in (RateLimited, TokenExpiry, Outage, SlowPages, ListDrift, EventualConsistency)
}
"""Every scenario by name."""


class Scenarios:
    """The scenarios set on one mock, consulted for every request after routing.

    ``names`` says which APIs an ``api`` means, ``operations`` each API's operation names (to
    refuse one no API has), ``sign_ins`` the operations that sign in (``token_expiry``).
    """

    def __init__(
        self,
        *,
        names: Callable[[str], tuple[str, ...]] | None = None,
        operations: Mapping[str, Collection[str]] | None = None,
        sign_ins: Collection[tuple[str, str]] = (),
        clock: Callable[[], float] = time.monotonic,
        store: Any = None,
    ) -> None:
        self._store = store
        self._names = names or (lambda name: (name,))
        self._operations = operations
        self._sign_ins = frozenset(sign_ins)
        self._clock = clock
        self._lock = threading.Lock()
        self._set: list[tuple[Scenario, frozenset[str] | None]] = []
        self._next_id = 0
        self.active = False
        """Whether any scenario is set (read on every request: an attribute, not a call)."""

    def add(self, name: Any, **fields: Any) -> Scenario:
        """Set the scenario ``name`` (``ScenarioError`` naming the field that is wrong)."""
        kind = KINDS.get(name) if isinstance(name, str) else None
        if kind is None:
            close = difflib.get_close_matches(str(name), list(KINDS), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise ScenarioError("name", f"no scenario {name!r}{hint}; known: {', '.join(KINDS)}")
        allowed = ("api", "operation", *kind.fields)
        for given in fields:
            if given not in allowed:
                known = ", ".join(allowed)
                raise ScenarioError(given, f"not a field of {name}; its fields: {known}")
        apis = self._apis_of(fields.get("api"), fields.get("operation"))
        extra = {"sign_ins": self._sign_ins} if kind is TokenExpiry else {}
        scenario = kind(**fields, started=self._clock(), **extra)
        if self._store is not None:
            scenario.begin(self._store)
        with self._lock:
            self._next_id += 1
            scenario.id = self._next_id
            self._set.append((scenario, apis))
            self.active = True
        return scenario

    def _apis_of(self, api: Any, operation: Any) -> frozenset[str] | None:
        for name, value in (("api", api), ("operation", operation)):
            if value is not None and not (isinstance(value, str) and value):
                raise ScenarioError(name, f"a name, not {value!r}")
        apis = None
        if api is not None:
            try:
                apis = frozenset(self._names(api))
            except LookupError as exc:
                raise ScenarioError("api", str(exc).strip("'\"")) from None
        if operation is not None and self._operations is not None:
            among = sorted(apis) if apis is not None else sorted(self._operations)
            known = sorted({op for each in among for op in self._operations.get(each, ())})
            if operation not in known:
                close = difflib.get_close_matches(operation, known, n=3)
                hint = f"; close: {', '.join(close)}" if close else ""
                raise ScenarioError(
                    "operation", f"no operation {operation!r} in {', '.join(among)}{hint}"
                )
        return apis

    def list(self) -> list[Scenario]:
        with self._lock:
            return [scenario for scenario, _ in self._set]

    def clear(self) -> None:
        with self._lock:
            cleared = [scenario for scenario, _ in self._set]
            self._set.clear()
            self.active = False
        if self._store is not None:
            for scenario in cleared:
                scenario.end(self._store)

    def meet(self, request: Request) -> tuple[Scenario, Outcome] | None:
        """The first scenario this request meets, and what it meets."""
        now = self._clock()
        with self._lock:
            for scenario, apis in self._set:
                if apis is not None and request.api not in apis:
                    continue
                if scenario.operation not in (None, request.operation):
                    continue
                outcome = scenario.meet(request, now)
                if outcome is not None:
                    return scenario, outcome
        return None


def parse_scenario(text: str) -> tuple[str, dict[str, Any]]:
    """``rate_limited:operation=list_leads,seconds=5`` as a name and its fields (numbers read
    as numbers, ``true``/``false`` as booleans); ``ScenarioError`` when it is not one."""
    name, _, rest = text.partition(":")
    fields: dict[str, Any] = {}
    for part in filter(None, (piece.strip() for piece in rest.split(","))):
        key, equals, value = part.partition("=")
        if not equals or not key.strip():
            raise ScenarioError("scenario", f"NAME:FIELD=VALUE,..., not {text!r}")
        fields[key.strip()] = _value(value.strip())
    return name.strip(), fields


def _value(text: str) -> Any:
    if text in ("true", "false"):
        return text == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def sign_in_operations(
    spec: Mapping[str, Any], operation_name: Callable[[str], str] = str
) -> set[str]:
    """The operations of a document that sign in: where its other operations take a token
    (an HTTP bearer, OAuth2 or OpenID Connect scheme, or an API key sent as
    ``Authorization``), a POST whose security takes none (Tiledesk's ``signin``, which needs
    no credentials; Leads & CRM's ``login``, which needs the API key alone)."""
    schemes = (spec.get("components") or {}).get("securitySchemes") or {}
    tokens = {
        name
        for name, scheme in schemes.items()
        if isinstance(scheme, dict)
        and (
            (scheme.get("type") == "http" and str(scheme.get("scheme", "")).lower() == "bearer")
            or scheme.get("type") in ("oauth2", "openIdConnect")
            or (scheme.get("type") == "apiKey" and scheme.get("in") == "header"
                and str(scheme.get("name", "")).lower() == "authorization")
        )
    }  # fmt: skip
    if not tokens:
        return set()
    found = set()
    for item in (spec.get("paths") or {}).values():
        operation = item.get("post") if isinstance(item, dict) else None
        if not isinstance(operation, dict) or "operationId" not in operation:
            continue
        requirements = operation.get("security", spec.get("security") or [])
        if not any(tokens & set(requirement) for requirement in requirements or []):
            found.add(operation_name(operation["operationId"]))
    return found
