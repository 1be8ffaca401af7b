"""mkdocs hook: the reference pages generated from the code, so they cannot drift from it.

``<!-- leadmock:cli -->`` becomes every ``leadmock`` command with its options, read from the
argument parser the command itself uses; ``<!-- leadmock:admin -->`` the admin routes, read
from a mock's own ``GET /__admin/`` (method, path and what each does).
"""

from __future__ import annotations

import argparse
import os
from typing import Any

CLI_MARK = "<!-- leadmock:cli -->"
ADMIN_MARK = "<!-- leadmock:admin -->"


def on_page_markdown(markdown: str, **_: Any) -> str:
    if CLI_MARK in markdown:
        markdown = markdown.replace(CLI_MARK, cli_reference())
    if ADMIN_MARK in markdown:
        markdown = markdown.replace(ADMIN_MARK, admin_reference())
    return markdown


def cli_reference() -> str:
    os.environ["COLUMNS"] = "100"  # argparse wraps usage lines at the terminal's width
    from mockserver.cli import COMMANDS, build_parser
    from mockserver.cli.command import subcommand

    parser = build_parser()
    parts = []
    for command in COMMANDS:
        sub = subcommand(parser, command.name)
        parts.append(f"## leadmock {command.name}\n")
        parts.append(f"{_text(sub.description or command.help or '')}\n")
        parts.append(f"```text\n{sub.format_usage().strip()}\n```\n")
        rows = ["| option | default | what it does |", "| --- | --- | --- |"]
        formatter = sub._get_formatter()  # argparse's own expansion of %(default)s and such
        for action in sub._actions:  # argparse keeps no public list of a parser's options
            if isinstance(action, argparse._HelpAction) or action.help == argparse.SUPPRESS:
                continue
            helped = formatter._expand_help(action) if action.help else ""
            rows.append(f"| {_option(action)} | {_default(action)} | {_cell(helped)} |")
        parts.append("\n".join(rows) + "\n")
    return "\n".join(parts)


def admin_reference() -> str:
    import anyio
    import httpx

    from mockserver import Config, create_app

    async def listed() -> list[dict[str, str]]:
        transport = httpx.ASGITransport(app=create_app(Config(leads=2)))  # a loopback caller
        async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
            return (await client.get("/__admin/")).json()["routes"]

    routes = anyio.run(listed)
    rows = ["| method | path | what it does |", "| --- | --- | --- |"]
    rows += [f"| `{r['method']}` | `{r['path']}` | {_cell(r['doc'])} |" for r in routes]
    return "\n".join(rows) + "\n"


def _option(action: argparse.Action) -> str:
    names = ", ".join(f"`{name}`" for name in action.option_strings) or f"`{action.dest}`"
    if action.nargs != 0 and action.option_strings:
        names += f" `{action.metavar or action.dest.upper()}`"
    return names


def _default(action: argparse.Action) -> str:
    if action.nargs == 0 or action.default in (None, argparse.SUPPRESS, [], ()):
        return ""
    return f"`{action.default}`"


def _text(text: str) -> str:
    return " ".join(text.split())


def _cell(text: str | None) -> str:
    return _text(text or "").replace("|", "\\|")
