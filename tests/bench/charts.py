"""``make bench``'s figures as SVG charts for the documentation's benchmarks page: requests a
second beside Prism, WireMock and the floor, per API and scenario; p99; and how a Tiledesk
project's p99s move as it grows. Each chart says when, where and by which command it was
measured. Plain SVG written here (no plotting library: one more dependency for three charts).

    python tests/bench/charts.py reports/bench.json docs/benchmarks
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

PEERS = (
    ("leadmock", "#3f51b5"),
    ("prism", "#ef6c00"),
    ("wiremock", "#2e7d32"),
    ("baseline", "#9e9e9e"),
)
"""The servers a throughput chart shows, and their colours (distinct in greyscale too)."""
PEER_NAMES = {"leadmock": "leadmock", "prism": "Prism", "wiremock": "WireMock",
              "baseline": "floor (bare Starlette)"}  # fmt: skip
PROBES = ("get by id", "email filter", "sort", "deep page")
_FONT = 'font-family="system-ui, sans-serif" font-size="12"'


def write_charts(report: dict[str, Any], folder: Path) -> list[Path]:
    """Every chart the report has figures for, written into ``folder``; the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    charts = (
        ("throughput.svg", "throughput", throughput_chart),
        ("p99.svg", "throughput", p99_chart),
        ("scale.svg", "scale", scale_chart),
    )
    for name, needs, draw in charts:
        if report.get(needs):
            path = folder / name
            path.write_text(draw(report))
            made.append(path)
    return made


def caption(report: dict[str, Any]) -> tuple[str, str]:
    """When and where the figures were measured, and by which command (two lines)."""
    return f"{report.get('date', '')} · {report.get('machine', '')}", report.get(
        "command", "make bench"
    )


def throughput_chart(report: dict[str, Any]) -> str:
    """Requests a second of each server, per API and scenario (horizontal bars)."""
    return _bars(report, "Requests a second (higher is better)", "rps", "{:,.0f}")


def p99_chart(report: dict[str, Any]) -> str:
    """The 99th percentile latency of each server, per API and scenario."""
    return _bars(report, "p99 latency in ms (lower is better)", "p99_ms", "{:.1f}")


def _bars(report: dict[str, Any], title: str, key: str, number: str) -> str:
    rows = report["throughput"]
    shown = [(peer, colour) for peer, colour in PEERS if any(row.get(peer) for row in rows)]
    bar, gap, label_width, width = 9, 10, 190, 860
    plot = width - label_width - 70
    top = 64
    height = top + len(rows) * (len(shown) * bar + gap) + 40
    largest = max((row[p][key] for row in rows for p, _ in shown if row.get(p)), default=1)
    parts = [_header(width, height, title, report)]
    for index, (peer, colour) in enumerate(shown):
        x = label_width + index * 170
        parts.append(f'<rect x="{x}" y="40" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{x + 16}" y="50" {_FONT}>{escape(PEER_NAMES[peer])}</text>')
    y = top
    for row in rows:
        label = f"{row['api']} · {row['scenario']}"
        middle = y + len(shown) * bar / 2 + 4
        parts.append(f'<text x="{label_width - 8}" y="{middle:.0f}" text-anchor="end" {_FONT}>'
                     f"{escape(label)}</text>")  # fmt: skip
        for peer, colour in shown:
            figure = row.get(peer)
            if figure:
                length = max(1.0, plot * figure[key] / largest)
                parts.append(f'<rect x="{label_width}" y="{y}" width="{length:.1f}" '
                             f'height="{bar - 1}" fill="{colour}">'
                             f"<title>{escape(PEER_NAMES[peer])}: "
                             f"{number.format(figure[key])}</title></rect>")  # fmt: skip
                parts.append(f'<text x="{label_width + length + 4:.1f}" y="{y + bar - 1}" '
                             f'font-family="system-ui, sans-serif" font-size="9">'
                             f"{number.format(figure[key])}</text>")  # fmt: skip
            y += bar
        y += gap
    parts.append("</svg>\n")
    return "\n".join(parts)


