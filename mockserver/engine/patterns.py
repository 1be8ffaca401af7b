"""A string that matches a regular expression, for seed values of a ``pattern`` (Twilio's
``^KS[0-9a-fA-F]{32}$`` sids, ``^aia_know_.+$``...): the expression parsed by the standard
library's own parser and walked, each choice drawn from ``random``. Short: an unbounded repeat
is drawn up to a few times. None for what it does not know (look-arounds, back-references)."""

from __future__ import annotations

import random as random_module
import re
from typing import Any

try:  # Python 3.11+
    from re import _constants as constants
    from re import _parser as parser
except ImportError:  # pragma: no cover - older Pythons
    import sre_constants as constants  # type: ignore[no-redef]
    import sre_parse as parser  # type: ignore[no-redef]

_UNBOUNDED = 4
"""How many times ``+``, ``*`` or ``{n,}`` repeat at most beyond their minimum."""
_CATEGORIES = {
    constants.CATEGORY_DIGIT: "0123456789",
    constants.CATEGORY_WORD: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_",
    constants.CATEGORY_SPACE: " ",
}
_ANY = "abcdefghijklmnopqrstuvwxyz0123456789"


class _Unknown(Exception):
    pass


def matching(pattern: str, random: random_module.Random) -> str | None:
    """A string ``re.search(pattern, it)`` finds a match in, or None."""
    try:
        text = "".join(_walk(parser.parse(pattern), random))
    except (_Unknown, re.error, RecursionError, OverflowError):
        return None
    return text if re.search(pattern, text) else None


def _walk(parsed: Any, random: random_module.Random) -> list[str]:
    out: list[str] = []
    for op, av in parsed:
        if op is constants.LITERAL:
            out.append(chr(av))
        elif op is constants.ANY:
            out.append(random.choice(_ANY))
        elif op is constants.IN:
            out.append(_one_of(av, random))
        elif op in (constants.MAX_REPEAT, constants.MIN_REPEAT):
            low, high, sub = av
            high = low + _UNBOUNDED if high is constants.MAXREPEAT else min(high, low + 64)
            for _ in range(random.randint(low, max(low, high))):
                out += _walk(sub, random)
        elif op is constants.SUBPATTERN:
            out += _walk(av[-1], random)
        elif op is constants.BRANCH:
            out += _walk(random.choice(av[1]), random)
        elif op is constants.AT:
            continue
        elif op is constants.CATEGORY:
            out.append(random.choice(_CATEGORIES.get(av, "") or _raise()))
        else:
            raise _Unknown(op)
    return out


def _one_of(items: Any, random: random_module.Random) -> str:
    choices: list[str] = []
    for op, av in items:
        if op is constants.NEGATE:
            raise _Unknown(op)
        if op is constants.LITERAL:
            choices.append(chr(av))
        elif op is constants.RANGE:
            choices += [chr(c) for c in range(av[0], min(av[1], av[0] + 255) + 1)]
        elif op is constants.CATEGORY:
            choices += list(_CATEGORIES.get(av, "") or _raise())
        else:
            raise _Unknown(op)
    if not choices:
        raise _Unknown("empty class")
    return random.choice(choices)


def _raise() -> str:
    raise _Unknown("category")
