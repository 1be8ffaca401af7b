"""Before a run against a real endpoint: is it there, and do the credentials work? A run that
cannot reach its target, or whose every request is refused, would otherwise print thousands of
passing checks (a 401 conforms to a spec that documents 401) and end green."""

from __future__ import annotations

import re
from typing import Any

import httpx

from mockserver.vendorrecord import CheckTarget

SAFE_METHODS = ("get", "head", "options")


def unreachable(base_url: str, timeout: float = 10) -> str | None:
    """Why ``base_url`` cannot be reached, or None when it answers at all."""
    try:
        httpx.get(base_url, timeout=timeout)
    except httpx.HTTPError as exc:
        reason = str(exc) or type(exc).__name__
        return f"cannot reach {base_url}: {reason}"
    return None


def authenticated_read(spec: dict[str, Any], target: CheckTarget) -> tuple[str, str] | None:
    """A GET of ``spec`` that needs credentials and whose path parameters are all pinned by
    ``target``: (the path template, the path to request); None when there is none."""
    security = spec.get("security")
    for template, item in spec.get("paths", {}).items():
        operation = item.get("get")
        if operation is None or not operation.get("security", security):
            continue
        path, complete = template, True
        for name in re.findall(r"\{([^}]+)\}", template):
            value = target.parameters.get(f"path.{name}")
            if value is None:
                complete = False
                break
            path = path.replace(f"{{{name}}}", str(value))
        if complete:
            return template, path
    return None


def refused_credentials(
    base_url: str, spec: dict[str, Any], target: CheckTarget, timeout: float = 30
) -> str | None:
    """Why the credentials do not work (one authenticated read answered 401 or 403), or None."""
    read = authenticated_read(spec, target)
    if read is None:
        return None
    template, path = read
    url = base_url.rstrip("/") + path
    try:
        answer = httpx.get(url, headers=target.headers, timeout=timeout)
    except httpx.HTTPError as exc:
        return f"cannot reach {url}: {exc}"
    if answer.status_code in (401, 403):
        said = " ".join(answer.text.split())[:200]
        return (
            f"the credentials were refused: GET {template} answered {answer.status_code} "
            f"{said!r}; check --user/--password, --token or --api-key (and --set for the "
            "path parameters)"
        )
    return None


def is_write(method: str) -> bool:
    """Whether a request of ``method`` may change the target's data."""
    return method.lower() not in SAFE_METHODS


def _origin(base_url: str) -> str:
    url = httpx.URL(base_url)
    return f"{url.scheme}://{url.netloc.decode()}"


def leadmock_state(base_url: str, timeout: float = 60) -> bytes | None:
    """The whole state of the leadmock serving ``base_url`` (its admin plane's export), or None
    when the target is not a leadmock whose admin plane this caller may use."""
    try:
        answer = httpx.get(f"{_origin(base_url)}/__admin/state", timeout=timeout)
    except httpx.HTTPError:
        return None
    if answer.status_code != 200 or not answer.content.lstrip().startswith(b"{"):
        return None
    return answer.content


def restore_leadmock(base_url: str, state: bytes, timeout: float = 120) -> bool:
    """Put the leadmock serving ``base_url`` back to ``state``; whether it took."""
    try:
        answer = httpx.put(
            f"{_origin(base_url)}/__admin/state",
            content=state,
            headers={"Content-Type": "application/json"},
            timeout=timeout,
        )
    except httpx.HTTPError:
        return False
    return answer.status_code < 300
