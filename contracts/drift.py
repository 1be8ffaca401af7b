"""The drift report: where a real service departs from its spec, each departure classified.

A checker ``Report`` run against a real service lists failures and errors; ``find_drift`` turns
them into ``Drift`` items, each matched against the vendor's ``known_drift`` (a kind and the
reason) or left unclassified. ``render_markdown`` writes the report a person reads;
``contracts.junit.write_drift_junit`` the one a CI reads.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from contracts.runner import Report
from mockserver.vendorrecord import DRIFT_KINDS, KnownDrift

ERROR_CHECK = "error"
"""The check name of a request that got no answer at all (a timeout, a dropped connection)."""


@dataclass(frozen=True)
class Drift:
    """One departure from the spec on one operation, with the request that shows it."""

    api: str
    operation: str
    check: str
    title: str
    detail: str
    reproduce: str
    phase: str
    known: KnownDrift | None

    @property
    def kind(self) -> str:
        """The classification, or ``unclassified``."""
        return self.known.kind if self.known else "unclassified"


def find_drift(report: Report, known: Sequence[KnownDrift]) -> list[Drift]:
    """Every failure and error of ``report``, classified by the first ``known`` entry matching."""
    items = []
    for failure in report.failures:
        text = f"{failure.title}\n{failure.message}\n{failure.curl}"
        items.append(
            Drift(
                api=report.api,
                operation=failure.operation,
                check=failure.check,
                title=failure.title,
                detail=failure.message.strip(),
                reproduce=failure.curl,
                phase=failure.phase,
                known=classify(failure.check, failure.operation, text, known),
            )
        )
    for error in report.errors:
        title, _, rest = error.strip().partition("\n")
        curl = next((line.strip() for line in rest.splitlines() if "curl " in line), "")
        items.append(
            Drift(
                api=report.api,
                operation=_operation_of(curl),
                check=ERROR_CHECK,
                title=title,
                detail=rest.strip(),
                reproduce=curl,
                phase="",
                known=classify(ERROR_CHECK, _operation_of(curl), error, known),
            )
        )
    return items


def classify(
    check: str, operation: str, text: str, known: Iterable[KnownDrift]
) -> KnownDrift | None:
    """The first entry of ``known`` that matches this check, operation and failure text."""
    for entry in known:
        if (
            fnmatch.fnmatchcase(check, entry.check)
            and fnmatch.fnmatchcase(operation, entry.operation)
            and re.search(entry.text, text)
        ):
            return entry
    return None


def _operation_of(curl: str) -> str:
    # `curl -X GET ... 'http://host/path?query'`: the method, and the path as the server saw it.
    words = curl.replace("'", " ").split()
    method = words[words.index("-X") + 1] if "-X" in words else "GET"
    url = next((word for word in words if word.startswith("http")), "")
    path = "/" + url.split("://", 1)[-1].partition("/")[2].partition("?")[0] if url else "?"
    return f"{method} {path}"


def observed_in_spec(spec: Any, pointer: str = "#") -> Iterator[tuple[str, str]]:
    """Each place of a spec whose description says it records observed behaviour, as (JSON
    pointer, sentence): the documentation gaps the spec fills."""
    if isinstance(spec, dict):
        description = spec.get("description")
        if isinstance(description, str) and "observed" in description:
            for sentence in _sentences(description):
                if "observed" in sentence:
                    yield pointer, sentence
        for key, value in spec.items():
            if key != "description":
                yield from observed_in_spec(value, f"{pointer}/{_escape(str(key))}")
    elif isinstance(spec, list):
        for index, value in enumerate(spec):
            yield from observed_in_spec(value, f"{pointer}/{index}")


def _sentences(text: str) -> list[str]:
    flat = " ".join(text.split())
    parts = []
    for bullet in flat.replace(" - ", "\n").splitlines():
        parts.extend(s.strip() + "." for s in bullet.split(". ") if s.strip())
    return [p.rstrip(".") + "." for p in parts]


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def render_markdown(
    reports: Sequence[Report],
    drift: Sequence[Drift],
    *,
    target: str,
    observed: dict[str, list[tuple[str, str]]],
    agreement: Sequence[str] | None = None,
    mock_only: Sequence[str] = (),
) -> str:
    """The drift report as Markdown: checks run, departures by kind, the spec's observed notes,
    and the scripted sequence's outcome when one was run."""
    lines = [f"# Drift report: {target}", ""]
    unclassified = [item for item in drift if item.known is None]
    kinds = sorted({item.kind for item in drift})
    counts = ", ".join(f"{sum(i.kind == k for i in drift)} {k}" for k in kinds) or "none"
    lines += [
        f"{sum(sum(r.checks_by_phase.values()) for r in reports)} checks over "
        f"{len(reports)} specs; {len(drift)} departures ({counts}).",
        "",
    ]
    if agreement is not None:
        verdict = "agree" if not agreement else f"DISAGREE on {len(agreement)} steps"
        lines += [f"Scripted CRUD sequence, mock against this server: **{verdict}**.", ""]
        lines += [f"    {line}" for text in agreement for line in text.splitlines()]
        lines += [""] if agreement else []
    if mock_only:
        lines += [
            "Fields of the requests answers that the mock sends and this server does not (the "
            "v1 document lists them, or they are the seeded data's): "
            + ", ".join(f"`{name}`" for name in mock_only)
            + ".",
            "",
        ]
    lines += ["## Kinds", ""]
    lines += [f"- **{kind}**: {meaning}" for kind, meaning in DRIFT_KINDS.items()]
    lines += ["- **unclassified**: not yet explained; `make contract-real` fails on these", ""]
    for report in reports:
        lines += _report_section(report, [item for item in drift if item.api == report.api])
    lines += ["## Documentation gaps the specs fill (their text says observed)", ""]
    for api, notes in observed.items():
        lines += [f"### {api}", ""]
        lines += [f"- `{pointer}`: {sentence}" for pointer, sentence in notes]
        lines += [""]
    if unclassified:
        lines += [f"**{len(unclassified)} departures are unclassified.**", ""]
    return "\n".join(lines)


def _report_section(report: Report, drift: Sequence[Drift]) -> list[str]:
    lines = [f"## {report.api}", ""]
    lines += ["| operation | check | passed | failed |", "| --- | --- | ---: | ---: |"]
    pairs = sorted({(operation, check) for operation, check, _ in report.outcomes})
    for operation, check in pairs:
        passed = report.outcomes[(operation, check, True)]
        failed = report.outcomes[(operation, check, False)]
        shown = f"**{failed}**" if failed else "0"
        lines.append(f"| `{operation}` | {check} | {passed} | {shown} |")
    for name, reason in sorted(report.excluded_checks.items()):
        lines.append(f"| (all) | {name} | excluded: {reason} | |")
    lines.append("")
    if not drift:
        return [*lines, "No departures.", ""]
    for kind in sorted({item.kind for item in drift}):
        lines += [f"### {kind}", ""]
        for item in (i for i in drift if i.kind == kind):
            where = f", {item.phase}" if item.phase else ""
            lines.append(f"- `{item.operation}`: {item.check}, {item.title}{where}")
            if item.known:
                lines.append(f"  - why: {item.known.summary}")
            detail = [line for line in item.detail.splitlines() if line.strip()][:4]
            lines += [f"  - {line.strip()}" for line in detail if "curl " not in line]
            if item.reproduce:
                lines.append(f"  - reproduce: `{item.reproduce}`")
        lines.append("")
    return lines
