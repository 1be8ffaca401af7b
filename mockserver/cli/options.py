"""``leadmock serve`` options from a config file and ``LEADMOCK_*`` environment variables.

Precedence, highest first: the command line, the environment, the config file, the defaults.
The config file is ``--config FILE`` (or ``LEADMOCK_CONFIG``), else ``leadmock.toml`` in the
working directory, else the ``[tool.leadmock]`` table of its ``pyproject.toml``. A key is an
option's long name (``port``, ``max-body-bytes``; underscores work too); a variable is that
name in capitals after ``LEADMOCK_`` (``LEADMOCK_MAX_BODY_BYTES``). Every value goes through the
option's own check, and a bad one is refused naming where it came from.
"""

from __future__ import annotations

import argparse
import difflib
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mockserver.memory import ALLOCATOR_VARIABLE

ENV_PREFIX = "LEADMOCK_"
NOT_SERVE_OPTIONS = {"LEADMOCK_PYTHON313", ALLOCATOR_VARIABLE}
"""Variables leadmock reads elsewhere (the checker's, the allocator's), never reported as
unknown."""
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


class OptionSourceError(ValueError):
    """A value from a config file or the environment that its option refuses."""


class FromConfig(argparse._AppendAction):
    """A repeatable option whose list from the config or environment the command line
    replaces, rather than adds to."""

    def __call__(self, parser: Any, namespace: Any, values: Any, option_string: Any = None) -> None:
        if getattr(namespace, self.dest, None) is self.default:
            setattr(namespace, self.dest, [])
        super().__call__(parser, namespace, values, option_string)


def config_file(explicit: str | None, cwd: Path) -> tuple[Path, dict[str, Any]] | None:
    """The config file that applies and its table of options, or None when there is none."""
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise OptionSourceError(f"--config: no file {explicit}")
        return path, _table(path, tool=path.name == "pyproject.toml")
    if (cwd / "leadmock.toml").is_file():
        return cwd / "leadmock.toml", _table(cwd / "leadmock.toml", tool=False)
    if (cwd / "pyproject.toml").is_file():
        table = _table(cwd / "pyproject.toml", tool=True)
        return (cwd / "pyproject.toml", table) if table else None
    return None


def _table(path: Path, *, tool: bool) -> dict[str, Any]:
    try:
        document = tomllib.loads(path.read_text())
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise OptionSourceError(f"{path}: not a TOML file leadmock can read ({exc})") from None
    table = document.get("tool", {}).get("leadmock", {}) if tool else document
    if not isinstance(table, dict):
        raise OptionSourceError(f"{path}: [tool.leadmock] is not a table")
    return table


def option_values(
    parser: argparse.ArgumentParser,
    *,
    table: Mapping[str, Any],
    where: str,
    environ: Mapping[str, str],
) -> tuple[dict[str, Any], list[str], list[str]]:
    """The values the file ``table`` and the environment give ``parser``'s options, by dest
    (checked and converted as the command line would be); the sources used (the file, each
    variable); and warnings for variables that name no option."""
    actions = {
        name: action
        for action in parser._actions
        for name in _names(action)
        if name not in ("help", "config")
    }
    values: dict[str, Any] = {}
    used = [where] if table else []
    for key, raw in table.items():
        name = str(key).replace("_", "-")
        if name not in actions:
            close = difflib.get_close_matches(name, list(actions), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise OptionSourceError(
                f"{where}: {key!r} is not a serve option{hint}; known: {', '.join(actions)}"
            )
        action = actions[name]
        values[action.dest] = _converted(action, _file_value(action, raw, f"{where}: {key}"))
    warnings = []
    variables = {_variable(name): name for name in actions}
    for variable, text in sorted(environ.items()):
        if not variable.startswith(ENV_PREFIX) or variable in NOT_SERVE_OPTIONS:
            continue
        if variable == f"{ENV_PREFIX}CONFIG":
            continue
        if variable not in variables:
            close = difflib.get_close_matches(variable, list(variables), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            warnings.append(f"{variable} is not a serve option{hint}; ignored")
            continue
        action = actions[variables[variable]]
        values[action.dest] = _converted(action, _env_value(action, text, variable))
        used.append(variable)
    return values, used, warnings


def _names(action: argparse.Action) -> list[str]:
    return [s[2:] for s in action.option_strings if s.startswith("--")]


def _variable(name: str) -> str:
    return ENV_PREFIX + name.upper().replace("-", "_")


def _flag(action: argparse.Action) -> bool:
    return isinstance(action, argparse._StoreTrueAction)


def _repeatable(action: argparse.Action) -> bool:
    return isinstance(action, argparse._AppendAction)


def _file_value(action: argparse.Action, raw: Any, where: str) -> Any:
    """A TOML value as the text(s) the command line would have given."""
    if _flag(action):
        if not isinstance(raw, bool):
            raise OptionSourceError(f"{where}: true or false, not {raw!r}")
        return raw
    if _repeatable(action):
        if isinstance(raw, dict):  # base-path = {leads-crm = "/crm/v2"}
            raw = [f"{k}={v}" for k, v in raw.items()]
        items = raw if isinstance(raw, list) else [raw]
        if not all(isinstance(i, str | int | float) and not isinstance(i, bool) for i in items):
            raise OptionSourceError(f"{where}: a value or a list of values, not {raw!r}")
        return [(where, str(i)) for i in items]
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise OptionSourceError(f"{where}: a single value, not {raw!r}")
    return (where, str(raw))


def _env_value(action: argparse.Action, text: str, variable: str) -> Any:
    if _flag(action):
        if text.strip().lower() not in _TRUE | _FALSE:
            raise OptionSourceError(f"{variable}: true or false (1/0, yes/no), not {text!r}")
        return text.strip().lower() in _TRUE
    if _repeatable(action):
        return [(variable, item.strip()) for item in text.split(",") if item.strip()]
    return (variable, text)


def _converted(action: argparse.Action, given: Any) -> Any:
    if isinstance(given, bool):
        return given
    if isinstance(given, list):
        return [_one(action, where, text) for where, text in given]
    return _one(action, *given)


def _one(action: argparse.Action, where: str, text: str) -> Any:
    """``text`` through the option's type and choices, as argparse would put it through."""
    try:
        value = action.type(text) if callable(action.type) else text
    except argparse.ArgumentTypeError as exc:
        raise OptionSourceError(f"{where}: {exc}") from None
    except ValueError:
        noun = "a whole number" if action.type is int else "valid"
        reason = f"{text!r} is not {noun}"
        raise OptionSourceError(f"{where}: {reason}") from None
    if action.choices is not None and value not in action.choices:
        known = ", ".join(map(str, action.choices))
        raise OptionSourceError(f"{where}: {text!r} is not one of {known}")
    return value
