"""``RedisStore``: the ``Store`` kept in Redis, for several workers and hosts at once.

Redis holds the truth; each process keeps a mirror of it (a ``MemoryStore``) to answer reads,
so filters, orders, pages and counts are the memory store's own code, on the same documents.

- A collection (a name and a scope) is a hash of documents by id, with a sorted set of the ids
  by insertion rank: a mirror rebuilt from them lists ties in the order the memory store would.
- A document is kept as its top-level fields, one line each, ``"key"<TAB>value`` in JSON (JSON
  text has no raw tab or newline), so a Lua script merges an update into it atomically without
  parsing JSON: values stay byte for byte what Python wrote, and field order stays Python's.
- Every write is one Lua script, which also appends (collection, id, put or delete) to a change
  log, a stream numbered by a counter. A mirror catches up by reading the log past the number
  it has seen, with the current text of each changed document, in one round trip. A load, a
  reset or a restored seed bumps an epoch instead, and every mirror reloads whole.
- A read catches up first, unless the mirror already did so since the current request began
  (``begin_request``) and no write went to Redis since. So a request sees every write answered
  before it started, and its own.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Iterable
from typing import Any

import orjson

from mockserver.shared.connection import StoreURL, unavailable
from mockserver.store import Doc, MemoryStore, Order, Where

LOG_LENGTH = 100_000
"""Changes the log keeps; a mirror further behind than this reloads whole."""
_CHUNK = 2_000
"""Documents per command when a whole state is written."""

# The keys of one mock's state, under its prefix P: P:colls (the collections), P:d:<c> and
# P:r:<c> (a collection's documents and ranks), P:rank (each collection's next rank), P:seq
# (the sequences), P:log and P:logseq (the change log), P:epoch. P:seed:* holds a copy of the
# state keys, the seed that a reset goes back to.
_LUA_HELPERS = """
local p = ARGV[1]
local function logged(ck, id, op)
  local n = redis.call('INCR', p .. ':logseq')
  redis.call('XADD', p .. ':log', 'MAXLEN', '~', LOG_LENGTH, n .. '-1', 'c', ck, 'i', id, 'o', op)
  return n
end
local function ranked(ck, id)
  redis.call('ZADD', p .. ':r:' .. ck, redis.call('HINCRBY', p .. ':rank', ck, 1), id)
  redis.call('SADD', p .. ':colls', ck)
end
local function drop_state(q)
  for _, ck in ipairs(redis.call('SMEMBERS', q .. ':colls')) do
    redis.call('DEL', q .. ':d:' .. ck, q .. ':r:' .. ck)
  end
  redis.call('DEL', q .. ':colls', q .. ':rank', q .. ':seq')
end
local function copy_state(from, to)
  drop_state(to)
  for _, ck in ipairs(redis.call('SMEMBERS', from .. ':colls')) do
    redis.call('COPY', from .. ':d:' .. ck, to .. ':d:' .. ck)
    redis.call('COPY', from .. ':r:' .. ck, to .. ':r:' .. ck)
  end
  for _, key in ipairs({':colls', ':rank', ':seq'}) do
    redis.call('COPY', from .. key, to .. key)
  end
end
local function new_epoch()
  redis.call('DEL', p .. ':log')
  redis.call('INCR', p .. ':logseq')
  return redis.call('INCR', p .. ':epoch')
end
""".replace("LOG_LENGTH", str(LOG_LENGTH))

# ARGV: prefix, collection key, id, document text.
_PUT = """
if redis.call('HSET', p .. ':d:' .. ARGV[2], ARGV[3], ARGV[4]) == 1 then
  ranked(ARGV[2], ARGV[3])
