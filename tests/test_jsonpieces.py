"""A large JSON document read a piece at a time (``mockserver.jsonpieces``): what it accepts and
refuses is what a request body's parser does, whatever the pieces, and no call into C reads more
than one of the values at the level it is told (a state's documents)."""

from __future__ import annotations

import json
import random
import textwrap
from functools import partial
from typing import Any

import pytest

from mockserver import jsonpieces
from mockserver.jsoncodec import InvalidJSON, parse_request_json

CASES = [
    b'{"a":[1,2,{"b":"\xc3\xa9\xf0\x9f\x98\x80"}],"c":{"d":[[[1]]]}}',
    b' { "a" : 12345678901234567890123 , "x": 1.5e3 } ',
    b"[]",
    b"{}",
    b'"text"',
    b"12",
    b"[1,2",
    b'{"a":NaN}',
    b'{"a":Infinity}',
    b'{"a":1e400}',
    b'{"a":"\\ud800"}',
    b'{"\\udc00":1}',
    b'{"a":"\\ud83d\\ude00"}',
    b'{"a":1} x',
    b'{"a" 1}',
    b'{"a":1,}',
    b"{1:2}",
    b"[[[[[[[[[[1]]]]]]]]]]",
    b"[[[[[[[[[[[1]]]]]]]]]]]",
    b"\xff",
    b'{"a":"\xc3"}',
    b'{"a":' + b"1" * 30 + b"}",
    b'{"a":' + b"1" * 31 + b"}",
    b'{"a":-0.5e-3,"b":true,"c":null,"d":false}',
    b'{"a":tru}',
]


def outcome(read: Any) -> tuple[str, Any]:
    try:
        return "accepted", read()
    except InvalidJSON:
        return "refused", None


def pieces(raw: bytes, size: int) -> list[bytes]:
    return [raw[start : start + size] for start in range(0, len(raw), size)]


def random_documents(count: int) -> list[bytes]:
    rng = random.Random(7)
    leaves = [1, -2, 3.5, 10**25, "x", "é😀", '\\"q', None, True, False, 1e300, ""]

    def value(depth: int) -> Any:
        draw = rng.random()
        if depth > 6 or draw < 0.3:
            return rng.choice(leaves)
        if draw < 0.65:
            return {rng.choice("abcdé"): value(depth + 1) for _ in range(rng.randint(0, 4))}
        return [value(depth + 1) for _ in range(rng.randint(0, 4))]

    documents = []
    for _ in range(count):
        raw = json.dumps(value(0), ensure_ascii=rng.random() < 0.5, indent=rng.choice([None, 1]))
        raw_bytes = raw.encode()
        if rng.random() < 0.4:
            at = rng.randrange(len(raw_bytes))
            damage = rng.choice([b"", b"]", b"}", b",", b'"', b"\\", b"\xc3", b"1", b" "])
            raw_bytes = raw_bytes[:at] + damage + raw_bytes[at + 1 :]
        documents.append(raw_bytes)
    return documents


@pytest.mark.parametrize("whole_at", [1, 2, 3, 5])
def test_it_accepts_and_refuses_what_a_request_body_parser_does(
    whole_at: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A window of 7 characters: values, keys, numbers and UTF-8 sequences are cut everywhere.
    monkeypatch.setattr(jsonpieces, "PIECE_CHARS", 7)
    differences = []
    for raw in CASES + random_documents(600):
        expected = outcome(partial(parse_request_json, raw, max_depth=10, max_digits=30))
        for size in (1, 3, 64, len(raw) + 1):
            read = partial(
                jsonpieces.parse_in_pieces,
                pieces(raw, size),
                whole_at=whole_at,
                max_depth=10,
                max_digits=30,
            )
            got = outcome(read)
            if got != expected:
                differences.append((raw, size, expected, got))
    assert differences == []


def test_a_refusal_says_where() -> None:
    with pytest.raises(InvalidJSON, match="at character 9"):
        jsonpieces.parse_in_pieces([b'{"a": 1, ', b"x}"], whole_at=2, max_depth=8, max_digits=9)
    with pytest.raises(InvalidJSON, match="not valid UTF-8"):
        jsonpieces.parse_in_pieces([b'{"a": "\xff"}'], whole_at=2, max_depth=8, max_digits=9)


def state_document(documents: int) -> tuple[bytes, int]:
    """A state as an export writes it (pretty-printed), and its longest document's length."""
    state = {
        "collections": [
            {
                "collection": "leads",
                "scope": str(scope),
                "documents": {
                    str(n): {"_id": str(n), "name": f"lead {n}", "tags": ["a"] * (n % 7)}
                    for n in range(documents)
                },
            }
            for scope in range(3)
        ],
        "sequences": {"leads": documents},
    }
    # Inside the state, each line of a document is indented 8 more spaces.
    longest = max(
        len(textwrap.indent(json.dumps(document, indent=2), " " * 8))
        for entry in state["collections"]
        for document in entry["documents"].values()
    )
    return json.dumps(state, indent=2).encode(), longest


def test_no_call_into_c_reads_more_than_one_document(monkeypatch: pytest.MonkeyPatch) -> None:
    raw, longest = state_document(2000)
    spans: list[int] = []
    scanning = json.JSONDecoder.raw_decode

    def recorded(self: json.JSONDecoder, text: str, idx: int = 0) -> tuple[Any, int]:
        value, end = scanning(self, text, idx)
        spans.append(end - idx)
        return value, end

    monkeypatch.setattr(json.JSONDecoder, "raw_decode", recorded)
    state = jsonpieces.parse_in_pieces(pieces(raw, 65536), whole_at=5, max_depth=70, max_digits=9)
    monkeypatch.undo()
    assert state == json.loads(raw)
    assert len(spans) >= 3 * 2000
    assert max(spans) <= longest


def test_a_value_past_the_bound_on_one_read_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsonpieces, "MAX_WHOLE_VALUE_CHARS", 1000)
    monkeypatch.setattr(jsonpieces, "PIECE_CHARS", 100)
    big = b'{"documents": {"1": {"text": "' + b"x" * 5000 + b'"}}}'
    with pytest.raises(InvalidJSON, match="a single value is read at most 1000 characters"):
        jsonpieces.parse_in_pieces(pieces(big, 512), whole_at=3, max_depth=8, max_digits=9)
    small = b'{"documents": {"1": {"text": "' + b"x" * 500 + b'"}}}'
    parsed = jsonpieces.parse_in_pieces(pieces(small, 512), whole_at=3, max_depth=8, max_digits=9)
    assert parsed == json.loads(small)
