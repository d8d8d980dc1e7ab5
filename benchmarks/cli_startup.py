"""Start-up time of the ``copyright-hub`` CLI: ``--help``, ``cid`` of a small file and ``licence show``.

    python benchmarks/cli_startup.py [--runs 20] [--save benchmarks/results/cli-startup.json]

Starts a private anvil, deploys the hub, registers a work and sells one licence, then runs each
command ``--runs`` times as a fresh process (what a user waits for), interleaved with ``python -c pass``
so all of them share the machine's load in the same run. Reports per command the median and p95 wall
time and the median minus the ``python -c pass`` median (the CLI's own start-up; issue 12 asks for
< 0.3 s). ``licence show`` reads the chain through the web3-free reader (client_sdk.rpc_read); its time
includes the three JSON-RPC round trips. The last line printed is one JSON object.

Wall time is what a user waits for; on a machine shared with other jobs it is mostly waiting for a
core. So each run also records the process's own CPU time (user + system, from ``getrusage``), which
on an idle machine is close to its wall time: ``cpu_startup_s`` is the median CPU time minus
``python -c pass``'s, the number to compare with the target when ``load_average_1m`` exceeds the cores.

Bytecode: the commands run with a private ``PYTHONPYCACHEPREFIX`` (a temporary folder the unmeasured
first run fills) and without ``PYTHONDONTWRITEBYTECODE``, so each measured start reads compiled
modules as an installed CLI does; with bytecode writing off and no cache, every start would compile
the hub's own modules from source again (about 0.1 s more on this machine).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from benchmarks._output import emit

#: the installed entry point beside this interpreter (what `make up` users run), else the module
SCRIPT = Path(sys.executable).with_name("copyright-hub")
HUB = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "copyright_hub.cli"]
#: each measured command
COMMANDS = {
    "python_pass": [sys.executable, "-c", "pass"],
    "help": [*HUB, "--help"],
    "cid_small_file": [*HUB, "cid", "{small}"],
    "licence_show": [*HUB, "licence", "show", "{licence}"],
}
TARGET_SECONDS = 0.3


def _one_licence(tmp: Path) -> tuple[object, str, int]:
    """A running anvil with the hub deployed and one licence sold: (node, deployments dir, licence id)."""
    from client_sdk import Hub, Right, Terms
    from client_sdk.accounts import from_mnemonic
    from client_sdk.chain import connect
    from client_sdk.deploy import deploy
    from copyright_hub.devnet import load_config, spawn_anvil

    config = load_config()
    node = spawn_anvil(config=config)
    w3 = connect(node.url)
    deployer, studio, buyer = (from_mnemonic(config.mnemonic, i) for i in range(3))
    deployments = tmp / "deployments"
    deployment = deploy(w3, deployer, deployments).deployment
    seller = Hub(w3, deployment, studio)
    work = seller.register_work(hashlib.sha256(b"cli start-up film").digest(), "bafycontent", "bafymeta", 0)
    now = seller.chain_time()
    offer = seller.create_offer(Terms(work.work_id, int(Right.SCREENING), now, now + 365 * 86_400, price=10**15))
    bought = Hub(w3, deployment, buyer).purchase(offer, max_price=10**15)
    return node, str(deployments), bought.licence_id


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20, help="repetitions of each command (default 20)")
    parser.add_argument("--save", type=Path, help="also write the JSON result here")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        small = tmp / "small.txt"
        small.write_bytes(b"a small file\n" * 10)
        node, deployments, licence = _one_licence(tmp)
        try:
            env = dict(
                os.environ,
                COPYRIGHT_HUB_RPC_URL=node.url,  # type: ignore[attr-defined]
                COPYRIGHT_HUB_DEPLOYMENTS_DIR=deployments,
                PYTHONPYCACHEPREFIX=str(tmp / "pycache"),
            )
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            argv = {k: [a.format(small=small, licence=licence) for a in v] for k, v in COMMANDS.items()}
            for k, cmd in argv.items():  # once each, unmeasured: the page cache and .pyc files warm for all
                done = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=tmp)
                if done.returncode != 0:
                    sys.exit(f"{k} failed: {done.stderr.strip()}")
            times: dict[str, list[float]] = {k: [] for k in argv}
            cpu: dict[str, list[float]] = {k: [] for k in argv}
            load_before = os.getloadavg()[0]
            for _ in range(args.runs):
                for k, cmd in argv.items():  # interleaved: every command meets the same load
                    r0, t0 = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
                    subprocess.run(cmd, env=env, capture_output=True, cwd=tmp, check=True)
                    times[k].append(time.perf_counter() - t0)
                    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
                    cpu[k].append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
        finally:
            node.stop()  # type: ignore[attr-defined]

    base = statistics.median(times["python_pass"])
    cpu_base = statistics.median(cpu["python_pass"])
    result: dict[str, object] = {
        "benchmark": "cli_startup",
        "runs": args.runs,
        "cpus": os.cpu_count(),
        "load_average_1m": round(load_before, 2),
        "command": HUB,
        "python_pass_median_s": round(base, 4),
        "python_pass_cpu_median_s": round(cpu_base, 4),
        "target_s": TARGET_SECONDS,
    }
    for k, values in times.items():
        if k == "python_pass":
            continue
        median = statistics.median(values)
        result[k] = {
            "median_s": round(median, 4),
            "p95_s": round(_quantile(values, 0.95), 4),
            "startup_s": round(median - base, 4),
            "p95_startup_s": round(_quantile(values, 0.95) - base, 4),
            "cpu_median_s": round(statistics.median(cpu[k]), 4),
            "cpu_startup_s": round(statistics.median(cpu[k]) - cpu_base, 4),
            "within_target": median - base < TARGET_SECONDS,
            "cpu_within_target": statistics.median(cpu[k]) - cpu_base < TARGET_SECONDS,
        }
    emit(result, args.save)


if __name__ == "__main__":
    main()
