"""``make bench``'s charts (``tests/bench/charts.py``): each figure drawn to scale, labelled,
and captioned with when, where and how it was measured."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent / "bench"))
from charts import write_charts

SVG = "{http://www.w3.org/2000/svg}"


def figure(rps: float, p99: float) -> dict[str, float]:
    return {"rps": rps, "p99_ms": p99}


REPORT: dict[str, Any] = {
    "date": "2026-12-05 13:00 UTC",
    "machine": "box, 2 cores, Python 3.11.7",
    "command": "python tests/bench/run.py --only throughput",
    "throughput": [
        {
            "api": "overloop",
            "scenario": "get by id",
            "leadmock": figure(8000, 6.0),
            "prism": figure(2000, 20.0),
            "wiremock": figure(10000, 4.0),
        },
        {
            "api": "overloop",
            "scenario": "list",
            "leadmock": figure(4000, 9.0),
            "prism": figure(1000, 30.0),
        },
    ],
    "scale": [
        {
            "leads per project": 1000,
            "p99 get by id ms": 1.0,
            "p99 email filter ms": 2.0,
            "p99 sort ms": 1.0,
            "p99 deep page ms": 1.0,
        },
        {
            "leads per project": 100000,
            "p99 get by id ms": 1.0,
            "p99 email filter ms": 2.0,
            "p99 sort ms": 4.0,
            "p99 deep page ms": 3.0,
        },
        {"leads per project": 1000000, "error": "RuntimeError: it did not start"},
    ],
}


def bars(svg: ElementTree.Element) -> dict[str, float]:
    return {
        rect.find(f"{SVG}title").text: float(rect.get("width"))
        for rect in svg.iter(f"{SVG}rect")
        if rect.find(f"{SVG}title") is not None
    }


def test_each_chart_is_drawn_to_scale_and_captioned(tmp_path: Path) -> None:
    written = write_charts(REPORT, tmp_path)
    assert sorted(p.name for p in written) == ["p99.svg", "scale.svg", "throughput.svg"]
    throughput = ElementTree.parse(tmp_path / "throughput.svg").getroot()
    widths = bars(throughput)
    # Bars are proportional to the figures; a server with no figure for a row has no bar.
    assert widths["leadmock: 8,000"] == 2 * widths["leadmock: 4,000"]
    assert widths["leadmock: 8,000"] == 4 * widths["Prism: 2,000"]
    assert len(widths) == 5
    text = " ".join(t.text or "" for t in throughput.iter(f"{SVG}text"))
    assert "overloop · get by id" in text and "WireMock" in text and "floor" not in text
    for name in ("throughput.svg", "p99.svg", "scale.svg"):
        content = (tmp_path / name).read_text()
        for fact in (REPORT["date"], REPORT["machine"], REPORT["command"]):
            assert fact in content, (name, fact)
    p99 = bars(ElementTree.parse(tmp_path / "p99.svg").getroot())
    assert p99["Prism: 30.0"] == 5 * p99["leadmock: 6.0"]
    scale = ElementTree.parse(tmp_path / "scale.svg").getroot()
    lines = list(scale.iter(f"{SVG}polyline"))
    # One line a probe, through the sizes that were measured (the failed size left out).
    assert len(lines) == 4 and all(len(line.get("points").split()) == 2 for line in lines)


def test_a_report_without_a_part_writes_no_chart_for_it(tmp_path: Path) -> None:
    assert write_charts({"date": "d", "machine": "m"}, tmp_path) == []
