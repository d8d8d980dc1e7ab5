"""The one module that loads compiled contract artifacts (ABI, bytecode) from ``contracts/build``."""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from contracts import BUILD_DIR

from .errors import ConfigurationError


@dataclass(frozen=True)
class Artifact:
    """A compiled contract.

    ``sha256`` is the sha256 of the creation bytecode: the identity of the compiled code that a
    deployment manifest records.
    """

    name: str
    abi: list[dict[str, Any]]
    bytecode: bytes
    deployed_bytecode: bytes
    immutable_references: dict[str, list[dict[str, int]]]
    compiler: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.bytecode).hexdigest()

    def code_matches(self, onchain: bytes) -> bool:
        """Whether deployed code equals this artifact's runtime code, immutables masked out."""
        expected = bytearray(self.deployed_bytecode)
        actual = bytearray(onchain)
        if len(expected) != len(actual) or not expected:
            return False
        for refs in self.immutable_references.values():
            for ref in refs:
                start, length = ref["start"], ref["length"]
                expected[start : start + length] = actual[start : start + length]
        return bytes(expected) == bytes(actual)


@functools.cache
def load_artifact(name: str) -> Artifact:
    """Load ``contracts/build/<name>.json``; raises :class:`ConfigurationError` if missing."""
    path = BUILD_DIR / f"{name}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigurationError(
            f"contract artifact {name!r} not found at {path}; run `python -m contracts.build`"
        ) from None
    return Artifact(
        name=name,
        abi=data["abi"],
        bytecode=bytes.fromhex(data["bytecode"].removeprefix("0x")),
        deployed_bytecode=bytes.fromhex(data["deployedBytecode"].removeprefix("0x")),
        immutable_references=data.get("immutableReferences", {}),
        compiler=data["compiler"]["version"],
    )


def artifact_names() -> list[str]:
    """Every artifact in the build folder."""
    return sorted(p.stem for p in BUILD_DIR.glob("*.json"))


@functools.cache
def all_abi_entries() -> tuple[dict[str, Any], ...]:
    """Every ABI entry (events, errors, functions) of every artifact, deduplicated by signature."""
    seen: dict[str, dict[str, Any]] = {}
    for name in artifact_names():
        for entry in load_artifact(name).abi:
            if entry.get("type") in {"event", "error"}:
                sig = entry["type"] + ":" + entry["name"] + "(" + ",".join(_canonical(i) for i in entry["inputs"]) + ")"
                seen.setdefault(sig, entry)
    return tuple(seen.values())


def _canonical(param: dict[str, Any]) -> str:
    t: str = param["type"]
    if t.startswith("tuple"):
        return "(" + ",".join(_canonical(c) for c in param["components"]) + ")" + t[len("tuple") :]
    return t
