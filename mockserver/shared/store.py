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
  it has seen, with the current text of each changed document, in one round trip.
- A whole state (a load, the seed, a reset to it) is written aside under a staging prefix and
  renamed in by one script, which bumps an epoch: every mirror then reloads, a chunk a call, or
  goes back to its own copy of the seed when Redis marks the new state as that seed.
- A read catches up first, unless the mirror already did so since the current request began
  (``begin_request``) and no write went to Redis since. So a request sees every write answered
  before it started, and its own.
"""

from __future__ import annotations

import contextvars
import itertools
import threading
import time
from collections.abc import Iterable, Sequence
from typing import Any

import orjson

from mockserver.errors import ServiceUnavailable
from mockserver.shared.connection import StoreURL, connect, run_script, unavailable
from mockserver.store import Doc, MemoryStore, Order, Where, Write, quiet_collector

LOG_LENGTH = 100_000
"""Changes the log keeps; a mirror further behind than this reloads whole."""
_CHUNK = 2_000
_RELOADS = 4
"""Whole reloads a catch-up tries before it gives up (each one more if the state was replaced
again while it read)."""
BULK_SECONDS = 120.0
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
-- UNLINK: a large collection is freed in the background, not while Redis answers.
local function drop_state(q)
  for _, ck in ipairs(redis.call('SMEMBERS', q .. ':colls')) do
    redis.call('UNLINK', q .. ':d:' .. ck, q .. ':r:' .. ck)
  end
  redis.call('UNLINK', q .. ':colls', q .. ':rank', q .. ':seq')
end
-- The state under q replaced by the one under from (which is left empty): renames, O(1) each.
local function swap_in(from, q)
  drop_state(q)
  for _, ck in ipairs(redis.call('SMEMBERS', from .. ':colls')) do
    for _, kind in ipairs({':d:', ':r:'}) do
      if redis.call('EXISTS', from .. kind .. ck) == 1 then
        redis.call('RENAME', from .. kind .. ck, q .. kind .. ck)
      end
    end
  end
  for _, key in ipairs({':colls', ':rank', ':seq'}) do
    if redis.call('EXISTS', from .. key) == 1 then redis.call('RENAME', from .. key, q .. key) end
  end
end
-- The document's lines with the patch's merged in (a field's line replaced in place, a new
-- field's appended), stored; false when there is no such document.
local function merged_into(ck, id, patch)
  local docs = p .. ':d:' .. ck
  local old = redis.call('HGET', docs, id)
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
  take(patch)
  local lines = {}
  for i, key in ipairs(keys) do lines[i] = key .. '\\t' .. values[i] end
  local merged = table.concat(lines, '\\n')
  redis.call('HSET', docs, id, merged)
  return merged
end
local function new_epoch()
  redis.call('DEL', p .. ':log', p .. ':seedmark')
  redis.call('INCR', p .. ':logseq')
  return redis.call('INCR', p .. ':epoch')
end
-- P:seedmark says "at this epoch and log number the state is seed N": a mirror that keeps a
-- copy of seed N takes it instead of reading the state from Redis.
local function mark_as_seed()
  local function got(key) return redis.call('GET', p .. key) or '0' end
  local mark = got(':epoch') .. ':' .. got(':seedid') .. ':' .. got(':logseq')
  redis.call('SET', p .. ':seedmark', mark)
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
local merged = merged_into(ARGV[2], ARGV[3], ARGV[4])
if not merged then return false end
return {logged(ARGV[2], ARGV[3], 'p'), merged}
"""
# ARGV: prefix, then op, collection key, id, text for each write. Every insert's id must be
# free and every update's document there, else nothing is written (false). Returns the first
# and last log numbers (0 when nothing changed), then each write's text after it.
_WRITE = """
for i = 2, #ARGV, 4 do
  local there = redis.call('HEXISTS', p .. ':d:' .. ARGV[i + 1], ARGV[i + 2]) == 1
  if (ARGV[i] == 'insert' and there) or (ARGV[i] == 'update' and not there) then
    return false
  end
end
local out, first, last = {0, 0}, 0, 0
for i = 2, #ARGV, 4 do
  local op, ck, id, text = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local n = 0
  if op == 'delete' then
    text = ''
    if redis.call('HDEL', p .. ':d:' .. ck, id) == 1 then
      redis.call('ZREM', p .. ':r:' .. ck, id)
      n = logged(ck, id, 'd')
    end
  elseif op == 'update' then
    text = merged_into(ck, id, text)
    n = logged(ck, id, 'p')
  else
    if redis.call('HSET', p .. ':d:' .. ck, id, text) == 1 then ranked(ck, id) end
    n = logged(ck, id, 'p')
  end
  if n > 0 then
    if first == 0 then first = n end
    last = n
  end
  out[#out + 1] = text
end
out[1], out[2] = first, last
return out
"""
_DELETE = """
if redis.call('HDEL', p .. ':d:' .. ARGV[2], ARGV[3]) == 0 then return 0 end
redis.call('ZREM', p .. ':r:' .. ARGV[2], ARGV[3])
return logged(ARGV[2], ARGV[3], 'd')
"""
# ARGV: prefix, the mirror's epoch, the last log number it applied; KEYS: keys whose values
# the caller wants in the same round trip. Returns {values, epoch} when the mirror must reload,
# else {values, epoch, log number, then collection, id, op, text for each change}.
_CATCH_UP = """
local function catch_up()
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
end
local watched = {}
for i, key in ipairs(KEYS) do watched[i] = redis.call('GET', key) end
local reply = catch_up()
table.insert(reply, 1, watched)
return reply
""".replace("MOST", str(LOG_LENGTH // 10))
_DROP = "drop_state(p)\nreturn new_epoch()"
# ARGV: prefix, the staged state's prefix, and where it goes (the live state's or the seed's).
_DROP_STAGED = "drop_state(ARGV[2])\nreturn 1"
# ARGV[4]: 'seed' when the state swapped in is the seed (a restore).
_SWAP_IN = """
swap_in(ARGV[2], ARGV[3])
if ARGV[3] ~= p then return 0 end
local epoch = new_epoch()
if ARGV[4] == 'seed' then mark_as_seed() end
return epoch
"""
# ARGV: prefix, the epoch and log number before the seed was copied. A new seed id; the live
# state is marked as that seed when nothing was written meanwhile.
_NEW_SEED = """
local sid = redis.call('INCR', p .. ':seedid')
if (redis.call('GET', p .. ':epoch') or '0') == ARGV[2]
    and (redis.call('GET', p .. ':logseq') or '0') == ARGV[3] then
  mark_as_seed()
else
  redis.call('DEL', p .. ':seedmark')
end
return sid
"""
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

    def __init__(self, client: Any, store_url: StoreURL, *, bulk: Any = None) -> None:
        self.client = client
        self.bulk = bulk if bulk is not None else connect(store_url, timeout=BULK_SECONDS)
        """For whole states (loads, seeds, reloads): calls that may take seconds."""
        self.prefix = store_url.prefix
        self.shown = store_url.shown
        self._mirror = MemoryStore()
        self._epoch = b""
        self._seen = -1
        self._caught_up_at = -1.0
        self._dirty = True
        self._dirtied = 0
        """How often the mirror was left behind by a write (a catch-up under way then does not
        clear ``_dirty``: its reply may predate that write)."""
        self._seed_copy: tuple[bytes, dict[str, Any]] | None = None
        """(seed id, state): the seed as this process last read it whole."""
        self._lock = threading.Lock()
        self._scripts = {
            name: client.register_script(_LUA_HELPERS + body)
            for name, body in {
                "put": _PUT,
                "insert": _INSERT,
                "update": _UPDATE,
                "write": _WRITE,
                "delete": _DELETE,
                "catch_up": _CATCH_UP,
                "drop": _DROP,
                "drop_staged": _DROP_STAGED,
                "swap_in": _SWAP_IN,
                "new_seed": _NEW_SEED,
                "sequences": _SEQUENCES,
            }.items()
        }

    # -- keeping the mirror current -------------------------------------------------------

    def begin_request(self, watch: Sequence[str] = ()) -> list[bytes | None]:
        """Catch up now, once for the whole request: its reads then need no round trip. The
        values of the ``watch`` keys come back from the same round trip (the faults' version)."""
        _request_began.set(time.monotonic())
        return self._catch_up(force=True, watch=watch)

    async def begin_request_async(self, client: Any, watch: Sequence[str] = ()) -> list[Any]:
        """``begin_request`` through an asyncio client: the event loop answers other requests
        while Redis answers this one. Requests catching up at once each apply their reply only
        if it is at least as new as the mirror (each holds every change's current text)."""
        started = time.monotonic()
        _request_began.set(started)
        epoch, seen, dirtied = self._epoch, self._seen, self._dirtied
        with unavailable(self.shown):
            reply = await run_script(
                client, self._scripts["catch_up"], keys=list(watch),
                args=[self.prefix, epoch, seen],
            )  # fmt: skip
        if len(reply) == 2:
            # The state was replaced whole: the blocking path reloads (rare: a reset, a load).
            return self._catch_up(force=True, watch=watch)
        with self._lock:
            # A mirror moved to a newer epoch meanwhile is newer than this reply: left as it is.
            if self._epoch == epoch:
                if int(reply[2]) >= self._seen:
                    self._apply(reply)
                if self._dirtied == dirtied:
                    self._dirty = False
                self._caught_up_at = max(self._caught_up_at, started)
        return reply[0]

    def _catch_up(self, *, force: bool = False, watch: Sequence[str] = ()) -> list[bytes | None]:
        began = _request_began.get(None)
        if not force and began is not None and not self._dirty and self._caught_up_at >= began:
            return []
        with self._lock, unavailable(self.shown):
            started = time.monotonic()
            self._dirty = False
            try:
                for _ in range(_RELOADS):
                    reply = self._scripts["catch_up"](
                        keys=list(watch), args=[self.prefix, self._epoch, self._seen]
                    )
                    if len(reply) > 2:
                        self._apply(reply)
                        break
                    if not self._from_seed_copy(reply[1]):
                        self._reload()
                else:
                    raise ServiceUnavailable(
                        "The mock's shared store changed whole too often to read it; try again"
                    )
            except BaseException:
                self._dirty = True
                raise
            self._caught_up_at = started
            return reply[0]

    def _apply(self, reply: list[Any]) -> None:
        mirror = self._mirror
        for index in range(3, len(reply), 4):
            ck, id, op, text = reply[index : index + 4]
            coll, scope = orjson.loads(ck)
            key = id.decode()
            if op == b"d":
                mirror.delete(coll, key, scope=scope)
            elif op == b"p":
                mirror.adopt(coll, key, decode(text), scope=scope)
        self._seen = int(reply[2])

    def _from_seed_copy(self, epoch: bytes) -> bool:
        """The mirror back to this process's copy of the seed, when Redis marks the state of
        ``epoch`` as that seed restored (a reset): no read of the whole state."""
        if self._seed_copy is None:
            return False
        mark = self.client.get(f"{self.prefix}:seedmark")
        if mark is None:
            return False
        marked_epoch, sid, seen = mark.split(b":")
        if marked_epoch != epoch or sid != self._seed_copy[0]:
            return False
        self._mirror.load(self._seed_copy[1])
        self._epoch, self._seen = epoch, int(seen)
        return True

    def _reload(self) -> None:
        """The mirror rebuilt whole, a chunk of documents a call (a joiner's first read of a
        large state must not stall Redis, nor wait on one long reply). Writes meanwhile are
        in the log past the number read first: the caller catches up on them next."""
        bulk = self.bulk
        p = self.prefix
        pipe = bulk.pipeline(transaction=True)
        pipe.get(f"{p}:epoch")
        pipe.get(f"{p}:logseq")
        pipe.smembers(f"{p}:colls")
        pipe.get(f"{p}:seedmark")
        epoch, seen, cks, mark = pipe.execute()
        collections = []
        with quiet_collector():
            self._read_collections(sorted(cks), collections)
        state = {"collections": collections, "sequences": {}}
        self._mirror.load(state)
        self._epoch, self._seen = epoch or b"0", int(seen or 0)
        if mark is not None and mark.split(b":")[0::2] == [self._epoch, str(self._seen).encode()]:
            # What was read is exactly a seed: kept, for the next reset to go back to.
            self._seed_copy = (mark.split(b":")[1], state)

    def _read_collections(self, cks: list[bytes], collections: list[dict[str, Any]]) -> None:
        bulk, p = self.bulk, self.prefix
        for ck in cks:
            coll, scope = orjson.loads(ck)
            documents: dict[str, Doc] = {}
            for start in itertools.count(0, _CHUNK):
                ids = bulk.zrange(f"{p}:r:".encode() + ck, start, start + _CHUNK - 1)
                if not ids:
                    break
                texts = bulk.hmget(f"{p}:d:".encode() + ck, ids)
                for id, text in zip(ids, texts, strict=True):
                    if text is not None:
                        documents[id.decode()] = decode(text)
            collections.append({"collection": coll, "scope": scope, "documents": documents})

    def _wrote(self, number: int, apply: Any, *, last: int | None = None) -> None:
        """After a write logged as ``number`` (to ``last``, for a batch): the mirror takes it
        too when nothing else was written since it caught up, else it catches up before its
        next read."""
        with self._lock:
            if number == self._seen + 1 and not self._dirty:
                apply()
                self._seen = number if last is None else last
            else:
                self._mark_dirty()

    def _mark_dirty(self) -> None:
        self._dirty = True
        self._dirtied += 1

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

    def write(self, writes: Sequence[Write]) -> list[Doc | None] | None:
        args: list[Any] = []
        for w in writes:
            text = b"" if w.op == "delete" else encode(w.doc or {})
            args += [w.op, collection_key(w.coll, w.scope), w.id, text]
        with unavailable(self.shown):
            reply = self._run("write", *args)
        if not reply:
            return None
        first, last = int(reply[0]), int(reply[1])
        done = [
            None if w.op == "delete" else decode(t) for w, t in zip(writes, reply[2:], strict=True)
        ]

        def apply() -> None:
            for w, doc in zip(writes, done, strict=True):
                if doc is None:
                    self._mirror.delete(w.coll, w.id, scope=w.scope)
                else:
                    self._mirror.adopt(w.coll, w.id, doc, scope=w.scope)

        if first:
            self._wrote(first, apply, last=last)
        return done

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
        """Replace everything at once: written first under a staging prefix, a command at a
        time, then renamed in by one script. Other workers see the old state or the new, never
        a mixture, and a Redis stopped midway keeps the old."""
        stage = f"{self.prefix}:stage"
        with unavailable(self.shown):
            self._bulk_run("drop_staged", stage)
            pipe = self.bulk.pipeline(transaction=False)
            for entry in state["collections"]:
                ck = collection_key(entry["collection"], entry["scope"])
                documents = list(entry["documents"].items())
                if not documents:
                    continue
                pipe.sadd(f"{stage}:colls", ck)
                pipe.hset(f"{stage}:rank", ck, len(documents))
                for start in range(0, len(documents), _CHUNK):
                    chunk = documents[start : start + _CHUNK]
                    pipe.hset(
                        f"{stage}:d:".encode() + ck, mapping={id: encode(doc) for id, doc in chunk}
                    )
                    pipe.zadd(
                        f"{stage}:r:".encode() + ck,
                        {id: start + rank + 1 for rank, (id, _) in enumerate(chunk)},
                    )
                    if len(pipe) >= 16:
                        pipe.execute()
            if state["sequences"]:
                pipe.hset(f"{stage}:seq", mapping=state["sequences"])
            pipe.execute()
            self._bulk_run("swap_in", stage, self.prefix, "")
        with self._lock:
            self._mark_dirty()

    def _copy_in(self, source: str, target: str, *, seed: bool = False) -> None:
        """The state under ``source`` copied to ``target``: a collection a command (each
        COPY blocks Redis for that collection only), then renamed in at once."""
        stage = f"{target}:stage"
        self._bulk_run("drop_staged", stage)
        for ck in self.bulk.smembers(f"{source}:colls"):
            for kind in (b":d:", b":r:"):
                self.bulk.copy(source.encode() + kind + ck, stage.encode() + kind + ck)
        for key in (":colls", ":rank", ":seq"):
            self.bulk.copy(source + key, stage + key)
        self._bulk_run("swap_in", stage, target, "seed" if seed else "")

    def _bulk_run(self, script: str, *args: Any) -> Any:
        # The bulk client's calls may take longer than a request's: its timeout is longer.
        return self._scripts[script](args=[self.prefix, *args], client=self.bulk)

    def reset(self) -> None:
        with unavailable(self.shown):
            self._run("drop")
        with self._lock:
            self._mark_dirty()

    def mark_seed(self) -> None:
        with unavailable(self.shown):
            pipe = self.bulk.pipeline(transaction=True)
            pipe.get(f"{self.prefix}:epoch")
            pipe.get(f"{self.prefix}:logseq")
            epoch, seen = pipe.execute()
            self._copy_in(self.prefix, f"{self.prefix}:seed")
            self._bulk_run("new_seed", epoch or b"0", seen or b"0")

    def seeded_with(self, state: dict[str, Any]) -> None:
        """``state`` is what was just loaded and marked as the seed: the mirror takes it as it
        is, with no read back from Redis, if nothing was written since."""
        with unavailable(self.shown), self._lock:
            mark = self.client.get(f"{self.prefix}:seedmark")
            if mark is not None:
                epoch, sid, seen = mark.split(b":")
                self._mirror.load(state)
                self._epoch, self._seen, self._dirty = epoch, int(seen), False
                self._seed_copy = (sid, state)

    def restore_seed(self) -> None:
        with unavailable(self.shown):
            self._copy_in(f"{self.prefix}:seed", self.prefix, seed=True)
        with self._lock:
            self._mark_dirty()
