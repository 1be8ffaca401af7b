"""JUnit XML from checker reports (a suite per API, a case per operation, a failure per check)
and from drift reports (a case per operation and check, a failure per departure)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from contracts.drift import Drift
from contracts.runner import Report


def write_junit(reports: list[Report], path: str | Path) -> None:
    """Write ``reports`` to ``path``; excluded checks appear as skipped cases with their reason."""
    suites = ET.Element("testsuites", name="leadmock check")
    for report in reports:
        failing: dict[str, list] = {}
        for failure in report.failures:
            failing.setdefault(failure.operation, []).append(failure)
        operations = sorted(set(report.checks_by_operation) | set(failing))
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=report.api,
            tests=str(len(operations) + len(report.excluded_checks)),
            failures=str(len(failing)),
            errors=str(len(report.errors)),
            skipped=str(len(report.excluded_checks)),
            time=f"{report.seconds:.3f}",
        )
        for operation in operations:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=report.api,
                name=operation,
                time=f"{report.seconds_by_operation[operation]:.3f}",
            )
            for failure in failing.get(operation, []):
                where = "documented example" if failure.documented else failure.phase
                element = ET.SubElement(
                    case, "failure", type=failure.check, message=f"{failure.title} ({where})"
                )
                element.text = f"{failure.message}\n\nReproduce with:\n{failure.curl}"
        for check_name, reason in sorted(report.excluded_checks.items()):
            case = ET.SubElement(
                suite, "testcase", classname=report.api, name=f"check {check_name}"
            )
            ET.SubElement(case, "skipped", message=reason)
        for error in report.errors:
            ET.SubElement(suite, "error", message=error[:200]).text = error
    _write(suites, path)


def write_drift_junit(reports: list[Report], drift: list[Drift], path: str | Path) -> None:
    """Write a drift report to ``path``: a suite per API, a case per operation and check, a
    failure per departure whose ``type`` is its kind (``unclassified`` when unexplained)."""
    _write(_drift_suites(reports, drift), path)


def drift_junit_text(reports: list[Report], drift: list[Drift]) -> str:
    """``write_drift_junit``'s document, as text."""
    suites = _drift_suites(reports, drift)
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True)


def _drift_suites(reports: list[Report], drift: list[Drift]) -> ET.Element:
    suites = ET.Element("testsuites", name="leadmock drift")
    for report in reports:
        mine = [item for item in drift if item.api == report.api]
        pairs = {(operation, check) for operation, check, _ in report.outcomes}
        pairs |= {(item.operation, item.check) for item in mine}
        failed = {(item.operation, item.check) for item in mine}
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=report.api,
            tests=str(len(pairs)),
            failures=str(len(failed)),
            errors="0",
            skipped="0",
        )
        for operation, check in sorted(pairs):
            case = ET.SubElement(
                suite, "testcase", classname=report.api, name=f"{operation} {check}"
            )
            for item in mine:
                if (item.operation, item.check) != (operation, check):
                    continue
                element = ET.SubElement(case, "failure", type=item.kind, message=item.title)
                why = f"{item.kind}: {item.known.summary}\n\n" if item.known else "unclassified\n\n"
                element.text = f"{why}{item.detail}\n\nReproduce with:\n{item.reproduce}"
    return suites


def _write(suites: ET.Element, path: str | Path) -> None:
    ET.indent(suites)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)
