"""A large JSON document read a piece at a time, so that other threads run between the pieces.

``orjson.loads`` of a 128 MB state document is one call into C that holds the interpreter for
half a second, and the event loop answers nothing meanwhile. Here the outer containers (down to
``whole_at`` levels) are walked in Python and every value at that level (a state's document) is
read whole by the standard library's C scanner: the interpreter switches threads between two
values, so no request waits longer than one value takes to read. The bytes are decoded a piece
at a time too, and never joined: a body arrives as a list of chunks.

What is accepted is what ``jsoncodec.parse_request_json`` accepts: no NaN or Infinity, no number
out of a float's range, no lone surrogate, integers of at most ``max_digits`` digits (kept
exact), nesting at most ``max_depth`` levels.
"""

from __future__ import annotations

import codecs
import json
import math
import re
from collections.abc import Iterable
from typing import Any

from mockserver.jsoncodec import InvalidJSON

PIECE_CHARS = 256 * 1024
"""Characters decoded at a time."""
MAX_WHOLE_VALUE_CHARS = 8 * 1024 * 1024
"""The largest value read in one call (a state's single document): a bound on the time the
interpreter is held."""

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_NUMBER_CHARACTERS = re.compile(r"[0-9.eE+-]*")
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


def parse_in_pieces(
    chunks: Iterable[bytes], *, whole_at: int, max_depth: int, max_digits: int
) -> Any:
    """The JSON document in ``chunks`` (UTF-8), or ``InvalidJSON`` saying why it is refused.
    Containers nested less than ``whole_at`` levels are walked in Python; a value at that
    level is read in one call, at most ``MAX_WHOLE_VALUE_CHARS`` long."""
    reader = _Reader(iter(chunks), whole_at=whole_at, max_depth=max_depth, max_digits=max_digits)
    value = reader.value(1)
    reader.skip_whitespace()
    if not reader.at_end():
        raise InvalidJSON(f"Extra data at character {reader.position()}")
    return value


