"""Turn the committed benchmark results into pictures: SVG bar charts and one HTML page.

Usage::

    python benchmarks/report.py        # reads benchmarks/results/*.json, writes *.svg and report.html

Charts are plain SVG written here (no plotting dependency), so README can embed them. Bars for other
projects are figures quoted in our issues, not measured here: they are drawn as dashed outlines,
labelled "quoted", with the source in a note under the chart. The last line printed is one JSON
object naming what was written.
"""

from __future__ import annotations

import argparse
import html
import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"

#: Story Protocol medians quoted in issue 3 (contracts), for scale; not measured here.
STORY = {"register": 178_679, "mintLicenseTokens": 417_585}
STORY_SOURCE = "Story Protocol medians quoted in issue 3"
#: Published indexer throughputs quoted in issue 4 (indexer), for scale; other workloads, not measured here.
PEERS = {"Ponder from its cache": 4_600, "subgraph": 26}
PEERS_SOURCE = "Ponder and subgraph: published runs on other workloads, quoted in issue 4"

#: A bar: (label, value, colour, quoted). Quoted bars are other projects' published figures.
Bar = tuple[str, float, str, bool]


def bar_chart(title: str, bars: list[Bar], unit: str, width: int = 760, note: str = "") -> str:
    """Horizontal bars: (label, value, colour, quoted); a quoted bar is a dashed outline, and ``note``
    (where quoted figures come from) is printed under the chart."""
    row, left, right = 30, 260, 170
    note_lines = note.splitlines()
    height = 50 + row * len(bars) + 16 * len(note_lines) + (8 if note_lines else 0)
    top = max(v for _, v, _, _ in bars) or 1
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        'font-family="system-ui, sans-serif" font-size="13">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="10" y="22" font-size="15" font-weight="600">{html.escape(title)}</text>',
    ]
    for i, (label, value, colour, quoted) in enumerate(bars):
        y = 40 + i * row
        w = (width - left - right) * value / top
        out.append(f'<text x="{left - 8}" y="{y + 15}" text-anchor="end">{html.escape(label)}</text>')
        if quoted:
            out.append(
                f'<rect class="quoted" x="{left}" y="{y + 3}" width="{w:.1f}" height="{row - 10}" fill="none" '
                f'stroke="{colour}" stroke-width="1.5" stroke-dasharray="5 3" rx="2"/>'
            )
        else:
            out.append(
                f'<rect class="measured" x="{left}" y="{y + 3}" width="{w:.1f}" height="{row - 10}" '
                f'fill="{colour}" rx="2"/>'
            )
        shown = f"{value:,.0f} {unit}" + (" (quoted)" if quoted else "")
        out.append(f'<text x="{left + w + 6:.1f}" y="{y + 15}">{html.escape(shown)}</text>')
    for i, line in enumerate(note_lines):
        y = height - 10 - 16 * (len(note_lines) - 1 - i)
        out.append(f'<text x="10" y="{y}" font-size="11" fill="#475569">{html.escape(line)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def gas_chart(gas: dict[str, int]) -> str:
    ours, theirs = "#2563eb", "#64748b"
    bars: list[Bar] = [
        ("register (ours, repeat)", gas["register_repeat"], ours, False),
        ("register (ours, in a batch)", gas["register_batch_per_work"], ours, False),
        ("register (Story Protocol)", STORY["register"], theirs, True),
        ("licence purchase, ETH (ours)", gas["purchase_eth"], ours, False),
        ("licence purchase, signed offer (ours)", gas["purchase_signed_offer"], ours, False),
        ("mintLicenseTokens (Story Protocol)", STORY["mintLicenseTokens"], theirs, True),
    ]
    note = f"Ours: python benchmarks/gas.py.\nDashed: {STORY_SOURCE}, not measured here."
    return bar_chart("Gas per operation (lower is better)", bars, "gas", note=note)


def indexer_chart(runs: dict[str, dict[str, float]]) -> str:
    bars: list[Bar] = []
    for db, r in sorted(runs.items()):
        bars.append((f"indexed into {db}", r["events_per_s"], "#16a34a", False))
        bars.append((f"fetch + decode only ({db} run)", r["raw_fetch_decode_events_per_s"], "#94a3b8", False))
    bars += [(f"{name} (published)", value, "#64748b", True) for name, value in PEERS.items()]
    note = f"Ours: python benchmarks/indexer.py.\nDashed: {PEERS_SOURCE}, not measured here."
    return bar_chart("Indexer throughput (events/s, higher is better)", bars, "ev/s", note=note)


def cid_chart(cid: dict[str, dict[str, float]]) -> str:
    r = cid[max(cid, key=int)]
    bars: list[Bar] = [
        ("sha256 alone (the floor)", r["sha256_mb_per_s"], "#94a3b8", False),
        ("CIDv0 (ipfs add default)", r["cid_mb_per_s"], "#2563eb", False),
        ("CIDv1 (raw leaves)", r.get("cid_v1_mb_per_s", 0), "#2563eb", False),
        ("AES-256-GCM master encryption", r["encrypt_mb_per_s"], "#ea580c", False),
    ]
    return bar_chart(f"Content throughput on a {r['mb']:.0f} MiB file (MB/s)", bars, "MB/s")


def main(argv: list[str] | None = None) -> None:
    global RESULTS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=RESULTS, help="folder of result JSON files")
    RESULTS = parser.parse_args(argv).results
    written: list[str] = []
    sections: list[str] = []
    gas_file = RESULTS / "gas.json"
    if gas_file.exists():
        svg = gas_chart(json.loads(gas_file.read_text()))
        (RESULTS / "gas.svg").write_text(svg)
        written.append("gas.svg")
        sections.append(f"<h2>Gas</h2>{svg}<p>Command: <code>python benchmarks/gas.py</code></p>")
    # indexer-<db>.json only: indexer-faults-<db>.json are the fault runs' results, not throughput
    runs = {
        p.stem.removeprefix("indexer-"): json.loads(p.read_text())
        for p in sorted(RESULTS.glob("indexer-*.json"))
        if not p.stem.startswith("indexer-faults-")
    }
    if runs:
        svg = indexer_chart(runs)
        (RESULTS / "indexer.svg").write_text(svg)
        written.append("indexer.svg")
        sections.append(
            f"<h2>Indexer</h2>{svg}<p>Command: <code>python benchmarks/indexer.py --events 20000 --db sqlite|postgresql</code></p>"
        )
    cid_file = RESULTS / "cid.json"
    if cid_file.exists():
        svg = cid_chart(json.loads(cid_file.read_text()))
        (RESULTS / "cid.svg").write_text(svg)
        written.append("cid.svg")
        sections.append(f"<h2>Content</h2>{svg}<p>Command: <code>python benchmarks/cid.py --mb 256</code></p>")
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Copyright Hub benchmarks</title>'
        "<style>body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:820px}</style></head><body>"
        "<h1>Copyright Hub benchmarks</h1><p>Measured on a shared 2-core machine; compare ratios within one run.</p>"
        + "".join(sections)
        + "</body></html>"
    )
    (RESULTS / "report.html").write_text(page)
    written.append("report.html")
    print(json.dumps({"written": written, "folder": str(RESULTS)}))


if __name__ == "__main__":
    main()
