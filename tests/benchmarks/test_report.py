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
    assert f"{gas['purchase_eth']:,} gas" in texts and "417,585 gas" in texts
    assert "1,234 ev/s" in (tmp_path / "indexer.svg").read_text()