end
return logged(ARGV[2], ARGV[3], 'p')
"""
_INSERT = """
if redis.call('HSETNX', p .. ':d:' .. ARGV[2], ARGV[3], ARGV[4]) == 0 then return 0 end
ranked(ARGV[2], ARGV[3])
return logged(ARGV[2], ARGV[3], 'p')
"""
# ARGV: prefix, collection key, id, patch text. Returns {log number, merged text} or false.
_UPDATE = """
local docs = p .. ':d:' .. ARGV[2]
local old = redis.call('HGET', docs, ARGV[3])
if not old then return false end
local keys, values, where = {}, {}, {}
local function take(text)
  for line in string.gmatch(text, '[^\\n]+') do
    local tab = string.find(line, '\\t', 1, true)
    local key = string.sub(line, 1, tab - 1)
    if where[key] == nil then
      keys[#keys + 1] = key
      where[key] = #keys
    end
    values[where[key]] = string.sub(line, tab + 1)
  end
end
take(old)
take(ARGV[4])
local lines = {}
for i, key in ipairs(keys) do lines[i] = key .. '\\t' .. values[i] end
local merged = table.concat(lines, '\\n')
redis.call('HSET', docs, ARGV[3], merged)
return {logged(ARGV[2], ARGV[3], 'p'), merged}
"""
_DELETE = """
if redis.call('HDEL', p .. ':d:' .. ARGV[2], ARGV[3]) == 0 then return 0 end
redis.call('ZREM', p .. ':r:' .. ARGV[2], ARGV[3])
return logged(ARGV[2], ARGV[3], 'd')
"""
# ARGV: prefix, the mirror's epoch, the last log number it applied. Returns {epoch} when the
# mirror must reload, else {epoch, log number, then collection, id, op, text for each change}.
_CATCH_UP = """
local epoch = redis.call('GET', p .. ':epoch') or '0'
if epoch ~= ARGV[2] then return {epoch} end
local seen = tonumber(ARGV[3])
local last = tonumber(redis.call('GET', p .. ':logseq') or '0')
if last == seen then return {epoch, last} end
if last - seen > MOST then return {epoch} end
local changes = redis.call('XRANGE', p .. ':log', (seen + 1) .. '-0', '+')
local first = changes[1]
if first == nil or tonumber(string.match(first[1], '^%d+')) ~= seen + 1 then return {epoch} end
local out = {epoch, last}
for _, change in ipairs(changes) do
  local f = change[2]
  local ck, id, op = f[2], f[4], f[6]
  local text = ''
  if op == 'p' then
    text = redis.call('HGET', p .. ':d:' .. ck, id)
    if not text then op, text = 'x', '' end
  end
  out[#out + 1] = ck
  out[#out + 1] = id
  out[#out + 1] = op
  out[#out + 1] = text
end
return out
""".replace("MOST", str(LOG_LENGTH // 10))
# Everything, for a mirror that reloads: {epoch, log number, sequences, then per collection
# its key, its ids in rank order and its documents (id, text, ...)}.
_SNAPSHOT = """
local out = {redis.call('GET', p .. ':epoch') or '0', redis.call('GET', p .. ':logseq') or '0',
             redis.call('HGETALL', p .. ':seq')}
for _, ck in ipairs(redis.call('SMEMBERS', p .. ':colls')) do
  out[#out + 1] = ck
  out[#out + 1] = redis.call('ZRANGE', p .. ':r:' .. ck, 0, -1)
  out[#out + 1] = redis.call('HGETALL', p .. ':d:' .. ck)
end
return out
"""
_DROP = "drop_state(p)\nreturn new_epoch()"
_MARK_SEED = "copy_state(p, p .. ':seed')\nreturn 1"
_RESTORE_SEED = "copy_state(p .. ':seed', p)\nreturn new_epoch()"
_SEQUENCES = "return redis.call('HGETALL', p .. ':seq')"


def encode(doc: Doc) -> bytes:
    """A document as the lines its update script merges: ``"key"<TAB>value`` per field."""
    return b"\n".join(orjson.dumps(key) + b"\t" + orjson.dumps(value) for key, value in doc.items())


def decode(text: bytes) -> Doc:
    """The document ``encode`` wrote."""
    return orjson.loads(b"{" + text.replace(b"\t", b":").replace(b"\n", b",") + b"}")


def collection_key(coll: str, scope: str | None) -> bytes:
    return orjson.dumps([coll, scope])


_request_began: contextvars.ContextVar[float] = contextvars.ContextVar("leadmock_request_began")


class RedisStore:
    """A ``Store`` in Redis under ``prefix``, read through a mirror kept in this process."""

    def __init__(self, client: Any, store_url: StoreURL) -> None:
        self.client = client
        self.prefix = store_url.prefix
        self.shown = store_url.shown
        self._mirror = MemoryStore()
        self._epoch = b""
        self._seen = -1
        self._caught_up_at = -1.0
        self._dirty = True
        self.lost = False
        """Set when Redis came back empty (restarted without persistence): the owner seeds."""
        self._lock = threading.Lock()
        self._scripts = {
            name: client.register_script(_LUA_HELPERS + body)
            for name, body in {
                "put": _PUT,
                "insert": _INSERT,
                "update": _UPDATE,
                "delete": _DELETE,
                "catch_up": _CATCH_UP,
                "snapshot": _SNAPSHOT,
                "drop": _DROP,
                "mark_seed": _MARK_SEED,
                "restore_seed": _RESTORE_SEED,
                "sequences": _SEQUENCES,
            }.items()
        }

    # -- keeping the mirror current -------------------------------------------------------

    def begin_request(self) -> None:
        """Catch up now, once for the whole request: its reads then need no round trip."""
        _request_began.set(time.monotonic())
        self._catch_up(force=True)

    def _catch_up(self, *, force: bool = False) -> None:
        began = _request_began.get(None)
        if not force and began is not None and not self._dirty and self._caught_up_at >= began:
            return
        with self._lock, unavailable(self.shown):
            started = time.monotonic()
            self._dirty = False
            try:
                reply = self._run("catch_up", self._epoch, self._seen)
                if len(reply) == 1:
                    self._reload()
                else:
                    self._apply(reply)
            except BaseException:
                self._dirty = True
                raise
            self._caught_up_at = started

    def _apply(self, reply: list[Any]) -> None:
        mirror = self._mirror
        for index in range(2, len(reply), 4):
            ck, id, op, text = reply[index : index + 4]
            coll, scope = orjson.loads(ck)
            key = id.decode()
            if op == b"d":
                mirror.delete(coll, key, scope=scope)
            elif op == b"p":
                mirror.adopt(coll, key, decode(text), scope=scope)
        self._seen = int(reply[1])

    def _reload(self) -> None:
        reply = self._run("snapshot")
        collections = []
        for index in range(3, len(reply), 3):
            ck, ids, flat = reply[index : index + 3]
            coll, scope = orjson.loads(ck)
            texts = dict(zip(flat[::2], flat[1::2], strict=True))
            documents = {id.decode(): decode(texts[id]) for id in ids if id in texts}
            collections.append({"collection": coll, "scope": scope, "documents": documents})
        self._mirror.load({"collections": collections, "sequences": {}})
        if reply[0] == b"0" and self._epoch not in (b"", b"0"):
            # No epoch where there was one: Redis came back without the state.
            self.lost = True
        self._epoch, self._seen = reply[0], int(reply[1])

    def _wrote(self, number: int, apply: Any) -> None:
        """After a write logged as ``number``: the mirror takes it too when nothing else was
        written since it caught up, else it catches up before its next read."""
        with self._lock:
            if number == self._seen + 1 and not self._dirty:
                apply()
                self._seen = number
            else:
                self._dirty = True

    def _run(self, script: str, *args: Any) -> Any:
        return self._scripts[script](args=[self.prefix, *args])

    # -- the Store interface ---------------------------------------------------------------

    def get(self, coll: str, id: str, *, scope: str | None = None) -> Doc | None:
        self._catch_up()
        return self._mirror.get(coll, id, scope=scope)

    def put(self, coll: str, id: str, doc: Doc, *, scope: str | None = None) -> None:
        text = encode(doc)
        with unavailable(self.shown):
            number = self._run("put", collection_key(coll, scope), id, text)
        self._wrote(number, lambda: self._mirror.adopt(coll, id, decode(text), scope=scope))

    def adopt(self, coll: str, id: str, doc: Doc, *, scope: str | None = None) -> None:
        self.put(coll, id, doc, scope=scope)

    def insert(self, coll: str, id: str, doc: Doc, *, scope: str | None = None) -> bool:
        text = encode(doc)
        with unavailable(self.shown):
            number = self._run("insert", collection_key(coll, scope), id, text)
        if not number:
            return False
        self._wrote(number, lambda: self._mirror.adopt(coll, id, decode(text), scope=scope))
        return True

    def update(self, coll: str, id: str, patch: Doc, *, scope: str | None = None) -> Doc | None:
        with unavailable(self.shown):
            reply = self._run("update", collection_key(coll, scope), id, encode(patch))
        if not reply:
            return None
        number, merged = int(reply[0]), decode(reply[1])
        self._wrote(number, lambda: self._mirror.adopt(coll, id, merged, scope=scope))
        return merged

    def delete(self, coll: str, id: str, *, scope: str | None = None) -> bool:
        with unavailable(self.shown):
            number = self._run("delete", collection_key(coll, scope), id)
        if not number:
            return False
        self._wrote(number, lambda: self._mirror.delete(coll, id, scope=scope))
        return True

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
        self._catch_up()
        return self._mirror.query(
            coll, where=where, order=order, offset=offset, limit=limit, scope=scope
        )

    def next_sequence(self, name: str) -> int:
        with unavailable(self.shown):
            return int(self.client.hincrby(f"{self.prefix}:seq", name, 1))

    def dump(self) -> dict[str, Any]:
        self._catch_up(force=True)
        with unavailable(self.shown):
            flat = self._run("sequences")
        state = self._mirror.dump()
        pairs = zip(flat[::2], flat[1::2], strict=True)
        state["sequences"] = dict(sorted((name.decode(), int(value)) for name, value in pairs))
        return state

    def load(self, state: dict[str, Any]) -> None:
        """Replace everything in one transaction: other workers see the old state or the new,
        never a mixture, and a Redis stopped midway keeps the old."""
        with unavailable(self.shown):
            pipe = self.client.pipeline(transaction=True)
            self._scripts["drop"](args=[self.prefix], client=pipe)
            p = self.prefix
            for entry in state["collections"]:
                ck = collection_key(entry["collection"], entry["scope"])
                documents = list(entry["documents"].items())
                if not documents:
                    continue
                pipe.sadd(f"{p}:colls", ck)
                pipe.hset(f"{p}:rank", ck, len(documents))
                for start in range(0, len(documents), _CHUNK):
                    chunk = documents[start : start + _CHUNK]
                    pipe.hset(
                        f"{p}:d:".encode() + ck, mapping={id: encode(doc) for id, doc in chunk}
                    )
                    pipe.zadd(
                        f"{p}:r:".encode() + ck,
                        {id: start + rank + 1 for rank, (id, _) in enumerate(chunk)},
                    )
            if state["sequences"]:
                pipe.hset(f"{p}:seq", mapping=state["sequences"])
            pipe.execute()
        with self._lock:
            self._dirty = True

    def reset(self) -> None:
        with unavailable(self.shown):
            self._run("drop")
        with self._lock:
            self._dirty = True

    def mark_seed(self) -> None:
        with unavailable(self.shown):
            self._run("mark_seed")

    def restore_seed(self) -> None:
        with unavailable(self.shown):
            self._run("restore_seed")
        with self._lock:
            self._dirty = True
