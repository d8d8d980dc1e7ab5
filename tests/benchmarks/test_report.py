"""The benchmark report draws every committed result as a well-formed SVG chart."""

from __future__ import annotations

import json
import runpy
import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results"


def test_report_draws_a_chart_per_result_family(tmp_path: Path, capsys, monkeypatch) -> None:
    for name in ("gas.json", "cid.json"):
        shutil.copy(RESULTS / name, tmp_path / name)
    (tmp_path / "indexer-sqlite.json").write_text(
        json.dumps({"events": 10, "seconds": 1, "events_per_s": 1234.0, "raw_fetch_decode_events_per_s": 2000.0})
    )
    monkeypatch.setattr(sys, "argv", ["report.py", "--results", str(tmp_path)])
    runpy.run_path(str(RESULTS.parent / "report.py"), run_name="__main__")
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["written"] == ["gas.svg", "indexer.svg", "cid.svg", "report.html"]
    gas_svg = ET.parse(tmp_path / "gas.svg").getroot()
    texts = " ".join(t.text or "" for t in gas_svg.iter("{http://www.w3.org/2000/svg}text"))
    gas = json.loads((RESULTS / "gas.json").read_text())
    assert f"{gas['purchase_eth']:,} gas" in texts and "417,585 gas (quoted)" in texts
    assert f"{gas['purchase_eth']:,} gas (quoted)" not in texts
    assert "1,234 ev/s" in (tmp_path / "indexer.svg").read_text()


def _rects(svg: Path) -> dict[str, list[ET.Element]]:
    rects = ET.parse(svg).getroot().iter("{http://www.w3.org/2000/svg}rect")
    out: dict[str, list[ET.Element]] = {"quoted": [], "measured": []}
    for r in rects:
        if r.get("class") in out:
            out[r.get("class", "")].append(r)
    return out


def test_quoted_figures_are_drawn_apart_and_sourced() -> None:
    """Other projects' figures are dashed outlines with a source note; ours are filled bars."""
    for name, quoted, source in (("gas.svg", 2, "issue 3"), ("indexer.svg", 2, "issue 4")):
        svg = RESULTS / name
        rects = _rects(svg)
        assert len(rects["quoted"]) == quoted and rects["measured"], name
        assert all(r.get("fill") == "none" and r.get("stroke-dasharray") for r in rects["quoted"])
        assert all(r.get("fill") != "none" and not r.get("stroke-dasharray") for r in rects["measured"])
        assert f"quoted in {source}" in svg.read_text() and "not measured here" in svg.read_text()
    assert _rects(RESULTS / "cid.svg")["quoted"] == []


def test_readme_quotes_the_committed_results() -> None:
    """The README's gas and content figures are the ones the named commands saved."""
    readme = (RESULTS.parents[1] / "README.md").read_text()
    gas = json.loads((RESULTS / "gas.json").read_text())
    for op in ("register_repeat", "register_batch_per_work", "purchase_eth", "purchase_signed_offer"):
        assert f"`{op}` {gas[op]:,}" in readme, op
    cid = json.loads((RESULTS / "cid.json").read_text())
    assert f"CIDv0 at {cid['256']['ratio']:.2f}× the speed of one plain sha256 pass at 256 MB" in readme
    assert f"({cid['64']['ratio']:.2f}× at 64 MB)" in readme
    assert f"peak RSS {round(cid['256']['peak_rss_mb'])} MB" in readme
    assert abs(cid["256"]["peak_rss_mb"] - cid["64"]["peak_rss_mb"]) < 1
