"""The store contract, run on every implementation."""

from __future__ import annotations

import random
import threading
from typing import ClassVar

import pytest

from mockserver.store import MemoryStore, Store, Where, Write, order_documents


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest) -> Store:
    """Each contract test on the in-process store and on Redis (a real redis-server)."""
    if request.param == "memory":
        return MemoryStore()
    return redis_store(request.getfixturevalue("redis_url"))


def redis_store(url: str) -> Store:
    from mockserver.shared.connection import connect, parse_store_url
    from mockserver.shared.store import RedisStore

    parsed = parse_store_url(url)
    return RedisStore(connect(parsed), parsed)


def test_documents_are_scoped(store: Store) -> None:
    store.put("leads", "1", {"n": "a"}, scope="p1")
    store.put("leads", "1", {"n": "b"}, scope="p2")
    assert store.get("leads", "1", scope="p1") == {"n": "a"}
    assert store.get("leads", "1", scope="p2") == {"n": "b"}
    assert store.get("leads", "1") is None


def test_writes_are_copies(store: Store) -> None:
    doc = {"tags": ["x"]}
    store.put("c", "1", doc)
    doc["tags"].append("y")
    patch = {"tags": ["z"]}
    store.update("c", "1", patch)
    patch["tags"].append("w")
    assert store.get("c", "1") == {"tags": ["z"]}


def test_a_document_read_is_never_changed_by_later_writes(store: Store) -> None:
    """Reads share the stored document (no copy); a write stores a new one instead."""
    store.put("c", "1", {"n": 1, "tags": ["x"]})
    before = store.get("c", "1")
    listed, _ = store.query("c")
    store.update("c", "1", {"n": 2})
    store.delete("c", "1")
    assert before == listed[0] == {"n": 1, "tags": ["x"]}


def test_update_merges_and_misses_return_none(store: Store) -> None:
    store.put("c", "1", {"a": 1, "b": 2})
    assert store.update("c", "1", {"b": 3}) == {"a": 1, "b": 3}
    assert store.update("c", "2", {"b": 3}) is None
    assert store.get("c", "2") is None


def test_insert_only_claims_a_free_id(store: Store) -> None:
    assert store.insert("emails", "a@x", {"lead": 1}) is True
    assert store.insert("emails", "a@x", {"lead": 2}) is False
    assert store.get("emails", "a@x") == {"lead": 1}


def test_delete(store: Store) -> None:
    store.put("c", "1", {})
    assert store.delete("c", "1") is True
    assert store.delete("c", "1") is False


def test_query_filters_orders_slices_and_counts(store: Store) -> None:
    docs = [
        {"id": "1", "name": "Ann Lee", "tags": ["vip"], "n": 3},
        {"id": "2", "name": "Bob", "tags": [], "n": 1},
        {"id": "3", "tags": ["vip"], "n": 2},
        {"id": "4", "name": "ann b", "tags": ["vip"], "n": 2},
    ]
    for doc in docs:
        store.put("c", doc["id"], doc)
    page, total = store.query(
        "c", where=[Where("tags", "has", "vip")], order=[("n", 1), ("id", -1)]
    )
    assert [d["id"] for d in page] == ["4", "3", "1"] and total == 3
    page, total = store.query("c", order=[("name", 1)], offset=1, limit=2)
    # Missing sorts first, then byte order, as MongoDB: "Ann Lee" < "Bob" < "ann b".
    assert [d["id"] for d in page] == ["1", "2"] and total == 4
    _, total = store.query("c", where=[Where("name", "exists", True)])
    assert total == 3
    page, _ = store.query("c", where=[Where(("name",), "text", "ANN")])
    assert sorted(d["id"] for d in page) == ["1", "4"]
    page, _ = store.query("c", where=[Where("n", "eq", 2)])
    assert sorted(d["id"] for d in page) == ["3", "4"]


