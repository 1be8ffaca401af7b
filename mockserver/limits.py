"""What one request may take from the mock: bytes, nesting, digits, headers and time.

Every limit is an option of ``leadmock serve``, ``Config`` and the fixture; the README's "Limits"
section lists them. A request past one gets the vendor's own error shape: 413 for a body too
large, 408 for one too slow, 400 for the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Limits:
    """Bounds on one request, and the server's timeouts."""

    body_bytes: int = 1024 * 1024
    """A request body's size (413 past it)."""
    json_depth: int = 64
    """How deep a JSON body may nest."""
    integer_digits: int = 100
    """Digits of an integer in a JSON body or an integer path or query parameter."""
    header_count: int = 100
    """Request headers."""
    header_bytes: int = 32 * 1024
    """All request header names and values together."""
    header_seconds: float = 10.0
    """From a connection's first byte (or the end of its last answer) to the end of the headers."""
    body_seconds: float = 10.0
    """To receive the whole body once the headers are in (408 past it)."""
    keep_alive_seconds: float = 5.0
    """An idle keep-alive connection is closed after this."""
    shutdown_seconds: float = 5.0
    """A graceful shutdown waits this long for requests in flight, then closes them."""

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise ValueError(f"limit {item.name} must be a number above 0, not {value!r}")
            if item.type == "int" and not isinstance(value, int):
                raise ValueError(f"limit {item.name} must be a whole number, not {value!r}")