class _Reader:
    def __init__(self, chunks: Any, *, whole_at: int, max_depth: int, max_digits: int) -> None:
        self._chunks = chunks
        self._decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self._exhausted = False
        self._text = ""
        self._at = 0
        self._dropped = 0
        self._whole_at = whole_at
        self._max_depth = max_depth

        def integer(text: str) -> int:
            if len(text.lstrip("-")) > max_digits:
                raise InvalidJSON(f"JSON integer of more than {max_digits} digits")
            return int(text)

        def real(text: str) -> float:
            number = float(text)
            if not math.isfinite(number):
                raise InvalidJSON("NaN, Infinity and numbers out of range are not JSON")
            return number

        def refuse(text: str) -> Any:
            raise InvalidJSON(f"{text} is not JSON")

        self._scanner = json.JSONDecoder(parse_int=integer, parse_float=real, parse_constant=refuse)

    # -- the text window -------------------------------------------------------------------

    def _more(self) -> bool:
        """Decode more bytes onto the window (dropping what was read); False at the end."""
        if self._exhausted:
            return False
        piece = []
        size = 0
        while size < PIECE_CHARS:
            chunk = next(self._chunks, None)
            try:
                if chunk is None:
                    self._exhausted = True
                    piece.append(self._decoder.decode(b"", final=True))
                    break
                piece.append(self._decoder.decode(chunk))
            except UnicodeDecodeError:
                raise InvalidJSON("The request body is not valid UTF-8.") from None
            size += len(piece[-1])
        self._dropped += self._at
        self._text = self._text[self._at :] + "".join(piece)
        self._at = 0
        return True

    def _grow(self, needed: int) -> bool:
        """At least ``needed`` characters from the current one, or all there is; False when
        nothing more came."""
        grew = False
        while len(self._text) - self._at < needed and self._more():
            grew = True
        return grew

    def position(self) -> int:
        return self._dropped + self._at

    def at_end(self) -> bool:
        return self._at >= len(self._text) and not self._grow(1)

    def skip_whitespace(self) -> None:
        while True:
            self._at = _WHITESPACE.match(self._text, self._at).end()
            if self._at < len(self._text) or not self._grow(1):
                return

    def _peek(self) -> str:
        self.skip_whitespace()
        return self._text[self._at] if self._at < len(self._text) else ""

    def _expect(self, character: str) -> None:
        if self._peek() != character:
            found = self._peek() or "the end"
            raise InvalidJSON(
                f"Expecting {character!r}, found {found!r} at character {self.position()}"
            )
        self._at += 1

    # -- values ----------------------------------------------------------------------------

    def value(self, depth: int) -> Any:
        if depth > self._max_depth:
            raise InvalidJSON(f"JSON nested deeper than {self._max_depth} levels")
        opening = self._peek()
        if depth < self._whole_at and opening == "{":
            return self._object(depth)
        if depth < self._whole_at and opening == "[":
            return self._array(depth)
        return self._whole(depth)

    def _object(self, depth: int) -> dict[str, Any]:
        self._at += 1
        result: dict[str, Any] = {}
        if self._peek() == "}":
            self._at += 1
            return result
        while True:
            if self._peek() != '"':
                raise InvalidJSON(f"Expecting a property name at character {self.position()}")
            key = self._whole(depth + 1, scalar=True)
            self._expect(":")
            result[key] = self.value(depth + 1)
            if self._peek() == "}":
                self._at += 1
                return result
            self._expect(",")

    def _array(self, depth: int) -> list[Any]:
        self._at += 1
        result: list[Any] = []
        if self._peek() == "]":
            self._at += 1
            return result
        while True:
            result.append(self.value(depth + 1))
            if self._peek() == "]":
                self._at += 1
                return result
            self._expect(",")

    def _whole(self, depth: int, *, scalar: bool = False) -> Any:
        """One value read by the C scanner; more text is decoded while it may be cut short
        (a failure, or a value that ends where the window does: a number may go on)."""
        self.skip_whitespace()
        while True:
            try:
                value, end = self._scanner.raw_decode(self._text, self._at)
            except RecursionError:
                raise InvalidJSON("JSON nested too deeply") from None
            except json.JSONDecodeError as exc:
                if self._longer():
                    continue
                raise InvalidJSON(
                    f"{exc.msg} at character {self._dropped + exc.pos}{self._cut_note()}"
                ) from None
            if self._may_go_on(value, end):
                if self._longer():
                    continue
                if self._cut_note():
                    raise InvalidJSON(f"a value at character {self.position()}{self._cut_note()}")
            break
        text = self._text[self._at : end]
        self._at = end
        if scalar and not isinstance(value, str):
            raise InvalidJSON(f"Expecting a property name at character {self.position()}")
        if _ESCAPED_SURROGATE.search(text) and _has_lone_surrogate(value):
            raise InvalidJSON("JSON strings must not hold lone surrogates (\\ud800-\\udfff)")
        if isinstance(value, dict | list) and _deeper_than(value, self._max_depth - depth + 1):
            raise InvalidJSON(f"JSON nested deeper than {self._max_depth} levels")
        return value

    def _may_go_on(self, value: Any, end: int) -> bool:
        """Whether a number read may be the start of a longer one cut by the window's end
        (``3`` of ``3.5``, ``1`` of ``1e+300``): only a number can end without a closing mark."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        return _NUMBER_CHARACTERS.match(self._text, end).end() == len(self._text)

    def _longer(self) -> bool:
        """Whether the window was made longer (twice as long: a long value is read again
        a few times only), within the bound on one value."""
        held = len(self._text) - self._at
        if held >= MAX_WHOLE_VALUE_CHARS:
            return False
        return self._grow(min(2 * held + PIECE_CHARS, MAX_WHOLE_VALUE_CHARS))

    def _cut_note(self) -> str:
        """Why a value may have been read short: it reached the bound on one value."""
        if len(self._text) - self._at >= MAX_WHOLE_VALUE_CHARS and not self._exhausted:
            return f" (a single value is read at most {MAX_WHOLE_VALUE_CHARS} characters long)"
        return ""


def _has_lone_surrogate(value: Any) -> bool:
    # The scanner joins an escaped pair into one character; what is left alone cannot be encoded.
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _deeper_than(value: Any, limit: int) -> bool:
    level: list[tuple[Any, int]] = [(value, 1)]
    while level:
        node, depth = level.pop()
        if isinstance(node, dict):
            node = node.values()
        if depth > limit:
            return True
        level.extend((child, depth + 1) for child in node if isinstance(child, dict | list))
    return False
