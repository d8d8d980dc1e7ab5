"""Catalogue registration: ``copyright-hub register-many`` against one ``copyright-hub register`` per file.

    python benchmarks/catalogue.py --files 500 [--sample 10] [--large-mb 256] [--save PATH]

It starts a private anvil, deploys the hub and generates ``--files`` media files of mixed sizes (most
small, some of a few MiB, as a catalogue of clips, stills and audio is), with a CSV sidecar of
bilingual titles and, every fifth row, a co-owner split. It then times, in the same run:

* ``register-many`` over the whole folder (one process: hashing, storing metadata, batches);
* ``register`` once per file over a ``--sample`` of other files of the same mix (one process each,
  as a shell loop would), extrapolated per file.

Memory: ``register-many`` is run again over a folder of ``--small`` small files and over one of two
``--large-mb`` MiB files, and the peak RSS of each process is reported (from ``wait4``): flat in file
size means the two peaks are close. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks._output import emit  # noqa: E402
from client_sdk.chain import connect  # noqa: E402
from client_sdk.deploy import deploy  # noqa: E402
from copyright_hub.devnet import load_config, spawn_anvil  # noqa: E402

HUB = [sys.executable, "-m", "copyright_hub.cli"]
#: sizes of the generated files, cycled: clips' thumbnails, audio snippets, short clips, a few MiB
SIZES = (4_096, 48_000, 180_000, 700_000, 2_500_000, 24_000, 9_000, 350_000, 4_200_000, 90_000)
CO_OWNER = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"


def _write(path: Path, size: int, seed: str) -> None:
    block = hashlib.shake_256(seed.encode()).digest(min(size, 1 << 20))
    with path.open("wb") as fh:
        left = size
        counter = 0
        while left > 0:  # distinct content per file and per MiB, without holding the file in memory
            chunk = (
                block
                if counter == 0
                else hashlib.shake_256(block[:64] + counter.to_bytes(8, "big")).digest(min(left, 1 << 20))
            )
            fh.write(chunk[:left])
            left -= min(left, len(chunk))
            counter += 1


def _catalogue(folder: Path, n: int, studio: str, prefix: str, sizes: tuple[int, ...] = SIZES) -> list[Path]:
    folder.mkdir(parents=True)
    rows, files = [], []
    for i in range(n):
        path = folder / f"{prefix}-{i:04d}.mp4"
        _write(path, sizes[i % len(sizes)], f"{prefix}-{i}")
        files.append(path)
        row = {"file": path.name, "title_en": f"Clip {i}", "title_zh": f"片段 {i}", "type": "short_video", "splits": ""}
        if i % 5 == 0:
            row["splits"] = f"{studio}:8000;{CO_OWNER}:2000"
        rows.append(row)
    with (folder / "catalogue.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return files


def _peak_rss(args: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (bytes) of one process, from wait4 (Popen would reap it first)."""
    started = time.perf_counter()
    quiet = [(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0)]  # the summary JSON is not this script's output
    pid = os.posix_spawn(args[0], args, env, file_actions=quiet)
    _pid, status, usage = os.wait4(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args[2:5])} exited {os.waitstatus_to_exitcode(status)}")
    return time.perf_counter() - started, usage.ru_maxrss * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--sample", type=int, default=10, help="files registered one `register` each")
    parser.add_argument("--small", type=int, default=50, help="small files for the memory comparison")
    parser.add_argument("--large-mb", type=int, default=256, help="size of each of the two large files")
    parser.add_argument("--save", type=Path)
    args = parser.parse_args()
    config = load_config()
    with tempfile.TemporaryDirectory(prefix="catalogue-bench-") as tmp, spawn_anvil() as node:
        root = Path(tmp)
        w3 = connect(node.url)
        from client_sdk import accounts

        deployer = accounts.from_mnemonic(config.mnemonic, 0)
        studio = accounts.from_mnemonic(config.mnemonic, 1)
        deploy(w3, deployer, root / "deployments")
        env = dict(
            os.environ,
            COPYRIGHT_HUB_RPC_URL=node.url,
            COPYRIGHT_HUB_DEPLOYMENTS_DIR=str(root / "deployments"),
            COPYRIGHT_HUB_CONTENT_DIR=str(root / "content"),
            STUDIO_KEY="0x" + bytes(studio.key).hex(),
        )
        batch_files = _catalogue(root / "batch", args.files, studio.address, "batch")
        sample_files = _catalogue(root / "single", args.sample, studio.address, "single")
        batch_bytes = sum(p.stat().st_size for p in batch_files)

        many = [*HUB, "register-many", str(root / "batch"), "--key-env", "STUDIO_KEY", "--json"]
        batch_s, batch_rss = _peak_rss(many, env)
        single_s = 0.0
        for i, path in enumerate(sample_files):
            one = [*HUB, "register", str(path), "--title-en", f"Single {i}", "--title-zh", f"单 {i}"]
            one += ["--type", "short_video", "--key-env", "STUDIO_KEY"]
            single_s += _peak_rss(one, env)[0]

        small = root / "small"
        _catalogue(small, args.small, studio.address, "small", sizes=(10_000,))
        small_s, small_rss = _peak_rss([*HUB, "register-many", str(small), "--key-env", "STUDIO_KEY", "--json"], env)
        large = root / "large"
        _catalogue(large, 2, studio.address, "large", sizes=(args.large_mb << 20,))
        large_s, large_rss = _peak_rss([*HUB, "register-many", str(large), "--key-env", "STUDIO_KEY", "--json"], env)

    batch_rate = args.files / batch_s
    single_rate = args.sample / single_s
    result: dict[str, Any] = {
        "benchmark": "catalogue",
        "files": args.files,
        "bytes": batch_bytes,
        "register_many_seconds": round(batch_s, 2),
        "register_many_files_per_s": round(batch_rate, 2),
        "register_sample": args.sample,
        "register_seconds_per_file": round(single_s / args.sample, 3),
        "register_files_per_s": round(single_rate, 3),
        "ratio": round(batch_rate / single_rate, 1),
        "peak_rss_mb": {
            "register_many_mixed": round(batch_rss / 2**20, 1),
            f"small_{args.small}x10KB": round(small_rss / 2**20, 1),
            f"large_2x{args.large_mb}MiB": round(large_rss / 2**20, 1),
        },
        "large_mb_per_s": round(2 * args.large_mb / large_s, 1),
        "small_seconds": round(small_s, 2),
    }
    emit(result, args.save)


if __name__ == "__main__":
    main()
