"""The peers ``make bench`` measures leadmock against: Prism and WireMock, each installed into
``.cache/`` with npm on first use, each serving one spec from its examples at its best settings.

Prism reads the spec itself. WireMock has no OpenAPI import in its open-source jar, so each
spec operation becomes one stub: the method, the path as a pattern, and the first success
response's documented example (``{}`` where the spec has none) with its media type.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PRISM = ROOT / ".cache" / "prism" / "node_modules" / ".bin" / "prism"
WIREMOCK_DIR = ROOT / ".cache" / "wiremock"


def progress(text: str) -> None:
    print(f"  {text}", file=sys.stderr, flush=True)


def _npm_install(prefix: Path, package: str) -> bool:
    if shutil.which("npm") is None:
        progress(f"no npm here: {package} is not measured")
        return False
    progress(f"installing {package} into {prefix.relative_to(ROOT)} ...")
    done = subprocess.run(
        ["npm", "install", "--prefix", str(prefix), package, "--no-audit", "--no-fund"],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        progress(f"{package} could not be installed: {done.stderr.strip()[-300:]}")
        return False
    return True


def prism_available() -> bool:
    return PRISM.exists() or _npm_install(PRISM.parents[2], "@stoplight/prism-cli@5")


def prism_command(port: int, spec: str) -> list[str]:
    """Prism serving one spec from its examples, logging silenced (its best figures)."""
    return [str(PRISM), "mock", "-p", str(port), "-v", "silent", str(ROOT / "specs" / spec)]


def wiremock_jar() -> Path | None:
    """The standalone jar the ``wiremock`` npm package ships, installed when missing."""
    if shutil.which("java") is None:
        progress("no java here: WireMock is not measured")
        return None
    found = sorted(WIREMOCK_DIR.glob("node_modules/wiremock/**/wiremock-standalone-*.jar"))
    if not found and _npm_install(WIREMOCK_DIR, "wiremock"):
        found = sorted(WIREMOCK_DIR.glob("node_modules/wiremock/**/wiremock-standalone-*.jar"))
    return found[-1] if found else None


def wiremock_command(jar: Path, port: int, root: Path) -> list[str]:
    """WireMock serving the stubs under ``root``, without its request journal or logging."""
    return [
        "java",
        "-jar",
        str(jar),
        "--port",
        str(port),
        "--bind-address",
        "127.0.0.1",
        "--root-dir",
        str(root),
        "--no-request-journal",
        "--disable-request-logging",
        "--disable-banner",
    ]


def wiremock_stubs(spec: dict[str, Any], base_path: str, root: Path) -> int:
    """One stub per operation of ``spec`` (refs resolved) under ``root/mappings``; the count."""
    mappings = root / "mappings"
    mappings.mkdir(parents=True, exist_ok=True)
    count = 0
    for template, item in spec.get("paths", {}).items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            status, media, body = _first_success(operation)
            pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(base_path + template))
            stub = {
                "request": {"method": method.upper(), "urlPathPattern": pattern},
                "response": {
                    "status": status,
                    "headers": {"Content-Type": media},
                    "body": json.dumps(body),
                },
            }
            count += 1
            (mappings / f"{count:03d}.json").write_text(json.dumps(stub))
    return count


def _first_success(operation: dict[str, Any]) -> tuple[int, str, Any]:
    for code, response in sorted(operation.get("responses", {}).items()):
        if not code.startswith("2"):
            continue
        for media, entry in response.get("content", {}).items():
            if "example" in entry:
                return int(code), media, entry["example"]
            for example in entry.get("examples", {}).values():
                if "value" in example:
                    return int(code), media, example["value"]
            return int(code), media, {}
        return int(code), "application/json", {}
    return 200, "application/json", {}