def test_sequences_are_unique_under_threads(store: Store) -> None:
    drawn: list[int] = []
    lock = threading.Lock()

    def draw() -> None:
        for _ in range(500):
            value = store.next_sequence("ids")
            with lock:
                drawn.append(value)

    threads = [threading.Thread(target=draw) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(drawn) == list(range(1, 4001))


def test_dump_and_load_round_trip(store: Store) -> None:
    store.put("c", "1", {"a": [1]}, scope="s")
    store.next_sequence("x")
    state = store.dump()
    store.put("c", "2", {})
    store.load(state)
    assert store.dump() == state
    assert store.get("c", "2", scope="s") is None
    assert store.next_sequence("x") == 2


def test_equality_queries_follow_every_write(store: Store) -> None:
    for number in range(6):
        store.put("c", str(number), {"email": f"{number % 3}@x", "n": number})
    assert [d["n"] for d in store.query("c", where=[Where("email", "eq", "1@x")])[0]] == [1, 4]
    store.update("c", "1", {"email": "9@x"})
    store.put("c", "7", {"email": "1@x", "n": 7})
    store.delete("c", "4")
    store.insert("c", "8", {"n": 8})
    found, total = store.query("c", where=[Where("email", "eq", "1@x")])
    assert ([d["n"] for d in found], total) == ([7], 1)
    assert [d["n"] for d in store.query("c", where=[Where("email", "eq", "9@x")])[0]] == [1]
    assert store.query("c", where=[Where("email", "eq", "nobody")]) == ([], 0)


def test_indexed_and_scanned_queries_list_ties_alike(store: Store) -> None:
    for number in range(8):
        store.put("c", str(number), {"group": number % 2, "n": number})
    store.update("c", "2", {"group": 1})
    store.update("c", "2", {"group": 0})
    # With an equality condition (indexed) and without (a scan), ties keep insertion order.
    indexed = store.query("c", where=[Where("group", "eq", 0)], order=[("group", 1)])[0]
    scanned = [d for d in store.query("c", order=[("group", 1)])[0] if d["group"] == 0]
    assert [d["n"] for d in indexed] == [d["n"] for d in scanned] == [0, 2, 4, 6]


def test_a_remembered_result_is_forgotten_on_write(store: Store) -> None:
    store.put("c", "1", {"n": 2})
    store.put("c", "2", {"n": 1})
    assert [d["n"] for d in store.query("c", order=[("n", 1)])[0]] == [1, 2]
    store.put("c", "3", {"n": 0})
    assert [d["n"] for d in store.query("c", order=[("n", 1)])[0]] == [0, 1, 2]
    store.update("c", "2", {"n": 5})
    assert [d["n"] for d in store.query("c", order=[("n", 1)])[0]] == [0, 2, 5]


def test_queries_of_an_unknown_collection_leave_no_trace(store: Store) -> None:
    assert store.query("nothing", where=[Where("a", "eq", 1)]) == ([], 0)
    assert store.dump()["collections"] == []


@pytest.mark.parametrize(
    "values",
    [
        lambda rnd, i: f"name {rnd.randint(0, 300):03d}",
        lambda rnd, i: rnd.randint(0, 50) if i % 7 else rnd.random(),
        lambda rnd, i: None if i % 97 == 0 else f"n{rnd.randint(0, 99)}",
        lambda rnd, i: [f"t{rnd.randint(0, 3)}"] * rnd.randint(1, 2),
        lambda rnd, i: f"x{i % 5}" if i % 11 else 5,
        lambda rnd, i: rnd.choice([True, False, 0, 1]),
    ],
    ids=["strings", "numbers", "some-null", "lists", "mixed-types", "bools-and-ints"],
)
@pytest.mark.parametrize(
    "order",
    [[("v", 1), ("id", 1)], [("v", -1), ("id", -1)], [("v", 1), ("id", -1)], [("v", -1)]],
    ids=["asc", "desc", "mixed", "desc-one-key"],
)
def test_a_first_page_of_a_large_listing_is_the_sorted_ones(values, order) -> None:
    """Large listings pick their first pages from a heap; the pages are the full sort's."""
    rnd = random.Random(7)
    store = MemoryStore()
    docs = []
    for i in range(9000):
        doc = {"id": f"{i:05d}", "kind": "a" if i % 10 else "b"}
        if i % 13:  # some documents lack the field
            doc["v"] = values(rnd, i)
        docs.append(doc)
        store.put("things", doc["id"], doc)
    wanted = [d for d in docs if d["kind"] == "a"]
    full = order_documents(wanted, order)
    where = [Where("kind", "eq", "a")]
    for offset in (0, 40, 360, 800):
        page, total = store.query("things", where=where, order=order, offset=offset, limit=40)
        assert total == len(wanted)
        assert page == full[offset : offset + 40]


def test_the_seed_is_what_restore_goes_back_to(store: Store) -> None:
    store.put("leads", "1", {"n": 1}, scope="p")
    store.next_sequence("lead")
    store.mark_seed()
    store.put("leads", "2", {"n": 2}, scope="p")
    store.update("leads", "1", {"n": 9}, scope="p")
    store.next_sequence("lead")
    store.restore_seed()
    assert store.query("leads", scope="p") == ([{"n": 1}], 1)
    assert store.dump()["sequences"] == {"lead": 1}
    store.reset()
    store.restore_seed()
    assert store.get("leads", "1", scope="p") == {"n": 1}


def test_a_batch_of_writes_lands_whole_or_not_at_all(store: Store) -> None:
    store.put("leads", "1", {"email": "a@x"}, scope="s")
    done = store.write([
        Write("insert", "emails", "b@x", {"id": 2}, scope="s"),
        Write("put", "leads", "2", {"email": "b@x"}, scope="s"),
        Write("update", "leads", "1", {"tags": []}, scope="s"),
        Write("delete", "emails", "gone", scope="s"),
    ])  # fmt: skip
    assert done == [{"id": 2}, {"email": "b@x"}, {"email": "a@x", "tags": []}, None]
    assert store.get("leads", "1", scope="s") == {"email": "a@x", "tags": []}
    before = store.dump()
    taken = [Write("put", "leads", "3", {"email": "b@x"}, scope="s"),
             Write("insert", "emails", "b@x", {"id": 3}, scope="s")]  # fmt: skip
    assert store.write(taken) is None
    missing = [Write("delete", "leads", "1", scope="s"),
               Write("update", "leads", "9", {"n": 1}, scope="s")]  # fmt: skip
    assert store.write(missing) is None
    assert store.dump() == before  # nothing of a refused batch was written
    assert store.write([Write("delete", "leads", "2", scope="s"),
                        Write("delete", "emails", "b@x", scope="s")]) == [None, None]  # fmt: skip
    assert store.query("leads", scope="s")[1] == 1


# -- Redis: what several workers over one Redis see ----------------------------------------


@pytest.fixture
def two_workers(redis_url: str) -> tuple[Store, Store]:
    """Two stores over one Redis prefix, as two worker processes hold them."""
    return redis_store(redis_url), redis_store(redis_url)


def test_a_write_through_one_worker_is_read_through_the_other(two_workers) -> None:
    one, other = two_workers
    assert other.get("leads", "1") is None
    one.put("leads", "1", {"name": "Ada", "tags": []})
    assert other.get("leads", "1") == {"name": "Ada", "tags": []}
    other.update("leads", "1", {"tags": ["vip"], "score": 0.1 + 0.2})
    assert one.query("leads") == ([{"name": "Ada", "tags": ["vip"], "score": 0.1 + 0.2}], 1)
    assert list(one.get("leads", "1")) == ["name", "tags", "score"]
    assert one.delete("leads", "1") and other.get("leads", "1") is None
    assert not other.delete("leads", "1")


def test_updates_from_two_workers_at_once_lose_no_field(two_workers) -> None:
    """Each update is one script: two merged concurrently both land (a read-modify-write
    across round trips would lose one)."""
    one, other = two_workers
    one.put("c", "doc", {"start": True})

    def write(store: Store, side: str) -> None:
        for n in range(150):
            store.update("c", "doc", {f"{side}{n}": n})

    threads = [threading.Thread(target=write, args=pair) for pair in ((one, "a"), (other, "b"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    merged = other.get("c", "doc")
    assert len(merged) == 301
    assert all(merged[f"a{n}"] == n and merged[f"b{n}"] == n for n in range(150))


def test_an_id_is_claimed_once_across_workers(two_workers) -> None:
    one, other = two_workers
    won: list[bool] = []

    def claim(store: Store, n: int) -> None:
        won.append(store.insert("emails", "ada@example.com", {"id": n}))

    threads = [threading.Thread(target=claim, args=(s, n)) for n, s in enumerate([one, other] * 8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert won.count(True) == 1
    assert one.get("emails", "ada@example.com") == other.get("emails", "ada@example.com")


def test_a_load_or_restore_through_one_worker_replaces_what_the_other_serves(two_workers):
    one, other = two_workers
    one.put("c", "1", {"n": 1})
    one.mark_seed()
    other.put("c", "2", {"n": 2})
    assert one.query("c")[1] == 2
    other.load({"collections": [{"collection": "d", "scope": "s", "documents": {"x": {}}}],
                "sequences": {"d": 4}})  # fmt: skip
    assert one.query("c") == ([], 0)
    assert one.get("d", "x", scope="s") == {}
    assert one.next_sequence("d") == 5
    other.restore_seed()
    assert one.query("c") == ([{"n": 1}], 1)
    assert one.get("d", "x", scope="s") is None


def test_prefixes_keep_two_mocks_apart(redis_server) -> None:
    team_a = redis_store(f"{redis_server.url}?prefix=team-a")
    team_b = redis_store(f"{redis_server.url}?prefix=team-b")
    team_a.reset()
    team_b.reset()
    team_a.put("leads", "1", {"team": "a"})
    assert team_b.get("leads", "1") is None
    team_b.reset()
    assert team_a.get("leads", "1") == {"team": "a"}


def test_workers_over_redis_answer_every_query_as_the_memory_store(two_workers) -> None:
    """Random writes spread over two workers, mirrored into a memory store: every query (a
    filter, an order, a page) answers alike, ties, deletes and re-inserts included."""
    one, other = two_workers
    memory = MemoryStore()
    rnd = random.Random(11)
    for step in range(600):
        id = str(rnd.randrange(40))
        action = rnd.choice(["put", "put", "update", "delete", "insert"])
        doc = {"kind": rnd.choice("ab"), "v": rnd.choice([1, 2, 2.5, None, "x", [1]])}
        if rnd.random() < 0.5:
            doc["w"] = rnd.randrange(5)
        writer = rnd.choice([one, other])
        for target in (memory, writer):
            if action == "put":
                target.put("things", id, doc, scope="s")
            elif action == "update":
                target.update("things", id, {"v": doc["v"]}, scope="s")
            elif action == "delete":
                target.delete("things", id, scope="s")
            else:
                target.insert("things", id, doc, scope="s")
        if step % 25 == 0:
            reader = rnd.choice([one, other])
            for where, order in [
                ([], []),
                ([Where("kind", "eq", "a")], [("v", 1)]),
                ([Where("w", "exists", True)], [("w", -1), ("v", 1)]),
            ]:
                expected = memory.query("things", where=where, order=order, offset=2, limit=7,
                                        scope="s")  # fmt: skip
                assert reader.query("things", where=where, order=order, offset=2, limit=7,
                                    scope="s") == expected  # fmt: skip
    assert one.dump() == memory.dump() | {"sequences": {}}


def test_a_reset_brings_a_mirror_back_to_its_copy_of_the_seed(two_workers, monkeypatch) -> None:
    """A worker that read the seed whole keeps it: after a reset through another worker it
    goes back to that copy (no whole read of Redis), then catches up on what follows."""
    one, other = two_workers
    one.load({"collections": [{"collection": "c", "scope": None,
                               "documents": {str(n): {"n": n} for n in range(50)}}],
              "sequences": {}})  # fmt: skip
    one.mark_seed()
    assert other.query("c")[1] == 50  # read whole: the state is marked as the seed
    other.put("c", "x", {"n": "x"})
    one.update("c", "3", {"n": -3})
    one.restore_seed()
    one.put("c", "after", {"n": "after"})

    def no_whole_read() -> None:
        raise AssertionError("read the whole state again")

    monkeypatch.setattr(other, "_reload", no_whole_read)
    assert other.get("c", "x") is None and other.get("c", "3") == {"n": 3}
    assert other.get("c", "after") == {"n": "after"}
    assert other.dump() == one.dump()


def test_one_email_claimed_with_its_lead_once_across_workers(two_workers) -> None:
    """Twelve creates of one email through two workers: one claim and one lead, no orphan."""
    one, other = two_workers
    won: list[bool] = []

    def create(store: Store, n: int) -> None:
        batch = [Write("insert", "emails", "ada@x", {"id": n}), Write("put", "leads", str(n), {})]
        won.append(store.write(batch) is not None)

    threads = [threading.Thread(target=create, args=(s, n)) for n, s in enumerate([one, other] * 6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert won.count(True) == 1
    (lead,) = [id for id in map(str, range(12)) if other.get("leads", id) is not None]
    assert one.get("emails", "ada@x") == {"id": int(lead)}


class TrackedDocument(dict):  # type: ignore[type-arg]
    """A document that notes which thread frees it."""

    freed_in: ClassVar[list[str]] = []

    def __del__(self) -> None:
        TrackedDocument.freed_in.append(threading.current_thread().name)


def let_go_done() -> None:
    for thread in threading.enumerate():
        if thread.name == "leadmock-let-go":
            thread.join(timeout=30)


@pytest.mark.parametrize("replace", ["reset", "load", "restore_seed"])
def test_a_replaced_state_is_freed_off_the_callers_thread(replace: str) -> None:
    # Freed at once, a large state is one cascade that holds the interpreter, every request
    # with it (140 ms for 128 MB): it is freed a few documents at a time, in a thread.
    store = MemoryStore()
    store.mark_seed()
    documents = {str(n): TrackedDocument(id=n, name=f"lead {n}") for n in range(3000)}
    store.load({"collections": [{"collection": "leads", "scope": "p", "documents": documents}],
                "sequences": {"leads": 3000}})  # fmt: skip
    assert store.query("leads", where=[Where("id", "eq", 7)], scope="p")[1] == 1  # an index
    del documents
    TrackedDocument.freed_in.clear()
    if replace == "load":
        store.load({"collections": [], "sequences": {}})
    else:
        getattr(store, replace)()
    let_go_done()
    assert len(TrackedDocument.freed_in) == 3000
    assert set(TrackedDocument.freed_in) == {"leadmock-let-go"}
    assert store.get("leads", "7", scope="p") is None
