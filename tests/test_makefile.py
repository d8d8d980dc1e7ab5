"""`make install` refuses, in one line naming what to install, when Node.js or npm is missing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _path_with(tmp: Path, tools: list[str]) -> str:
    """A PATH holding only the named tools (symlinked), so others look uninstalled."""
    bin_dir = tmp / "bin"
    bin_dir.mkdir()
    for tool in tools:
        # the real interpreter, not a version-manager shim that needs its own PATH
        found = str(Path(sys.executable).resolve()) if tool == "python3" else shutil.which(tool)
        assert found, f"{tool} is needed to run this test"
        (bin_dir / tool).symlink_to(found)
    return str(bin_dir)


def _tools_check(tmp: Path, tools: list[str]) -> subprocess.CompletedProcess[str]:
    stamps = tmp / "stamps"
    env = dict(os.environ, PATH=_path_with(tmp, tools))
    return subprocess.run(
        [shutil.which("make") or "make", "-s", "-C", str(REPO), f"STAMPS={stamps}", f"{stamps}/tools"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_missing_node_is_named_in_one_line(tmp_path: Path) -> None:
    proc = _tools_check(tmp_path, ["bash", "python3", "mkdir", "touch"])
    assert proc.returncode != 0
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    assert lines == ["make install: Node.js 20+ is required for solc-js and anvil; install Node.js 20 or newer"]


def test_missing_npm_is_named(tmp_path: Path) -> None:
    proc = _tools_check(tmp_path, ["bash", "python3", "mkdir", "touch", "node"])
    assert proc.returncode != 0
    assert "npm is required" in proc.stdout


def test_all_tools_present_passes(tmp_path: Path) -> None:
    proc = _tools_check(tmp_path, ["bash", "python3", "mkdir", "touch", "node", "npm"])
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _dry_run(target: str) -> str:
    proc = subprocess.run(
        [shutil.which("make") or "make", "-n", "-C", str(REPO), target], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_bench_leaves_committed_results_alone() -> None:
    """`make bench` saves into a scratch folder; only the explicit targets rewrite benchmarks/results/."""
    bench = _dry_run("bench")
    assert "benchmarks/gas.py --check --save .stamps/bench/gas.json" in bench
    assert "--save benchmarks/results" not in bench and "> benchmarks/results" not in bench
    assert "benchmarks/report.py --results .stamps/bench" in bench
    assert "benchmarks/gas.py --save benchmarks/results/gas.json" in _dry_run("gas-baseline")
    assert "benchmarks/gas.py" not in _dry_run("bench-results")
