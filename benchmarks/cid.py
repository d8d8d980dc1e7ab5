"""CID throughput against plain sha256, plus encryption speed and peak memory.

    python benchmarks/cid.py --mb 256 [--save benchmarks/results/cid.json]

Writes MB megabytes of random data to a temporary file, then, in the same run and over the same
bytes: sha256 with hashlib (the floor: one hash pass), the CIDv0 and CIDv1 of the file as `ipfs add`
computes them, and chunked AES-256-GCM encryption (output discarded). Each is timed twice, best kept,
so the page cache is warm for all. The last line printed is one JSON object; ``peak_rss_mb`` is the
process's peak resident memory, which should not grow with ``--mb``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from client_sdk.content.cid import READ_SIZE, compute_cid
from client_sdk.content.crypto import encrypt_stream, new_content_key


def _sha256(path: str) -> str:
    h = hashlib.sha256()
    buf = bytearray(READ_SIZE)
    view = memoryview(buf)
    with open(path, "rb", buffering=0) as fh:
        while n := fh.readinto(buf):
            h.update(view[:n])
    return h.hexdigest()


class _Null:
    def write(self, data: bytes) -> int:
        return len(data)


def _encrypt(path: str) -> None:
    with open(path, "rb") as fh:
        encrypt_stream(fh, _Null(), new_content_key())  # type: ignore[arg-type]


def _best(fn, *args) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(2):
        t0 = time.perf_counter()
        fn(*args)
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=int, default=256, help="size of the test file in MiB")
    ap.add_argument("--save", type=Path, help="merge the result into this JSON file, keyed by size")
    args = ap.parse_args()

    fd, path = tempfile.mkstemp(prefix="cid-bench-")
    try:
        with os.fdopen(fd, "wb") as fh:
            block = os.urandom(1 << 20)
            for i in range(args.mb):
                fh.write(i.to_bytes(8, "big") + block[8:])  # distinct chunks, cheap to make
        mb = args.mb
        t_sha = _best(_sha256, path)
        t_cid0 = _best(compute_cid, path, 0)
        t_cid1 = _best(compute_cid, path, 1)
        t_enc = _best(_encrypt, path)
        print(f"sha256   {mb / t_sha:8.1f} MB/s")
        print(f"CIDv0    {mb / t_cid0:8.1f} MB/s   {compute_cid(path, 0)}")
        print(f"CIDv1    {mb / t_cid1:8.1f} MB/s   {compute_cid(path, 1)}")
        print(f"encrypt  {mb / t_enc:8.1f} MB/s")
    finally:
        os.unlink(path)
    result = {
        "mb": mb,
        "cid_mb_per_s": round(mb / t_cid0, 1),
        "cid_v1_mb_per_s": round(mb / t_cid1, 1),
        "sha256_mb_per_s": round(mb / t_sha, 1),
        "ratio": round(t_sha / t_cid0, 3),
        "encrypt_mb_per_s": round(mb / t_enc, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    if args.save:
        saved = json.loads(args.save.read_text()) if args.save.exists() else {}
        saved[str(mb)] = result
        args.save.parent.mkdir(parents=True, exist_ok=True)
        args.save.write_text(json.dumps(saved, indent=2, sort_keys=True) + "\n")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
