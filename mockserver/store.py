"""The state behind every vendor API: collections of JSON-able documents, optionally scoped.

The store knows nothing of vendors or HTTP. A scope (a Tiledesk project id, say) partitions a
collection, so the same id can live in two scopes. Vendors mint ids and shape pages; the store
filters, orders, slices and counts. ``Store`` is the interface; ``MemoryStore`` the in-process
implementation; ``shared.store.RedisStore`` keeps the same in Redis for several processes.
Filters, orderings and batches of writes are plain data (``Where``, ``(field, direction)``,
``Write``) so that a store backed by another process can translate them.
"""

from __future__ import annotations

import builtins
import contextlib
import gc
import heapq
import json
import math
import operator
import re
import threading
import time
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from mockserver.memory import give_back_memory

Doc = dict[str, Any]
Order = Sequence[tuple[str, int]]
"""Sort keys as ``(field, direction)``, direction 1 ascending or -1 descending."""


_WORD = re.compile(r"\w+")


def words_of(text: str) -> set[str]:
    """The words of ``text`` as a text index keeps them: case-folded, diacritics dropped."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    return set(_WORD.findall("".join(c for c in folded if not unicodedata.combining(c))))


@dataclass(frozen=True)
class Where:
    """One filter condition on a document.

    ``eq``: the field equals ``value``. ``lt``: the field is a number below ``value``. ``in`` and
    ``not_in``: the field's value is (is not) one of ``value`` (a tuple). ``exists``: the field is
    present and not null (``value`` True) or absent/null (False). ``has``: the list field contains
    ``value``. ``any``: some value reached by the dotted path ``field`` equals ``value``, lists
    along the way searched element by element (as MongoDB reads ``tags.tag``). ``text``: every
    word of ``value`` occurs, case-insensitively, in one of the fields named by ``field`` (a
    tuple of names, dotted paths allowed). ``words``: a text search as MongoDB's ``$text`` runs
    one, any word of ``value`` equal to a word of those fields (case and diacritics aside; a
    ``value`` with no word matches nothing; no stemming).
    """

    field: str | tuple[str, ...]
    op: Literal["eq", "lt", "in", "not_in", "exists", "has", "any", "text", "words"]
    value: Any

    def matches(self, doc: Doc) -> bool:
        """Whether ``doc`` satisfies this condition."""
        if self.op == "words":
            fields = self.field if isinstance(self.field, tuple) else (self.field,)
            wanted = words_of(str(self.value))
            return bool(wanted) and any(
                not wanted.isdisjoint(words_of(str(found)))
                for f in fields
                for found in path_values(doc, f)
                if found is not None
            )
        if self.op == "text":
            fields = self.field if isinstance(self.field, tuple) else (self.field,)
            haystacks = [
                str(found).casefold()
                for f in fields
                for found in path_values(doc, f)
                if found is not None
            ]
            return all(
                any(word in hay for hay in haystacks) for word in str(self.value).casefold().split()
            )
        assert isinstance(self.field, str)
        if self.op == "any":
            return self.value in path_values(doc, self.field)
        present = doc.get(self.field)
        if self.op == "eq":
            return self.field in doc and present == self.value
        if self.op == "lt":
            return isinstance(present, int | float) and present < self.value
        if self.op == "in":
            return self.field in doc and present in self.value
        if self.op == "not_in":
            return present not in self.value
        if self.op == "exists":
            return (present is not None) is bool(self.value)
        if self.op == "has":
            return isinstance(present, list) and self.value in present
        raise ValueError(f"unknown filter operator {self.op!r}")


@dataclass(frozen=True)
class Write:
    """One write of a batch that ``Store.write`` applies whole or not at all.

    ``insert`` needs ``id`` free and ``update`` needs the document there, or nothing of the
    batch is written; ``put`` stores ``doc``; ``delete`` removes the document if it is there.
    """

    op: Literal["put", "insert", "update", "delete"]
    coll: str
    id: str
    doc: Doc | None = None
    scope: str | None = None


def path_values(doc: Any, path: str) -> list[Any]:
    """Every value the dotted ``path`` reaches in ``doc``; lists are searched element by element."""
    found = [doc]
    for part in path.split("."):
        reached = []
        for value in found:
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict) and part in item:
                    reached.append(item[part])
        found = reached
    return [item for value in found for item in (value if isinstance(value, list) else [value])]


class Store(Protocol):
    """What handlers may ask of the state.

    Documents go in as copies; they come out read-only: a document a read returns may be shared
    with the store and with other readers, so a caller that wants to change one builds a new
    one (``{**doc, ...}``) and writes it back.
    """

    def get(self, coll: str, id: str, *, scope: str | None = None) -> Doc | None: ...

    def put(self, coll: str, id: str, doc: Doc, *, scope: str | None = None) -> None: ...

    def adopt(self, coll: str, id: str, doc: Doc, *, scope: str | None = None) -> None:
        """``put`` without the copy: the caller hands ``doc`` over and never changes it again.
        Seeding uses it so that documents may share sub-documents (a request's department)."""
        ...

    def insert(self, coll: str, id: str, doc: Doc, *, scope: str | None = None) -> bool:
        """Store ``doc`` only if ``id`` is free, atomically; False if it was taken."""
        ...

    def update(self, coll: str, id: str, patch: Doc, *, scope: str | None = None) -> Doc | None:
        """Merge ``patch`` into the document atomically; None if there is no such document."""
        ...

    def delete(self, coll: str, id: str, *, scope: str | None = None) -> bool: ...

    def write(self, writes: Sequence[Write]) -> list[Doc | None] | None:
        """Apply ``writes`` in order, atomically: all of them, or (an insert's id taken, an
        update's document missing) none, and None. Each write's document after it (None for a
        delete): a handler that changes two documents never leaves one of them half done."""
        ...

    def query(
        self,
        coll: str,
        *,
        where: Iterable[Where] = (),
        order: Order = (),
        offset: int = 0,
        limit: int | None = None,
        scope: str | None = None,
    ) -> tuple[list[Doc], int]:
        """The matching documents in ``order``, sliced, and how many matched in all."""
        ...

    def next_sequence(self, name: str) -> int:
        """An atomic counter, 1, 2, 3..., for minting ids that stay unique across workers."""
        ...

    def dump(self) -> dict[str, Any]:
        """Everything, as one JSON-able value in a stable order (read-only, like documents)."""
        ...

    def load(self, state: dict[str, Any]) -> None:
        """Replace everything with a ``dump()``, which stays the caller's, unchanged."""
        ...

    def reset(self) -> None:
        """Forget everything."""
        ...

    def mark_seed(self) -> None:
        """Keep the current state as the seed that ``restore_seed`` goes back to."""
        ...

    def restore_seed(self) -> None:
        """Back to the state ``mark_seed`` kept (an empty one if it was never called)."""
        ...

    def begin_request(self) -> None:
        """A request begins: a store shared with other processes catches up with them here,
        once, so that the request's reads need not each ask."""
        ...


@contextlib.contextmanager
def quiet_collector() -> Iterator[None]:
    """The garbage collector off while a large state is built, then that state frozen out of
    its walks: otherwise full collections over millions of new objects, each holding the
    interpreter, stall every other request. Nested (a state model built during an import),
    the inner one leaves the collector as the outer one set it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def let_go(handed: list[Any]) -> None:
    """Drop a replaced state a document at a time, in a thread of its own. Dropping the last
    reference to a large state at once is one cascade of deallocations that holds the
    interpreter (about 140 ms for 128 MB of documents), and every request waits for it.

    ``handed`` is ``[collections, *what else refers to them]`` and must hold the only
    references: the thread empties it, and a reference kept elsewhere would free the documents
    in one cascade wherever it is dropped."""
    threading.Thread(
        target=_free_in_pieces, args=(handed,), name="leadmock-let-go", daemon=True
    ).start()


def _free_in_pieces(handed: list[Any]) -> None:
    collections = handed[0]
    # What else refers to the collections (their indexes) goes first, or it would keep every
    # document alive to be freed in one cascade.
    del handed[:]
    held = list(collections.values())
    del collections
    while held:
        # Only lists made here are emptied: a request that took a collection's dict before the
        # swap may still read it; its documents are freed when that request is done.
        documents = list(held.pop().values())
        while documents:
            del documents[-64:]
    # The pages freed here go back to the system once they are all free.
    give_back_memory()


def fresh_id(store: Store, sequence: str, collection: str, *, scope: str | None = None) -> int:
    """The next value of ``sequence`` that no document of ``collection`` has as its id: after an
    imported state whose sequences lag behind its documents, a create never overwrites one."""
    while True:
        candidate = store.next_sequence(sequence)
        if store.get(collection, str(candidate), scope=scope) is None:
            return candidate


def _clone(value: Any) -> Any:
    """A deep copy of a JSON-able value: several times faster than ``copy.deepcopy``, which
    tracks shared references that JSON documents cannot have."""
    if isinstance(value, dict):
        return {key: _clone(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_clone(item) for item in value]
    return value


def _sort_key(value: Any) -> tuple[int, str, Any]:
    # Missing and null sort first, as in MongoDB; the type name keeps mixed types comparable.
    if value is None:
        return (0, "", 0)
    if isinstance(value, bool | int | float):
        return (1, "number", value)
    if isinstance(value, str):
        return (2, "string", value)
    return (3, type(value).__name__, repr(value))


@dataclass(frozen=True)
class _Result:
    """A query's matches in order: all of them, or the first ``upto`` (a first page)."""

    documents: list[Doc]
    total: int
    complete: bool

    @property
    def upto(self) -> int:
        return len(self.documents)


# A first page of a large listing is picked, not sorted: the first FIRST_PAGES documents in
# order, from a heap, which is linear in the matches where a sort is n log n with a Python key.
FIRST_PAGES = 400


def _ordered(matched: list[Doc], order: Order, end: int | None) -> _Result:
    if end is not None and max(end, FIRST_PAGES) * 16 <= len(matched):
        first = _first(matched, order, max(end, FIRST_PAGES))
        if first is not None:
            return _Result(first, len(matched), False)
    return _Result(order_documents(matched, order), len(matched), True)


def _first(docs: list[Doc], order: Order, count: int) -> list[Doc] | None:
    """The first ``count`` of ``docs`` as ``order_documents`` puts them, or None where only it
    can tell: keys in mixed directions, missing, null, of mixed types, or lists and objects
    (whose order there is their JSON text's, not Python's)."""
    directions = {direction for _, direction in order}
    if len(directions) != 1:
        return None
    fields = [field for field, _ in order]
    key = operator.itemgetter(*fields)
    pick = heapq.nlargest if directions == {-1} else heapq.nsmallest
    try:
        # Both are stable, as sorted() is: ties keep the documents' order.
        first = pick(count, docs, key=key)
    except (KeyError, TypeError):
        return None
    for doc in first:
        for field in fields:
            if doc[field] is None or isinstance(doc[field], list | dict):
                return None
    return first


def order_documents(docs: list[Doc], order: Order) -> list[Doc]:
    """Sort ``docs`` by several keys, each ascending or descending; ties keep their order."""
    ordered = list(docs)
    for field, direction in reversed(order):
        ordered.sort(key=lambda doc, f=field: _sort_key(doc.get(f)), reverse=direction < 0)
    return ordered


class MemoryStore:
    """A thread-safe, in-process ``Store``: dicts behind one re-entrant lock.

    Stored documents are never changed in place: a write stores a new document. So reads hand
    out the stored objects themselves, with no copy, and a dump or a reset snapshot shares them
    (a shallow copy of each collection, not of its documents).

    Two things keep queries flat as a collection grows. An equality condition is answered from
    a hash index on its field, built the first time a query asks for that field and kept up to
    date by every write. And a query's ordered result is kept until the next write to its
    collection, so paging through one listing sorts it once.
    """

    _CACHED_RESULTS = 16
    """Ordered results kept per collection (each a list of references, 8 bytes a match)."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._collections: dict[tuple[str, str | None], dict[str, Doc]] = {}
        self._sequences: dict[str, int] = {}
        self._derived: dict[tuple[str, str | None], _Derived] = {}
        self._seed: dict[str, Any] = {"collections": [], "sequences": {}}
        # Two scenarios (scenarios.py) act here, where every list is read: documents kept out
        # of lists for a while, by collection (id -> until, monotonic seconds).
        self._unlisted: dict[tuple[str, str | None], dict[str, float]] = {}
        self.list_lag = 0.0
        """Eventual consistency: seconds a new document stays out of lists (0: none)."""
        self._drift_armed = False

    def arm_drift(self) -> None:
        """List drift: the next read of a later page (offset above 0) first loses the last
        document of the page before it, as if it were deleted between the two reads."""
        self._drift_armed = True

    def forget_unlisted(self) -> None:
        with self._lock:
            self._unlisted.clear()
            self.list_lag, self._drift_armed = 0.0, False

    def _newly(self, key: tuple[str, str | None], id: str) -> None:
        if self.list_lag:
            self._unlisted.setdefault(key, {})[id] = time.monotonic() + self.list_lag

    def _collection(self, coll: str, scope: str | None) -> dict[str, Doc]:
        return self._collections.setdefault((coll, scope), {})

    def _wrote(
        self, key: tuple[str, str | None], id: str, old: Doc | None, new: Doc | None
    ) -> None:
        derived = self._derived.get(key)
        if derived is not None:
            derived.wrote(id, old, new)

    def get(self, coll: str, id: str, *, scope: str | None = None) -> Doc | None:
        with self._lock:
            return self._collections.get((coll, scope), {}).get(id)

    def put(self, coll: str, id: str, doc: Doc, *, scope: str | None = None) -> None:
        stored = _clone(doc)
        with self._lock:
            docs = self._collection(coll, scope)
            old = docs.get(id)
            self._wrote((coll, scope), id, old, stored)
            docs[id] = stored
            if old is None:
                self._newly((coll, scope), id)

    def adopt(self, coll: str, id: str, doc: Doc, *, scope: str | None = None) -> None:
        with self._lock:
            docs = self._collection(coll, scope)
            self._wrote((coll, scope), id, docs.get(id), doc)
            docs[id] = doc

    def insert(self, coll: str, id: str, doc: Doc, *, scope: str | None = None) -> bool:
        with self._lock:
            docs = self._collection(coll, scope)
            if id in docs:
                return False
            stored = _clone(doc)
            self._wrote((coll, scope), id, None, stored)
            docs[id] = stored
            self._newly((coll, scope), id)
            return True

    def update(self, coll: str, id: str, patch: Doc, *, scope: str | None = None) -> Doc | None:
        patch = _clone(patch)
        with self._lock:
            docs = self._collections.get((coll, scope), {})
            if id not in docs:
                return None
            merged = {**docs[id], **patch}
            self._wrote((coll, scope), id, docs[id], merged)
            docs[id] = merged
            return merged

    def delete(self, coll: str, id: str, *, scope: str | None = None) -> bool:
        with self._lock:
            docs = self._collections.get((coll, scope), {})
            if id not in docs:
                return False
            self._wrote((coll, scope), id, docs[id], None)
            del docs[id]
            return True

    def write(self, writes: Sequence[Write]) -> list[Doc | None] | None:
        with self._lock:
            for w in writes:
                present = w.id in self._collections.get((w.coll, w.scope), {})
                if (w.op == "insert" and present) or (w.op == "update" and not present):
                    return None
            done: list[Doc | None] = []
            for w in writes:
                if w.op == "delete":
                    self.delete(w.coll, w.id, scope=w.scope)
                    done.append(None)
                elif w.op == "update":
                    done.append(self.update(w.coll, w.id, w.doc or {}, scope=w.scope))
                else:
                    self.put(w.coll, w.id, w.doc or {}, scope=w.scope)
                    done.append(self.get(w.coll, w.id, scope=w.scope))
            return done

    def query(
        self,
        coll: str,
        *,
        where: Iterable[Where] = (),
        order: Order = (),
        offset: int = 0,
        limit: int | None = None,
        scope: str | None = None,
    ) -> tuple[list[Doc], int]:
        conditions = list(where)
        with self._lock:
            key = (coll, scope)
            docs = self._collections.get(key)
            if docs is None:
                return [], 0
            derived = self._derived.get(key)
            if derived is None:
                derived = self._derived[key] = _Derived(docs, self._CACHED_RESULTS)
            if self._unlisted or (self._drift_armed and offset > 0 and limit is not None):
                return self._query_unlisted(key, docs, conditions, order, offset, limit)
            asked = (repr(conditions), repr(list(order)))
            end = None if limit is None else offset + limit
            known = derived.results.get(asked)
            if known is None or not (known.complete or (end is not None and end <= known.upto)):
                candidates = derived.candidates(conditions)
                matched = [doc for doc in candidates if all(c.matches(doc) for c in conditions)]
                known = _ordered(matched, order, end)
                derived.remember(asked, known)
            return known.documents[offset:end], known.total

    def _query_unlisted(
        self,
        key: tuple[str, str | None],
        docs: dict[str, Doc],
        conditions: list[Where],
        order: Order,
        offset: int,
        limit: int | None,
    ) -> tuple[list[Doc], int]:
        """A query while documents are kept out of lists: every match ordered (no cache),
        less those kept out. Rare (a scenario is set), so simple."""
        matched = [doc for doc in docs.values() if all(c.matches(doc) for c in conditions)]
        ordered = _ordered(matched, order, None).documents
        if self._drift_armed and offset > 0 and limit is not None:
            self._drift_armed = False
            if offset - 1 < len(ordered):
                lost = ordered[offset - 1]
                lost_id = next(id for id, doc in docs.items() if doc is lost)
                self._unlisted.setdefault(key, {})[lost_id] = math.inf
        now = time.monotonic()
        kept_out = self._unlisted.get(key, {})
        for id, until in list(kept_out.items()):
            if until <= now:
                del kept_out[id]
        if not kept_out:
            self._unlisted.pop(key, None)
        hidden = {builtins.id(docs[i]) for i in kept_out if i in docs}
        listed = [doc for doc in ordered if builtins.id(doc) not in hidden]
        end = None if limit is None else offset + limit
        return listed[offset:end], len(listed)

    def next_sequence(self, name: str) -> int:
        with self._lock:
            self._sequences[name] = self._sequences.get(name, 0) + 1
            return self._sequences[name]

    def dump(self) -> dict[str, Any]:
        with self._lock:
            collections = [
                {"collection": coll, "scope": scope, "documents": dict(docs)}
                for (coll, scope), docs in sorted(
                    self._collections.items(), key=lambda item: (item[0][0], item[0][1] or "")
                )
            ]
            sequences = dict(sorted(self._sequences.items()))
            return {"collections": collections, "sequences": sequences}

    def load(self, state: dict[str, Any]) -> None:
        collections = {
            (entry["collection"], entry["scope"]): dict(entry["documents"])
            for entry in state["collections"]
        }
        with self._lock:
            replaced = [self._collections, self._derived]
            self._collections = collections
            self._sequences = dict(state["sequences"])
            self._derived = {}
        let_go(replaced)

    def reset(self) -> None:
        with self._lock:
            replaced = [self._collections, self._derived]
            self._collections, self._derived = {}, {}
            self._sequences.clear()
        let_go(replaced)

    def mark_seed(self) -> None:
        # A dump shares the (never changed) documents: the seed costs a reference each.
        self._seed = self.dump()

    def restore_seed(self) -> None:
        self.load(self._seed)
        self.forget_unlisted()

    def begin_request(self) -> None:
        pass


class _Derived:
    """What ``MemoryStore`` derives from one collection: equality indexes and recent results.

    Index buckets are put back in insertion order (a rank given at first insertion, the order
    the collection's dict keeps), so a query answered from an index lists ties as a scan would.
    """

    def __init__(self, docs: dict[str, Doc], cached: int) -> None:
        self.docs = docs
        self.cached = cached
        self.indexes: dict[str, dict[Any, dict[str, None]]] = {}
        self.ranks = {id: rank for rank, id in enumerate(docs)}
        self.next_rank = len(self.ranks)
        self.results: dict[tuple[str, str], _Result] = {}

    def wrote(self, id: str, old: Doc | None, new: Doc | None) -> None:
        """Keep the indexes true and forget every result, before ``id`` goes from old to new."""
        self.results.clear()
        if old is None:
            self.ranks[id] = self.next_rank
            self.next_rank += 1
        elif new is None:
            del self.ranks[id]
        for field, index in self.indexes.items():
            before, after = _index_key(old, field), _index_key(new, field)
            if before == after:
                continue
            if before is not _ABSENT:
                bucket = index[before]
                del bucket[id]
                if not bucket:
                    del index[before]
            if after is not _ABSENT:
                index.setdefault(after, {})[id] = None

    def candidates(self, conditions: list[Where]) -> Iterable[Doc]:
        """The documents that may match: the smallest equality bucket, or all of them."""
        best: dict[str, None] | None = None
        for condition in conditions:
            if condition.op != "eq" or not isinstance(condition.field, str):
                continue
            bucket = self._index(condition.field).get(_hashable(condition.value), {})
            if best is None or len(bucket) < len(best):
                best = bucket
        if best is None or len(best) * 4 > len(self.docs):
            # Most of the collection: a scan in insertion order beats sorting the bucket by rank.
            return self.docs.values()
        return [self.docs[id] for id in sorted(best, key=self.ranks.__getitem__)]

    def remember(self, asked: tuple[str, str], ordered: _Result) -> None:
        if len(self.results) >= self.cached:
            self.results.pop(next(iter(self.results)))
        self.results[asked] = ordered

    def _index(self, field: str) -> dict[Any, dict[str, None]]:
        index = self.indexes.get(field)
        if index is None:
            index = self.indexes[field] = {}
            for id, doc in self.docs.items():
                key = _index_key(doc, field)
                if key is not _ABSENT:
                    index.setdefault(key, {})[id] = None
        return index


_ABSENT = object()


def _hashable(value: Any) -> Any:
    # Lists and objects are indexed by their JSON text: equal values give equal text.
    if isinstance(value, str | int | float | bool | None):
        return value
    return json.dumps(value, sort_keys=True)


def _index_key(doc: Doc | None, field: str) -> Any:
    if doc is None or field not in doc:
        return _ABSENT
    return _hashable(doc[field])
