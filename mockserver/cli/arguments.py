"""The types of ``leadmock``'s options: each turns the text given into its value, or raises
``argparse.ArgumentTypeError`` with one line that says what the option takes."""

from __future__ import annotations

import argparse
import re
from typing import Any

from mockserver.config import Config
from mockserver.faults import MAX_LATENCY
from mockserver.ratelimit import RateLimit
from mockserver.scenarios import KINDS as SCENARIOS
from mockserver.scenarios import ScenarioError, parse_scenario
from mockserver.vendors import apis_named, one_api_named


def rate_limit(text: str) -> str:
    try:
        RateLimit.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    return text


def check_rate_limit(text: str) -> str:
    """``200/min`` as ``serve`` reads it, in the form Schemathesis takes (``200/m``)."""
    parsed = RateLimit.parse(rate_limit(text))
    return f"{parsed.requests}/{ {1: 's', 60: 'm', 3600: 'h'}[parsed.seconds] }"


def comma_names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def base_path(text: str) -> tuple[str, str]:
    name, found, path = text.partition("=")
    try:
        api = one_api_named(name)
    except LookupError as exc:
        if "serves" in str(exc):  # a vendor of several APIs
            raise argparse.ArgumentTypeError(str(exc).strip("'\"")) from exc
        # Maybe the API of a --spec document: the app checks it is served.
        api = name.strip()
    if not found or not path.startswith("/") or path.rstrip("/") == "":
        raise argparse.ArgumentTypeError(f"{text!r} is not API=/path")
    return api, path


def api_file(text: str) -> tuple[str, str]:
    """``API=FILE``: a file for the API of a ``--spec`` document."""
    api, found, file = text.partition("=")
    if not found or not api.strip() or not file.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not API=FILE")
    return api.strip(), file.strip()


_SECONDS = re.compile(r"(\d+(?:\.\d+)?)(ms|s)?")


def delay(text: str) -> float | tuple[float, float]:
    """``0.2``, ``200ms``, ``0.1-0.5`` or ``100-500ms`` (a unit after a range is both ends')."""
    low, dash, high = text.strip().partition("-")
    ends = [_SECONDS.fullmatch(part.strip()) for part in ((low, high) if dash else (low,))]
    if not all(ends):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a delay: seconds (0.2, 200ms) or a range (0.1-0.5, 100-500ms)"
        )
    unit = ends[-1].group(2)  # type: ignore[union-attr]
    seconds = [
        float(end.group(1)) / (1000 if (end.group(2) or unit) == "ms" else 1)  # type: ignore[union-attr]
        for end in ends
    ]
    if not all(0 <= s <= MAX_LATENCY for s in seconds) or seconds != sorted(seconds):
        raise argparse.ArgumentTypeError(
            f"{text!r}: a delay is 0 to {MAX_LATENCY:g} seconds, low end first"
        )
    return (seconds[0], seconds[1]) if dash else seconds[0]


def error_rate(text: str) -> tuple[float, int]:
    """``0.05`` or ``5%``, optionally ``:503`` for the status (500 otherwise)."""
    share_text, colon, status_text = text.strip().partition(":")
    try:
        share = float(share_text.rstrip("%")) / (100 if share_text.endswith("%") else 1)
    except ValueError:
        share = -1.0
    status = int(status_text) if status_text.isdigit() and len(status_text) == 3 else 0
    if not 0 <= share <= 1 or (colon and not 400 <= status <= 599):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an error rate: a share 0 to 1 or a percentage (0.05, 5%), "
            "then :STATUS 400 to 599 if not 500 (5%:503)"
        )
    return share, status or 500


def api_or_vendor(text: str) -> str:
    try:
        apis_named(text)
    except LookupError as exc:
        raise argparse.ArgumentTypeError(str(exc).strip("'\"")) from exc
    return text


def port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port: a whole number 1 to 65535")
    return int(text)


def above_zero(kind: type) -> Any:
    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            value = 0
        if not value > 0:
            noun = "whole number" if kind is int else "number"
            raise argparse.ArgumentTypeError(f"{text!r} is not a {noun} above 0")
        return value

    return parse


MAX_WORKERS = 64


def workers(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= MAX_WORKERS:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a worker count: a whole number 1 to {MAX_WORKERS}"
        )
    return int(text)


def store_url(text: str) -> str:
    from mockserver.shared.connection import StoreURLError, parse_store_url

    try:
        parse_store_url(text)
    except StoreURLError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix(f"--store {text!r}: ")) from exc
    return text


def login(text: str) -> tuple[str, str]:
    """``USER:PASSWORD`` (the user a name or an email; the password may hold colons)."""
    user, colon, password = text.partition(":")
    if not colon or not user.strip() or not password:
        raise argparse.ArgumentTypeError(f"{user[:40]!r}...: a login is USER:PASSWORD")
    return user.strip(), password


def add_seed_options(parser: argparse.ArgumentParser) -> None:
    """``--seed`` and ``--leads``, as ``serve`` and ``seed`` take them."""
    parser.add_argument(
        "--seed", type=int, default=Config.seed, help="Faker seed (default: %(default)s)"
    )
    parser.add_argument(
        "--leads",
        type=int,
        default=Config.leads,
        help="leads seeded per project (default: %(default)s)",
    )


def scenario(text: str) -> tuple[str, dict[str, Any]]:
    """``rate_limited:operation=list_leads,seconds=5``; its fields are checked when it is set."""
    try:
        name, fields = parse_scenario(text)
    except ScenarioError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    if name not in SCENARIOS:
        raise argparse.ArgumentTypeError(f"no scenario {name!r}; known: {', '.join(SCENARIOS)}")
    return name, fields