def scale_chart(report: dict[str, Any]) -> str:
    """p99 of each probe against the leads in a Tiledesk project (logarithmic x)."""
    entries = [e for e in report["scale"] if "error" not in e]
    width, height, left, right, top, bottom = 760, 380, 70, 180, 50, 70
    parts = [_header(width, height, "p99 (ms) as a Tiledesk project grows", report)]
    if len(entries) < 2:
        parts.append(
            f'<text x="{left}" y="{top + 40}" {_FONT}>fewer than two sizes measured</text>'
        )
        parts.append("</svg>\n")
        return "\n".join(parts)
    counts = [e["leads per project"] for e in entries]
    low, high = math.log10(min(counts)), math.log10(max(counts))
    largest = max(e.get(f"p99 {p} ms", 0) for e in entries for p in PROBES) or 1
    plot_w, plot_h = width - left - right, height - top - bottom

    def x_of(count: int) -> float:
        return left + plot_w * (math.log10(count) - low) / ((high - low) or 1)

    def y_of(ms: float) -> float:
        return top + plot_h * (1 - ms / largest)

    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" '
                 f'y2="{top + plot_h}" stroke="#444"/>')  # fmt: skip
    parts.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#444"/>')
    for count in counts:
        parts.append(f'<text x="{x_of(count):.1f}" y="{top + plot_h + 16}" text-anchor="middle" '
                     f"{_FONT}>{count:,}</text>")  # fmt: skip
    parts.append(f'<text x="{left + plot_w / 2}" y="{height - 40}" text-anchor="middle" '
                 f"{_FONT}>leads a project (log scale)</text>")  # fmt: skip
    for step in range(5):
        ms = largest * step / 4
        parts.append(f'<text x="{left - 6}" y="{y_of(ms) + 4:.1f}" text-anchor="end" {_FONT}>'
                     f"{ms:.1f}</text>")  # fmt: skip
    colours = ("#3f51b5", "#ef6c00", "#2e7d32", "#ad1457")
    for index, (probe, colour) in enumerate(zip(PROBES, colours, strict=True)):
        points = [(x_of(e["leads per project"]), y_of(e[f"p99 {probe} ms"]))
                  for e in entries if f"p99 {probe} ms" in e]  # fmt: skip
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        dash = ' stroke-dasharray="5,3"' if index % 2 else ""
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" '
                     f'stroke-width="2"{dash}/>')  # fmt: skip
        for (x, y), entry in zip(points, entries, strict=False):
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}">'
                         f"<title>{escape(probe)}: {entry[f'p99 {probe} ms']:.1f} ms</title>"
                         "</circle>")  # fmt: skip
        legend_y = top + 16 + index * 18
        parts.append(f'<line x1="{width - right + 16}" y1="{legend_y - 4}" '
                     f'x2="{width - right + 40}" y2="{legend_y - 4}" stroke="{colour}" '
                     f'stroke-width="2"{dash}/>')  # fmt: skip
        parts.append(f'<text x="{width - right + 46}" y="{legend_y}" {_FONT}>'
                     f"{escape(probe)}</text>")  # fmt: skip
    parts.append("</svg>\n")
    return "\n".join(parts)


def _header(width: int, height: int, title: str, report: dict[str, Any]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">\n'
        f'<rect width="{width}" height="{height}" fill="#fff"/>\n'
        f'<text x="10" y="22" font-family="system-ui, sans-serif" font-size="15" '
        f'font-weight="bold">{escape(title)}</text>\n'
        + "".join(
            f'\n<text x="10" y="{height - 20 + 13 * line}" font-family="system-ui, sans-serif" '
            f'font-size="10" fill="#555">{escape(text)}</text>'
            for line, text in enumerate(caption(report))
        )
    )


def main() -> int:
    if len(sys.argv) != 3:
        print("usage: python tests/bench/charts.py REPORT.json FOLDER", file=sys.stderr)
        return 2
    report = json.loads(Path(sys.argv[1]).read_text())
    for path in write_charts(report, Path(sys.argv[2])):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
